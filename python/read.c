/* python/read.c: reading points in time over NBD: Domain.digest() and
 * Domain.diff().  Both read whole disks, so they run with the GIL
 * released and take a progress callback that may raise to cancel
 * (progress.c). */
#include "python/module.h"

PyObject *
stpy_domain_digest(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "snapshot", "dev", "sha256", "connections", "progress", NULL };
    stpy_domain *d = (stpy_domain *) self;
    const char *snapshot = NULL, *dev = NULL;
    int sha256 = 0;
    unsigned int connections = 0;
    PyObject *fn = Py_None;
    struct stpy_progress prog;
    strata_read_params params = { 0 };
    CLEANUP_FREE char *digest = NULL;
    PyObject *none;

    if (!stpy_parse(args, kwargs, "|O&z$pIO:digest", kwlist, stpy_snapshot_name_conv, &snapshot,
                    &dev, &sha256, &connections, &fn) ||
        !stpy_progress_init(&prog, fn) || !stpy_guard_enter(d->conn))
        return NULL;
    params.connections = connections;
    params.progress = stpy_progress_call;
    params.opaque = &prog;
    Py_BEGIN_ALLOW_THREADS
    digest = strata_domain_digest(d->dom, snapshot, dev, &params, sha256 ? STRATA_DIGEST_SHA256 : 0);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (!(none = stpy_progress_finish(&prog, digest == NULL)))
        return NULL;
    Py_DECREF(none);
    return PyUnicode_FromString(digest);
}

PyObject *
stpy_domain_diff(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "since", "to", "dev", "connections", "progress", NULL };
    stpy_domain *d = (stpy_domain *) self;
    const char *since = NULL, *to = NULL, *dev = NULL;
    unsigned int connections = 0;
    PyObject *fn = Py_None;
    struct stpy_progress prog;
    strata_read_params params = { 0 };
    strata_extent *extents = NULL;
    CLEANUP_PYOBJ PyObject *list = NULL;
    PyObject *none;
    int n;

    if (!stpy_parse(args, kwargs, "O&|O&z$IO:diff", kwlist, stpy_snapshot_name_conv, &since,
                    stpy_snapshot_name_conv, &to, &dev, &connections, &fn) ||
        !stpy_progress_init(&prog, fn))
        return NULL;
    if (!since)
        return stpy_raise_invalid("diff: since is the older snapshot, not None");
    if (!stpy_guard_enter(d->conn))
        return NULL;
    params.connections = connections;
    params.progress = stpy_progress_call;
    params.opaque = &prog;
    Py_BEGIN_ALLOW_THREADS
    n = strata_domain_diff(d->dom, since, to, dev, &extents, &params, 0);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (!(none = stpy_progress_finish(&prog, n < 0))) {
        strata_extents_free(extents);
        return NULL;
    }
    Py_DECREF(none);
    if ((list = PyList_New(n)))
        for (int i = 0; i < n; i++) {
            PyObject *e = stpy_extent_new(&extents[i]);

            if (!e) {
                Py_CLEAR(list);
                break;
            }
            PyList_SET_ITEM(list, i, e);
        }
    strata_extents_free(extents);
    return STPY_STEAL(&list);
}
