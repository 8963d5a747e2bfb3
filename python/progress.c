/* python/progress.c: a Python callable as a strata_progress_fn.  The
 * library calls it in the thread that made the call, with the GIL
 * released (module.h), so it takes the GIL back to run the callable.
 * Raising cancels: the callback returns non-zero, the library stops
 * the job and fails with STRATA_ERR_JOB, and the call raises JobError
 * with the callback's exception as __cause__; BaseExceptions that are
 * not Exceptions (KeyboardInterrupt, SystemExit) propagate as
 * themselves, so that Ctrl-C still reads as Ctrl-C. */
#include "python/module.h"

bool
stpy_progress_init(struct stpy_progress *p, PyObject *fn)
{
    p->fn = NULL;
    p->exc = NULL;
    if (!fn || fn == Py_None)
        return true;
    if (!PyCallable_Check(fn)) {
        stpy_raise_invalid("progress must be callable or None, not %s", Py_TYPE(fn)->tp_name);
        return false;
    }
    p->fn = fn;
    return true;
}

int
stpy_progress_call(uint64_t done, uint64_t total, void *opaque)
{
    struct stpy_progress *p = opaque;
    PyGILState_STATE gil;
    PyObject *r = NULL;
    PyObject *type, *value, *tb;

    /* strata.h: not called again once it cancelled; be safe anyway. */
    if (p->exc)
        return 1;
    gil = PyGILState_Ensure();
    /* A signal (Ctrl-C) arrived while the job ran without the GIL: its
     * handler raises here, and cancels like a callback that raised. */
    if (PyErr_CheckSignals() == 0) {
        if (!p->fn) {
            PyGILState_Release(gil);
            return 0;
        }
        r = PyObject_CallFunction(p->fn, "KK", (unsigned long long) done,
                                  (unsigned long long) total);
    }
    if (r) {
        Py_DECREF(r);
        PyGILState_Release(gil);
        return 0;
    }
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value && tb)
        PyException_SetTraceback(value, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    p->exc = value ? value : Py_NewRef(PyExc_RuntimeError);
    PyGILState_Release(gil);
    return 1;
}

PyObject *
stpy_progress_finish(struct stpy_progress *p, bool failed)
{
    PyObject *exc = STPY_STEAL(&p->exc);

    if (!exc) {
        if (failed)
            return stpy_raise_last();
        Py_RETURN_NONE;
    }
    /* The job had finished when the callback raised: the operation
     * took effect, but the callback's exception is not swallowed. */
    if (!failed || !PyObject_TypeCheck(exc, (PyTypeObject *) PyExc_Exception)) {
        PyErr_SetObject((PyObject *) Py_TYPE(exc), exc);
        Py_DECREF(exc);
        return NULL;
    }
    stpy_raise_last();
    {
        PyObject *type, *value, *tb;

        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        if (value)
            PyException_SetCause(value, exc);   /* steals exc */
        else
            Py_DECREF(exc);
        PyErr_Restore(type, value, tb);
    }
    return NULL;
}
