/* python/blockjob.c: Domain.block_commit() and Domain.block_pull()
 * (virsh blockcommit, blockpull) on a disk's active chain.  As a
 * delete (delete.c), the job runs with the GIL released and the
 * progress callback (progress.c) takes the GIL back for each report;
 * raising in it cancels the job. */
#include "python/module.h"

/* One job of either kind (@top: a commit's only; NULL for a pull). */
static PyObject *
run(stpy_domain *d, bool commit, const char *dev, PyObject *base, PyObject *top,
    unsigned flags, unsigned long long speed, unsigned timeout, PyObject *fn)
{
    struct stpy_progress prog;
    strata_job_params params = { 0 };
    PyObject *none;
    int rc;

    if (!stpy_progress_init(&prog, fn))
        return NULL;
    params.speed = speed;
    params.timeout_s = timeout;
    /* Always ours, also without a callable, so that Ctrl-C cancels. */
    params.progress = stpy_progress_call;
    params.opaque = &prog;
    if (!stpy_guard_enter(d->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    if (commit)
        rc = strata_domain_block_commit(d->dom, dev, stpy_bytes_or_null(base),
                                        stpy_bytes_or_null(top), flags, &params);
    else
        rc = strata_domain_block_pull(d->dom, dev, stpy_bytes_or_null(base), flags, &params);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (!(none = stpy_progress_finish(&prog, rc < 0)))
        return NULL;
    Py_DECREF(none);
    /* 0: merged; 1: nothing was left to merge. */
    return PyLong_FromLong(rc);
}

PyObject *
stpy_domain_block_commit(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "dev", "base", "top", "active", "speed", "timeout", "progress",
                              "no_wait", NULL };
    CLEANUP_PYOBJ PyObject *base = NULL;
    CLEANUP_PYOBJ PyObject *top = NULL;
    const char *dev;
    int active = 0, no_wait = 0;
    unsigned long long speed = 0;
    unsigned int timeout = 0;
    PyObject *fn = Py_None;

    if (!stpy_parse(args, kwargs, "s|O&O&$pKIOp:block_commit", kwlist, &dev,
                    stpy_path_or_none_conv, &base, stpy_path_or_none_conv, &top, &active,
                    &speed, &timeout, &fn, &no_wait))
        return NULL;
    return run((stpy_domain *) self, true, dev, base, top,
               (active ? STRATA_BLOCK_COMMIT_ACTIVE : 0) | (no_wait ? STRATA_NO_WAIT : 0),
               speed, timeout, fn);
}

PyObject *
stpy_domain_block_pull(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "dev", "base", "speed", "timeout", "progress", "no_wait", NULL };
    CLEANUP_PYOBJ PyObject *base = NULL;
    const char *dev;
    int no_wait = 0;
    unsigned long long speed = 0;
    unsigned int timeout = 0;
    PyObject *fn = Py_None;

    if (!stpy_parse(args, kwargs, "s|O&$KIOp:block_pull", kwlist, &dev, stpy_path_or_none_conv,
                    &base, &speed, &timeout, &fn, &no_wait))
        return NULL;
    return run((stpy_domain *) self, false, dev, base, NULL, no_wait ? STRATA_NO_WAIT : 0, speed,
               timeout, fn);
}
