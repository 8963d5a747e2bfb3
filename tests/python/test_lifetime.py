"""Objects and their connection: each object is freed with the Python
object, objects kept after the connection closed raise and never crash,
and threads share a connection one call at a time while the GIL is
released during a long job."""
import gc
import os
import threading
import time
import weakref

import pytest

import strata
from conftest import MiB, qcow2, qemu_io


@pytest.fixture
def dom(tmp, conn):
    d = conn.define_as("vm", {"vda": qcow2(os.path.join(tmp, "vda.qcow2"), "8M")})
    d.snapshot_create_as("s1")
    d.snapshot_create_as("s2")
    return d


def test_freed_with_the_python_object(conn, dom):
    snap = dom.snapshot_lookup("s2")
    refs = [weakref.ref(snap), weakref.ref(dom.snapshot_current()), weakref.ref(conn.lookup_domain("vm"))]
    del snap
    for r in refs:
        assert r() is None, "an object outlived its last reference"
    # Many handles made and dropped: nothing accumulates or breaks.
    for _ in range(2000):
        conn.lookup_domain("vm").snapshot_lookup("s1").parent
    assert dom.snapshot_list_names() == ["s1", "s2"]


def test_objects_outlive_their_connection(tmp):
    state, run = os.path.join(tmp, "st"), os.path.join(tmp, "rn")
    with strata.Connection(state_dir=state, run_dir=run) as c:
        dom = c.define_as("vm", [("vda", qcow2(os.path.join(tmp, "a.qcow2"), "8M"))])
        snap = dom.snapshot_create_as("s1")
        parent_less = snap.parent
        it = c.domains()
    assert c.closed and parent_less is None
    conn_ref = weakref.ref(c)
    del c
    gc.collect()
    # The domain keeps its Connection object (closed) alive.
    assert conn_ref() is dom.connection and dom.connection.closed
    with pytest.raises(strata.InvalidArgError):
        snap.revert()
    with pytest.raises(strata.InvalidArgError):
        next(it)
    with pytest.raises(strata.InvalidArgError):
        dom.snapshot_lookup("s1")
    assert repr(dom) == "<strata.Domain 'vm'>" and snap.domain is dom
    # Dropping them in any order after the close is safe.
    del dom, it
    gc.collect()
    assert snap.name == "s1"
    del snap
    gc.collect()
    assert conn_ref() is None
    # And the state is untouched for the next connection.
    with strata.Connection(state_dir=state, run_dir=run) as c2:
        assert c2.lookup_domain("vm").snapshot_list_names() == ["s1"]


def test_threads_share_a_connection(conn, dom):
    errors = []

    def worker():
        try:
            for _ in range(100):
                assert dom.snapshot_list_names() == ["s1", "s2"]
                assert conn.list_domains() == ["vm"]
        except Exception as e:      # reported below, not lost in a thread
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_gil_released_during_a_merge(tmp, conn):
    # 16 MiB at 8 MiB/s: two seconds in the library.  Another thread
    # counts meanwhile; with the GIL held by the merge it would only run
    # while the callback runs, a few milliseconds per report.
    base = qcow2(os.path.join(tmp, "b.qcow2"), "32M")
    assert qemu_io(base, "write -P 0x11 0 16M")
    dom = conn.define_as("slow", [("vda", base)])
    dom.snapshot_create_as("s1")
    assert qemu_io(dom.get_disks()[0].path, "write -P 0x22 16M 16M")
    dom.snapshot_create_as("s2")
    stop = threading.Event()
    counted = [0.0]

    def count():
        while not stop.is_set():
            start = time.thread_time()
            for _ in range(10000):
                pass
            counted[0] += time.thread_time() - start

    t = threading.Thread(target=count)
    t.start()
    try:
        began = time.monotonic()
        dom.snapshot_lookup("s1").delete(speed=8 * MiB)
        took = time.monotonic() - began
    finally:
        stop.set()
        t.join()
    assert took > 1.0, "the merge was too quick to tell (%.2f s)" % took
    assert counted[0] > took / 2, \
        "the other thread ran %.2f s of a %.2f s merge: the GIL was held" % (counted[0], took)
    assert dom.snapshot_list_names() == ["s2"]


def test_defaults_are_strata_defaults(monkeypatch, tmp):
    # None: the directories strata(1) would use (SPEC §2).
    monkeypatch.setenv("STRATA_STATE_DIR", os.path.join(tmp, "env-state"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", os.path.join(tmp, "xdg"))
    with strata.Connection() as c:
        assert c.state_dir == os.path.join(tmp, "env-state")
        assert c.run_dir == os.path.join(tmp, "xdg", "strata")
        assert c.list_domains() == []
    with strata.Connection(None, os.path.join(tmp, "r")) as c:
        assert c.run_dir == os.path.join(tmp, "r") and "closed" not in repr(c)
    assert "closed" in repr(c)
