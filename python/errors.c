/* python/errors.c: strata's error object as Python exceptions.  One
 * class per strata_error_code, all under strata.Error, each instance
 * carrying the fields of strata_error (code, code_name, message, hint,
 * path, errno), so that scripts catch what they can handle by class and
 * print the rest as strata(1) would. */
#include "python/module.h"

#include <stdarg.h>

/* Class names are the code names in CamelCase, except where that would
 * shadow a builtin a script is likely to catch next to ours: "name"
 * becomes InvalidNameError (not NameError) and "timeout" DeadlineError
 * (not TimeoutError). */
static const struct {
    int code;
    const char *class_name;
    const char *doc;
} classes[] = {
    { STRATA_ERR_INTERNAL, "InternalError", "A bug in strata." },
    { STRATA_ERR_USAGE, "UsageError", "A request strata does not support." },
    { STRATA_ERR_IO, "IoError", "A system call failed; errno is set." },
    { STRATA_ERR_NAME, "InvalidNameError", "A hostile or invalid name ('../x', 'a/b', '', too long)." },
    { STRATA_ERR_XML, "XmlError", "Malformed or unsupported XML." },
    { STRATA_ERR_QCOW2, "Qcow2Error", "An unreadable or unsupported qcow2 header." },
    { STRATA_ERR_CHAIN, "ChainError", "A missing, looping or mismatched backing file." },
    { STRATA_ERR_QMP, "QmpError", "qemu-storage-daemon refused or went away." },
    { STRATA_ERR_JOB, "JobError", "A block job failed or was cancelled (by a progress callback: see __cause__)." },
    { STRATA_ERR_NBD, "NbdError", "An NBD read failed." },
    { STRATA_ERR_BUSY, "BusyError", "Another strata holds the domain's lock (no_wait=True)." },
    { STRATA_ERR_NOT_FOUND, "NotFoundError", "No such domain, disk or snapshot." },
    { STRATA_ERR_CONFLICT, "ConflictError", "Exists already, or would break another branch." },
    { STRATA_ERR_TIMEOUT, "DeadlineError", "A deadline passed." },
    { STRATA_ERR_INVALID_ARG, "InvalidArgError",
      "A bad argument: unknown keyword, wrong type, a closed connection or an object used after it.\n"
      "Also a TypeError and a ValueError, which Python code raises for the same." },
};
#define NCLASSES (sizeof classes / sizeof classes[0])

/* Owned by the module for the life of the process (a module that is
 * never unloaded; single-phase init). */
static PyObject *error_base;
static PyObject *error_class[STRATA_ERR_INVALID_ARG + 1];

PyObject *
stpy_error_class(int code)
{
    if (code > 0 && code <= STRATA_ERR_INVALID_ARG && error_class[code])
        return error_class[code];
    return error_base;
}

int
stpy_errors_init(PyObject *module)
{
    CLEANUP_PYOBJ PyObject *dict = PyDict_New();

    if (!dict)
        return -1;
    error_base = PyErr_NewExceptionWithDoc(
        "strata.Error",
        "Base class of strata's errors.\n\n"
        "Attributes: code (int, a strata_error_code), code_name (str, as strata --json names it),\n"
        "message (one sentence naming the object), hint (what to do next, or None),\n"
        "path (the file concerned, or None), errno (int, 0 when none).",
        NULL, NULL);
    if (!error_base || PyModule_AddObjectRef(module, "Error", error_base) < 0)
        return -1;
    for (size_t i = 0; i < NCLASSES; i++) {
        CLEANUP_PYOBJ PyObject *bases = NULL;
        CLEANUP_PYOBJ PyObject *code = NULL;
        CLEANUP_PYOBJ PyObject *name = NULL;
        char qualified[64];
        char constant[64];
        PyObject *cls;
        const char *code_name = strata_error_code_name(classes[i].code);

        if (classes[i].code == STRATA_ERR_INVALID_ARG)
            bases = PyTuple_Pack(3, error_base, PyExc_TypeError, PyExc_ValueError);
        else
            bases = PyTuple_Pack(1, error_base);
        if (!bases)
            return -1;
        PyOS_snprintf(qualified, sizeof qualified, "strata.%s", classes[i].class_name);
        if (!(cls = PyErr_NewExceptionWithDoc(qualified, classes[i].doc, bases, NULL)))
            return -1;
        error_class[classes[i].code] = cls;
        if (!(code = PyLong_FromLong(classes[i].code)) ||
            !(name = PyUnicode_FromString(code_name ? code_name : "unknown")) ||
            PyObject_SetAttrString(cls, "code", code) < 0 ||
            PyObject_SetAttrString(cls, "code_name", name) < 0 ||
            PyModule_AddObjectRef(module, classes[i].class_name, cls) < 0 ||
            PyDict_SetItem(dict, code, cls) < 0)
            return -1;
        /* ERR_NOT_FOUND = 12...: the numbers of strata.h. */
        PyOS_snprintf(constant, sizeof constant, "ERR_%s", code_name ? code_name : "UNKNOWN");
        for (char *c = constant; *c; c++)
            *c = *c == '-' ? '_' : (char) Py_TOUPPER(*c);
        if (PyModule_AddIntConstant(module, constant, classes[i].code) < 0)
            return -1;
    }
    /* strata.ERROR_CLASSES[code] -> class, for code that gets a number. */
    return PyModule_AddObjectRef(module, "ERROR_CLASSES", dict);
}

/* Set @attr of @exc, dropping the reference to @value (NULL: failed). */
static int
set_attr(PyObject *exc, const char *attr, PyObject *value)
{
    int rc;

    if (!value)
        return -1;
    rc = PyObject_SetAttrString(exc, attr, value);
    Py_DECREF(value);
    return rc;
}

/* An instance of the class of @code with its fields. */
static PyObject *
make_error(int code, const char *message, const char *hint, const char *path, int errnum)
{
    CLEANUP_PYOBJ PyObject *exc = NULL;
    const char *code_name = strata_error_code_name(code);

    exc = PyObject_CallFunction(stpy_error_class(code), "s", message ? message : "failed");
    if (!exc ||
        set_attr(exc, "code", PyLong_FromLong(code)) < 0 ||
        set_attr(exc, "code_name", PyUnicode_FromString(code_name ? code_name : "unknown")) < 0 ||
        set_attr(exc, "message", PyUnicode_FromString(message ? message : "failed")) < 0 ||
        set_attr(exc, "hint", stpy_str_or_none(hint)) < 0 ||
        set_attr(exc, "path", stpy_str_or_none(path)) < 0 ||
        set_attr(exc, "errno", PyLong_FromLong(errnum)) < 0)
        return NULL;
    return STPY_STEAL(&exc);
}

PyObject *
stpy_raise_last(void)
{
    const strata_error *e = strata_last_error();
    CLEANUP_PYOBJ PyObject *exc = NULL;

    /* strata.h: a failing call always sets it; say so if it did not. */
    if (!e)
        exc = make_error(STRATA_ERR_INTERNAL, "the call failed without setting an error",
                         NULL, NULL, 0);
    else
        exc = make_error(strata_error_get_code(e), strata_error_get_message(e),
                         strata_error_get_hint(e), strata_error_get_path(e),
                         strata_error_get_errno(e));
    if (exc)
        PyErr_SetObject((PyObject *) Py_TYPE(exc), exc);
    return NULL;
}

int
stpy_raise_last_int(void)
{
    stpy_raise_last();
    return -1;
}

PyObject *
stpy_raise_invalid(const char *fmt, ...)
{
    CLEANUP_PYOBJ PyObject *msg = NULL;
    CLEANUP_PYOBJ PyObject *exc = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = PyUnicode_FromFormatV(fmt, ap);
    va_end(ap);
    if (!msg)
        return NULL;
    if ((exc = make_error(STRATA_ERR_INVALID_ARG, PyUnicode_AsUTF8(msg), NULL, NULL, 0)))
        PyErr_SetObject((PyObject *) Py_TYPE(exc), exc);
    return NULL;
}
