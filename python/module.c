/* python/module.c: the `strata` extension module: its types, errors,
 * records and the functions that need no connection (the log callback
 * is in log.c). */
#include "python/module.h"

static PyObject *
module_version(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { NULL };

    (void) self;
    if (!stpy_parse(args, kwargs, ":version", kwlist))
        return NULL;
    return PyUnicode_FromString(strata_version());
}

static PyMethodDef module_methods[] = {
    STPY_METHOD("version", module_version,
                "version()\n--\n\nThe version of the libstrata in use, \"MAJOR.MINOR.PATCH\"."),
    STPY_METHOD("chain_open_file", stpy_chain_open_file,
                "chain_open_file(path, format=None, backing_format=None, *, no_allocation=False)\n--\n\n"
                "The backing chain under `path` as a Chain, read from the image headers\n"
                "(no subprocess; strata_chain_open_file).  format None: qcow2 (strata\n"
                "never probes); backing_format: assumed for a backing file with none\n"
                "recorded (None: such a backing is a fault).  A chain with faults is\n"
                "returned with them; an unreadable top raises."),
    STPY_METHOD("set_log_callback", stpy_set_log_callback,
                "set_log_callback(fn=None, *, debug=False)\n--\n\n"
                "Send the library's warnings (and with debug=True its debug lines) to\n"
                "fn(level, subsystem, message): level 'warning' or 'debug', the others\n"
                "str (strata_set_log_callback).  For the whole process; None restores the\n"
                "default (warnings dropped, debug lines on stderr with STRATA_DEBUG=1).\n"
                "fn may be called from any thread, with the GIL; what it raises is printed\n"
                "as unraisable, and it may not call strata.  Refused (InvalidArgError)\n"
                "while a strata call runs in any thread."),
    { NULL, NULL, 0, NULL },
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "strata",
    .m_doc = "strata: external snapshots of qcow2 disks as backing chains.\n\n"
             "Python bindings of libstrata (strata-api(3)); strata-python(3) is the\n"
             "manual.  Connection(state_dir, run_dir) opens a state directory; its\n"
             "Domain and Snapshot objects have the methods of the C API; errors are\n"
             "subclasses of strata.Error, one per error code.",
    .m_size = -1,
    .m_methods = module_methods,
};

static int
add_type(PyObject *module, PyTypeObject *type, const char *name)
{
    if (PyType_Ready(type) < 0)
        return -1;
    return name ? PyModule_AddObjectRef(module, name, (PyObject *) type) : 0;
}

PyMODINIT_FUNC PyInit_strata(void);

PyMODINIT_FUNC
PyInit_strata(void)
{
    CLEANUP_PYOBJ PyObject *module = PyModule_Create(&module_def);

    if (!module ||
        stpy_errors_init(module) < 0 || stpy_records_init(module) < 0 ||
        stpy_log_init(module) < 0 ||
        add_type(module, &stpy_conn_type, "Connection") < 0 ||
        add_type(module, &stpy_domain_type, "Domain") < 0 ||
        add_type(module, &stpy_snapshot_type, "Snapshot") < 0 ||
        add_type(module, &stpy_chain_type, "Chain") < 0 ||
        add_type(module, &stpy_iter_type, NULL) < 0 ||
        PyModule_AddStringConstant(module, "__version__", strata_version()) < 0)
        return NULL;
    return STPY_STEAL(&module);
}
