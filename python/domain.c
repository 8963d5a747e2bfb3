/* python/domain.c: strata.Domain, a strata_domain: its XML and disks,
 * its snapshots by name and as lists, undefine, recover, and its
 * chains.  The methods of live domains, exports and reads are in
 * live.c and read.c, block jobs in blockjob.c, orphans in orphans.c. */
#include "python/module.h"

PyObject *
stpy_domain_wrap(stpy_conn *conn, strata_domain *dom)
{
    stpy_domain *d = PyObject_New(stpy_domain, &stpy_domain_type);
    const char *name = strata_domain_get_name(dom);
    PyObject *str = name ? PyUnicode_FromString(name) : NULL;
    bool taken;

    if (!d || !str) {
        if (!name && !PyErr_Occurred())
            stpy_raise_last();
        Py_XDECREF(str);
        if (d)
            PyObject_Free(d);
        /* Freed under the lock, as every use of the handle. */
        taken = stpy_guard_acquire_for_free(conn);
        strata_domain_free(dom);
        stpy_guard_release(conn, taken);
        return NULL;
    }
    d->conn = (stpy_conn *) Py_NewRef(conn);
    d->dom = dom;
    d->name = str;
    d->weakrefs = NULL;
    return (PyObject *) d;
}

static void
domain_dealloc(PyObject *self)
{
    stpy_domain *d = (stpy_domain *) self;
    bool taken;

    if (d->weakrefs)
        PyObject_ClearWeakRefs(self);
    /* Also after close: the handle holds its own reference on the
     * library's connection, which strata_domain_free() drops. */
    taken = stpy_guard_acquire_for_free(d->conn);
    strata_domain_free(d->dom);
    stpy_guard_release(d->conn, taken);
    Py_DECREF(d->conn);
    Py_DECREF(d->name);
    PyObject_Free(self);
}

static PyObject *
domain_repr(PyObject *self)
{
    return PyUnicode_FromFormat("<strata.Domain %R>", ((stpy_domain *) self)->name);
}

/* ---- the domain itself ------------------------------------------------ */

static PyObject *
domain_get_name(PyObject *self, void *closure)
{
    (void) closure;
    return Py_NewRef(((stpy_domain *) self)->name);
}

static PyObject *
domain_get_connection(PyObject *self, void *closure)
{
    (void) closure;
    return Py_NewRef(((stpy_domain *) self)->conn);
}

static PyObject *
domain_get_xml(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { NULL };
    stpy_domain *d = (stpy_domain *) self;
    CLEANUP_FREE char *xml = NULL;

    if (!stpy_parse(args, kwargs, ":get_xml", kwlist) || !stpy_guard_enter(d->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    xml = strata_domain_get_xml(d->dom, 0);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (!xml)
        return stpy_raise_last();
    return PyUnicode_FromString(xml);
}

static PyObject *
domain_get_disks(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { NULL };
    stpy_domain *d = (stpy_domain *) self;
    CLEANUP_PYOBJ PyObject *list = NULL;
    strata_disk *disks = NULL;
    int n;

    if (!stpy_parse(args, kwargs, ":get_disks", kwlist) || !stpy_guard_enter(d->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    n = strata_domain_get_disks(d->dom, &disks);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (n < 0)
        return stpy_raise_last();
    if ((list = PyList_New(n)))
        for (int i = 0; i < n; i++) {
            PyObject *disk = stpy_disk_new(&disks[i]);

            if (!disk) {
                Py_CLEAR(list);
                break;
            }
            PyList_SET_ITEM(list, i, disk);
        }
    strata_disks_free(disks, n);
    return STPY_STEAL(&list);
}

static PyObject *
domain_undefine(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "snapshots_metadata", "no_wait", NULL };
    stpy_domain *d = (stpy_domain *) self;
    int metadata = 0, no_wait = 0, rc;
    unsigned flags;

    if (!stpy_parse(args, kwargs, "|$pp:undefine", kwlist, &metadata, &no_wait) ||
        !stpy_guard_enter(d->conn))
        return NULL;
    flags = (metadata ? STRATA_UNDEFINE_SNAPSHOTS_METADATA : 0) | (no_wait ? STRATA_NO_WAIT : 0);
    Py_BEGIN_ALLOW_THREADS
    rc = strata_domain_undefine(d->dom, flags);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (rc < 0)
        return stpy_raise_last();
    Py_RETURN_NONE;
}

static PyObject *
domain_recover(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "no_wait", NULL };
    stpy_domain *d = (stpy_domain *) self;
    int no_wait = 0, rc;

    if (!stpy_parse(args, kwargs, "|$p:recover", kwlist, &no_wait) || !stpy_guard_enter(d->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = strata_domain_recover(d->dom, no_wait ? STRATA_NO_WAIT : 0);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (rc < 0)
        return stpy_raise_last();
    Py_RETURN_NONE;
}

static PyObject *
domain_export_libvirt(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "dir", NULL };
    stpy_domain *d = (stpy_domain *) self;
    CLEANUP_PYOBJ PyObject *dir = NULL;
    int rc;

    if (!stpy_parse(args, kwargs, "O&:export_libvirt", kwlist, stpy_path_or_none_conv, &dir))
        return NULL;
    if (!dir)
        return stpy_raise_invalid("export_libvirt: dir is None");
    if (!stpy_guard_enter(d->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = strata_domain_export_libvirt(d->dom, stpy_bytes_or_null(dir), 0);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (rc < 0)
        return stpy_raise_last();
    Py_RETURN_NONE;
}

/* ---- snapshots of the domain ---------------------------------------- */

static PyObject *
domain_snapshot_create_xml(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "xml", "redefine", "current", "no_metadata", "reuse_external",
                              "disk_only", "atomic", "no_wait", NULL };
    static const unsigned bits[] = {
        STRATA_SNAPSHOT_CREATE_REDEFINE, STRATA_SNAPSHOT_CREATE_CURRENT,
        STRATA_SNAPSHOT_CREATE_NO_METADATA, STRATA_SNAPSHOT_CREATE_REUSE_EXTERNAL,
        STRATA_SNAPSHOT_CREATE_DISK_ONLY, STRATA_SNAPSHOT_CREATE_ATOMIC, STRATA_NO_WAIT,
    };
    int on[7] = { 0 };
    stpy_domain *d = (stpy_domain *) self;
    const char *xml = NULL;
    unsigned flags;
    strata_snapshot *snap;

    if (!stpy_parse(args, kwargs, "|z$ppppppp:snapshot_create_xml", kwlist, &xml, &on[0],
                    &on[1], &on[2], &on[3], &on[4], &on[5], &on[6]) ||
        !stpy_guard_enter(d->conn))
        return NULL;
    flags = stpy_flags(on, bits, 7);
    Py_BEGIN_ALLOW_THREADS
    snap = strata_snapshot_create_xml(d->dom, xml, flags);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (!snap)
        return stpy_raise_last();
    return stpy_snapshot_wrap(d, snap);
}

static PyObject *
domain_snapshot_create_as(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "name", "description", "disks", "no_metadata", "reuse_external",
                              "disk_only", "atomic", "no_wait", NULL };
    static const unsigned bits[] = {
        STRATA_SNAPSHOT_CREATE_NO_METADATA, STRATA_SNAPSHOT_CREATE_REUSE_EXTERNAL,
        STRATA_SNAPSHOT_CREATE_DISK_ONLY, STRATA_SNAPSHOT_CREATE_ATOMIC, STRATA_NO_WAIT,
    };
    int on[5] = { 0 };
    stpy_domain *d = (stpy_domain *) self;
    CLEANUP_PYOBJ PyObject *keep = NULL;
    CLEANUP_FREE strata_diskspec *specs = NULL;
    const char *name = NULL, *description = NULL;
    PyObject *disks = Py_None;
    size_t nspecs = 0;
    unsigned flags;
    strata_snapshot *snap;

    if (!stpy_parse(args, kwargs, "|zzO$ppppp:snapshot_create_as", kwlist, &name, &description,
                    &disks, &on[0], &on[1], &on[2], &on[3], &on[4]))
        return NULL;
    if (disks != Py_None && !(specs = stpy_diskspecs_from(disks, &nspecs, &keep)))
        return NULL;
    if (!stpy_guard_enter(d->conn))
        return NULL;
    flags = stpy_flags(on, bits, 5);
    Py_BEGIN_ALLOW_THREADS
    snap = strata_snapshot_create_as(d->dom, name, description, specs, nspecs, flags);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (!snap)
        return stpy_raise_last();
    return stpy_snapshot_wrap(d, snap);
}

PyObject *
stpy_snapshot_lookup_name(PyObject *self, const char *name)
{
    stpy_domain *d = (stpy_domain *) self;
    strata_snapshot *snap;

    if (!stpy_guard_enter(d->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    snap = strata_snapshot_lookup(d->dom, name);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (!snap)
        return stpy_raise_last();
    return stpy_snapshot_wrap(d, snap);
}

static PyObject *
domain_snapshot_lookup(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "name", NULL };
    const char *name;

    if (!stpy_parse(args, kwargs, "s:snapshot_lookup", kwlist, &name))
        return NULL;
    return stpy_snapshot_lookup_name(self, name);
}

static PyObject *
domain_snapshot_current(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { NULL };
    stpy_domain *d = (stpy_domain *) self;
    strata_snapshot *snap;

    if (!stpy_parse(args, kwargs, ":snapshot_current", kwlist) || !stpy_guard_enter(d->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    snap = strata_snapshot_current(d->dom);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (!snap)
        return stpy_raise_last();
    return stpy_snapshot_wrap(d, snap);
}

/* The filters of virsh snapshot-list as keywords, in strata.h's order. */
static char *list_kwlist[] = { "roots", "leaves", "no_leaves", "metadata", "no_metadata",
                               "external", "internal", "disk_only", "inactive", "active", NULL };
static const unsigned list_bits[] = {
    STRATA_LIST_ROOTS, STRATA_LIST_LEAVES, STRATA_LIST_NO_LEAVES, STRATA_LIST_METADATA,
    STRATA_LIST_NO_METADATA, STRATA_LIST_EXTERNAL, STRATA_LIST_INTERNAL,
    STRATA_LIST_DISK_ONLY, STRATA_LIST_INACTIVE, STRATA_LIST_ACTIVE,
};

static bool
list_flags(PyObject *args, PyObject *kwargs, const char *format, unsigned *flags)
{
    int on[10] = { 0 };

    if (!stpy_parse(args, kwargs, format, list_kwlist, &on[0], &on[1], &on[2], &on[3], &on[4],
                    &on[5], &on[6], &on[7], &on[8], &on[9]))
        return false;
    *flags = stpy_flags(on, list_bits, 10);
    return true;
}

static PyObject *
domain_snapshot_num(PyObject *self, PyObject *args, PyObject *kwargs)
{
    stpy_domain *d = (stpy_domain *) self;
    unsigned flags;
    int n;

    if (!list_flags(args, kwargs, "|$pppppppppp:snapshot_num", &flags) ||
        !stpy_guard_enter(d->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    n = strata_snapshot_num(d->dom, flags);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (n < 0)
        return stpy_raise_last();
    return PyLong_FromLong(n);
}

static char **
snapshot_names(stpy_domain *d, unsigned flags, int *n)
{
    char **names = NULL;

    if (!stpy_guard_enter(d->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    *n = strata_snapshot_list_names(d->dom, &names, flags);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (*n < 0) {
        stpy_raise_last();
        return NULL;
    }
    return names;
}

static PyObject *
domain_snapshot_list_names(PyObject *self, PyObject *args, PyObject *kwargs)
{
    CLEANUP_NAMES char **names = NULL;
    unsigned flags;
    int n = 0;

    if (!list_flags(args, kwargs, "|$pppppppppp:snapshot_list_names", &flags) ||
        !(names = snapshot_names((stpy_domain *) self, flags, &n)))
        return NULL;
    return stpy_names_to_list(names, n);
}

static PyObject *
domain_snapshots(PyObject *self, PyObject *args, PyObject *kwargs)
{
    char **names = NULL;
    unsigned flags;
    int n = 0;

    if (!list_flags(args, kwargs, "|$pppppppppp:snapshots", &flags) ||
        !(names = snapshot_names((stpy_domain *) self, flags, &n)))
        return NULL;
    return stpy_iter_new(self, names, stpy_snapshot_lookup_name);
}

/* ---- chains ----------------------------------------------------------- */

static PyObject *
domain_chain_open_disk(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = { "dev", "no_allocation", NULL };
    stpy_domain *d = (stpy_domain *) self;
    const char *dev = NULL;
    int no_alloc = 0;
    strata_chain *chain;

    if (!stpy_parse(args, kwargs, "|z$p:chain_open_disk", kwlist, &dev, &no_alloc) ||
        !stpy_guard_enter(d->conn))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    chain = strata_chain_open_disk(d->dom, dev, no_alloc ? STRATA_CHAIN_NO_ALLOCATION : 0);
    Py_END_ALLOW_THREADS
    stpy_guard_leave(d->conn);
    if (!chain)
        return stpy_raise_last();
    return stpy_chain_wrap(chain);
}

#define LIST_FILTERS \
    "Filters (keyword-only booleans, virsh snapshot-list's): roots, leaves,\n" \
    "no_leaves, metadata, no_metadata, external, internal, disk_only,\n" \
    "inactive, active; within a pair neither or both means no filter."

static PyMethodDef domain_methods[] = {
    STPY_METHOD("get_xml", domain_get_xml,
                "get_xml()\n--\n\nThe domain's XML as stored (strata_domain_get_xml)."),
    STPY_METHOD("get_disks", domain_get_disks,
                "get_disks()\n--\n\nThe disks, read now, as a list of Disk(dev, path, format)\n"
                "(strata_domain_get_disks)."),
    STPY_METHOD("undefine", domain_undefine,
                "undefine(*, snapshots_metadata=False, no_wait=False)\n--\n\n"
                "Remove the domain's definition; no image file is touched\n"
                "(strata_domain_undefine).  With snapshots, ConflictError unless\n"
                "snapshots_metadata=True."),
    STPY_METHOD("export_libvirt", domain_export_libvirt,
                "export_libvirt(dir)\n--\n\nWrite the domain and its snapshots in libvirt's internal form\n"
                "into dir/NAME.xml and dir/snapshot/NAME/SNAPSHOT.xml, for libvirt to take\n"
                "the VM back (strata export-libvirt, strata_domain_export_libvirt)."),
    STPY_METHOD("recover", domain_recover,
                "recover(*, no_wait=False)\n--\n\nFinish or roll back an interrupted create, revert or delete\n"
                "(strata recover, strata_domain_recover); nothing when none is pending."),
    STPY_METHOD("snapshot_create_xml", domain_snapshot_create_xml,
                "snapshot_create_xml(xml=None, *, redefine=False, current=False,\n"
                "    no_metadata=False, reuse_external=False, disk_only=False, atomic=False,\n"
                "    no_wait=False)\n--\n\n"
                "Take an external snapshot from <domainsnapshot> XML (None: every disk,\n"
                "named after the time), or import one with redefine=True\n"
                "(strata_snapshot_create_xml).  Returns the Snapshot."),
    STPY_METHOD("snapshot_create_as", domain_snapshot_create_as,
                "snapshot_create_as(name=None, description=None, disks=None, *,\n"
                "    no_metadata=False, reuse_external=False, disk_only=False, atomic=False,\n"
                "    no_wait=False)\n--\n\n"
                "Take a snapshot as virsh snapshot-create-as would\n"
                "(strata_snapshot_create_as).  name None: named after the time.  disks\n"
                "(None: every disk, overlays named by strata): a mapping {dev: file or\n"
                "None} or an iterable of \"dev\", (dev, file[, exclude]) or dicts with keys\n"
                "dev, file, exclude.  Returns the Snapshot."),
    STPY_METHOD("snapshot_lookup", domain_snapshot_lookup,
                "snapshot_lookup(name)\n--\n\nThe Snapshot named `name`; NotFoundError when none."),
    STPY_METHOD("snapshot_current", domain_snapshot_current,
                "snapshot_current()\n--\n\nThe current Snapshot; NotFoundError when there is none."),
    STPY_METHOD("snapshot_num", domain_snapshot_num,
                "snapshot_num(**filters)\n--\n\nHow many snapshots pass the filters (strata_snapshot_num).\n\n" LIST_FILTERS),
    STPY_METHOD("snapshot_list_names", domain_snapshot_list_names,
                "snapshot_list_names(**filters)\n--\n\nThe names of the snapshots passing the filters, in virsh's\n"
                "order, as a list of str (strata_snapshot_list_names).\n\n" LIST_FILTERS),
    STPY_METHOD("snapshots", domain_snapshots,
                "snapshots(**filters)\n--\n\nAn iterator over the snapshots passing the filters, as Snapshot\n"
                "objects in virsh's order, each looked up when reached.\n\n" LIST_FILTERS),
    STPY_METHOD("chain_open_disk", domain_chain_open_disk,
                "chain_open_disk(dev=None, *, no_allocation=False)\n--\n\n"
                "The active chain of disk `dev` (None: the only disk) as a Chain, read\n"
                "from the image headers (strata_chain_open_disk)."),
    STPY_METHOD("block_commit", stpy_domain_block_commit,
                "block_commit(dev, base=None, top=None, *, active=False, speed=0, timeout=0,\n"
                "    progress=None, no_wait=False)\n--\n\n"
                "Merge the layers of disk `dev`'s active chain from `top` (None: the layer\n"
                "under the active one; active=True: the active one, and the disk pivots\n"
                "to `base`) down into `base` (None: the chain's bottom), as virsh\n"
                "blockcommit (strata_domain_block_commit).  ConflictError when a snapshot\n"
                "names a file it touches or base backs another branch.  speed, timeout\n"
                "and progress as Snapshot.delete(): a callback that raises cancels (JobError,\n"
                "nothing lost; the same call finishes).  Returns 0 when it merged, 1 when\n"
                "there was nothing left to merge."),
    STPY_METHOD("block_pull", stpy_domain_block_pull,
                "block_pull(dev, base=None, *, speed=0, timeout=0, progress=None, no_wait=False)\n"
                "--\n\n"
                "Copy the data of the layers above `base` (None: all of them) into disk\n"
                "`dev`'s active file, which then backs onto `base`, as virsh blockpull\n"
                "(strata_domain_block_pull).  speed, timeout and progress as block_commit().\n"
                "Returns 0 when it pulled, 1 when there was nothing to pull."),
    STPY_METHOD("list_orphans", stpy_domain_list_orphans,
                "list_orphans(*, remove=False, no_wait=False)\n--\n\n"
                "The files strata made for the domain that nothing references (strata\n"
                "chain check DOMAIN), sorted by path, as a list of Orphan(path, operation,\n"
                "snapshot, backed_by, removed) (strata_domain_list_orphans).  remove=True\n"
                "unlinks each one no file backs onto, under the domain's lock."),
    STPY_METHOD("start", stpy_domain_start,
                "start(nbd=None, *, no_wait=False)\n--\n\n"
                "Start the domain's qemu-storage-daemon, its disks exported writable over\n"
                "NBD (`nbd`: an address; None: the default unix socket)\n"
                "(strata_domain_start)."),
    STPY_METHOD("stop", stpy_domain_stop,
                "stop(*, no_wait=False)\n--\n\nStop the live domain's qemu-storage-daemon (strata_domain_stop)."),
    STPY_METHOD("is_active", stpy_domain_is_active,
                "is_active()\n--\n\nWhether a qemu-storage-daemon serves the domain (strata_domain_is_active)."),
    STPY_METHOD("export", stpy_domain_export,
                "export(snapshot=None, dev=None, nbd=None)\n--\n\n"
                "Export disk `dev` (None: every disk) at `snapshot` (a name or Snapshot;\n"
                "None: the current state) read-only over NBD; the export outlives the\n"
                "call, until export_stop() (strata_domain_export).  Returns a list of\n"
                "Export(name, disk, snapshot, uri, writable)."),
    STPY_METHOD("list_exports", stpy_domain_list_exports,
                "list_exports()\n--\n\nThe domain's NBD exports as a list of Export (strata_domain_list_exports)."),
    STPY_METHOD("export_stop", stpy_domain_export_stop,
                "export_stop(snapshot=None, dev=None)\n--\n\n"
                "Remove the exports of `snapshot` and `dev` (None: all); returns how many\n"
                "went (strata_domain_export_stop)."),
    STPY_METHOD("list_jobs", stpy_domain_list_jobs,
                "list_jobs()\n--\n\nThe block jobs of the live domain's daemon, as a list of Job(id, type,\n"
                "status, done, total) (strata status, strata_domain_list_jobs); [] when the\n"
                "domain is not live."),
    STPY_METHOD("digest", stpy_domain_digest,
                "digest(snapshot=None, dev=None, *, sha256=False, connections=0, progress=None)\n--\n\n"
                "The digest of disk `dev` at `snapshot` (None: current state) read over\n"
                "NBD, as \"xxh128-64k:HEX\" (strata_domain_digest).  The GIL is released;\n"
                "progress(done, total) may raise to cancel."),
    STPY_METHOD("diff", stpy_domain_diff,
                "diff(since, to=None, dev=None, *, connections=0, progress=None)\n--\n\n"
                "The extents of disk `dev` (None: the only disk) that differ between the\n"
                "older snapshot `since` and `to` (None: the current state), on one\n"
                "branch, as a list of Extent(offset, length) (strata_domain_diff)."),
    { NULL, NULL, 0, NULL },
};

static PyGetSetDef domain_getset[] = {
    { "name", domain_get_name, NULL, "The domain's name (str).", NULL },
    { "connection", domain_get_connection, NULL, "The Connection it came from.", NULL },
    { NULL, NULL, NULL, NULL, NULL },
};

PyTypeObject stpy_domain_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "strata.Domain",
    .tp_basicsize = sizeof(stpy_domain),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .tp_doc = "A domain (strata_domain): a name in the state directory.  Obtained from\n"
              "Connection.lookup_domain(), define_xml(), define_as() or domains().\n"
              "Each call reads the state directory anew; after the Connection is\n"
              "closed every call raises InvalidArgError.",
    .tp_dealloc = domain_dealloc,
    .tp_repr = domain_repr,
    .tp_methods = domain_methods,
    .tp_getset = domain_getset,
    .tp_weaklistoffset = offsetof(stpy_domain, weakrefs),
};
