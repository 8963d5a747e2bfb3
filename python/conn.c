/* python/conn.c: strata.Connection, a strata_conn: the state directory
 * and the domains in it.  A context manager; closing is also what the
 * last reference's going does. */
#include "python/module.h"

#include <pythread.h>

static PyObject *
conn_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "state_dir", "run_dir", NULL };
    CLEANUP_PYOBJ PyObject *state_dir = NULL;
    CLEANUP_PYOBJ PyObject *run_dir = NULL;
    CLEANUP_PYOBJ PyObject *self = NULL;
    stpy_conn *c;
    strata_conn *conn;

    if (!stpy_parse(args, kwargs, "|O&O&:Connection", kwlist, stpy_path_or_none_conv,
                    &state_dir, stpy_path_or_none_conv, &run_dir))
        return NULL;
    /* Opens nothing on disk (strata.h): no need to release the GIL. */
    if (!(conn = strata_open(stpy_bytes_or_null(state_dir), stpy_bytes_or_null(run_dir), 0)))
        return stpy_raise_last();
    if (!(self = type->tp_alloc(type, 0))) {
        strata_close(conn);
        return NULL;
    }
    c = (stpy_conn *) self;
    c->conn = conn;
    if (!(c->lock = PyThread_allocate_lock()))
        return PyErr_NoMemory();
    return STPY_STEAL(&self);
}

/* Close, once no other thread is inside a call. */
static void
conn_close(stpy_conn *c)
{
    bool taken;

    if (!c->conn)
        return;
    taken = stpy_guard_acquire_for_free(c);
    strata_close(c->conn);
    c->conn = NULL;
    stpy_guard_release(c, taken);
}

static void
conn_dealloc(PyObject *self)
{
    stpy_conn *c = (stpy_conn *) self;

    if (c->weakrefs)
        PyObject_ClearWeakRefs(self);
    if (c->lock) {
        conn_close(c);
        PyThread_free_lock(c->lock);
    }
    Py_TYPE(self)->tp_free(self);
}

static PyObject *
conn_close_method(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { NULL };
    stpy_conn *c = (stpy_conn *) self;

    if (!stpy_parse(args, kwargs, ":close", kwlist))
        return NULL;
    /* Called from a progress callback of this connection's own job:
     * closing under the running call would free what it uses. */
    if (c->conn && c->owner == PyThread_get_thread_ident())
        return stpy_raise_invalid("the connection is inside a call in this thread");
    conn_close(c);
    Py_RETURN_NONE;
}

static PyObject *
conn_enter(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { NULL };

    if (!stpy_parse(args, kwargs, ":__enter__", kwlist))
        return NULL;
    if (!((stpy_conn *) self)->conn)
        return stpy_raise_invalid("the connection is closed");
    return Py_NewRef(self);
}

static PyObject *
conn_exit(PyObject *self, PyObject *args)
{
    stpy_conn *c = (stpy_conn *) self;

    (void) args;                /* the exception, if any, propagates */
    if (c->conn && c->owner == PyThread_get_thread_ident())
        return stpy_raise_invalid("the connection is inside a call in this thread");
    conn_close(c);
    Py_RETURN_FALSE;
}

PyObject *
stpy_domain_lookup_name(PyObject *self, const char *name)
{
    stpy_conn *c = (stpy_conn *) self;
    strata_domain *dom;

    if (!stpy_guard_enter(c))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    dom = strata_domain_lookup(c->conn, name);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(c);
    if (!dom)
        return stpy_raise_last();
    return stpy_domain_wrap(c, dom);
}

static PyObject *
conn_lookup_domain(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "name", NULL };
    const char *name;

    if (!stpy_parse(args, kwargs, "s:lookup_domain", kwlist, &name))
        return NULL;
    return stpy_domain_lookup_name(self, name);
}

/* The names of the defined domains, sorted (owned by the caller). */
static char **
domain_names(stpy_conn *c, int *n)
{
    char **names = NULL;

    if (!stpy_guard_enter(c))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    *n = strata_list_domains(c->conn, &names);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(c);
    if (*n < 0) {
        stpy_raise_last();
        return NULL;
    }
    return names;
}

static PyObject *
conn_list_domains(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { NULL };
    CLEANUP_NAMES char **names = NULL;
    int n = 0;

    if (!stpy_parse(args, kwargs, ":list_domains", kwlist) ||
        !(names = domain_names((stpy_conn *) self, &n)))
        return NULL;
    return stpy_names_to_list(names, n);
}

static PyObject *
conn_domains(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { NULL };
    char **names = NULL;
    int n = 0;

    if (!stpy_parse(args, kwargs, ":domains", kwlist) ||
        !(names = domain_names((stpy_conn *) self, &n)))
        return NULL;
    return stpy_iter_new(self, names, stpy_domain_lookup_name);
}

static PyObject *
conn_define_xml(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "xml", "no_wait", NULL };
    stpy_conn *c = (stpy_conn *) self;
    const char *xml;
    int no_wait = 0;
    strata_domain *dom;

    if (!stpy_parse(args, kwargs, "s|$p:define_xml", kwlist, &xml, &no_wait) ||
        !stpy_guard_enter(c))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    dom = strata_domain_define_xml(c->conn, xml, no_wait ? STRATA_NO_WAIT : 0);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(c);
    if (!dom)
        return stpy_raise_last();
    return stpy_domain_wrap(c, dom);
}

static PyObject *
conn_define_as(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "name", "disks", "no_wait", NULL };
    stpy_conn *c = (stpy_conn *) self;
    CLEANUP_PYOBJ PyObject *keep = NULL;
    CLEANUP_FREE strata_disk *disks = NULL;
    const char *name;
    PyObject *spec;
    int no_wait = 0;
    size_t n = 0;
    strata_domain *dom;

    if (!stpy_parse(args, kwargs, "sO|$p:define_as", kwlist, &name, &spec, &no_wait) ||
        !(disks = stpy_disks_from(spec, &n, &keep)) || !stpy_guard_enter(c))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    dom = strata_domain_define_disks(c->conn, name, disks, n, no_wait ? STRATA_NO_WAIT : 0);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(c);
    if (!dom)
        return stpy_raise_last();
    return stpy_domain_wrap(c, dom);
}

static PyObject *
conn_import_libvirt(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "name", "config_dir", "snapshot_dir", "no_wait", NULL };
    stpy_conn *c = (stpy_conn *) self;
    CLEANUP_PYOBJ PyObject *config_dir = NULL;
    CLEANUP_PYOBJ PyObject *snapshot_dir = NULL;
    const char *name;
    int no_wait = 0;
    strata_domain *dom;

    if (!stpy_parse(args, kwargs, "s|O&O&$p:import_libvirt", kwlist, &name,
                    stpy_path_or_none_conv, &config_dir, stpy_path_or_none_conv, &snapshot_dir,
                    &no_wait) ||
        !stpy_guard_enter(c))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    dom = strata_domain_import_libvirt(c->conn, name, stpy_bytes_or_null(config_dir),
                                       stpy_bytes_or_null(snapshot_dir),
                                       no_wait ? STRATA_NO_WAIT : 0);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(c);
    if (!dom)
        return stpy_raise_last();
    return stpy_domain_wrap(c, dom);
}

static PyObject *
conn_get_state_dir(PyObject *self, void *closure)
{
    stpy_conn *c = (stpy_conn *) self;

    (void) closure;
    if (!c->conn)
        return stpy_raise_invalid("the connection is closed");
    return PyUnicode_DecodeFSDefault(strata_conn_get_state_dir(c->conn));
}

static PyObject *
conn_get_run_dir(PyObject *self, void *closure)
{
    stpy_conn *c = (stpy_conn *) self;

    (void) closure;
    if (!c->conn)
        return stpy_raise_invalid("the connection is closed");
    return PyUnicode_DecodeFSDefault(strata_conn_get_run_dir(c->conn));
}

static PyObject *
conn_get_closed(PyObject *self, void *closure)
{
    (void) closure;
    return PyBool_FromLong(((stpy_conn *) self)->conn == NULL);
}

static PyObject *
conn_repr(PyObject *self)
{
    stpy_conn *c = (stpy_conn *) self;

    if (!c->conn)
        return PyUnicode_FromString("<strata.Connection closed>");
    return PyUnicode_FromFormat("<strata.Connection state_dir='%s'>",
                                strata_conn_get_state_dir(c->conn));
}

static PyMethodDef conn_methods[] = {
    STPY_METHOD("close", conn_close_method,
                "close()\n--\n\nClose the connection (also done when the object goes).  Domains and\n"
                "snapshots obtained through it raise InvalidArgError afterwards.  Closing\n"
                "twice does nothing."),
    STPY_METHOD("__enter__", conn_enter, "The connection itself, for `with`."),
    { "__exit__", conn_exit, METH_VARARGS, "Close the connection; exceptions propagate." },
    STPY_METHOD("lookup_domain", conn_lookup_domain,
                "lookup_domain(name)\n--\n\nThe Domain named `name` (strata_domain_lookup); NotFoundError when\n"
                "none, InvalidNameError for a hostile name."),
    STPY_METHOD("list_domains", conn_list_domains,
                "list_domains()\n--\n\nThe names of the defined domains, sorted, as a list of str\n"
                "(strata_list_domains)."),
    STPY_METHOD("domains", conn_domains,
                "domains()\n--\n\nAn iterator over the defined domains as Domain objects, each looked up\n"
                "when reached."),
    STPY_METHOD("define_xml", conn_define_xml,
                "define_xml(xml, *, no_wait=False)\n--\n\nDefine (or redefine, same <uuid>) a domain from libvirt <domain>\n"
                "XML, every element kept (strata_domain_define_xml).  Returns the Domain."),
    STPY_METHOD("define_as", conn_define_as,
                "define_as(name, disks, *, no_wait=False)\n--\n\nDefine domain `name` from its disks (strata define-as,\n"
                "strata_domain_define_disks).  `disks` is a mapping {dev: path} or an\n"
                "iterable of (dev, path[, format]) tuples, Disk records or dicts with keys\n"
                "dev, path and format; format None means qcow2.  Returns the Domain."),
    STPY_METHOD("import_libvirt", conn_import_libvirt,
                "import_libvirt(name, config_dir=None, snapshot_dir=None, *, no_wait=False)\n--\n\n"
                "Define domain `name` and all its snapshots from libvirt's own files\n"
                "(strata import-libvirt, strata_domain_import_libvirt), all or nothing;\n"
                "None means /etc/libvirt/qemu and /var/lib/libvirt/qemu/snapshot.\n"
                "Returns the Domain."),
    { NULL, NULL, 0, NULL },
};

static PyGetSetDef conn_getset[] = {
    { "state_dir", conn_get_state_dir, NULL, "The state directory in use (str).", NULL },
    { "run_dir", conn_get_run_dir, NULL, "The run directory in use (str).", NULL },
    { "closed", conn_get_closed, NULL, "Whether close() was called.", NULL },
    { NULL, NULL, NULL, NULL, NULL },
};

PyTypeObject stpy_conn_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "strata.Connection",
    .tp_basicsize = sizeof(stpy_conn),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Connection(state_dir=None, run_dir=None)\n--\n\n"
              "A connection to a state directory (strata_open).  None means the\n"
              "defaults of strata(1): $STRATA_STATE_DIR, /var/lib/strata for root,\n"
              "$XDG_STATE_HOME/strata or ~/.local/state/strata otherwise; the run\n"
              "directory $XDG_RUNTIME_DIR/strata or /run/strata.  A context manager:\n"
              "`with strata.Connection(...) as conn:` closes it at the end.",
    .tp_new = conn_new,
    .tp_dealloc = conn_dealloc,
    .tp_repr = conn_repr,
    .tp_methods = conn_methods,
    .tp_getset = conn_getset,
    .tp_weaklistoffset = offsetof(stpy_conn, weakrefs),
};
