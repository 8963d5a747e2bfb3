"""tests/python/conftest.py: what every Python test shares.

Run through tests/run (``sh tests/run python``), which sets
LD_LIBRARY_PATH to the build directory, PYTHONPATH to the built module,
TEST_TMPDIR to a private /tmp/st.XXXXXX, and STRATA_TEST_REPORT to the
file this plugin writes one line per finished test into (PASS, FAIL or
SKIP and the node id), so that each pytest test is one line of the
runner's closing count and a crash still leaves the tests before it.

Real parts only: qemu-img and qemu-io make and check disks, the library
starts its own qemu-storage-daemon, exports are read with libnbd.
"""
import os
import shutil
import subprocess
import tempfile

import pytest

QEMU_IMG = os.environ.get("QEMU_IMG", "qemu-img")
QSD = os.environ.get("QSD", "qemu-storage-daemon")
MiB = 1024 * 1024


# ---- the runner's report ---------------------------------------------------

_report = os.environ.get("STRATA_TEST_REPORT")
_outcome = {}


def _write(line):
    with open(_report, "a") as f:
        f.write(line + "\n")


def pytest_runtest_logstart(nodeid, location):
    if _report:
        _outcome[nodeid] = "PASS"
        _write("START " + nodeid)


def pytest_runtest_logreport(report):
    if not _report:
        return
    if report.failed:
        _outcome[report.nodeid] = "FAIL"
    elif report.skipped and _outcome.get(report.nodeid) != "FAIL":
        _outcome[report.nodeid] = "SKIP"


def pytest_runtest_logfinish(nodeid, location):
    if _report:
        _write("%s %s" % (_outcome.pop(nodeid, "FAIL"), nodeid))


def pytest_collectreport(report):
    # A test file that does not import is a failure, not a test less.
    if _report and report.failed:
        _write("FAIL %s::collect" % report.nodeid)


# ---- processes and directories ---------------------------------------------

def leftovers(tag):
    """Pids of QSD, nbdkit or qemu-nbd processes whose command line holds tag."""
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if not argv or not argv[0]:
            continue
        prog = os.path.basename(argv[0]).decode(errors="replace")
        if prog in ("qemu-storage-daemon", "nbdkit", "qemu-nbd") and \
                any(tag.encode() in a for a in argv):
            pids.append(int(pid))
    return pids


@pytest.fixture
def tmp():
    """A short private directory (unix socket paths stay under 108
    bytes); the test fails if a daemon naming it is still running."""
    if not shutil.which(QSD):
        pytest.skip("requires " + QSD)
    base = os.environ.get("TEST_TMPDIR") or tempfile.gettempdir()
    d = tempfile.mkdtemp(prefix="p", dir=base)
    yield d
    left = leftovers(d)
    for pid in left:
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    shutil.rmtree(d, ignore_errors=True)
    assert not left, "processes left behind: %s" % left


@pytest.fixture
def conn(tmp):
    import strata
    with strata.Connection(state_dir=os.path.join(tmp, "state"),
                           run_dir=os.path.join(tmp, "run")) as c:
        yield c


# ---- disks -----------------------------------------------------------------

def run(*argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert p.returncode == 0, "%s failed: %s" % (" ".join(argv), p.stderr)
    return p.stdout


def qcow2(path, size="64M"):
    run(QEMU_IMG, "create", "-q", "-f", "qcow2", path, size)
    return path


def qemu_io(path, command, read=False):
    """qemu-io COMMAND on path (qcow2); True when it succeeded (a read
    of a pattern that does not match fails)."""
    argv = ["qemu-io", "-f", "qcow2"] + (["-r", "-U"] if read else []) + ["-c", command, path]
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode == 0 and "Pattern verification failed" not in p.stdout


def active(dom, dev):
    return {d.dev: d.path for d in dom.get_disks()}[dev]


def write(dom, pat, mib, devs=("vda", "vdb"), length="1M"):
    for dev in devs:
        assert qemu_io(active(dom, dev), "write -P 0x%02x %dM %s" % (pat, mib, length))


def reads(dom, pats, devs=("vda", "vdb")):
    """Every disk reads pats[k] (0: zeros) at k MiB."""
    for dev in devs:
        for k, pat in enumerate(pats):
            path = active(dom, dev)
            assert qemu_io(path, "read -P 0x%02x %dM 1M" % (pat, k), read=True), \
                "%s at %d MiB is not 0x%02x" % (path, k, pat)
    return True


def raw_copy(src, dst):
    """The guest's view of src (a qcow2 chain) as a raw file."""
    run(QEMU_IMG, "convert", "-U", "-f", "qcow2", "-O", "raw", src, dst)
    return dst


def same_content(a, b, fmt_a="qcow2", fmt_b="raw"):
    p = subprocess.run([QEMU_IMG, "compare", "-U", "-f", fmt_a, "-F", fmt_b, a, b],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode == 0
