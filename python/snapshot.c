/* python/snapshot.c: strata.Snapshot, a strata_snapshot: its XML and
 * info, its place in the tree, set-current, revert and edit.  Deleting is in
 * delete.c. */
#include "python/module.h"

#include <string.h>

PyObject *
stpy_snapshot_wrap(stpy_domain *domain, strata_snapshot *snap)
{
    stpy_snapshot *s = PyObject_New(stpy_snapshot, &stpy_snapshot_type);
    const char *name = strata_snapshot_get_name(snap);
    PyObject *str = name ? PyUnicode_FromString(name) : NULL;
    bool taken;

    if (!s || !str) {
        if (!name && !PyErr_Occurred())
            stpy_raise_last();
        Py_XDECREF(str);
        if (s)
            PyObject_Free(s);
        taken = stpy_guard_acquire_for_free(domain->conn);
        strata_snapshot_free(snap);
        stpy_guard_release(domain->conn, taken);
        return NULL;
    }
    s->domain = (stpy_domain *) Py_NewRef(domain);
    s->snap = snap;
    s->name = str;
    s->weakrefs = NULL;
    return (PyObject *) s;
}

static void
snapshot_dealloc(PyObject *self)
{
    stpy_snapshot *s = (stpy_snapshot *) self;
    bool taken;

    if (s->weakrefs)
        PyObject_ClearWeakRefs(self);
    taken = stpy_guard_acquire_for_free(s->domain->conn);
    strata_snapshot_free(s->snap);
    stpy_guard_release(s->domain->conn, taken);
    Py_DECREF(s->domain);
    Py_DECREF(s->name);
    PyObject_Free(self);
}

static PyObject *
snapshot_repr(PyObject *self)
{
    stpy_snapshot *s = (stpy_snapshot *) self;

    return PyUnicode_FromFormat("<strata.Snapshot %R of %R>", s->name, s->domain->name);
}

static PyObject *
snapshot_get_name(PyObject *self, void *closure)
{
    (void) closure;
    return Py_NewRef(((stpy_snapshot *) self)->name);
}

static PyObject *
snapshot_get_domain(PyObject *self, void *closure)
{
    (void) closure;
    return Py_NewRef(((stpy_snapshot *) self)->domain);
}

static PyObject *
snapshot_get_xml(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { NULL };
    stpy_snapshot *s = (stpy_snapshot *) self;
    CLEANUP_FREE char *xml = NULL;

    if (!stpy_parse(args, kwargs, ":get_xml", kwlist) || !stpy_guard_enter(s->domain->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    xml = strata_snapshot_get_xml(s->snap, 0);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(s->domain->conn);
    if (!xml)
        return stpy_raise_last();
    return PyUnicode_FromString(xml);
}

static PyObject *
snapshot_get_info(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { NULL };
    stpy_snapshot *s = (stpy_snapshot *) self;
    strata_snapshot_info *info;
    PyObject *result;

    if (!stpy_parse(args, kwargs, ":get_info", kwlist) || !stpy_guard_enter(s->domain->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    info = strata_snapshot_get_info(s->snap, 0);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(s->domain->conn);
    if (!info)
        return stpy_raise_last();
    /* Copied out: the record outlives the info and the handle. */
    result = stpy_snapshot_info_new(info);
    strata_snapshot_info_free(info);
    return result;
}

/* The parent handle, or NULL with the library's error left as the last
 * error (NOT_FOUND for a root). */
static strata_snapshot *
parent_of(stpy_snapshot *s)
{
    strata_snapshot *parent;

    if (!stpy_guard_enter(s->domain->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    parent = strata_snapshot_get_parent(s->snap);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(s->domain->conn);
    return parent;
}

static PyObject *
snapshot_get_parent(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { NULL };
    stpy_snapshot *s = (stpy_snapshot *) self;
    strata_snapshot *parent;

    if (!stpy_parse(args, kwargs, ":get_parent", kwlist))
        return NULL;
    if (!(parent = parent_of(s)))
        return PyErr_Occurred() ? NULL : stpy_raise_last();
    return stpy_snapshot_wrap(s->domain, parent);
}

/* The property: None for a root, as Python code expects of a tree. */
static PyObject *
snapshot_parent_property(PyObject *self, void *closure)
{
    stpy_snapshot *s = (stpy_snapshot *) self;
    const strata_error *e;
    strata_snapshot *parent;

    (void) closure;
    if ((parent = parent_of(s)))
        return stpy_snapshot_wrap(s->domain, parent);
    if (PyErr_Occurred())
        return NULL;
    e = strata_last_error();
    if (e && strata_error_get_code(e) == STRATA_ERR_NOT_FOUND) {
        /* Only "no parent": a snapshot that is itself gone raises. */
        strata_snapshot *again;
        const char *name = PyUnicode_AsUTF8(s->name);

        if (!name || !stpy_guard_enter(s->domain->conn))
            return NULL;
        Py_BEGIN_ALLOW_THREADS
        again = strata_snapshot_lookup(s->domain->dom, name);
        Py_END_ALLOW_THREADS
        if (again) {
            strata_snapshot_free(again);
            stpy_guard_leave(s->domain->conn);
            Py_RETURN_NONE;
        }
        stpy_guard_leave(s->domain->conn);
    }
    return stpy_raise_last();
}

static PyObject *
snapshot_set_current(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "no_wait", NULL };
    stpy_snapshot *s = (stpy_snapshot *) self;
    int no_wait = 0, rc;

    if (!stpy_parse(args, kwargs, "|$p:set_current", kwlist, &no_wait) ||
        !stpy_guard_enter(s->domain->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = strata_snapshot_set_current(s->snap, no_wait ? STRATA_NO_WAIT : 0);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(s->domain->conn);
    if (rc < 0)
        return stpy_raise_last();
    Py_RETURN_NONE;
}

static char *children_kwlist[] = { "descendants", "roots", "leaves", "no_leaves", "metadata",
                                   "no_metadata", "external", "internal", "disk_only",
                                   "inactive", "active", NULL };
static const unsigned children_bits[] = {
    STRATA_LIST_DESCENDANTS, STRATA_LIST_ROOTS, STRATA_LIST_LEAVES, STRATA_LIST_NO_LEAVES,
    STRATA_LIST_METADATA, STRATA_LIST_NO_METADATA, STRATA_LIST_EXTERNAL, STRATA_LIST_INTERNAL,
    STRATA_LIST_DISK_ONLY, STRATA_LIST_INACTIVE, STRATA_LIST_ACTIVE,
};

static char **
children_names(PyObject *self, PyObject *args, PyObject *kwargs, const char *format, int *n)
{
    stpy_snapshot *s = (stpy_snapshot *) self;
    int on[11] = { 0 };
    char **names = NULL;
    unsigned flags;

    if (!stpy_parse(args, kwargs, format, children_kwlist, &on[0], &on[1], &on[2], &on[3],
                    &on[4], &on[5], &on[6], &on[7], &on[8], &on[9], &on[10]) ||
        !stpy_guard_enter(s->domain->conn))
        return NULL;
    flags = stpy_flags(on, children_bits, 11);
    Py_BEGIN_ALLOW_THREADS
    *n = strata_snapshot_list_children_names(s->snap, &names, flags);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(s->domain->conn);
    if (*n < 0) {
        stpy_raise_last();
        return NULL;
    }
    return names;
}

static PyObject *
snapshot_list_children_names(PyObject *self, PyObject *args, PyObject *kwargs)
{
    CLEANUP_NAMES char **names = NULL;
    int n = 0;

    if (!(names = children_names(self, args, kwargs, "|$ppppppppppp:list_children_names", &n)))
        return NULL;
    return stpy_names_to_list(names, n);
}

static PyObject *
snapshot_children(PyObject *self, PyObject *args, PyObject *kwargs)
{
    char **names = NULL;
    int n = 0;

    if (!(names = children_names(self, args, kwargs, "|$ppppppppppp:children", &n)))
        return NULL;
    return stpy_iter_new((PyObject *) ((stpy_snapshot *) self)->domain, names,
                         stpy_snapshot_lookup_name);
}

static PyObject *
snapshot_revert(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "force", "no_wait", "check_current", "discard_current",
                              "keep_current", NULL };
    stpy_snapshot *s = (stpy_snapshot *) self;
    int force = 0, no_wait = 0, check = 0, discard = 0, keep = 0, rc;
    unsigned flags;

    if (!stpy_parse(args, kwargs, "|$ppppp:revert", kwlist, &force, &no_wait, &check, &discard,
                    &keep) ||
        !stpy_guard_enter(s->domain->conn))
        return NULL;
    flags = (force ? STRATA_REVERT_FORCE : 0) | (no_wait ? STRATA_NO_WAIT : 0) |
            (check ? STRATA_REVERT_CHECK_CURRENT : 0) |
            (discard ? STRATA_REVERT_DISCARD_CURRENT : 0) | (keep ? STRATA_REVERT_KEEP_CURRENT : 0);
    Py_BEGIN_ALLOW_THREADS
    rc = strata_snapshot_revert(s->snap, flags);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(s->domain->conn);
    if (rc < 0)
        return stpy_raise_last();
    Py_RETURN_NONE;
}

static PyObject *
snapshot_edit(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "xml", "rename", "clone", "no_wait", NULL };
    static const unsigned bits[] = { STRATA_SNAPSHOT_EDIT_RENAME, STRATA_SNAPSHOT_EDIT_CLONE,
                                     STRATA_NO_WAIT };
    stpy_snapshot *s = (stpy_snapshot *) self;
    const char *xml;
    int on[3] = { 0 };
    unsigned flags;
    strata_snapshot *edited;

    if (!stpy_parse(args, kwargs, "s|$ppp:edit", kwlist, &xml, &on[0], &on[1], &on[2]) ||
        !stpy_guard_enter(s->domain->conn))
        return NULL;
    flags = stpy_flags(on, bits, 3);
    Py_BEGIN_ALLOW_THREADS
    edited = strata_snapshot_edit(s->snap, xml, flags);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(s->domain->conn);
    if (!edited)
        return stpy_raise_last();
    return stpy_snapshot_wrap(s->domain, edited);
}

static PyObject *
snapshot_richcompare(PyObject *a, PyObject *b, int op)
{
    stpy_snapshot *x = (stpy_snapshot *) a, *y = (stpy_snapshot *) b;
    int same;

    /* Handles are names (strata-api(3)): equal when they name the same
     * snapshot of the same domain of the same connection. */
    if (!PyObject_TypeCheck(b, &stpy_snapshot_type) || (op != Py_EQ && op != Py_NE))
        Py_RETURN_NOTIMPLEMENTED;
    same = x->domain->conn == y->domain->conn &&
           PyUnicode_Compare(x->domain->name, y->domain->name) == 0 &&
           PyUnicode_Compare(x->name, y->name) == 0;
    return PyBool_FromLong(op == Py_EQ ? same : !same);
}

static Py_hash_t
snapshot_hash(PyObject *self)
{
    CLEANUP_PYOBJ PyObject *key = NULL;
    stpy_snapshot *s = (stpy_snapshot *) self;

    key = Py_BuildValue("(nOO)", (Py_ssize_t) (uintptr_t) s->domain->conn, s->domain->name, s->name);
    return key ? PyObject_Hash(key) : -1;
}

static PyMethodDef snapshot_methods[] = {
    STPY_METHOD("get_xml", snapshot_get_xml,
                "get_xml()\n--\n\nThe snapshot's XML as virsh snapshot-dumpxml prints it\n"
                "(strata_snapshot_get_xml)."),
    STPY_METHOD("get_info", snapshot_get_info,
                "get_info()\n--\n\nWhat virsh snapshot-info shows, as SnapshotInfo(name, domain, parent,\n"
                "description, state, creation_time, current, external, children,\n"
                "descendants) (strata_snapshot_get_info); creation_time is None when the\n"
                "XML has none."),
    STPY_METHOD("get_parent", snapshot_get_parent,
                "get_parent()\n--\n\nThe parent Snapshot (strata_snapshot_get_parent); NotFoundError for a\n"
                "root.  The `parent` property gives None instead."),
    STPY_METHOD("set_current", snapshot_set_current,
                "set_current(*, no_wait=False)\n--\n\nMake this the current snapshot (strata_snapshot_set_current)."),
    STPY_METHOD("list_children_names", snapshot_list_children_names,
                "list_children_names(*, descendants=False, **filters)\n--\n\n"
                "The names of the children (with descendants=True every descendant,\n"
                "depth-first) passing the filters of Domain.snapshot_list_names(), as a\n"
                "list of str (strata_snapshot_list_children_names)."),
    STPY_METHOD("children", snapshot_children,
                "children(*, descendants=False, **filters)\n--\n\n"
                "An iterator over the children as Snapshot objects, each looked up\n"
                "when reached (see list_children_names())."),
    STPY_METHOD("revert", snapshot_revert,
                "revert(*, force=False, no_wait=False, check_current=False,\n"
                "       discard_current=False, keep_current=False)\n--\n\n"
                "Give each disk a fresh overlay on this point in time and make it current\n"
                "(strata_snapshot_revert); force=True with the domain live cuts its NBD\n"
                "clients off.  The active layer left behind: stays as it is by default;\n"
                "check_current refuses (ConflictError) to leave data no snapshot names\n"
                "and removes an empty layer, as the strata program does;\n"
                "discard_current removes it; keep_current makes it a snapshot first."),
    STPY_METHOD("edit", snapshot_edit,
                "edit(xml, *, rename=False, clone=False, no_wait=False)\n--\n\n"
                "Replace the snapshot's metadata (virsh snapshot-edit,\n"
                "strata_snapshot_edit); no image file is touched.  A new <name> needs\n"
                "rename=True or clone=True.  Returns the edited Snapshot."),
    STPY_METHOD("delete", stpy_snapshot_delete,
                "delete(*, children=False, children_only=False, metadata_only=False,\n"
                "    no_stream=False, verify=False, no_wait=False, speed=0, timeout=0,\n"
                "    progress=None)\n--\n\n"
                "Delete the snapshot, merging its layer away by commit or stream,\n"
                "whichever copies less, never breaking another branch\n"
                "(strata_snapshot_delete).  speed: bytes/s per job (0: unlimited);\n"
                "timeout: seconds per job (0: one hour).  progress(done, total) is called\n"
                "as the merge copies, with the GIL; if it raises, the job is cancelled,\n"
                "no visible byte changes, and JobError is raised with the callback's\n"
                "exception as __cause__ (KeyboardInterrupt and other BaseExceptions that\n"
                "are not Exceptions propagate themselves).  Deleting again finishes it.\n"
                "The GIL is released while the merge runs."),
    STPY_METHOD("delete_plan", stpy_snapshot_delete_plan,
                "delete_plan(*, children=False, children_only=False, metadata_only=False,\n"
                "    no_stream=False, verify=False)\n--\n\n"
                "What delete() with the same flags would do, as a Plan(steps, bytes,\n"
                "deleted) (strata_snapshot_delete_plan); a dry run."),
    { NULL, NULL, 0, NULL },
};

static PyGetSetDef snapshot_getset[] = {
    { "name", snapshot_get_name, NULL, "The snapshot's name (str).", NULL },
    { "domain", snapshot_get_domain, NULL, "The Domain it belongs to.", NULL },
    { "parent", snapshot_parent_property, NULL, "The parent Snapshot, or None for a root.", NULL },
    { NULL, NULL, NULL, NULL, NULL },
};

PyTypeObject stpy_snapshot_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "strata.Snapshot",
    .tp_basicsize = sizeof(stpy_snapshot),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .tp_doc = "A snapshot (strata_snapshot): a name in a domain.  Obtained from\n"
              "Domain.snapshot_create_xml(), snapshot_create_as(), snapshot_lookup(),\n"
              "snapshot_current(), snapshots() or another Snapshot.  Each call reads\n"
              "the state directory anew: one deleted meanwhile raises NotFoundError.\n"
              "Equal when they name the same snapshot.",
    .tp_dealloc = snapshot_dealloc,
    .tp_repr = snapshot_repr,
    .tp_richcompare = snapshot_richcompare,
    .tp_hash = snapshot_hash,
    .tp_methods = snapshot_methods,
    .tp_getset = snapshot_getset,
    .tp_weaklistoffset = offsetof(stpy_snapshot, weakrefs),
};
