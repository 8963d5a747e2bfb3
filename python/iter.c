/* python/iter.c: the iterators of Connection.domains(),
 * Domain.snapshots() and Snapshot.children(): the names are listed at
 * once (one consistent listing), the objects made as they are reached. */
#include "python/module.h"

typedef struct {
    PyObject_HEAD
    PyObject *owner;            /* a reference: the Connection or Domain */
    char **names;               /* owned */
    size_t next;
    PyObject *(*make)(PyObject *owner, const char *name);
} stpy_iter;

PyObject *
stpy_iter_new(PyObject *owner, char **names, PyObject *(*make)(PyObject *owner, const char *name))
{
    stpy_iter *it = PyObject_New(stpy_iter, &stpy_iter_type);

    if (!it) {
        strata_names_free(names);
        return NULL;
    }
    it->owner = Py_NewRef(owner);
    it->names = names;
    it->next = 0;
    it->make = make;
    return (PyObject *) it;
}

static void
iter_dealloc(PyObject *self)
{
    stpy_iter *it = (stpy_iter *) self;

    strata_names_free(it->names);
    Py_DECREF(it->owner);
    PyObject_Free(self);
}

static PyObject *
iter_next(PyObject *self)
{
    stpy_iter *it = (stpy_iter *) self;
    const char *name;

    if (!it->names || !(name = it->names[it->next]))
        return NULL;            /* StopIteration */
    it->next++;
    return it->make(it->owner, name);
}

static PyObject *
iter_length_hint(PyObject *self, PyObject *unused)
{
    stpy_iter *it = (stpy_iter *) self;
    size_t n = it->next;

    (void) unused;
    while (it->names && it->names[n])
        n++;
    return PyLong_FromSize_t(n - it->next);
}

static PyMethodDef iter_methods[] = {
    { "__length_hint__", iter_length_hint, METH_NOARGS, "How many are left." },
    { NULL, NULL, 0, NULL },
};

PyTypeObject stpy_iter_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "strata.Iterator",
    .tp_basicsize = sizeof(stpy_iter),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .tp_doc = "An iterator over domains or snapshots, listed when it was made and\n"
              "looked up one by one as they are reached.",
    .tp_dealloc = iter_dealloc,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = iter_next,
    .tp_methods = iter_methods,
};

PyObject *
stpy_names_to_list(char *const *names, int n)
{
    CLEANUP_PYOBJ PyObject *list = PyList_New(n);

    if (!list)
        return NULL;
    for (int i = 0; i < n; i++) {
        PyObject *s = PyUnicode_FromString(names[i]);

        if (!s)
            return NULL;
        PyList_SET_ITEM(list, i, s);
    }
    return STPY_STEAL(&list);
}
