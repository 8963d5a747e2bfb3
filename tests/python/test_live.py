"""Live domains, exports and digests through the module: start, the
writable export read back with libnbd, a point-in-time export, digests
that follow the content, stop."""
import os

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
