/* python/disks.c: the disks a script passes to define_as() as
 * strata_disk structures.  Python has several natural spellings of a
 * list of (dev, path) pairs; all are taken, and anything else is an
 * InvalidArgError naming the item, before the library sees it. */
#include "python/module.h"

#include <string.h>

/* @o as UTF-8 (a name) or file-system (a path) bytes, appended to
 * @keep; its buffer in *@out.  None gives NULL when @optional. */
static bool
keep_string(PyObject *keep, PyObject *o, bool path, bool optional, const char *what,
            Py_ssize_t i, const char **out)
{
    CLEANUP_PYOBJ PyObject *b = NULL;

    *out = NULL;
    if (o == Py_None && optional)
        return true;
    if (path) {
        if (!stpy_path_conv(o, &b)) {
            PyErr_Clear();
            b = NULL;
        }
    } else if (PyUnicode_Check(o)) {
        b = PyUnicode_AsUTF8String(o);
        if (b && strlen(PyBytes_AS_STRING(b)) != (size_t) PyBytes_GET_SIZE(b))
            Py_CLEAR(b);
        if (!b)
            PyErr_Clear();
    }
    if (!b) {
        stpy_raise_invalid("disk %zd: %s must be %s, not %s", i, what,
                           path ? "a path (str, bytes or os.PathLike)" : "a str without NUL",
                           Py_TYPE(o)->tp_name);
        return false;
    }
    if (PyList_Append(keep, b) < 0)
        return false;
    *out = PyBytes_AS_STRING(b);
    return true;
}

/* The fields of item @i: a mapping with dev, path[, format], or a
 * sequence (dev, path[, format]). */
static bool
one_disk(PyObject *keep, PyObject *item, Py_ssize_t i, strata_disk *d)
{
    CLEANUP_PYOBJ PyObject *seq = NULL;
    PyObject *dev, *path, *format = Py_None;
    const char *s;

    if (PyDict_Check(item)) {
        dev = PyDict_GetItemString(item, "dev");
        path = PyDict_GetItemString(item, "path");
        if (PyDict_GetItemString(item, "format"))
            format = PyDict_GetItemString(item, "format");
        if (!dev || !path ||
            PyDict_Size(item) != 2 + (PyDict_GetItemString(item, "format") != NULL)) {
            stpy_raise_invalid("disk %zd: the keys are 'dev', 'path' (both required) and 'format'", i);
            return false;
        }
    } else {
        if (PyUnicode_Check(item) || PyBytes_Check(item) || !(seq = PySequence_Fast(item, ""))) {
            PyErr_Clear();
            stpy_raise_invalid("disk %zd: expected (dev, path[, format]), not %s", i,
                               Py_TYPE(item)->tp_name);
            return false;
        }
        if (PySequence_Fast_GET_SIZE(seq) != 2 && PySequence_Fast_GET_SIZE(seq) != 3) {
            stpy_raise_invalid("disk %zd: expected (dev, path[, format]), got %zd items", i,
                               PySequence_Fast_GET_SIZE(seq));
            return false;
        }
        dev = PySequence_Fast_GET_ITEM(seq, 0);
        path = PySequence_Fast_GET_ITEM(seq, 1);
        if (PySequence_Fast_GET_SIZE(seq) == 3)
            format = PySequence_Fast_GET_ITEM(seq, 2);
    }
    if (!keep_string(keep, dev, false, false, "dev", i, &s))
        return false;
    d->dev = (char *) s;
    if (!keep_string(keep, path, true, false, "path", i, &s))
        return false;
    d->path = (char *) s;
    if (!keep_string(keep, format, false, true, "format", i, &s))
        return false;
    d->format = (char *) s;
    return true;
}

/* The items of @spec as a new list: a mapping's (key, value) pairs, or
 * the elements of an iterable that is not a string. */
static PyObject *
spec_items(PyObject *spec)
{
    PyObject *items;

    if (PyDict_Check(spec))
        return PyDict_Items(spec);
    if (!PyUnicode_Check(spec) && !PyBytes_Check(spec) && (items = PySequence_List(spec)))
        return items;
    PyErr_Clear();
    stpy_raise_invalid("disks must be a mapping or an iterable of disks, not %s",
                       Py_TYPE(spec)->tp_name);
    return NULL;
}

strata_disk *
stpy_disks_from(PyObject *spec, size_t *n, PyObject **keep)
{
    CLEANUP_PYOBJ PyObject *items = NULL;
    CLEANUP_FREE strata_disk *disks = NULL;
    Py_ssize_t count;

    Py_CLEAR(*keep);
    if (!(*keep = PyList_New(0)) || !(items = spec_items(spec)))
        return NULL;
    count = PyList_GET_SIZE(items);
    if (count == 0) {
        stpy_raise_invalid("disks is empty: a domain needs at least one disk");
        return NULL;
    }
    if (!(disks = calloc((size_t) count, sizeof *disks))) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++)
        if (!one_disk(*keep, PyList_GET_ITEM(items, i), i, &disks[i]))
            return NULL;
    *n = (size_t) count;
    return STPY_STEAL(&disks);
}

/* Item @i of snapshot_create_as()'s disks: "dev", (dev, file[, exclude])
 * or a mapping with keys dev, file, exclude. */
static bool
one_spec(PyObject *keep, PyObject *item, Py_ssize_t i, strata_diskspec *s)
{
    CLEANUP_PYOBJ PyObject *seq = NULL;
    PyObject *dev = item, *file = Py_None, *exclude = Py_False;
    int ex;

    if (PyDict_Check(item)) {
        Py_ssize_t known = 0;

        if ((dev = PyDict_GetItemString(item, "dev")))
            known++;
        if (PyDict_GetItemString(item, "file"))
            file = PyDict_GetItemString(item, "file"), known++;
        if (PyDict_GetItemString(item, "exclude"))
            exclude = PyDict_GetItemString(item, "exclude"), known++;
        if (!dev || PyDict_Size(item) != known) {
            stpy_raise_invalid("disk %zd: the keys are 'dev' (required), 'file' and 'exclude'", i);
            return false;
        }
    } else if (!PyUnicode_Check(item)) {
        if (PyBytes_Check(item) || !(seq = PySequence_Fast(item, ""))) {
            PyErr_Clear();
            stpy_raise_invalid("disk %zd: expected dev or (dev, file[, exclude]), not %s", i,
                               Py_TYPE(item)->tp_name);
            return false;
        }
        if (PySequence_Fast_GET_SIZE(seq) < 1 || PySequence_Fast_GET_SIZE(seq) > 3) {
            stpy_raise_invalid("disk %zd: expected (dev, file[, exclude]), got %zd items", i,
                               PySequence_Fast_GET_SIZE(seq));
            return false;
        }
        dev = PySequence_Fast_GET_ITEM(seq, 0);
        if (PySequence_Fast_GET_SIZE(seq) > 1)
            file = PySequence_Fast_GET_ITEM(seq, 1);
        if (PySequence_Fast_GET_SIZE(seq) > 2)
            exclude = PySequence_Fast_GET_ITEM(seq, 2);
    }
    if (!keep_string(keep, dev, false, false, "dev", i, &s->dev) ||
        !keep_string(keep, file, true, true, "file", i, &s->file))
        return false;
    if ((ex = PyObject_IsTrue(exclude)) < 0)
        return false;
    s->exclude = ex;
    return true;
}

strata_diskspec *
stpy_diskspecs_from(PyObject *spec, size_t *n, PyObject **keep)
{
    CLEANUP_PYOBJ PyObject *items = NULL;
    CLEANUP_FREE strata_diskspec *specs = NULL;
    Py_ssize_t count;

    Py_CLEAR(*keep);
    *n = 0;
    if (!(*keep = PyList_New(0)) || !(items = spec_items(spec)))
        return NULL;
    count = PyList_GET_SIZE(items);
    /* One more, so that an empty list is not a NULL (failure). */
    if (!(specs = calloc((size_t) count + 1, sizeof *specs))) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++)
        if (!one_spec(*keep, PyList_GET_ITEM(items, i), i, &specs[i]))
            return NULL;
    *n = (size_t) count;
    return STPY_STEAL(&specs);
}
