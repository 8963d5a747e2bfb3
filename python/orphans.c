/* python/orphans.c: Domain.list_orphans(), the files strata made for a
 * domain that nothing references (strata chain check DOMAIN), and
 * their removal. */
#include "python/module.h"

PyObject *
stpy_domain_list_orphans(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "remove", "no_wait", NULL };
    stpy_domain *d = (stpy_domain *) self;
    CLEANUP_PYOBJ PyObject *list = NULL;
    strata_orphan *orphans = NULL;
    int remove = 0, no_wait = 0, n;
    unsigned flags;

    if (!stpy_parse(args, kwargs, "|$pp:list_orphans", kwlist, &remove, &no_wait) ||
        !stpy_guard_enter(d->conn))
        return NULL;
    flags = (remove ? STRATA_ORPHANS_REMOVE : 0) | (no_wait ? STRATA_NO_WAIT : 0);
    /* Reads every chain of the domain (and unlinks): file I/O. */
    Py_BEGIN_ALLOW_THREADS
    n = strata_domain_list_orphans(d->dom, &orphans, flags);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (n < 0)
        return stpy_raise_last();
    if ((list = PyList_New(n)))
        for (int i = 0; i < n; i++) {
            PyObject *o = stpy_orphan_new(&orphans[i]);

            if (!o) {
                Py_CLEAR(list);
                break;
            }
            PyList_SET_ITEM(list, i, o);
        }
    strata_orphans_free(orphans, n);
    return STPY_STEAL(&list);
}
