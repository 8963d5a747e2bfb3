"""scripts/examples/backup.py, the backup pipeline example: a full backup
of s1 over NBD, then an incremental one of s2 that copies only the
extents strata's diff reports, each proven equal to `qemu-img convert
-O raw` of that point in time."""
import os
import subprocess
import sys

import pytest

from conftest import MiB, qcow2, qemu_io, raw_copy, same_content

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "examples", "backup.py")


def backup(conn, *args):
    return subprocess.run([sys.executable, SCRIPT, "--state-dir", conn.state_dir,
                           "--run-dir", conn.run_dir] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_help_and_errors(tmp, conn):
    p = subprocess.run([SCRIPT, "--help"], stdout=subprocess.PIPE, text=True)
    assert p.returncode == 0 and "--since" in p.stdout
    p = backup(conn, "nope", "s1", os.path.join(tmp, "out.raw"))
    assert p.returncode == 1
    assert p.stderr.startswith("backup.py: ") and "'nope'" in p.stderr
    assert "Traceback" not in p.stderr
    p = backup(conn, "--since", "s0", "nope", "s1", os.path.join(tmp, "missing.raw"))
    assert p.returncode == 1 and "does not exist" in p.stderr
    p = subprocess.run([SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.returncode == 2 and "usage:" in p.stderr


def test_full_then_incremental(tmp, conn):
    pytest.importorskip("nbd")
    base = qcow2(os.path.join(tmp, "vda.qcow2"), "64M")
    assert qemu_io(base, "write -P 0x11 0 8M")
    assert qemu_io(base, "write -P 0x12 40M 1M")
    dom = conn.define_as("vm", [("vda", base)])
    dom.snapshot_create_as("s1")
    # After s1: new data, rewritten data, and zeros over old data.
    mid = dom.get_disks()[0].path
    assert qemu_io(mid, "write -P 0x21 16M 2M")
    assert qemu_io(mid, "write -P 0x22 1M 1M")
    assert qemu_io(mid, "write -z 40M 1M")
    dom.snapshot_create_as("s2")
    # And after s2, what neither backup may contain.
    assert qemu_io(dom.get_disks()[0].path, "write -P 0x33 0 64M")

    out = os.path.join(tmp, "vm.raw")
    p = backup(conn, "vm", "s1", out)
    assert p.returncode == 0, p.stderr
    assert same_content(raw_copy(base, os.path.join(tmp, "s1.raw")), out, "raw", "raw")
    assert "full" in p.stdout

    extents = [(e.offset, e.length) for e in dom.diff("s1", "s2")]
    assert extents and sum(n for _, n in extents) < 16 * MiB
    p = backup(conn, "--since", "s1", "vm", "s2", out)
    assert p.returncode == 0, p.stderr
    copied = int(p.stdout.split(": ")[1].split()[0])
    assert copied == sum(n for _, n in extents), "copied more than the diff: " + p.stdout
    assert same_content(raw_copy(mid, os.path.join(tmp, "s2.raw")), out, "raw", "raw")
    # The exports went with the script.
    assert dom.list_exports() == []
