"""Snapshot.get_info() against `strata snapshot-info --json` of the
program, field for field, on a tree with a branch; a redefined snapshot
without a creation time; and a handle whose snapshot is gone."""
import json
import os
import subprocess

import pytest

import strata
from conftest import qcow2, qemu_io


def program_info(conn, dom, snap):
    out = subprocess.run([os.environ.get("STRATA", "strata"), "--state-dir", conn.state_dir,
                          "--run-dir", conn.run_dir, "--json", "snapshot-info", dom, snap],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_get_info_matches_the_program(tmp, conn):
    vda = qcow2(os.path.join(tmp, "vda.qcow2"), "8M")
    dom = conn.define_as("vm", [("vda", vda)])
    s1 = dom.snapshot_create_as("s1", "the first")
    assert qemu_io(dom.get_disks()[0].path, "write -P 0x11 0 64K")
    dom.snapshot_create_as("s2")
    s1.revert()
    dom.snapshot_create_as("s3")                    # s1 has two children now

    infos = {}
    for name in ("s1", "s2", "s3"):
        info = dom.snapshot_lookup(name).get_info()
        assert isinstance(info, strata.SnapshotInfo)
        want = program_info(conn, "vm", name)
        assert info.name == want["name"] == name
        assert info.domain == want["domain"] == "vm"
        assert info.parent == want["parent"]
        assert info.state == want["state"]
        assert info.creation_time == want["creation-time"]
        assert isinstance(info.creation_time, int)
        assert info.current is want["current"]
        assert info.external is (want["location"] == "external")
        assert info.children == want["children"]
        assert info.descendants == want["descendants"]
        infos[name] = info
    assert (infos["s1"].children, infos["s1"].descendants) == (2, 2)
    assert infos["s2"].parent == "s1" and infos["s1"].parent is None
    assert [n for n, i in infos.items() if i.current] == ["s3"]
    assert infos["s1"].description == "the first" and infos["s2"].description is None

    # Redefined from XML without <creationTime> or <state>.
    domxml = dom.get_xml()
    s9 = dom.snapshot_create_xml(
        "<domainsnapshot><name>s9</name><memory snapshot='no'/><disks>"
        "<disk name='vda' snapshot='external'><driver type='qcow2'/>"
        "<source file='%s'/></disk></disks>%s</domainsnapshot>"
        % (os.path.join(tmp, "vda.s9"), domxml.replace(dom.get_disks()[0].path, vda)),
        redefine=True)
    info = s9.get_info()
    assert info.creation_time is None and info.state == "nostate"
    assert program_info(conn, "vm", "s9").get("creation-time") is None

    # A handle is a name: the snapshot gone, its info raises.
    s9.delete(metadata_only=True)
    with pytest.raises(strata.NotFoundError):
        s9.get_info()
    with pytest.raises(strata.InvalidArgError):
        s1.get_info(0)
