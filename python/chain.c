/* python/chain.c: strata.Chain, a strata_chain read from the image
 * headers: a sequence of Layer records, top first, with their faults.
 * It holds no connection (a chain is read once, in-process), so its
 * methods run with the GIL held and need no guard. */
#include "python/module.h"

typedef struct {
    PyObject_HEAD
    strata_chain *chain;        /* owned */
} stpy_chain;

PyObject *
stpy_chain_wrap(strata_chain *chain)
{
    stpy_chain *c = PyObject_New(stpy_chain, &stpy_chain_type);

    if (!c) {
        strata_chain_free(chain);
        return NULL;
    }
    c->chain = chain;
    return (PyObject *) c;
}

static void
chain_dealloc(PyObject *self)
{
    strata_chain_free(((stpy_chain *) self)->chain);
    PyObject_Free(self);
}

static Py_ssize_t
chain_len(PyObject *self)
{
    return (Py_ssize_t) strata_chain_num_layers(((stpy_chain *) self)->chain);
}

/* The Fault records of layer @i. */
static PyObject *
layer_faults(const strata_chain *chain, size_t i, size_t n)
{
    CLEANUP_PYOBJ PyObject *faults = PyTuple_New((Py_ssize_t) n);

    if (!faults)
        return NULL;
    for (size_t j = 0; j < n; j++) {
        const char *code = NULL;
        const char *message = strata_chain_get_fault(chain, i, j, &code);
        PyObject *f = stpy_fault_new(code, message, strata_chain_get_fault_hint(chain, i, j));

        if (!f)
            return NULL;
        PyTuple_SET_ITEM(faults, (Py_ssize_t) j, f);
    }
    return STPY_STEAL(&faults);
}

static PyObject *
chain_item(PyObject *self, Py_ssize_t i)
{
    stpy_chain *c = (stpy_chain *) self;
    const strata_layer *l;
    CLEANUP_PYOBJ PyObject *faults = NULL;

    if (i < 0 || (size_t) i >= strata_chain_num_layers(c->chain)) {
        PyErr_SetString(PyExc_IndexError, "layer index out of range");
        return NULL;
    }
    l = strata_chain_get_layer(c->chain, (size_t) i);
    if (!l)
        return stpy_raise_last();
    if (!(faults = layer_faults(c->chain, (size_t) i, l->nfaults)))
        return NULL;
    return stpy_layer_new(l, faults);
}

static PyObject *
chain_num_layers(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { NULL };

    if (!stpy_parse(args, kwargs, ":num_layers", kwlist))
        return NULL;
    return PyLong_FromSsize_t(chain_len(self));
}

static PyObject *
chain_get_layer(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "i", NULL };
    Py_ssize_t i;

    if (!stpy_parse(args, kwargs, "n:get_layer", kwlist, &i))
        return NULL;
    if (i < 0 || i >= chain_len(self))
        return stpy_raise_invalid("get_layer: layer %zd of %zd", i, chain_len(self));
    return chain_item(self, i);
}

static PyObject *
chain_num_faults(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { NULL };

    if (!stpy_parse(args, kwargs, ":num_faults", kwlist))
        return NULL;
    return PyLong_FromSize_t(strata_chain_num_faults(((stpy_chain *) self)->chain));
}

static PyObject *
chain_get_fault(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "i", "j", NULL };
    stpy_chain *c = (stpy_chain *) self;
    Py_ssize_t i, j;
    const char *code = NULL, *message;

    if (!stpy_parse(args, kwargs, "nn:get_fault", kwlist, &i, &j))
        return NULL;
    if (i < 0 || j < 0 || !(message = strata_chain_get_fault(c->chain, (size_t) i, (size_t) j, &code)))
        return stpy_raise_invalid("get_fault: no fault %zd of layer %zd", j, i);
    return stpy_fault_new(code, message, strata_chain_get_fault_hint(c->chain, (size_t) i,
                                                                     (size_t) j));
}

static PyObject *
chain_repr(PyObject *self)
{
    stpy_chain *c = (stpy_chain *) self;
    const strata_layer *top = strata_chain_get_layer(c->chain, 0);

    return PyUnicode_FromFormat("<strata.Chain '%s', %zd layers, %zu faults>",
                                top && top->path ? top->path : "?", chain_len(self),
                                strata_chain_num_faults(c->chain));
}

PyObject *
stpy_chain_open_file(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "path", "format", "backing_format", "no_allocation", NULL };
    CLEANUP_PYOBJ PyObject *path = NULL;
    const char *format = NULL, *backing_format = NULL;
    int no_alloc = 0;
    strata_chain *chain;

    (void) self;
    if (!stpy_parse(args, kwargs, "O&|zz$p:chain_open_file", kwlist, stpy_path_conv, &path,
                    &format, &backing_format, &no_alloc))
        return NULL;
    /* Reads every header and L2 table of the chain: file I/O.  No
     * connection to lock, but counted as every call (guard.c). */
    if (!stpy_call_begin())
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    chain = strata_chain_open_file(PyBytes_AS_STRING(path), format, backing_format,
                                   no_alloc ? STRATA_CHAIN_NO_ALLOCATION : 0);
    Py_END_ALLOW_THREADS
    stpy_call_end();
    if (!chain)
        return stpy_raise_last();
    return stpy_chain_wrap(chain);
}

static PySequenceMethods chain_as_sequence = {
    .sq_length = chain_len,
    .sq_item = chain_item,
};

static PyMethodDef chain_methods[] = {
    STPY_METHOD("num_layers", chain_num_layers, "num_layers()\n--\n\nHow many layers (also len())."),
    STPY_METHOD("get_layer", chain_get_layer,
                "get_layer(i)\n--\n\nLayer `i` (0 is the top) as a Layer record (also chain[i]);\n"
                "InvalidArgError when out of range."),
    STPY_METHOD("num_faults", chain_num_faults,
                "num_faults()\n--\n\nAll faults of all layers (0: strata chain check finds none)."),
    STPY_METHOD("get_fault", chain_get_fault,
                "get_fault(i, j)\n--\n\nFault `j` of layer `i` as Fault(code, message, hint); InvalidArgError\n"
                "when out of range.  Layer.faults holds the same."),
    { NULL, NULL, 0, NULL },
};

PyTypeObject stpy_chain_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "strata.Chain",
    .tp_basicsize = sizeof(stpy_chain),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .tp_doc = "A backing chain read from the image headers (strata_chain): a sequence of\n"
              "Layer records, top first, with every field and fault of strata chain\n"
              "show.  From strata.chain_open_file() or Domain.chain_open_disk().",
    .tp_dealloc = chain_dealloc,
    .tp_repr = chain_repr,
    .tp_as_sequence = &chain_as_sequence,
    .tp_methods = chain_methods,
};
