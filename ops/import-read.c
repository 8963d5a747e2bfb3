/* ops/import-read.c: st_import_read(), reading libvirt's files for
 * import-libvirt and checking them against the images
 * (ops/op-import.h).  Nothing here writes. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/name.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "xml/libvirt-form.h"
#include "xml/xml.h"
#include "chain/chain.h"
#include "chain/qemu-lock.h"
#include "ops/op-import.h"
#include "ops/op-util.h"

void
st_import_free(struct st_import *imp)
{
    if (!imp)
        return;
    free(imp->domain_file);
    free(imp->snapshot_dir);
    st_domain_free(imp->dom);
    for (size_t i = 0; i < imp->nsnaps; i++) {
        st_snapshot_free(imp->snaps[i].snap);
        free(imp->snaps[i].file);
    }
    free(imp->snaps);
    for (size_t i = 0; i < imp->nproblems; i++) {
        struct st_import_problem *p = &imp->problems[i];

        free(p->file);
        free(p->snapshot);
        free(p->disk);
        free(p->message);
        free(p->hint);
    }
    free(imp->problems);
    free(imp);
}

/* Record a problem; @hint may be NULL.  Returns it, for a hint added later. */
static struct st_import_problem * ST_PRINTF(7, 8)
problem(struct st_import *imp, bool fatal, enum st_errcode code, const char *file,
        const char *snapshot, const char *disk, const char *fmt, ...)
{
    struct st_import_problem *p;
    va_list ap;

    imp->problems = st_xreallocarray(imp->problems, imp->nproblems + 1, sizeof *imp->problems);
    p = &imp->problems[imp->nproblems++];
    *p = (struct st_import_problem) {
        .fatal = fatal, .code = code, .file = st_xstrdup(file),
        .snapshot = snapshot ? st_xstrdup(snapshot) : NULL,
        .disk = disk ? st_xstrdup(disk) : NULL,
    };
    va_start(ap, fmt);
    p->message = st_xvasprintf(fmt, ap);
    va_end(ap);
    if (fatal)
        imp->nfatal++;
    return p;
}

static void
hint(struct st_import_problem *p, const char *text)
{
    free(p->hint);
    p->hint = st_xstrdup(text);
}

/* A fatal problem from an error (consumed): its message and hint. */
static void
problem_from_error(struct st_import *imp, const char *file, const char *snapshot,
                   const char *disk, struct st_error *err)
{
    struct st_import_problem *p = problem(imp, true, err->code, file, snapshot, disk, "%s",
                                          err->msg);

    if (err->hint)
        hint(p, err->hint);
    st_error_free(err);
}

static int
cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The file names in @dir, sorted; an empty list when @dir does not
 * exist (libvirt makes it with the first snapshot). */
static char **
list_dir(const char *dir, size_t *np, struct st_error **errp)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0;

    *np = 0;
    if (!d) {
        if (errno == ENOENT)
            return st_xcalloc(1, sizeof *names);
        st_error_set_errno(errp, errno, ST_E_IO, "cannot read libvirt's snapshot directory");
        st_error_set_path(errp, dir);
        return NULL;
    }
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        names = st_xreallocarray(names, n + 2, sizeof *names);
        names[n++] = st_xstrdup(e->d_name);
    }
    closedir(d);
    if (!names)
        names = st_xcalloc(1, sizeof *names);
    names[n] = NULL;
    qsort(names, n, sizeof *names, cmp_name);
    *np = n;
    return names;
}

/* Read one snapshot file; NULL (with a fatal problem recorded) when it
 * cannot be used. */
static struct st_snapshot *
read_snapshot(struct st_import *imp, const char *path, const char *fname, int *active)
{
    CLEANUP_ERROR struct st_error *err = NULL;
    CLEANUP_FREE char *text = NULL;
    CLEANUP_FREE char *want = st_xstrndup(fname, strlen(fname) - 4);
    struct st_snapshot *snap;
    size_t len;

    if (!(text = st_path_read(path, ST_XML_MAX_BYTES, &len, &err)) ||
        !(snap = st_libvirt_snapshot_parse(text, len, path, active, &err))) {
        /* XML errors start "PATH:LINE:COL: "; the problem names PATH already. */
        size_t pl = strlen(path);
        const char *msg = strncmp(err->msg, path, pl) == 0 && err->msg[pl] == ':'
                              ? err->msg + pl + 1 : err->msg;
        struct st_import_problem *p = problem(imp, true, err->code, path, NULL, NULL,
                                              "line %s", msg);

        hint(p, "a snapshot file of libvirt's is the XML 'virsh snapshot-dumpxml' prints; "
             "move anything else out of a copy of the directory and import with "
             "--snapshot-dir");
        return NULL;
    }
    if (strcmp(snap->name, want) != 0) {
        struct st_import_problem *p =
            problem(imp, true, ST_E_XML, path, snap->name, NULL,
                    "holds snapshot '%s', but the file is named after '%s'", snap->name, want);

        hint(p, "libvirt names each file after its snapshot: rename the file or fix its "
             "<name>");
        st_snapshot_free(snap);
        return NULL;
    }
    return snap;
}

/* The snapshots in @imp by name, for parent lookups. */
static struct st_import_snapshot *
find(const struct st_import *imp, const char *name)
{
    for (size_t i = 0; i < imp->nsnaps; i++)
        if (strcmp(imp->snaps[i].snap->name, name) == 0)
            return &imp->snaps[i];
    return NULL;
}

/* Depth of @s in the tree its parent names make: 0 for a root (or a
 * snapshot whose parent is missing), -1 on a loop. */
static long
depth_of(const struct st_import *imp, const struct st_import_snapshot *s)
{
    long d = 0;

    for (const struct st_import_snapshot *p = s; p->snap->parent; d++) {
        if (!(p = find(imp, p->snap->parent)))
            return d;
        if (p == s || d > (long) imp->nsnaps)
            return -1;
    }
    return d;
}

struct ordered {
    long depth;
    struct st_import_snapshot s;
};

static int
cmp_ordered(const void *a, const void *b)
{
    const struct ordered *x = a, *y = b;

    if (x->depth != y->depth)
        return x->depth < y->depth ? -1 : 1;
    return strcmp(x->s.snap->name, y->s.snap->name);
}

/* Check the parents (each has its file, no loop) and sort parents first. */
static void
order_snapshots(struct st_import *imp)
{
    struct ordered *o = st_xcalloc(imp->nsnaps ? imp->nsnaps : 1, sizeof *o);

    for (size_t i = 0; i < imp->nsnaps; i++) {
        struct st_import_snapshot *s = &imp->snaps[i];
        const char *parent = s->snap->parent;

        o[i].s = *s;
        if (parent && !find(imp, parent)) {
            struct st_import_problem *p =
                problem(imp, true, ST_E_NOT_FOUND, s->file, s->snap->name, NULL,
                        "snapshot '%s': its parent '%s' has no file %s/%s.xml", s->snap->name,
                        parent, imp->snapshot_dir, parent);

            hint(p, "put the parent's file back, or edit <parent> in a copy of the snapshot "
                 "directory and import with --snapshot-dir");
        }
        if ((o[i].depth = depth_of(imp, s)) < 0) {
            problem(imp, true, ST_E_CONFLICT, s->file, s->snap->name, NULL,
                    "snapshot '%s': its parents make a loop", s->snap->name);
            o[i].depth = 0;
        }
    }
    qsort(o, imp->nsnaps, sizeof *o, cmp_ordered);
    for (size_t i = 0; i < imp->nsnaps; i++)
        imp->snaps[i] = o[i].s;
    free(o);
}

/* The <devices><disk> elements of a domain that strata does not
 * interpret (not file-backed, not device='disk'): noted, kept. */
static void
note_unmanaged_disks(struct st_import *imp, const char *file, const struct st_domain *dom)
{
    xmlNode *devices = st_xml_child(st_domain_root(dom), "devices");

    for (xmlNode *c = devices ? devices->children : NULL; c; c = c->next) {
        xmlNode *target;
        CLEANUP_FREE char *dev = NULL;
        CLEANUP_FREE char *type = NULL;
        CLEANUP_FREE char *device = NULL;

        if (!st_xml_is(c, "disk") || !(target = st_xml_child(c, "target")) ||
            !(dev = st_xml_prop(target, "dev")) || st_domain_find_disk(dom, dev))
            continue;
        type = st_xml_prop(c, "type");
        device = st_xml_prop(c, "device");
        problem(imp, false, 0, file, NULL, dev,
                "disk '%s' (type '%s', device '%s') is not one strata manages: kept in the XML, "
                "never acted on", dev, type ? type : "file", device ? device : "disk");
    }
}

/* Whether the file at @path is one of @chain's layers. */
static bool
chain_holds(const struct st_chain *chain, const char *path)
{
    for (size_t i = 0; i < chain->n_layers; i++)
        if (st_chain_layer_is_file(&chain->layers[i], path))
            return true;
    return false;
}

/* One external disk of a snapshot: its point in time (the embedded
 * domain's file) and the overlay libvirt made on it exist, and the
 * overlay is backed by that very file. */
static void
check_snapshot_disk(struct st_import *imp, const struct st_import_snapshot *s,
                    const struct st_snapshot_disk *sd, const struct st_domain_disk *then)
{
    const char *name = s->snap->name;
    struct st_chain_opts copts = { .skip_allocation = true,
                                   .format = sd->format ? sd->format : "qcow2" };
    CLEANUP_CHAIN struct st_chain *chain = NULL;
    CLEANUP_ERROR struct st_error *err = NULL;
    struct st_import_problem *p;

    if (!then->source) {
        problem(imp, false, 0, s->file, name, sd->name,
                "snapshot '%s', disk '%s': the embedded domain names no file: nothing to check",
                name, sd->name);
        return;
    }
    if (!st_path_exists(then->source)) {
        p = problem(imp, true, ST_E_CHAIN, s->file, name, sd->name,
                    "snapshot '%s', disk '%s': its point-in-time file '%s' does not exist", name,
                    sd->name, then->source);
        hint(p, "restore the file, or leave this snapshot out (import from a copy of the "
             "snapshot directory with --snapshot-dir)");
        return;
    }
    if (!sd->source) {
        p = problem(imp, true, ST_E_XML, s->file, name, sd->name,
                    "snapshot '%s', disk '%s': the external snapshot names no overlay file", name,
                    sd->name);
        hint(p, "add <source file='...'/> (the file libvirt made on top) to the disk");
        return;
    }
    if (!(chain = st_chain_load(sd->source, &copts, &err))) {
        p = problem(imp, true, ST_E_CHAIN, s->file, name, sd->name,
                    "snapshot '%s', disk '%s': its overlay '%s' cannot be read: %s", name,
                    sd->name, sd->source, err->msg);
        hint(p, "restore the file, or leave this snapshot out (import from a copy of the "
             "snapshot directory with --snapshot-dir)");
        return;
    }
    if (chain->n_layers < 2 || !st_chain_layer_is_file(&chain->layers[1], then->source)) {
        const char *b = chain->layers[0].backing_resolved;

        p = problem(imp, true, ST_E_CHAIN, s->file, name, sd->name,
                    "snapshot '%s', disk '%s': overlay '%s' is backed by %s%s%s, not by the "
                    "point-in-time file '%s'", name, sd->name, sd->source, b ? "'" : "",
                    b ? b : "no file", b ? "'" : "", then->source);
        hint(p, "the chain was changed outside libvirt (a blockcommit, a rebase?): 'strata "
             "chain show FILE' shows it; fix the files or the snapshot's XML");
    }
}

/* Everything about one snapshot past its parsing. */
static void
check_snapshot(struct st_import *imp, const struct st_import_snapshot *s)
{
    const struct st_snapshot *snap = s->snap;
    CLEANUP_DOMAIN struct st_domain *then = NULL;
    CLEANUP_ERROR struct st_error *err = NULL;

    if (snap->memory == ST_SNAPSHOT_MODE_INTERNAL || snap->memory == ST_SNAPSHOT_MODE_EXTERNAL)
        problem(imp, false, 0, s->file, snap->name, NULL,
                "snapshot '%s' holds the VM's memory (%s%s%s): kept as metadata; strata "
                "reverts disks only", snap->name, st_snapshot_mode_name(snap->memory),
                snap->memory_file ? ", " : "", snap->memory_file ? snap->memory_file : "");
    if (!snap->domain) {
        problem(imp, false, 0, s->file, snap->name, NULL,
                "snapshot '%s' has no embedded <domain>: its disks cannot be checked, and "
                "strata cannot revert to it", snap->name);
        return;
    }
    if (!(then = st_snapshot_get_domain(snap, &err))) {
        problem_from_error(imp, s->file, snap->name, NULL, err);
        err = NULL;
        return;
    }
    if (strcmp(then->uuid, imp->dom->uuid) != 0) {
        struct st_import_problem *p =
            problem(imp, true, ST_E_CONFLICT, s->file, snap->name, NULL,
                    "snapshot '%s' belongs to a domain with uuid %s, not %s", snap->name,
                    then->uuid, imp->dom->uuid);

        hint(p, "the file is another domain's: leave it out");
        return;
    }
    for (size_t i = 0; i < snap->ndisks; i++) {
        const struct st_snapshot_disk *sd = &snap->disks[i];
        const struct st_domain_disk *d = st_domain_find_disk(then, sd->name);

        if (sd->snapshot == ST_SNAPSHOT_MODE_NO)
            continue;
        if (sd->snapshot == ST_SNAPSHOT_MODE_INTERNAL) {
            problem(imp, false, 0, s->file, snap->name, sd->name,
                    "snapshot '%s', disk '%s' is an internal snapshot (inside the qcow2 file): "
                    "kept as metadata, never acted on", snap->name, sd->name);
            continue;
        }
        if (!d) {
            problem(imp, false, 0, s->file, snap->name, sd->name,
                    "snapshot '%s', disk '%s' is not a disk strata manages: kept as metadata, "
                    "never acted on", snap->name, sd->name);
            continue;
        }
        if (sd->snapshot == ST_SNAPSHOT_MODE_MANUAL) {
            problem(imp, false, 0, s->file, snap->name, sd->name,
                    "snapshot '%s', disk '%s' was taken manually: kept as metadata, never "
                    "acted on", snap->name, sd->name);
            continue;
        }
        check_snapshot_disk(imp, s, sd, d);
    }
}

/* The domain's disks: each file exists, its chain loads as strata
 * needs, it holds the current snapshot's point in time, and no QEMU
 * has it open. */
static void
check_domain_disks(struct st_import *imp, const struct st_import_snapshot *cur)
{
    CLEANUP_DOMAIN struct st_domain *then = NULL;

    if (cur && cur->snap->domain)
        then = st_snapshot_get_domain(cur->snap, NULL);
    for (size_t i = 0; i < imp->dom->ndisks; i++) {
        const struct st_domain_disk *d = &imp->dom->disks[i];
        CLEANUP_CHAIN struct st_chain *chain = NULL;
        CLEANUP_ERROR struct st_error *err = NULL;
        const struct st_snapshot_disk *sd;
        const struct st_domain_disk *td;
        struct st_import_problem *p;
        enum st_qemu_lock lock;

        if (!d->source || d->snapshot == ST_SNAPSHOT_MODE_NO)
            continue;
        if (!st_path_exists(d->source)) {
            p = problem(imp, true, ST_E_NOT_FOUND, imp->domain_file, NULL, d->target,
                        "disk '%s': file '%s' does not exist", d->target, d->source);
            hint(p, "restore the file, or point the disk at the right one in a copy of the "
                 "domain XML and import with --config-dir");
            continue;
        }
        if (!st_qemu_lock_probe(d->source, &lock, &err)) {
            problem(imp, false, 0, imp->domain_file, NULL, d->target,
                    "disk '%s': cannot tell whether a QEMU has '%s' open: %s", d->target,
                    d->source, err->msg);
        } else if (lock != ST_QEMU_LOCK_NONE) {
            p = problem(imp, true, ST_E_BUSY, imp->domain_file, NULL, d->target,
                        "domain '%s' is running: disk '%s' ('%s') is open in a QEMU process "
                        "(it holds QEMU's %s lock on the file)", imp->dom->name, d->target,
                        d->source, lock == ST_QEMU_LOCK_WRITE ? "write" : "read");
            hint(p, "shut the VM down first ('virsh shutdown DOMAIN', or 'virsh destroy "
                 "DOMAIN' to stop it at once), then import again");
        }
        st_error_free(err);
        err = NULL;
        if (!(chain = st_op_load_disk_chain(d, true, &err))) {
            problem_from_error(imp, imp->domain_file, NULL, d->target, err);
            err = NULL;
            continue;
        }
        if (!then || !(sd = st_snapshot_find_disk(cur->snap, d->target)) ||
            sd->snapshot != ST_SNAPSHOT_MODE_EXTERNAL ||
            !(td = st_domain_find_disk(then, d->target)) || !td->source ||
            !st_path_exists(td->source) || chain_holds(chain, td->source))
            continue;
        p = problem(imp, true, ST_E_CHAIN, imp->domain_file, cur->snap->name, d->target,
                    "disk '%s': the chain of '%s' does not hold '%s', the point in time of the "
                    "current snapshot '%s'", d->target, d->source, td->source, cur->snap->name);
        hint(p, "the disk was switched or merged outside libvirt: 'strata chain show FILE' "
             "shows its chain; fix the domain XML or the files");
    }
}

struct st_import *
st_import_read(const char *config_dir, const char *snapshot_dir, const char *name,
               struct st_error **errp)
{
    CLEANUP_IMPORT struct st_import *imp = NULL;
    CLEANUP_FREE char **names = NULL;
    const struct st_import_snapshot *cur = NULL;
    struct st_import *ret;
    size_t n;

    if (!st_name_check("domain", name, errp))
        return NULL;
    imp = st_xcalloc(1, sizeof *imp);
    imp->domain_file = st_xasprintf("%s/%s.xml", config_dir, name);
    imp->snapshot_dir = st_xasprintf("%s/%s", snapshot_dir, name);
    if (!(imp->dom = st_domain_load(imp->domain_file, errp)))
        return NULL;
    if (strcmp(imp->dom->name, name) != 0) {
        st_error_set(errp, ST_E_XML, "%s names domain '%s', not '%s'", imp->domain_file,
                     imp->dom->name, name);
        st_error_set_path(errp, imp->domain_file);
        st_error_hint(errp, "libvirt names the file after the domain: import '%s'",
                      imp->dom->name);
        return NULL;
    }
    note_unmanaged_disks(imp, imp->domain_file, imp->dom);
    if (!(names = list_dir(imp->snapshot_dir, &n, errp)))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        CLEANUP_FREE char *path = st_xasprintf("%s/%s", imp->snapshot_dir, names[i]);
        size_t len = strlen(names[i]);
        struct st_snapshot *snap;
        int active;

        if (len < 5 || strcmp(names[i] + len - 4, ".xml") != 0) {
            problem(imp, false, 0, path, NULL, NULL, "not a snapshot file (no .xml): ignored");
            free(names[i]);
            continue;
        }
        snap = read_snapshot(imp, path, names[i], &active);
        free(names[i]);
        if (!snap)
            continue;
        snap->current = active == 1;
        imp->snaps = st_xreallocarray(imp->snaps, imp->nsnaps + 1, sizeof *imp->snaps);
        imp->snaps[imp->nsnaps++] = (struct st_import_snapshot) { snap, ST_STEAL(&path) };
    }
    order_snapshots(imp);
    for (size_t i = 0; i < imp->nsnaps; i++) {
        const struct st_import_snapshot *s = &imp->snaps[i];

        if (!s->snap->current)
            continue;
        if (cur) {
            struct st_import_problem *p =
                problem(imp, true, ST_E_CONFLICT, s->file, s->snap->name, NULL,
                        "snapshot '%s' is marked current (<active>1</active>), and so is '%s' "
                        "(%s): only one can be", s->snap->name, cur->snap->name, cur->file);

            hint(p, "set <active>0</active> in all but one, in a copy of the snapshot "
                 "directory, and import with --snapshot-dir");
            s->snap->current = false;
            continue;
        }
        cur = s;
    }
    imp->current = cur ? cur->snap->name : NULL;
    /* With two marked current, no chain is checked against either. */
    for (size_t i = 0; i < imp->nproblems; i++)
        if (imp->problems[i].fatal && imp->problems[i].code == ST_E_CONFLICT)
            cur = NULL;
    for (size_t i = 0; i < imp->nsnaps; i++)
        check_snapshot(imp, &imp->snaps[i]);
    check_domain_disks(imp, cur);
    ret = imp;
    imp = NULL;
    return ret;
}
