/* python/args.c: turning Python arguments into what strata.h takes.
 * Every argument the module refuses is a strata.InvalidArgError (also a
 * TypeError and a ValueError), whether Python's parser or the library
 * refused it, so that a script has one class to catch. */
#include "python/module.h"

#include <stdarg.h>
#include <string.h>

int
stpy_parse(PyObject *args, PyObject *kwargs, const char *format, char **kwlist, ...)
{
    PyObject *type, *value, *tb;
    CLEANUP_PYOBJ PyObject *text = NULL;
    va_list ap;
    int ok;

    va_start(ap, kwlist);
    ok = PyArg_VaParseTupleAndKeywords(args, kwargs, format, kwlist, ap);
    va_end(ap);
    if (ok)
        return 1;
    /* TypeError (unknown keyword, wrong type), ValueError (embedded
     * NUL), OverflowError (a negative size): the caller's argument. */
    if (!PyErr_ExceptionMatches(PyExc_TypeError) && !PyErr_ExceptionMatches(PyExc_ValueError))
        return 0;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    text = value ? PyObject_Str(value) : NULL;
    stpy_raise_invalid("%s", text ? PyUnicode_AsUTF8(text) : "bad argument");
    if (value) {
        PyObject *t2, *v2, *tb2;

        /* Keep Python's own exception as the cause. */
        PyErr_Fetch(&t2, &v2, &tb2);
        PyErr_NormalizeException(&t2, &v2, &tb2);
        if (v2) {
            Py_INCREF(value);
            PyException_SetCause(v2, value);
        }
        PyErr_Restore(t2, v2, tb2);
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return 0;
}

/* @o (str, bytes or os.PathLike) as bytes in *@out, for a file name;
 * strings in the file system encoding, as open() takes them. */
static int
path_bytes(PyObject *o, PyObject **out)
{
    PyObject *b = NULL;

    if (!PyUnicode_FSConverter(o, &b))
        return 0;
    if (strlen(PyBytes_AS_STRING(b)) != (size_t) PyBytes_GET_SIZE(b)) {
        Py_DECREF(b);
        PyErr_SetString(PyExc_ValueError, "a path with an embedded NUL");
        return 0;
    }
    *out = b;
    return 1;
}

int
stpy_path_conv(PyObject *o, void *result)
{
    PyObject **out = result;

    Py_CLEAR(*out);
    return path_bytes(o, out);
}

int
stpy_path_or_none_conv(PyObject *o, void *result)
{
    PyObject **out = result;

    Py_CLEAR(*out);
    if (o == Py_None)
        return 1;
    return path_bytes(o, out);
}

const char *
stpy_bytes_or_null(PyObject *b)
{
    return b ? PyBytes_AS_STRING(b) : NULL;
}

/* Flags from keyword booleans: each set bit of @bits[i] when @on[i]. */
unsigned
stpy_flags(const int *on, const unsigned *bits, size_t n)
{
    unsigned flags = 0;

    for (size_t i = 0; i < n; i++)
        if (on[i])
            flags |= bits[i];
    return flags;
}
