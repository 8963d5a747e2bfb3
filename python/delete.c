/* python/delete.c: Snapshot.delete() and Snapshot.delete_plan().  The
 * merge runs with the GIL released for as long as it takes; the
 * progress callback (progress.c) takes the GIL back for each call. */
#include "python/module.h"

static char *delete_kwlist[] = { "children", "children_only", "metadata_only", "no_stream",
                                 "verify", "no_wait", "speed", "timeout", "progress", NULL };
static const unsigned delete_bits[] = {
    STRATA_DELETE_CHILDREN, STRATA_DELETE_CHILDREN_ONLY, STRATA_DELETE_METADATA_ONLY,
    STRATA_DELETE_NO_STREAM, STRATA_DELETE_VERIFY, STRATA_NO_WAIT,
};

PyObject *
stpy_snapshot_delete(PyObject *self, PyObject *args, PyObject *kwargs)
{
    stpy_snapshot *s = (stpy_snapshot *) self;
    int on[6] = { 0 };
    unsigned long long speed = 0;
    unsigned int timeout = 0;
    PyObject *fn = Py_None;
    struct stpy_progress prog;
    strata_delete_params params = { 0 };
    unsigned flags;
    int rc;

    if (!stpy_parse(args, kwargs, "|$ppppppKIO:delete", delete_kwlist, &on[0], &on[1], &on[2],
                    &on[3], &on[4], &on[5], &speed, &timeout, &fn) ||
        !stpy_progress_init(&prog, fn))
        return NULL;
    flags = stpy_flags(on, delete_bits, 6);
    params.speed = speed;
    params.timeout_s = timeout;
    /* METADATA_ONLY copies nothing and refuses a callback
     * (strata_snapshot_delete), so pass ours only when there is a merge:
     * always then, so that Ctrl-C cancels it even without a callable. */
    if (!(flags & STRATA_DELETE_METADATA_ONLY) || fn != Py_None) {
        params.progress = stpy_progress_call;
        params.opaque = &prog;
    }
    if (!stpy_guard_enter(s->domain->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = strata_snapshot_delete(s->snap, flags, &params);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(s->domain->conn);
    return stpy_progress_finish(&prog, rc < 0);
}

PyObject *
stpy_snapshot_delete_plan(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "children", "children_only", "metadata_only", "no_stream",
                              "verify", NULL };
    stpy_snapshot *s = (stpy_snapshot *) self;
    int on[5] = { 0 };
    strata_plan *plan;
    PyObject *result;

    if (!stpy_parse(args, kwargs, "|$ppppp:delete_plan", kwlist, &on[0], &on[1], &on[2], &on[3],
                    &on[4]) ||
        !stpy_guard_enter(s->domain->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    plan = strata_snapshot_delete_plan(s->snap, stpy_flags(on, delete_bits, 5));
    Py_END_ALLOW_THREADS
    stpy_guard_leave(s->domain->conn);
    if (!plan)
        return stpy_raise_last();
    /* Copied out whole: a Plan is plain data, with no handle to outlive. */
    result = stpy_plan_new(plan);
    strata_plan_free(plan);
    return result;
}
