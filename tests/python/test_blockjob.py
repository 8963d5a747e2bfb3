"""Domain.block_commit() and Domain.block_pull() on a disk's active chain
    base <- mid <- top <- act (active)
made with qemu-img outside any snapshot, as tests/func/api-blockjob.sh
does through the C API: the chains afterwards, the guest's view
unchanged (qemu-img compare against a raw copy), 1 when run again, a
job cancelled from its progress callback (JobError, nothing changed,
the same call then finishes), and the refusal when a snapshot names a
file the commit would change (ConflictError, no file changed)."""
import hashlib
import os

import pytest

import strata
from conftest import MiB, QEMU_IMG, active, qemu_io, raw_copy, run, same_content


class Cancel(Exception):
    pass


def img(path, backing=None):
    argv = [QEMU_IMG, "create", "-q", "-f", "qcow2"]
    if backing:
        argv += ["-b", backing, "-F", "qcow2"]
    run(*(argv + [path, "16M"]))
    return path


@pytest.fixture
def chain(tmp, conn):
    """Domain 'web' on the four files, and the raw reference of the
    guest's view; about 5 MiB to merge into base."""
    f = {n: os.path.join(tmp, n + ".qcow2") for n in ("base", "mid", "top", "act")}
    img(f["base"])
    assert qemu_io(f["base"], "write -P 0x11 0 2M")
    img(f["mid"], f["base"])
    assert qemu_io(f["mid"], "write -P 0x22 1M 1M")
    img(f["top"], f["mid"])
    assert qemu_io(f["top"], "write -P 0x33 1536K 4M")
    img(f["act"], f["top"])
    assert qemu_io(f["act"], "write -P 0x44 7M 256K")
    dom = conn.define_as("web", [("vda", f["act"])])
    ref = raw_copy(f["act"], os.path.join(tmp, "view.raw"))
    return dom, f, ref


def files(dom):
    return [layer.abs_path for layer in dom.chain_open_disk("vda")]


def sums(tmp):
    out = {}
    for name in sorted(os.listdir(tmp)):
        if name.endswith(".qcow2"):
            with open(os.path.join(tmp, name), "rb") as fh:
                out[name] = hashlib.md5(fh.read()).hexdigest()
    return out


def cancel(done, total):
    raise Cancel("stop at %d of %d" % (done, total))


def test_block_commit(tmp, chain):
    dom, f, ref = chain
    four = [f["act"], f["top"], f["mid"], f["base"]]
    assert files(dom) == four

    # Cancelled at the first report (1 MiB/s: it would take seconds):
    # the chain and the guest's view are as they were.
    with pytest.raises(strata.JobError) as info:
        dom.block_commit("vda", f["base"], f["top"], speed=1 * MiB, progress=cancel)
    assert isinstance(info.value.__cause__, Cancel) and info.value.hint
    assert files(dom) == four
    assert same_content(f["act"], ref), "a cancelled commit changed the guest's view"

    # The same call finishes: top and mid merge into base, act backs
    # onto base; the files out of the chain stay, as with virsh.
    seen = []
    assert dom.block_commit("vda", f["base"], f["top"],
                            progress=lambda done, total: seen.append((done, total))) == 0
    assert seen and seen[-1][0] == seen[-1][1] > 0
    assert files(dom) == [f["act"], f["base"]]
    assert os.path.exists(f["top"]) and os.path.exists(f["mid"])
    assert same_content(f["act"], ref), "the commit changed the guest's view"
    # Again: top is out of the chain and its data in base.
    assert dom.block_commit("vda", f["base"], f["top"]) == 1
    assert files(dom) == [f["act"], f["base"]]

    # Active commit and pivot: the domain names base, which shows it all.
    assert dom.block_commit("vda", active=True) == 0
    assert active(dom, "vda") == f["base"]
    assert files(dom) == [f["base"]]
    assert same_content(f["base"], ref), "the active commit changed the guest's view"


def test_block_commit_refused(tmp, chain):
    dom, f, ref = chain
    # A snapshot whose point in time is base and whose overlay is mid:
    # a commit of top down to base would change what s1 names.
    domxml = dom.get_xml().replace("<source file='%s'/>" % f["act"],
                                   "<source file='%s'/>" % f["base"])
    assert f["base"] in domxml
    dom.snapshot_create_xml(
        "<domainsnapshot><name>s1</name><state>shutoff</state>"
        "<creationTime>1795366092</creationTime><memory snapshot='no'/><disks>"
        "<disk name='vda' snapshot='external'><driver type='qcow2'/>"
        "<source file='%s'/></disk></disks>%s</domainsnapshot>" % (f["mid"], domxml),
        redefine=True)
    before = sums(tmp)
    with pytest.raises(strata.ConflictError) as info:
        dom.block_commit("vda", top=f["top"])
    assert "'s1'" in info.value.message and f["mid"] in info.value.message
    assert sums(tmp) == before, "a refused commit changed a file"
    assert files(dom) == [f["act"], f["top"], f["mid"], f["base"]]

    # Arguments: a file outside the chain, a disk the domain lacks, and
    # what Python's parser refuses.
    dom.snapshot_lookup("s1").delete(metadata_only=True)
    with pytest.raises(strata.NotFoundError):
        dom.block_commit("vda", os.path.join(tmp, "nowhere.qcow2"))
    with pytest.raises(strata.NotFoundError):
        dom.block_pull("vdz")
    for bad in ({}, {"dev": None}, {"dev": "vda", "bogus": 1}, {"dev": "vda", "progress": 3},
                {"dev": "vda", "speed": -1}, {"dev": "vda", "timeout": 2 * 24 * 3600}):
        with pytest.raises(strata.InvalidArgError):
            dom.block_commit(**bad)
    with pytest.raises(strata.InvalidArgError):
        dom.block_pull("vda", None, None)           # base is the last positional
    with pytest.raises(strata.InvalidArgError):
        dom.block_commit("vda", "")                 # the library: pass None
    assert sums(tmp) == before


def test_block_pull(tmp, chain):
    dom, f, ref = chain
    four = [f["act"], f["top"], f["mid"], f["base"]]

    with pytest.raises(strata.JobError) as info:
        dom.block_pull("vda", f["mid"], speed=1 * MiB, progress=cancel)
    assert isinstance(info.value.__cause__, Cancel)
    assert files(dom) == four
    assert same_content(f["act"], ref), "a cancelled pull changed the guest's view"

    # Down to mid: top's data comes up into act.
    assert dom.block_pull("vda", f["mid"]) == 0
    assert files(dom) == [f["act"], f["mid"], f["base"]]
    assert same_content(f["act"], ref)
    # All of it: act stands alone; then nothing is left to pull.
    assert dom.block_pull("vda") == 0
    assert files(dom) == [f["act"]]
    assert dom.block_pull("vda") == 1
    assert same_content(f["act"], ref), "the pulls changed the guest's view"
