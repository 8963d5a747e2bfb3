"""A long merge cancelled from the progress callback: the callback's
exception becomes the __cause__ of a strata.JobError (a
KeyboardInterrupt propagates as itself), the callback is not called
again, every point in time still reads as before, and the same delete
run again finishes."""
import os

import pytest

import strata
from conftest import MiB, qcow2, qemu_io, raw_copy, same_content


class Cancel(Exception):
    pass


@pytest.fixture
def merge(tmp, conn):
    """Domain 'c': s1 holds 64 MiB of 0x11 in the base, s2 64 other MiB
    of 0x22 in s1's overlay, so that deleting s1 copies 64 MiB either
    way; references of each point as raw files."""
    base = qcow2(os.path.join(tmp, "base.qcow2"), "128M")
    assert qemu_io(base, "write -P 0x11 0 64M")
    dom = conn.define_as("c", [("vda", base)])
    dom.snapshot_create_as("s1")
    mid = dom.get_disks()[0].path
    assert qemu_io(mid, "write -P 0x22 64M 64M")
    dom.snapshot_create_as("s2")
    top = dom.get_disks()[0].path
    assert qemu_io(top, "write -P 0x33 0 1M")
    refs = {name: raw_copy(path, os.path.join(tmp, name + ".raw"))
            for name, path in (("s1", base), ("s2", mid), ("now", top))}
    return dom, refs


def points(dom):
    """The files of the chain under vda, top first."""
    return [layer.abs_path for layer in dom.chain_open_disk("vda")]


def unchanged(dom, refs, files):
    assert points(dom) == files, "the chain changed"
    assert dom.snapshot_list_names() == ["s1", "s2"]
    for (name, ref), path in zip((("now", refs["now"]), ("s2", refs["s2"]), ("s1", refs["s1"])), files):
        assert same_content(path, ref), "the point '%s' changed" % name
    return True


def test_cancel_long_merge(merge):
    dom, refs = merge
    files = points(dom)
    assert len(files) == 3
    s1 = dom.snapshot_lookup("s1")
    calls = []

    def cancel(done, total):
        calls.append((done, total))
        raise Cancel("stop at %d of %d" % (done, total))

    # 1 MiB/s: the merge would take a minute; it stops at the first report.
    with pytest.raises(strata.JobError) as info:
        s1.delete(speed=1 * MiB, progress=cancel)
    assert isinstance(info.value.__cause__, Cancel)
    assert info.value.code == strata.ERR_JOB and info.value.hint
    assert len(calls) == 1, "called again after it cancelled"
    assert calls[0][1] >= 64 * MiB
    assert unchanged(dom, refs, files)

    # Ctrl-C in a callback stays a KeyboardInterrupt.
    def interrupt(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        s1.delete(speed=1 * MiB, progress=interrupt)
    assert unchanged(dom, refs, files)

    # A callback may not use its job's connection: refused, which
    # cancels too.
    def reenter(done, total):
        dom.get_xml()

    with pytest.raises(strata.JobError) as info:
        s1.delete(speed=1 * MiB, progress=reenter)
    assert isinstance(info.value.__cause__, strata.InvalidArgError)
    assert unchanged(dom, refs, files)

    # The same delete again finishes; every remaining point is intact.
    s1.delete()
    assert dom.snapshot_list_names() == ["s2"]
    after = points(dom)
    assert len(after) == 2
    assert same_content(after[0], refs["now"]) and same_content(after[1], refs["s2"])
