"""Domain.list_orphans(), made as tests/func/api-orphans.sh makes them:
two snapshots, a revert that keeps the current layer, then every
snapshot's metadata deleted, so that the overlays strata made are named
by nothing.  The list agrees with `strata chain check DOMAIN --json`;
a user's overlay keeps both (backed_by); remove=True then unlinks them
and only them; a user's file of a strata-like name is never listed."""
import json
import os
import subprocess

import strata
from conftest import QEMU_IMG, active, qcow2, qemu_io, run


def program_orphans(conn, dom):
    # chain check exits non-zero when it finds orphans: not an error here.
    out = subprocess.run([os.environ.get("STRATA", "strata"), "--state-dir", conn.state_dir,
                          "--run-dir", conn.run_dir, "--json", "chain", "check", dom],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return [(o["path"], o.get("operation"), o.get("snapshot"), o.get("backed-by"),
             bool(o.get("removed"))) for o in json.loads(out.stdout)["orphans"]]


def test_list_orphans(tmp, conn):
    vda = qcow2(os.path.join(tmp, "vda.qcow2"), "8M")
    assert qemu_io(vda, "write -P 0x10 0 1M")
    dom = conn.define_as("web", [("vda", vda)])
    assert dom.list_orphans() == []

    s1 = dom.snapshot_create_as("s1", disk_only=True)
    ov1 = active(dom, "vda")
    assert qemu_io(ov1, "write -P 0x11 1M 256K")
    dom.snapshot_create_as("s2", disk_only=True)
    ov2 = active(dom, "vda")
    assert qemu_io(ov2, "write -P 0x12 2M 256K")
    s1.revert(keep_current=True)                # ov2 becomes a snapshot of its own
    assert dom.snapshot_num() == 3
    mine = os.path.join(tmp, "vda.s9")          # a user's file, named as strata names
    run(QEMU_IMG, "create", "-q", "-f", "qcow2", "-b", vda, "-F", "qcow2", mine)
    # Forget the metadata, leaves first; the files stay.
    while dom.snapshot_num():
        for name in dom.snapshot_list_names(leaves=True):
            dom.snapshot_lookup(name).delete(metadata_only=True)

    orphans = dom.list_orphans()
    assert all(isinstance(o, strata.Orphan) for o in orphans)
    assert [tuple(o) for o in orphans] == program_orphans(conn, "web")
    assert [o.path for o in orphans] == sorted([ov1, ov2])
    by_path = {o.path: o for o in orphans}
    assert by_path[ov1] == (ov1, "snapshot-create", "s1", None, False)
    assert by_path[ov2].operation == "snapshot-create" and by_path[ov2].snapshot == "s2"

    # A user's overlay on ov2 keeps it, and ov1 below it.
    theirs = os.path.join(tmp, "theirs.qcow2")
    run(QEMU_IMG, "create", "-q", "-f", "qcow2", "-b", ov2, "-F", "qcow2", theirs)
    kept = dom.list_orphans(remove=True)
    assert [(o.path, o.backed_by, o.removed) for o in kept] == \
        [(p, theirs, False) for p in sorted([ov1, ov2])]
    assert os.path.exists(ov1) and os.path.exists(ov2)

    os.unlink(theirs)
    removed = dom.list_orphans(remove=True, no_wait=True)
    assert [(o.path, o.removed) for o in removed] == [(p, True) for p in sorted([ov1, ov2])]
    assert not os.path.exists(ov1) and not os.path.exists(ov2)
    assert os.path.exists(mine) and os.path.exists(vda)
    assert dom.list_orphans() == [] and program_orphans(conn, "web") == []
    assert qemu_io(active(dom, "vda"), "read -P 0x10 0 1M", read=True)
