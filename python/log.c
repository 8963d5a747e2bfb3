/* python/log.c: strata.set_log_callback(), a Python callable as the
 * library's strata_log_fn.  The library calls it from any thread that
 * runs a library call, including its own NBD reader threads, which
 * have never held the GIL: the trampoline takes the GIL with
 * PyGILState_Ensure(), which works in all of them.  Nothing waits for a
 * log line, so an exception the callable raises cannot cancel
 * anything: it is printed as unraisable and the call goes on. */
#include "python/module.h"

/* The callable, a strong reference, or NULL while the library's
 * default is in place.  The setting is the process's (strata.h), so one
 * variable, read and replaced with the GIL held only. */
static PyObject *log_fn;

/* Set while this thread runs the callable: a call into the library
 * from it is refused (guard.c), and a line logged meanwhile (a handle
 * freed by the callable) is not passed to it again. */
static _Thread_local bool in_callback;

bool
stpy_log_in_callback(void)
{
    return in_callback;
}

/* The level as the str the callable takes. */
static const char *
level_name(strata_log_level level)
{
    return level == STRATA_LOG_DEBUG ? "debug" : "warning";
}

static void
call_fn(PyObject *fn, strata_log_level level, const char *subsystem, const char *message)
{
    CLEANUP_PYOBJ PyObject *lvl = PyUnicode_FromString(level_name(level));
    /* As os.fsdecode(): the lines name files, whose bytes need not be
     * UTF-8, and a line is better escaped than lost. */
    CLEANUP_PYOBJ PyObject *sub = PyUnicode_DecodeFSDefault(subsystem);
    CLEANUP_PYOBJ PyObject *msg = PyUnicode_DecodeFSDefault(message);
    CLEANUP_PYOBJ PyObject *r = NULL;

    if (lvl && sub && msg)
        r = PyObject_CallFunctionObjArgs(fn, lvl, sub, msg, NULL);
    if (!r)
        PyErr_WriteUnraisable(fn);
}

static void
trampoline(strata_log_level level, const char *subsystem, const char *message, void *opaque)
{
    PyGILState_STATE gil;
    PyObject *type, *value, *tb;
    PyObject *fn;

    (void) opaque;
    gil = PyGILState_Ensure();
    /* A reference of its own: while the callable runs, the GIL may pass
     * to a thread that replaces log_fn. */
    if (!in_callback && (fn = Py_XNewRef(log_fn))) {
        /* This thread may be between a failed Python call and its
         * raise (a handle freed on an error path): keep its exception. */
        PyErr_Fetch(&type, &value, &tb);
        /* Counted as a call, so that no thread changes the setting
         * while this line uses it. */
        stpy_call_begin();      /* cannot fail: not in a callback yet */
        in_callback = true;
        call_fn(fn, level, subsystem, message);
        in_callback = false;
        stpy_call_end();
        Py_DECREF(fn);
        PyErr_Restore(type, value, tb);
    }
    PyGILState_Release(gil);
}

PyObject *
stpy_set_log_callback(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "fn", "debug", NULL };
    PyObject *fn = Py_None;
    PyObject *old;
    int debug = 0;

    (void) self;
    if (!stpy_parse(args, kwargs, "|O$p:set_log_callback", kwlist, &fn, &debug))
        return NULL;
    if (fn != Py_None && !PyCallable_Check(fn))
        return stpy_raise_invalid("set_log_callback: fn must be callable or None, not %s",
                                  Py_TYPE(fn)->tp_name);
    /* strata.h: the callback is changed while no other thread uses the
     * library, since a line being logged still uses the old one.  Every
     * call begins with the GIL held and this function keeps it, so the
     * count cannot change before the callback has. */
    if (in_callback)
        return stpy_raise_invalid("set_log_callback: not from a log callback");
    if (stpy_calls_running() > 0)
        return stpy_raise_invalid("set_log_callback: a strata call is running (the log "
                                  "callback is changed while no thread is inside the library)");
    /* The library refuses debug=True without a callable. */
    if (strata_set_log_callback(fn == Py_None ? NULL : trampoline, NULL,
                                debug ? STRATA_LOG_WANT_DEBUG : 0) < 0)
        return stpy_raise_last();
    old = log_fn;
    log_fn = fn == Py_None ? NULL : Py_NewRef(fn);
    /* Last: dropping the old callable may run any code. */
    Py_XDECREF(old);
    Py_RETURN_NONE;
}

/* After the interpreter has finalized, a library thread still running
 * (a daemon thread's call) must not take a GIL that is gone.  No Python
 * may run here; the reference to the callable is left, as the
 * interpreter's objects are. */
static void
reset_at_exit(void)
{
    if (log_fn)
        strata_set_log_callback(NULL, NULL, 0);
}

int
stpy_log_init(PyObject *module)
{
    (void) module;
    if (Py_AtExit(reset_at_exit) < 0) {
        PyErr_SetString(PyExc_RuntimeError, "strata: no room for a Py_AtExit() function");
        return -1;
    }
    return 0;
}
