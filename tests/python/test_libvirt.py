"""libvirt's own files through the module: a domain with a branch of
snapshots handed back with Domain.export_libvirt() comes back whole with
Connection.import_libvirt() into another state directory (same
snapshots, parents, current snapshot and XML), and a refused import
defines nothing."""
import os

import pytest

import strata
from conftest import qcow2


def test_export_then_import(tmp, conn):
    vda = qcow2(os.path.join(tmp, "vda.qcow2"))
    dom = conn.define_as("lv", [("vda", vda)])
    for name in ("s1", "s2"):
        dom.snapshot_create_as(name)
    dom.snapshot_lookup("s1").revert()
    dom.snapshot_create_as("s3")                     # a branch on s1
    out = os.path.join(tmp, "libvirt")
    dom.export_libvirt(out)
    assert os.path.exists(os.path.join(out, "lv.xml"))
    assert open(os.path.join(out, "snapshot", "lv", "s3.xml")).read().rstrip().endswith(
        "<active>1</active>\n</domainsnapshot>")

    with strata.Connection(state_dir=os.path.join(tmp, "state2"),
                           run_dir=os.path.join(tmp, "run2")) as other:
        back = other.import_libvirt("lv", out, os.path.join(out, "snapshot"))
        assert back.name == "lv"
        assert back.snapshot_list_names() == dom.snapshot_list_names()
        assert back.snapshot_current().name == "s3"
        assert back.snapshot_lookup("s3").get_parent().name == "s1"
        assert back.snapshot_lookup("s2").get_xml() == dom.snapshot_lookup("s2").get_xml()
        # Once is enough: a second import is a conflict, nothing changes.
        with pytest.raises(strata.ConflictError):
            other.import_libvirt("lv", out, os.path.join(out, "snapshot"))


def test_refused_import_defines_nothing(tmp, conn):
    etc = os.path.join(tmp, "etc")
    os.makedirs(os.path.join(tmp, "snap", "x"))
    os.makedirs(etc)
    open(os.path.join(etc, "x.xml"), "w").write("<domain type='kvm'><name>x</name>")
    with pytest.raises(strata.XmlError) as e:
        conn.import_libvirt("x", etc, os.path.join(tmp, "snap"))
    assert "x.xml" in str(e.value) or "x.xml" in (e.value.path or "")
    assert conn.list_domains() == []
    with pytest.raises(strata.InvalidNameError):
        conn.import_libvirt("../x", etc)
