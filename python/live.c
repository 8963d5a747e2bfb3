/* python/live.c: live domains and NBD exports (strata start, stop,
 * export, status): Domain.start(), stop(), is_active(), export(),
 * list_exports(), export_stop() and list_jobs().  The daemons these
 * start outlive the call and the connection, as strata.h says. */
#include "python/module.h"

#include <string.h>

/* "O&": a snapshot given by name (str), as a Snapshot, or None; the
 * name is borrowed from the argument, which outlives the call. */
int
stpy_snapshot_name_conv(PyObject *o, void *result)
{
    const char **name = result;

    if (o == Py_None) {
        *name = NULL;
        return 1;
    }
    if (PyObject_TypeCheck(o, &stpy_snapshot_type)) {
        *name = PyUnicode_AsUTF8(((stpy_snapshot *) o)->name);
        return *name != NULL;
    }
    if (PyUnicode_Check(o)) {
        Py_ssize_t len;

        if (!(*name = PyUnicode_AsUTF8AndSize(o, &len)))
            return 0;
        if ((size_t) len != strlen(*name)) {
            PyErr_SetString(PyExc_ValueError, "a snapshot name with an embedded NUL");
            return 0;
        }
        return 1;
    }
    PyErr_Format(PyExc_TypeError, "a snapshot must be a str, a Snapshot or None, not %s",
                 Py_TYPE(o)->tp_name);
    return 0;
}

PyObject *
stpy_domain_start(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "nbd", "no_wait", NULL };
    stpy_domain *d = (stpy_domain *) self;
    const char *nbd = NULL;
    int no_wait = 0, rc;

    if (!stpy_parse(args, kwargs, "|z$p:start", kwlist, &nbd, &no_wait) ||
        !stpy_guard_enter(d->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = strata_domain_start(d->dom, nbd, no_wait ? STRATA_NO_WAIT : 0);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (rc < 0)
        return stpy_raise_last();
    Py_RETURN_NONE;
}

PyObject *
stpy_domain_stop(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "no_wait", NULL };
    stpy_domain *d = (stpy_domain *) self;
    int no_wait = 0, rc;

    if (!stpy_parse(args, kwargs, "|$p:stop", kwlist, &no_wait) || !stpy_guard_enter(d->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = strata_domain_stop(d->dom, no_wait ? STRATA_NO_WAIT : 0);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (rc < 0)
        return stpy_raise_last();
    Py_RETURN_NONE;
}

PyObject *
stpy_domain_is_active(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { NULL };
    stpy_domain *d = (stpy_domain *) self;
    int rc;

    if (!stpy_parse(args, kwargs, ":is_active", kwlist) || !stpy_guard_enter(d->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = strata_domain_is_active(d->dom);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (rc < 0)
        return stpy_raise_last();
    return PyBool_FromLong(rc);
}

/* A list of Export from @n exports (consumed). */
static PyObject *
exports_list(strata_export *exports, int n)
{
    CLEANUP_PYOBJ PyObject *list = PyList_New(n);

    if (list)
        for (int i = 0; i < n; i++) {
            PyObject *e = stpy_export_new(&exports[i]);

            if (!e) {
                Py_CLEAR(list);
                break;
            }
            PyList_SET_ITEM(list, i, e);
        }
    strata_exports_free(exports, n);
    return STPY_STEAL(&list);
}

PyObject *
stpy_domain_export(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "snapshot", "dev", "nbd", "no_wait", NULL };
    stpy_domain *d = (stpy_domain *) self;
    const char *snapshot = NULL, *dev = NULL, *nbd = NULL;
    strata_export *exports = NULL;
    int no_wait = 0, n;

    if (!stpy_parse(args, kwargs, "|O&zz$p:export", kwlist, stpy_snapshot_name_conv, &snapshot,
                    &dev, &nbd, &no_wait) ||
        !stpy_guard_enter(d->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    n = strata_domain_export(d->dom, snapshot, dev, nbd, &exports, no_wait ? STRATA_NO_WAIT : 0);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (n < 0)
        return stpy_raise_last();
    return exports_list(exports, n);
}

PyObject *
stpy_domain_list_exports(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { NULL };
    stpy_domain *d = (stpy_domain *) self;
    strata_export *exports = NULL;
    int n;

    if (!stpy_parse(args, kwargs, ":list_exports", kwlist) || !stpy_guard_enter(d->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    n = strata_domain_list_exports(d->dom, &exports, 0);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (n < 0)
        return stpy_raise_last();
    return exports_list(exports, n);
}

PyObject *
stpy_domain_export_stop(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "snapshot", "dev", "no_wait", NULL };
    stpy_domain *d = (stpy_domain *) self;
    const char *snapshot = NULL, *dev = NULL;
    int no_wait = 0, n;

    if (!stpy_parse(args, kwargs, "|O&z$p:export_stop", kwlist, stpy_snapshot_name_conv,
                    &snapshot, &dev, &no_wait) ||
        !stpy_guard_enter(d->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    n = strata_domain_export_stop(d->dom, snapshot, dev, no_wait ? STRATA_NO_WAIT : 0);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (n < 0)
        return stpy_raise_last();
    return PyLong_FromLong(n);
}

PyObject *
stpy_domain_list_jobs(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { NULL };
    stpy_domain *d = (stpy_domain *) self;
    CLEANUP_PYOBJ PyObject *list = NULL;
    strata_job *jobs = NULL;
    int n;

    if (!stpy_parse(args, kwargs, ":list_jobs", kwlist) || !stpy_guard_enter(d->conn))
        return NULL;
    /* Asks the live daemon over QMP. */
    Py_BEGIN_ALLOW_THREADS
    n = strata_domain_list_jobs(d->dom, &jobs, 0);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (n < 0)
        return stpy_raise_last();
    if ((list = PyList_New(n)))
        for (int i = 0; i < n; i++) {
            PyObject *j = stpy_job_new(&jobs[i]);

            if (!j) {
                Py_CLEAR(list);
                break;
            }
            PyList_SET_ITEM(list, i, j);
        }
    strata_jobs_free(jobs, n);
    return STPY_STEAL(&list);
}
