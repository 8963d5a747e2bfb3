/* python/records.c: the plain-data results as struct sequences (named
 * tuples): Disk, Layer, Fault, PlanStep, Plan, Export, Extent,
 * SnapshotInfo, Orphan, Job.  Each is
 * copied out of the library's structure, so none keeps a handle alive
 * or points into freed memory. */
#include "python/module.h"

#include <structseq.h>

PyTypeObject *stpy_disk_type, *stpy_layer_type, *stpy_fault_type, *stpy_plan_step_type,
    *stpy_plan_type, *stpy_export_type, *stpy_extent_type, *stpy_snapshot_info_type,
    *stpy_orphan_type, *stpy_job_type;

static PyStructSequence_Field disk_fields[] = {
    { "dev", "The target, e.g. 'vda'." },
    { "path", "The active file, absolute." },
    { "format", "'qcow2' or 'raw' (None in define_as(): qcow2)." },
    { NULL, NULL },
};
static PyStructSequence_Desc disk_desc = { "strata.Disk", "A disk of a domain (strata_disk).", disk_fields, 3 };

static PyStructSequence_Field layer_fields[] = {
    { "path", "As given (top) or resolved from the overlay." },
    { "abs_path", "The absolute path." },
    { "format", "'qcow2', 'raw', or None when unknown." },
    { "exists", "Whether the file exists." },
    { "file_size", "Bytes of the file." },
    { "has_header", "Whether the header was read." },
    { "virtual_size", "Guest bytes (0 unless has_header)." },
    { "cluster_size", "0 for raw." },
    { "has_alloc", "Whether the allocation was counted." },
    { "allocated_bytes", "Guest bytes with data in this layer." },
    { "zero_bytes", "Guest bytes marked zero." },
    { "compressed_bytes", "Guest bytes compressed." },
    { "qcow2_version", "2 or 3; 0 for raw." },
    { "backing", "The backing string as written in the header, or None." },
    { "backing_format", "As recorded, or None." },
    { "backing_resolved", "Where the backing string leads, or None." },
    { "faults", "This layer's faults, a tuple of Fault." },
    { NULL, NULL },
};
static PyStructSequence_Desc layer_desc = {
    "strata.Layer", "One layer of a Chain, top first (strata_layer).", layer_fields, 17,
};

static PyStructSequence_Field fault_fields[] = {
    { "code", "The stable fault name ('missing', 'loop'..., strata-chain(1))." },
    { "message", "What is wrong, naming the file." },
    { "hint", "What to do about it (e.g. the file beside a moved overlay), or None." },
    { NULL, NULL },
};
static PyStructSequence_Desc fault_desc = { "strata.Fault", "A fault of a chain layer.", fault_fields, 3 };

static PyStructSequence_Field plan_step_fields[] = {
    { "kind", "'commit' (top's data into base) or 'stream' (base's data up into top)." },
    { "disk", "The disk's target." },
    { "top", "The upper file." },
    { "base", "The lower file." },
    { "new_backing", "stream: top's backing afterwards, or None." },
    { "active", "commit: top is the active file (a pivot)." },
    { "bytes", "Bytes this step copies." },
    { NULL, NULL },
};
static PyStructSequence_Desc plan_step_desc = {
    "strata.PlanStep", "One step of a delete plan (strata_plan_step).", plan_step_fields, 7,
};

static PyStructSequence_Field plan_fields[] = {
    { "steps", "A tuple of PlanStep, in order." },
    { "bytes", "Bytes all steps copy." },
    { "deleted", "The snapshots whose metadata goes, leaves first (tuple of str)." },
    { NULL, NULL },
};
static PyStructSequence_Desc plan_desc = {
    "strata.Plan", "What a delete would do (strata_plan), copied out.", plan_fields, 3,
};

static PyStructSequence_Field export_fields[] = {
    { "name", "The NBD export name: 'DEV' (live), 'DEV@SNAPSHOT', 'DEV@current'." },
    { "disk", "The disk's target." },
    { "snapshot", "The snapshot, or None for the current state." },
    { "uri", "nbd+unix:///NAME?socket=PATH or nbd://HOST:PORT/NAME (libnbd's connect_uri)." },
    { "writable", "Whether clients may write (a live domain's disks)." },
    { NULL, NULL },
};
static PyStructSequence_Desc export_desc = {
    "strata.Export", "An NBD export (strata_export).", export_fields, 5,
};

static PyStructSequence_Field extent_fields[] = {
    { "offset", "First byte." },
    { "length", "Bytes." },
    { NULL, NULL },
};
static PyStructSequence_Desc extent_desc = {
    "strata.Extent", "A byte range of a disk (strata_extent).", extent_fields, 2,
};

static PyStructSequence_Field snapshot_info_fields[] = {
    { "name", "The snapshot's name." },
    { "domain", "Its domain's name." },
    { "parent", "The parent's name, or None for a root." },
    { "description", "The description, or None." },
    { "state", "libvirt's: 'disk-snapshot', 'shutoff', 'running', ...; 'nostate' when none." },
    { "creation_time", "Unix seconds (int), or None when the XML has none." },
    { "current", "Whether it is the domain's current snapshot." },
    { "external", "Whether it is external (strata's kind)." },
    { "children", "How many children." },
    { "descendants", "How many descendants." },
    { NULL, NULL },
};
static PyStructSequence_Desc snapshot_info_desc = {
    "strata.SnapshotInfo", "What virsh snapshot-info shows of a snapshot (strata_snapshot_info).",
    snapshot_info_fields, 10,
};

static PyStructSequence_Field orphan_fields[] = {
    { "path", "The file, absolute." },
    { "operation", "What made it ('snapshot-create', ...), or None." },
    { "snapshot", "That operation's snapshot, or None." },
    { "backed_by", "A file that backs onto it (so it is never removed), or None." },
    { "removed", "Whether remove=True unlinked it." },
    { NULL, NULL },
};
static PyStructSequence_Desc orphan_desc = {
    "strata.Orphan", "A file strata made for a domain that nothing references (strata_orphan).",
    orphan_fields, 5,
};

static PyStructSequence_Field job_fields[] = {
    { "id", "The job's id ('strata-delete-0', ...)." },
    { "type", "QEMU's: 'commit', 'stream', ..." },
    { "status", "QEMU's: 'running', 'paused', 'pending', 'concluded', ..." },
    { "done", "Bytes done, of ..." },
    { "total", "... this estimate (it may grow)." },
    { NULL, NULL },
};
static PyStructSequence_Desc job_desc = {
    "strata.Job", "A block job of a live domain's daemon (strata_job).", job_fields, 5,
};

static int
add_type(PyObject *module, PyTypeObject **type, PyStructSequence_Desc *desc)
{
    const char *dot = desc->name;

    if (!(*type = PyStructSequence_NewType(desc)))
        return -1;
    while (*dot && *dot != '.')
        dot++;
    return PyModule_AddObjectRef(module, *dot ? dot + 1 : desc->name, (PyObject *) *type);
}

int
stpy_records_init(PyObject *module)
{
    if (add_type(module, &stpy_disk_type, &disk_desc) < 0 ||
        add_type(module, &stpy_layer_type, &layer_desc) < 0 ||
        add_type(module, &stpy_fault_type, &fault_desc) < 0 ||
        add_type(module, &stpy_plan_step_type, &plan_step_desc) < 0 ||
        add_type(module, &stpy_plan_type, &plan_desc) < 0 ||
        add_type(module, &stpy_export_type, &export_desc) < 0 ||
        add_type(module, &stpy_extent_type, &extent_desc) < 0 ||
        add_type(module, &stpy_snapshot_info_type, &snapshot_info_desc) < 0 ||
        add_type(module, &stpy_orphan_type, &orphan_desc) < 0 ||
        add_type(module, &stpy_job_type, &job_desc) < 0)
        return -1;
    return 0;
}

PyObject *
stpy_str_or_none(const char *s)
{
    return s ? PyUnicode_FromString(s) : Py_NewRef(Py_None);
}

/* A record of @type from @n new references (NULL: failed; consumed). */
static PyObject *
record(PyTypeObject *type, PyObject **values, int n)
{
    CLEANUP_PYOBJ PyObject *r = NULL;
    bool ok = true;

    for (int i = 0; i < n; i++)
        ok = ok && values[i];
    if (ok && (r = PyStructSequence_New(type)))
        for (int i = 0; i < n; i++) {
            PyStructSequence_SetItem(r, i, values[i]);
            values[i] = NULL;
        }
    for (int i = 0; i < n; i++)
        Py_XDECREF(values[i]);
    return ok ? STPY_STEAL(&r) : NULL;
}

PyObject *
stpy_disk_new(const strata_disk *d)
{
    PyObject *v[] = { stpy_str_or_none(d->dev), stpy_str_or_none(d->path),
                      stpy_str_or_none(d->format) };

    return record(stpy_disk_type, v, 3);
}

PyObject *
stpy_export_new(const strata_export *e)
{
    PyObject *v[] = { stpy_str_or_none(e->name), stpy_str_or_none(e->disk),
                      stpy_str_or_none(e->snapshot), stpy_str_or_none(e->uri),
                      PyBool_FromLong(e->writable) };

    return record(stpy_export_type, v, 5);
}

PyObject *
stpy_extent_new(const strata_extent *e)
{
    PyObject *v[] = { PyLong_FromUnsignedLongLong(e->offset),
                      PyLong_FromUnsignedLongLong(e->length) };

    return record(stpy_extent_type, v, 2);
}

PyObject *
stpy_fault_new(const char *code, const char *message, const char *hint)
{
    PyObject *v[] = { stpy_str_or_none(code), stpy_str_or_none(message), stpy_str_or_none(hint) };

    return record(stpy_fault_type, v, 3);
}

PyObject *
stpy_layer_new(const strata_layer *l, PyObject *faults)
{
    PyObject *v[] = {
        stpy_str_or_none(l->path), stpy_str_or_none(l->abs_path), stpy_str_or_none(l->format),
        PyBool_FromLong(l->exists), PyLong_FromUnsignedLongLong(l->file_size),
        PyBool_FromLong(l->has_header), PyLong_FromUnsignedLongLong(l->virtual_size),
        PyLong_FromUnsignedLongLong(l->cluster_size), PyBool_FromLong(l->has_alloc),
        PyLong_FromUnsignedLongLong(l->allocated_bytes), PyLong_FromUnsignedLongLong(l->zero_bytes),
        PyLong_FromUnsignedLongLong(l->compressed_bytes), PyLong_FromUnsignedLong(l->qcow2_version),
        stpy_str_or_none(l->backing), stpy_str_or_none(l->backing_format),
        stpy_str_or_none(l->backing_resolved), Py_XNewRef(faults),
    };

    return record(stpy_layer_type, v, 17);
}

PyObject *
stpy_plan_new(const strata_plan *plan)
{
    size_t nsteps = strata_plan_num_steps(plan);
    const char *const *deleted = strata_plan_get_deleted(plan);
    CLEANUP_PYOBJ PyObject *steps = PyTuple_New((Py_ssize_t) nsteps);
    CLEANUP_PYOBJ PyObject *names = NULL;
    Py_ssize_t ndeleted = 0;

    if (!steps)
        return NULL;
    for (size_t i = 0; i < nsteps; i++) {
        const strata_plan_step *s = strata_plan_get_step(plan, i);
        PyObject *v[] = {
            PyUnicode_FromString(s->kind == STRATA_STEP_COMMIT ? "commit" : "stream"),
            stpy_str_or_none(s->disk), stpy_str_or_none(s->top), stpy_str_or_none(s->base),
            stpy_str_or_none(s->new_backing), PyBool_FromLong(s->active),
            PyLong_FromUnsignedLongLong(s->bytes),
        };
        PyObject *step = record(stpy_plan_step_type, v, 7);

        if (!step)
            return NULL;
        PyTuple_SET_ITEM(steps, (Py_ssize_t) i, step);
    }
    while (deleted && deleted[ndeleted])
        ndeleted++;
    if (!(names = PyTuple_New(ndeleted)))
        return NULL;
    for (Py_ssize_t i = 0; i < ndeleted; i++) {
        PyObject *s = PyUnicode_FromString(deleted[i]);

        if (!s)
            return NULL;
        PyTuple_SET_ITEM(names, i, s);
    }
    {
        PyObject *v[] = { STPY_STEAL(&steps), PyLong_FromUnsignedLongLong(strata_plan_get_bytes(plan)),
                          STPY_STEAL(&names) };

        return record(stpy_plan_type, v, 3);
    }
}

PyObject *
stpy_snapshot_info_new(const strata_snapshot_info *info)
{
    PyObject *v[] = {
        stpy_str_or_none(info->name), stpy_str_or_none(info->domain),
        stpy_str_or_none(info->parent), stpy_str_or_none(info->description),
        stpy_str_or_none(info->state),
        info->has_creation_time ? PyLong_FromLongLong(info->creation_time) : Py_NewRef(Py_None),
        PyBool_FromLong(info->current), PyBool_FromLong(info->external),
        PyLong_FromSize_t(info->children), PyLong_FromSize_t(info->descendants),
    };

    return record(stpy_snapshot_info_type, v, 10);
}

PyObject *
stpy_orphan_new(const strata_orphan *o)
{
    PyObject *v[] = { stpy_str_or_none(o->path), stpy_str_or_none(o->operation),
                      stpy_str_or_none(o->snapshot), stpy_str_or_none(o->backed_by),
                      PyBool_FromLong(o->removed) };

    return record(stpy_orphan_type, v, 5);
}

PyObject *
stpy_job_new(const strata_job *j)
{
    PyObject *v[] = { stpy_str_or_none(j->id), stpy_str_or_none(j->type),
                      stpy_str_or_none(j->status), PyLong_FromUnsignedLongLong(j->done),
                      PyLong_FromUnsignedLongLong(j->total) };

    return record(stpy_job_type, v, 5);
}
