"""strata.set_log_callback(): the warning of a define whose disk does not
exist yet reaches the callable (which only the module keeps alive);
debug lines come with debug=True and stop without it; the callable is
called with the GIL from a worker thread's call; what it raises is
unraisable and changes no result; it may not call strata; the setting
is refused while a call runs in any thread; None restores the
library's silence and drops the callable.

The setting is the process's, and tests/run exports STRATA_DEBUG=1, so
each scenario runs in a child interpreter without it: this process's
other tests keep the default, and "no debug lines" can fail."""
import json
import os
import subprocess
import sys
import textwrap

from conftest import qcow2

CHILD = textwrap.dedent(r"""
    import gc, json, os, sys, threading, weakref
    import strata

    tmp = sys.argv[1]
    main = threading.get_ident()
    lines, unraisable, out = [], [], {}
    sys.unraisablehook = lambda u: unraisable.append([type(u.exc_value).__name__, str(u.exc_value)])

    class Collect:
        def __call__(self, level, subsystem, message):
            lines.append([level, subsystem, message, threading.get_ident() == main])

    def take():
        got = lines[:]
        del lines[:]
        return got

    conn = strata.Connection(os.path.join(tmp, "state"), os.path.join(tmp, "run"))
    conn.define_as("quiet", [("vda", os.path.join(tmp, "gone0.qcow2"))])   # the default: dropped

    f = Collect()
    alive = weakref.ref(f)
    strata.set_log_callback(f)
    del f
    gc.collect()
    out["kept"] = alive() is not None
    conn.define_as("late", [("vda", os.path.join(tmp, "gone1.qcow2"))])
    out["warning"] = take()

    dom = conn.define_as("vm", [("vda", os.path.join(tmp, "vda.qcow2"))])
    take()
    digest = dom.digest()
    out["without_debug"] = take()
    strata.set_log_callback(alive(), debug=True)
    out["same_digest"] = dom.digest(connections=2) == digest
    out["with_debug"] = take()
    strata.set_log_callback(alive())
    dom.digest()
    out["debug_off_again"] = take()

    # A call in a worker thread, paused in its progress callback: the
    # setting is refused meanwhile, and accepted once the call is over.
    strata.set_log_callback(alive(), debug=True)
    paused, resume, result = threading.Event(), threading.Event(), {}

    def progress(done, total):
        if not paused.is_set():
            paused.set()
            resume.wait(60)

    def work():
        result["digest"] = dom.digest(progress=progress)

    t = threading.Thread(target=work)
    t.start()
    assert paused.wait(60)
    try:
        strata.set_log_callback(None)
        out["refused_while_busy"] = None
    except strata.InvalidArgError as e:
        out["refused_while_busy"] = str(e)
    resume.set()
    t.join(60)
    out["worker_digest"] = result.get("digest") == digest
    out["worker_lines"] = sum(1 for line in take() if not line[3])

    # From a progress callback of this thread: refused, which cancels.
    try:
        dom.digest(progress=lambda done, total: strata.set_log_callback(None))
        out["from_progress"] = None
    except strata.JobError as e:
        out["from_progress"] = type(e.__cause__).__name__
    take()

    # A callable that raises, or calls strata: unraisable, results intact.
    class Bad:
        def __call__(self, level, subsystem, message):
            if subsystem == "common.proc":
                conn.list_domains()
            if subsystem == "qmp.client":
                strata.set_log_callback(None)
            raise RuntimeError("log callback broke")

    bad = Bad()
    bad_alive = weakref.ref(bad)
    strata.set_log_callback(bad, debug=True)
    del bad
    gc.collect()
    out["released_on_replace"] = alive() is None
    out["bad_digest"] = dom.digest() == digest
    out["unraisable"] = sorted({tuple(u) for u in unraisable})

    strata.set_log_callback(None)
    gc.collect()
    out["released"] = bad_alive() is None
    conn.define_as("after", [("vda", os.path.join(tmp, "gone2.qcow2"))])
    dom.digest()
    out["after_none"] = take()
    conn.close()
    print(json.dumps(out))
""")


def test_log_callback(tmp):
    qcow2(os.path.join(tmp, "vda.qcow2"), "8M")
    env = dict(os.environ)
    env.pop("STRATA_DEBUG", None)
    p = subprocess.run([sys.executable, "-c", CHILD, tmp], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    # The library's default and None print nothing, the unraisable
    # hook took every exception.
    assert p.stderr == ""
    out = json.loads(p.stdout)

    assert out["kept"], "the module does not keep the callable alive"
    assert out["warning"] == [["warning", "domain", "disk 'vda': '%s' does not exist yet; "
                               "snapshots need it" % os.path.join(tmp, "gone1.qcow2"), True]]
    assert out["without_debug"] == []
    assert out["same_digest"]
    debug = out["with_debug"]
    assert debug and all(line[0] == "debug" for line in debug)
    assert {"qmp.client", "common.proc"} <= {line[1] for line in debug}
    assert all(line[2] and "\n" not in line[2] for line in debug)
    assert out["debug_off_again"] == []

    assert out["refused_while_busy"] and "running" in out["refused_while_busy"]
    assert out["worker_digest"]
    assert out["worker_lines"] > 0, "no line from the worker thread's call"
    assert out["from_progress"] == "InvalidArgError"

    assert out["released_on_replace"], "the replaced callable was not dropped"
    assert out["bad_digest"]
    assert ["RuntimeError", "log callback broke"] in out["unraisable"]
    assert ["InvalidArgError", "a log callback cannot call strata"] in out["unraisable"]
    assert ["InvalidArgError", "set_log_callback: not from a log callback"] in out["unraisable"]

    assert out["released"], "None did not drop the callable"
    assert out["after_none"] == []
