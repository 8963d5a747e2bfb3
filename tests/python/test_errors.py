"""Every error the module raises is the strata.Error subclass of its
code, with code, code_name, message and hint; each code that can be
provoked from Python is provoked here."""
import fcntl
import os

import pytest

import strata
from conftest import QEMU_IMG, qcow2, qemu_io, run

CODES = {
    "internal": strata.InternalError, "usage": strata.UsageError, "io": strata.IoError,
    "name": strata.InvalidNameError, "xml": strata.XmlError, "qcow2": strata.Qcow2Error,
    "chain": strata.ChainError, "qmp": strata.QmpError, "job": strata.JobError,
    "nbd": strata.NbdError, "busy": strata.BusyError, "not-found": strata.NotFoundError,
    "conflict": strata.ConflictError, "timeout": strata.DeadlineError,
    "invalid-arg": strata.InvalidArgError,
}


def test_one_class_per_code():
    assert sorted(strata.ERROR_CLASSES) == list(range(1, 16))
    for code, cls in strata.ERROR_CLASSES.items():
        assert issubclass(cls, strata.Error) and cls is not strata.Error
        assert cls.code == code
        assert CODES[cls.code_name] is cls
        assert getattr(strata, "ERR_" + cls.code_name.upper().replace("-", "_")) == code
        assert cls.__doc__
    assert issubclass(strata.InvalidArgError, TypeError)
    assert issubclass(strata.InvalidArgError, ValueError)
    assert issubclass(strata.Error, Exception)


def raises(cls, fn, *args, **kwargs):
    with pytest.raises(strata.Error) as info:
        fn(*args, **kwargs)
    e = info.value
    assert type(e) is cls, "%s raised %s: %s" % (fn, type(e).__name__, e)
    assert e.code == cls.code and e.code_name == cls.code_name
    assert isinstance(e.message, str) and e.message and str(e) == e.message
    assert e.hint is None or isinstance(e.hint, str)
    assert isinstance(e.errno, int)
    return e


@pytest.fixture
def dom(tmp, conn):
    d = conn.define_as("vm", {"vda": qcow2(os.path.join(tmp, "vda.qcow2"), "8M")})
    d.snapshot_create_as("s1")
    return d


def test_not_found(conn, dom):
    e = raises(strata.NotFoundError, conn.lookup_domain, "nope")
    assert "'nope'" in e.message
    e = raises(strata.NotFoundError, dom.snapshot_lookup, "s9")
    assert "'s9'" in e.message
    raises(strata.NotFoundError, strata.chain_open_file, os.path.join(conn.state_dir, "none.qcow2"))
    raises(strata.NotFoundError, dom.export_stop)
    s1 = dom.snapshot_lookup("s1")
    s1.delete(metadata_only=True)
    raises(strata.NotFoundError, s1.get_xml)     # a handle is a name
    raises(strata.NotFoundError, dom.snapshot_current)


@pytest.mark.parametrize("name", ["../x", "a/b", "", "x" * 10240], ids=["dotdot", "slash", "empty", "10k"])
def test_hostile_names(tmp, conn, dom, name):
    raises(strata.InvalidNameError, conn.lookup_domain, name)
    raises(strata.InvalidNameError, conn.define_as, name, [("vda", os.path.join(tmp, "vda.qcow2"))])
    raises(strata.InvalidNameError, dom.snapshot_lookup, name)
    raises(strata.InvalidNameError, dom.snapshot_create_as, name)
    assert conn.list_domains() == ["vm"]
    assert dom.snapshot_list_names() == ["s1"]


def test_invalid_arguments(tmp, conn, dom):
    s1 = dom.snapshot_lookup("s1")
    # Python's parser: unknown keywords, wrong types, embedded NULs,
    # positional flags.  Also TypeErrors, as Python code expects.
    e = raises(strata.InvalidArgError, dom.undefine, bogus=True)
    assert "bogus" in e.message and isinstance(e, TypeError)
    assert isinstance(e.__cause__, TypeError)
    raises(strata.InvalidArgError, s1.delete, childern=True)
    raises(strata.InvalidArgError, s1.delete, True)
    raises(strata.InvalidArgError, conn.lookup_domain, 3)
    raises(strata.InvalidArgError, conn.lookup_domain, "a\0b")
    raises(strata.InvalidArgError, conn.list_domains, "extra")
    raises(strata.InvalidArgError, strata.Connection, state_dir=3)
    raises(strata.InvalidArgError, s1.delete, speed=-1)
    raises(strata.InvalidArgError, s1.delete, progress="not callable")
    raises(strata.InvalidArgError, dom.diff, None)
    # The module's own checks of what it converts.
    for disks in ("vda", [], [("vda",)], [("vda", 3)], [{"dev": "vda"}], [{"dev": "vda", "path": "p", "x": 1}], 7):
        raises(strata.InvalidArgError, conn.define_as, "vm2", disks)
    raises(strata.InvalidArgError, dom.snapshot_create_as, "s2", disks=[("vda", "f", False, 4)])
    # The library's: empty directory names, flags that exclude each other.
    raises(strata.InvalidArgError, strata.Connection, state_dir="")
    raises(strata.InvalidArgError, s1.delete, children=True, children_only=True)
    raises(strata.InvalidArgError, s1.delete, metadata_only=True, verify=True)
    raises(strata.InvalidArgError, s1.delete, timeout=2 * 24 * 3600)
    chain = dom.chain_open_disk()
    raises(strata.InvalidArgError, chain.get_layer, len(chain))
    raises(strata.InvalidArgError, chain.get_fault, 0, 0)
    with pytest.raises(IndexError):
        chain[len(chain)]
    # Nothing of it changed anything.
    assert conn.list_domains() == ["vm"] and dom.snapshot_list_names() == ["s1"]


def test_closed_connection(tmp, conn, dom):
    s1 = dom.snapshot_lookup("s1")
    it = dom.snapshots()
    conn.close()
    assert conn.closed
    conn.close()                                # twice: nothing
    for fn, args in ((conn.lookup_domain, ("vm",)), (conn.list_domains, ()), (dom.get_xml, ()),
                     (dom.snapshot_num, ()), (s1.get_xml, ()), (s1.revert, ()), (s1.delete, ()),
                     (dom.chain_open_disk, ()), (dom.diff, ("s1",)), (next, (it,)),
                     (dom.block_commit, ("vda",)), (dom.block_pull, ("vda",)),
                     (dom.list_orphans, ()), (dom.list_jobs, ()), (s1.get_info, ())):
        e = raises(strata.InvalidArgError, fn, *args)
        assert "closed" in e.message
    with pytest.raises(strata.InvalidArgError):
        conn.state_dir
    with pytest.raises(strata.InvalidArgError):
        with conn:
            pass
    assert s1.name == "s1" and dom.name == "vm"   # names stay readable


def test_xml(conn, dom):
    raises(strata.XmlError, conn.define_xml, "<domain")
    raises(strata.XmlError, dom.snapshot_create_xml, "<domainsnapshot><name>")
    s1 = dom.snapshot_lookup("s1")
    raises(strata.XmlError, s1.edit, "<domainsnapshot>")


def test_conflict(tmp, conn, dom):
    raises(strata.ConflictError, conn.define_as, "vm", [("vda", os.path.join(tmp, "vda.qcow2"))])
    raises(strata.ConflictError, dom.snapshot_create_as, "s1")
    e = raises(strata.ConflictError, dom.undefine)
    assert e.hint
    s1 = dom.snapshot_lookup("s1")
    raises(strata.ConflictError, s1.edit, s1.get_xml().replace("<name>s1</name>", "<name>s9</name>"))
    renamed = s1.edit(s1.get_xml().replace("<name>s1</name>", "<name>s9</name>"), rename=True)
    assert renamed.name == "s9" and dom.snapshot_list_names() == ["s9"]


def test_usage(dom):
    xml = ("<domainsnapshot><name>i</name><disks><disk name='vda' snapshot='internal'/>"
           "</disks></domainsnapshot>")
    e = raises(strata.UsageError, dom.snapshot_create_xml, xml)
    assert e.hint


def test_chain(tmp, conn):
    top = os.path.join(tmp, "top.qcow2")
    run(QEMU_IMG, "create", "-q", "-f", "qcow2", "-u", "-b", os.path.join(tmp, "gone.qcow2"),
        "-F", "qcow2", top, "8M")
    e = raises(strata.ChainError, conn.define_as, "broken", [("vda", top)])
    assert e.path and e.path.endswith("gone.qcow2")
    # The chain itself is returned with its fault, as strata chain show.
    chain = strata.chain_open_file(top)
    assert chain.num_faults() == 1
    faulty = [i for i, layer in enumerate(chain) if layer.faults]
    assert len(faulty) == 1 and chain[faulty[0]].faults[0].code == "missing"
    assert chain.get_fault(faulty[0], 0) == chain[faulty[0]].faults[0]
    assert chain[faulty[0]].faults[0].hint is None      # nothing named gone.qcow2 beside it
    # A file of that name beside the overlay, of its format and size:
    # the fault says so (chain show's "hint:").
    os.mkdir(os.path.join(tmp, "moved"))
    run(QEMU_IMG, "create", "-q", "-f", "qcow2", "-u", "-b", os.path.join(tmp, "old", "base.qcow2"),
        "-F", "qcow2", os.path.join(tmp, "moved", "top.qcow2"), "8M")
    run(QEMU_IMG, "create", "-q", "-f", "qcow2", os.path.join(tmp, "moved", "base.qcow2"), "8M")
    fault = strata.chain_open_file(os.path.join(tmp, "moved", "top.qcow2"))[1].faults[0]
    assert fault.code == "missing" and os.path.join(tmp, "moved", "base.qcow2") in fault.hint


def test_io(tmp, conn):
    # A state directory under a regular file: mkdir fails with ENOTDIR.
    plain = os.path.join(tmp, "plain")
    open(plain, "w").close()
    with strata.Connection(state_dir=os.path.join(plain, "state"), run_dir=os.path.join(tmp, "r")) as c:
        e = raises(strata.IoError, c.define_as, "vm", [("vda", qcow2(os.path.join(tmp, "d.qcow2"), "8M"))])
    assert e.errno == 20    # ENOTDIR


def test_busy(tmp, conn, dom):
    # Another holder of the domain's lock (flock locks belong to an open
    # file, so one held here is another strata's to the library).
    fd = os.open(os.path.join(conn.state_dir, "vm", "lock"), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        e = raises(strata.BusyError, dom.snapshot_create_as, "s2", no_wait=True)
        assert e.hint
        raises(strata.BusyError, dom.snapshot_lookup("s1").revert, no_wait=True)
    finally:
        os.close(fd)
    dom.snapshot_create_as("s2", no_wait=True)
    assert dom.snapshot_list_names() == ["s1", "s2"]


def test_deadline(tmp, conn):
    # 16 MiB to merge at 1 MiB/s with one second per job: cancelled by
    # the deadline, nothing changed, and the same delete then finishes.
    base = qcow2(os.path.join(tmp, "b.qcow2"), "32M")
    assert qemu_io(base, "write -P 0x11 0 16M")
    dom = conn.define_as("slow", [("vda", base)])
    dom.snapshot_create_as("s1")
    assert qemu_io(dom.get_disks()[0].path, "write -P 0x22 16M 16M")
    dom.snapshot_create_as("s2")
    e = raises(strata.DeadlineError, dom.snapshot_lookup("s1").delete, speed=1024 * 1024, timeout=1)
    assert e.hint
    assert dom.snapshot_list_names() == ["s1", "s2"]
    assert qemu_io(dom.get_disks()[0].path, "read -P 0x22 16M 16M", read=True)
    dom.snapshot_lookup("s1").delete()
    assert dom.snapshot_list_names() == ["s2"]
    assert qemu_io(dom.get_disks()[0].path, "read -P 0x11 0 16M", read=True)


def test_revert_current(tmp, conn):
    from conftest import active
    vda = qcow2(os.path.join(tmp, "rc.qcow2"))
    dom = conn.define_as("rc", [("vda", vda)])
    s1 = dom.snapshot_create_as("s1")
    s1.revert()                                   # s1's overlay stays: s1 names it
    unnamed = active(dom, "vda")
    assert qemu_io(unnamed, "write -P 0x55 0 64K")
    with pytest.raises(strata.ConflictError) as e:
        s1.revert(check_current=True)             # data no snapshot names
    assert unnamed in str(e.value) and active(dom, "vda") == unnamed
    with pytest.raises(strata.InvalidArgError):
        s1.revert(check_current=True, discard_current=True)
    s1.revert(discard_current=True)
    assert not os.path.exists(unnamed)
