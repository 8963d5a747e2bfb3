"""The scenario of tests/api/example.c through the Python module: define
a two-disk domain, write, snapshot twice, list, revert to the first
snapshot, branch, delete the root with a merge watched by a progress
callback, inspect a chain, and check every point's content with qemu-io."""
import os
import subprocess

import strata
from conftest import MiB, active, qcow2, reads, write


def snapshot_xml(name):
    return "<domainsnapshot><name>%s</name></domainsnapshot>" % name


def test_example_scenario(tmp, conn):
    vda = qcow2(os.path.join(tmp, "vda.qcow2"))
    vdb = qcow2(os.path.join(tmp, "vdb.qcow2"))

    dom = conn.define_as("api-vm", [("vda", vda, "qcow2"), {"dev": "vdb", "path": vdb}])
    assert dom.name == "api-vm"
    assert dom.connection is conn
    assert conn.list_domains() == ["api-vm"]
    assert [d.name for d in conn.domains()] == ["api-vm"]
    assert "vdb.qcow2" in dom.get_xml()
    assert [(d.dev, d.format) for d in dom.get_disks()] == [("vda", "qcow2"), ("vdb", "qcow2")]

    # Two points in time: 0x11 at 0, then 0x22 at 1 MiB.
    write(dom, 0x11, 0)
    s1 = dom.snapshot_create_xml(snapshot_xml("s1"))
    write(dom, 0x22, 1)
    s2 = dom.snapshot_create_as("s2", "the second")
    assert (s1.name, s2.name) == ("s1", "s2")
    assert dom.snapshot_num() == 2
    assert dom.snapshot_list_names() == ["s1", "s2"]
    it = dom.snapshots()
    assert iter(it) is it
    assert [s.name for s in it] == ["s1", "s2"]
    assert dom.snapshot_num(roots=True) == 1
    assert dom.snapshot_num(leaves=True) == 1
    assert dom.snapshot_list_names(leaves=True) == ["s2"]
    assert dom.snapshot_current().name == "s2"
    assert dom.snapshot_current() == s2
    assert s2.get_parent().name == "s1"
    assert s2.parent == s1
    xml = s2.get_xml()
    assert "<name>s2</name>" in xml and "<parent>" in xml and "the second" in xml
    try:
        s1.get_parent()
        raise AssertionError("a root has a parent")
    except strata.NotFoundError as e:
        assert e.code == strata.ERR_NOT_FOUND
    assert s1.parent is None

    # Back to s1: 1 MiB reads zeros again; then a branch s3.
    s1.revert()
    assert reads(dom, [0x11, 0])
    write(dom, 0x33, 2)
    s3 = dom.snapshot_create_xml(snapshot_xml("s3"))
    assert s1.list_children_names() == ["s2", "s3"]
    assert [s.name for s in s1.children()] == ["s2", "s3"]
    assert s1.list_children_names(descendants=True) == ["s2", "s3"]

    # Delete the root s1: its data (1 MiB per disk) merges into both
    # branches, shown first as a plan.
    plan = s1.delete_plan()
    assert len(plan.steps) >= 2
    assert plan.bytes >= 2 * MiB
    assert plan.deleted[0] == "s1"
    for step in plan.steps:
        assert step.kind in ("commit", "stream")
        assert step.disk in ("vda", "vdb") and step.top and step.base
    seen = []
    s1.delete(progress=lambda done, total: seen.append((done, total)))
    assert seen, "the progress callback was never called"
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:])), "done went backwards"
    assert seen[-1][0] == seen[-1][1] >= 2 * MiB
    assert dom.snapshot_num() == 2
    try:
        dom.snapshot_lookup("s1")
        raise AssertionError("s1 is still there")
    except strata.NotFoundError:
        pass

    # Every point kept its content.
    assert reads(dom, [0x11, 0, 0x33])
    s2.revert()
    assert reads(dom, [0x11, 0x22, 0])

    # The chain under vda, read from the headers: no fault, 64 MiB.
    chain = dom.chain_open_disk("vda")
    assert len(chain) == chain.num_layers() >= 2
    assert chain.num_faults() == 0
    assert chain[0].abs_path == active(dom, "vda")
    for layer in chain:
        assert layer.exists and layer.has_header and layer.has_alloc
        assert layer.virtual_size == 64 * MiB
        assert layer.faults == ()
    assert chain.get_layer(0) == chain[0]
    same = strata.chain_open_file(active(dom, "vda"))
    assert [l.abs_path for l in same] == [l.abs_path for l in chain]
    quick = dom.chain_open_disk("vda", no_allocation=True)
    assert not quick[0].has_alloc

    # What the library did is what the program sees.
    out = subprocess.run([os.environ.get("STRATA", "strata"), "--state-dir", conn.state_dir,
                          "--run-dir", conn.run_dir, "snapshot-list", "api-vm", "--name"],
                         stdout=subprocess.PIPE, text=True, check=True).stdout
    assert out.split() == ["s2", "s3"]
