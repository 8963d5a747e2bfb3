"""Live domains, exports and digests through the module: start, the
writable export read back with libnbd, a point-in-time export, digests
that follow the content, stop; the daemon's block jobs: none when idle,
the one a strata killed mid-merge left, until the same delete adopts it."""
import os
import signal
import subprocess
import sys

import pytest

import strata
from conftest import MiB, qcow2, qemu_io


def test_live_and_digest(tmp, conn):
    nbd = pytest.importorskip("nbd")
    base = qcow2(os.path.join(tmp, "vda.qcow2"), "16M")
    assert qemu_io(base, "write -P 0x11 0 1M")
    dom = conn.define_as("vm", [("vda", base)])
    s1 = dom.snapshot_create_as("s1")
    assert not dom.is_active()
    calls = []
    d1 = dom.digest(s1, progress=lambda done, total: calls.append(total))
    assert d1.startswith("xxh128-64k:") and calls
    assert dom.digest() == d1                       # nothing written since s1
    assert dom.digest("s1", sha256=True).startswith("sha256-64k:")

    dom.start()
    try:
        assert dom.is_active()
        live = [e for e in dom.list_exports() if e.writable]
        assert [e.disk for e in live] == ["vda"]
        h = nbd.NBD()
        h.connect_uri(live[0].uri)
        h.pwrite(b"\x22" * MiB, 2 * MiB)
        h.flush()
        h.shutdown()
        assert dom.digest() != d1
        assert dom.digest(s1) == d1
        assert [(e.offset, e.length) for e in dom.diff(s1)] == [(2 * MiB, MiB)]
        exports = dom.export(s1)
        assert [(e.disk, e.snapshot, e.writable) for e in exports] == [("vda", "s1", False)]
        h = nbd.NBD()
        h.connect_uri(exports[0].uri)
        assert h.pread(MiB, 0) == b"\x11" * MiB and h.pread(MiB, 2 * MiB) == bytes(MiB)
        h.shutdown()
        assert dom.export_stop(s1) == 1
        with pytest.raises(strata.NotFoundError):
            dom.export_stop(s1)
    finally:
        dom.stop()
    assert not dom.is_active()
    with pytest.raises(strata.NotFoundError):
        dom.stop()


def test_list_jobs_idle(tmp, conn):
    # No daemon: no jobs.  A live daemon with nothing running: none
    # either (a job a killed strata left would be listed here).
    dom = conn.define_as("idle", [("vda", qcow2(os.path.join(tmp, "idle.qcow2"), "8M"))])
    assert dom.list_jobs() == []
    dom.start()
    try:
        assert dom.is_active()
        assert dom.list_jobs() == []
    finally:
        dom.stop()
    assert dom.list_jobs() == []
    with pytest.raises(strata.InvalidArgError):
        dom.list_jobs(0)


KILLED_MID_MERGE = r"""
import os, signal, sys
import strata
conn = strata.Connection(sys.argv[1], sys.argv[2])
s1 = conn.lookup_domain("left").snapshot_lookup("s1")
s1.delete(speed=1024 * 1024, progress=lambda done, total: os.kill(os.getpid(), signal.SIGKILL))
"""


def test_list_jobs_of_a_killed_strata(tmp, conn):
    # A strata killed in the middle of a live merge leaves its job in
    # the daemon: listed, then adopted by the same delete.
    base = qcow2(os.path.join(tmp, "left.qcow2"), "16M")
    assert qemu_io(base, "write -P 0x11 0 4M")
    dom = conn.define_as("left", [("vda", base)])
    dom.snapshot_create_as("s1")
    assert qemu_io(dom.get_disks()[0].path, "write -P 0x22 4M 4M")
    dom.snapshot_create_as("s2")
    dom.start()
    try:
        p = subprocess.run([sys.executable, "-c", KILLED_MID_MERGE, conn.state_dir, conn.run_dir])
        assert p.returncode == -signal.SIGKILL
        jobs = dom.list_jobs()
        assert len(jobs) == 1, jobs
        job = jobs[0]
        assert isinstance(job, strata.Job)
        assert job.id.startswith("strata-delete-") and job.type in ("commit", "stream")
        # Killed at its first report, at 1 MiB/s: far from done.
        assert job.status == "running" and job.done < job.total and job.total >= 4 * MiB
        dom.snapshot_lookup("s1").delete()
        assert dom.list_jobs() == []
        assert dom.snapshot_list_names() == ["s2"]
        now = dom.get_disks()[0].path
        assert qemu_io(now, "read -P 0x11 0 4M", read=True)
        assert qemu_io(now, "read -P 0x22 4M 4M", read=True)
    finally:
        dom.stop()
