/* ops/op-create.c: external disk-only snapshot of every disk.
 *
 *   vda.qcow2 (active)   ->   vda.qcow2 <- vda.s1 (active)
 *
 * Phases, each a static function below, in this order:
 *   validate  name, modes, targets, reused files; nothing is touched
 *   plan      overlay names, the snapshot XML, the new domain XML
 *   journal   DOMAIN/journal lists every file about to be made (phase
 *             "planned") before any image is touched
 *   run       overlays through blockdev-create, then ONE transaction of
 *             blockdev-snapshot for all disks (phase "switched" after)
 *   commit    snapshot XML (current), then domain XML
 *   clean     journal removed
 *   abort     before the switch: overlay nodes closed, the files strata
 *             made removed, journal removed; after it: the journal
 *             stays and 'strata recover' rolls forward */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/json.h"
#include "common/log.h"
#include "common/name.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "qmp/blockdev.h"
#include "qmp/export.h"
#include "qmp/transaction.h"
#include "chain/chain.h"
#include "store/journal.h"
#include "store/naming.h"
#include "ops/op-create.h"
#include "ops/op-util.h"
#include "live/session.h"

ST_LOG_INIT("ops.create");

/* One snapshotted disk. */
struct cdisk {
    const struct st_domain_disk *disk;  /* borrowed from op->dom */
    const char *format;                 /* of the active file */
    uint64_t size;                      /* virtual size of the active file */
    bool reuse;                         /* the target exists and was accepted */
    char *active_node;                  /* owned; format node of the active file */
};

struct op {
    const struct st_store *store;
    const struct st_create_opts *opts;
    const struct st_snapshot *req;
    char *name;                         /* owned */
    int64_t now;
    struct st_domain *dom;              /* owned; as before */
    struct st_tree *tree;               /* owned */
    struct cdisk *disks;                /* owned */
    struct st_op_overlay *ovs;          /* owned; parallel to disks */
    size_t n;
    struct st_session *sess;            /* owned */
    struct st_snapshot *snap;           /* owned; the new snapshot */
    struct st_domain *newdom;           /* owned; the domain afterwards */
    struct json_object *journal;        /* owned */
    int64_t txn_us;
};

static void
op_clear(struct op *op)
{
    free(op->name);
    for (size_t i = 0; i < op->n; i++)
        free(op->disks[i].active_node);
    free(op->disks);
    st_op_overlays_free(op->ovs, op->n);
    st_session_free(op->sess);
    st_snapshot_free(op->snap);
    st_domain_free(op->newdom);
    st_tree_free(op->tree);
    st_domain_free(op->dom);
    json_object_put(op->journal);
}
#define CLEANUP_OP ST_CLEANUP(op_clear)

void
st_create_result_clear(struct st_create_result *res)
{
    if (!res)
        return;
    free(res->name);
    st_op_disk_results_free(res->disks, res->ndisks);
    memset(res, 0, sizeof *res);
}

/* ---- validate ------------------------------------------------------- */

/* The domain disk a snapshot <disk name=> means: its target, or its
 * source path (libvirt accepts both). */
static const struct st_domain_disk *
find_domain_disk(const struct st_domain *dom, const char *name)
{
    const struct st_domain_disk *d = st_domain_find_disk(dom, name);

    for (size_t i = 0; !d && i < dom->ndisks; i++)
        if (dom->disks[i].source && strcmp(dom->disks[i].source, name) == 0)
            d = &dom->disks[i];
    return d;
}

/* --reuse-external: the file must be a qcow2 whose backing resolves to
 * the active file itself (same device and inode), with its format. */
static bool
check_reused(const char *dev, const char *path, const char *active, const char *format,
             struct st_error **errp)
{
    struct st_chain_opts copts = { .format = "qcow2", .skip_allocation = true, .max_depth = 2 };
    CLEANUP_CHAIN struct st_chain *chain = NULL;
    const struct st_layer *top;
    struct stat sa, sb;

    if (!(chain = st_chain_load(path, &copts, errp))) {
        st_error_prepend(errp, "disk '%s': --reuse-external: ", dev);
        return false;
    }
    top = &chain->layers[0];
    for (size_t f = 0; f < top->n_faults; f++) {
        if (top->faults[f].code == ST_FAULT_BAD_HEADER ||
            top->faults[f].code == ST_FAULT_UNSUPPORTED_FORMAT) {
            st_error_set(errp, ST_E_CHAIN, "disk '%s': --reuse-external: '%s' is not a qcow2 image: %s",
                         dev, path, top->faults[f].message);
            st_error_set_path(errp, path);
            return false;
        }
    }
    if (!top->has_header || !top->format || strcmp(top->format, "qcow2") != 0) {
        st_error_set(errp, ST_E_CHAIN, "disk '%s': --reuse-external: '%s' is not a qcow2 image",
                     dev, path);
        st_error_set_path(errp, path);
        return false;
    }
    if (!top->backing || !top->backing_resolved || stat(top->backing_resolved, &sa) < 0 ||
        stat(active, &sb) < 0 || sa.st_dev != sb.st_dev || sa.st_ino != sb.st_ino) {
        st_error_set(errp, ST_E_CHAIN,
                     "disk '%s': --reuse-external: '%s' is backed by '%s', not by the active file '%s'",
                     dev, path, top->backing ? top->backing : "nothing", active);
        st_error_set_path(errp, path);
        st_error_hint(errp, "make it with 'qemu-img create -f qcow2 -F %s -b %s %s', or leave out --reuse-external and give a new file",
                      format, active, path);
        return false;
    }
    if (!top->backing_format || strcmp(top->backing_format, format) != 0) {
        st_error_set(errp, ST_E_CHAIN,
                     "disk '%s': --reuse-external: '%s' records backing format '%s', the active file is %s",
                     dev, path, top->backing_format ? top->backing_format : "(none)", format);
        st_error_set_path(errp, path);
        return false;
    }
    if (top->virtual_size != 0 && chain->n_layers > 1 && chain->layers[1].has_header &&
        top->virtual_size != chain->layers[1].virtual_size)
        st_warn("snapshot", "disk '%s': '%s' has another size than its backing file", dev, path);
    return true;
}

/* The mode of domain disk @d in this snapshot: the request's, else the
 * domain disk's snapshot= attribute, else external. */
static bool
disk_mode(const struct op *op, const struct st_domain_disk *d,
          const struct st_snapshot_disk **reqd, enum st_snapshot_mode *mode,
          struct st_error **errp)
{
    *reqd = NULL;
    for (size_t i = 0; i < op->req->ndisks; i++) {
        if (find_domain_disk(op->dom, op->req->disks[i].name) == d) {
            *reqd = &op->req->disks[i];
            break;
        }
    }
    *mode = *reqd && (*reqd)->snapshot != ST_SNAPSHOT_MODE_DEFAULT ? (*reqd)->snapshot : d->snapshot;
    if (*mode == ST_SNAPSHOT_MODE_DEFAULT)
        *mode = ST_SNAPSHOT_MODE_EXTERNAL;
    if (*mode != ST_SNAPSHOT_MODE_EXTERNAL && *mode != ST_SNAPSHOT_MODE_NO) {
        st_error_set(errp, ST_E_USAGE, "disk '%s': snapshot mode '%s' is not supported", d->target,
                     st_snapshot_mode_name(*mode));
        st_error_hint(errp, "strata makes external disk-only snapshots: use snapshot='external' or 'no'");
        return false;
    }
    /* The overlay is created with blockdev-create on a regular file;
     * a device node given there would be replaced by one. */
    if (*mode == ST_SNAPSHOT_MODE_EXTERNAL && *reqd && (*reqd)->type &&
        strcmp((*reqd)->type, "file") != 0) {
        st_error_set(errp, ST_E_USAGE,
                     "disk '%s': the overlay '%s' is a %s device (type='%s'): strata creates overlays as regular files only",
                     d->target, (*reqd)->source ? (*reqd)->source : "(none given)", (*reqd)->type,
                     (*reqd)->type);
        if ((*reqd)->source)
            st_error_set_path(errp, (*reqd)->source);
        st_error_hint(errp, "name a file instead: <disk name='%s' type='file'><source file='/PATH'/></disk>, or --diskspec %s,file=PATH",
                      d->target, d->target);
        return false;
    }
    if (*reqd && (*reqd)->format && strcmp((*reqd)->format, "qcow2") != 0) {
        st_error_set(errp, ST_E_USAGE, "disk '%s': overlay driver '%s' is not supported (only qcow2)",
                     d->target, (*reqd)->format);
        return false;
    }
    return true;
}

static bool
validate(struct op *op, const char *domname, struct st_error **errp)
{
    const struct st_snapshot *req = op->req;

    /* The name first: a hostile one is refused before anything is read. */
    op->now = (int64_t) time(NULL);
    op->name = req->name ? st_xstrdup(req->name) : st_xasprintf("%lld", (long long) op->now);
    if (!st_name_check("snapshot", op->name, errp))
        return false;
    if (!st_journal_refuse_if_pending(op->store, domname, errp))
        return false;
    if (!(op->dom = st_store_domain_load(op->store, domname, errp)))
        return false;
    if (!(op->tree = st_store_tree_load(op->store, domname, 0, st_store_warn_log, NULL, errp)))
        return false;
    if (st_tree_find(op->tree, op->name)) {
        st_error_set(errp, ST_E_CONFLICT, "domain '%s' already has a snapshot named '%s'",
                     domname, op->name);
        return false;
    }
    if (req->memory != ST_SNAPSHOT_MODE_DEFAULT && req->memory != ST_SNAPSHOT_MODE_NO) {
        st_error_set(errp, ST_E_USAGE, "snapshot '%s': memory snapshots are not supported",
                     op->name);
        st_error_hint(errp, "strata makes disk-only snapshots: use <memory snapshot='no'/>");
        return false;
    }
    for (size_t i = 0; i < req->ndisks; i++) {
        const struct st_domain_disk *d = find_domain_disk(op->dom, req->disks[i].name);

        if (!d) {
            st_error_set(errp, ST_E_NOT_FOUND, "snapshot '%s': domain '%s' has no disk '%s'",
                         op->name, domname, req->disks[i].name);
            st_error_hint(errp, "'strata domblklist %s' lists its disks", domname);
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            if (find_domain_disk(op->dom, req->disks[j].name) == d) {
                st_error_set(errp, ST_E_CONFLICT, "snapshot '%s': disk '%s' is given twice",
                             op->name, d->target);
                return false;
            }
        }
    }

    op->disks = st_xcalloc(op->dom->ndisks, sizeof *op->disks);
    op->ovs = st_xcalloc(op->dom->ndisks, sizeof *op->ovs);
    for (size_t i = 0; i < op->dom->ndisks; i++) {
        const struct st_domain_disk *d = &op->dom->disks[i];
        const struct st_snapshot_disk *reqd;
        enum st_snapshot_mode mode;
        CLEANUP_CHAIN struct st_chain *chain = NULL;
        struct cdisk *cd = &op->disks[op->n];
        struct st_op_overlay *ov = &op->ovs[op->n];
        CLEANUP_FREE char *target = NULL;

        if (!disk_mode(op, d, &reqd, &mode, errp))
            return false;
        if (mode == ST_SNAPSHOT_MODE_NO)
            continue;
        if (!d->source) {
            st_error_set(errp, ST_E_USAGE, "disk '%s' has no source file to snapshot", d->target);
            return false;
        }
        cd->disk = d;
        cd->format = d->format ? d->format : "qcow2";
        /* The whole chain is checked here (headers only): offline,
         * QSD opens just the active file (see open_overlays()). */
        if (!(chain = st_op_load_disk_chain(d, false, errp)))
            return false;
        cd->size = chain->layers[0].virtual_size;
        target = reqd && reqd->source ? st_xstrdup(reqd->source)
                                      : st_naming_overlay_default(d->source, op->name);
        for (size_t j = 0; j < op->n; j++) {
            if (strcmp(op->ovs[j].path, target) == 0) {
                st_error_set(errp, ST_E_CONFLICT, "disks '%s' and '%s' would share the overlay '%s'",
                             op->ovs[j].dev, d->target, target);
                return false;
            }
        }
        if (st_path_exists(target)) {
            if (!op->opts->reuse_external) {
                st_error_set(errp, ST_E_CONFLICT, "disk '%s': target file '%s' already exists",
                             d->target, target);
                st_error_set_path(errp, target);
                st_error_hint(errp, "give another file with --diskspec %s,file=PATH, or pass --reuse-external to use it as the overlay (it must be a qcow2 backed by '%s')",
                              d->target, d->source);
                return false;
            }
            if (!check_reused(d->target, target, d->source, cd->format, errp))
                return false;
            cd->reuse = true;
        } else if (st_op_name_taken(target, op->dom, op->tree, NULL)) {
            st_error_set(errp, ST_E_CONFLICT,
                         "disk '%s': target file '%s' is named by the domain's metadata", d->target,
                         target);
            st_error_set_path(errp, target);
            st_error_hint(errp, "give another file with --diskspec %s,file=PATH", d->target);
            return false;
        }
        ov->dev = st_xstrdup(d->target);
        ov->path = ST_STEAL(&target);
        op->n++;
    }
    if (op->n == 0) {
        st_error_set(errp, ST_E_USAGE, "snapshot '%s': no disk of domain '%s' is to be snapshotted",
                     op->name, domname);
        return false;
    }
    return true;
}

/* ---- plan ----------------------------------------------------------- */

static bool
plan(struct op *op, struct st_error **errp)
{
    CLEANUP_FREE char *text = NULL;

    if (!(op->snap = st_snapshot_new(op->name, errp)))
        return false;
    op->snap->description = op->req->description ? st_xstrdup(op->req->description) : NULL;
    op->snap->state = op->sess->live ? ST_SNAPSHOT_STATE_DISK_SNAPSHOT : ST_SNAPSHOT_STATE_SHUTOFF;
    op->snap->parent = op->tree->current ? st_xstrdup(op->tree->current->snap->name) : NULL;
    op->snap->has_creation_time = true;
    op->snap->creation_time = op->now;
    op->snap->memory = ST_SNAPSHOT_MODE_NO;
    for (size_t i = 0, k = 0; i < op->dom->ndisks; i++) {
        const struct st_domain_disk *d = &op->dom->disks[i];
        bool ext = k < op->n && op->disks[k].disk == d;

        if (!st_snapshot_add_disk(op->snap, d->target,
                                  ext ? ST_SNAPSHOT_MODE_EXTERNAL : ST_SNAPSHOT_MODE_NO,
                                  ext ? op->ovs[k].path : NULL, ext ? "qcow2" : NULL, errp))
            return false;
        k += ext;
    }
    st_snapshot_set_domain(op->snap, op->dom);

    text = st_domain_format(op->dom);
    if (!(op->newdom = st_domain_parse(text, strlen(text), "domain", errp)))
        return false;
    for (size_t k = 0; k < op->n; k++) {
        struct st_domain_disk *nd = st_domain_find_disk(op->newdom, op->ovs[k].dev);

        if (!st_domain_disk_set_source(op->newdom, nd, op->ovs[k].path, "qcow2", errp))
            return false;
    }
    return true;
}

/* ---- journal -------------------------------------------------------- */

static bool
journal(struct op *op, struct st_error **errp)
{
    struct json_object *detail, *disks;
    CLEANUP_FREE char *snap_xml = NULL;
    CLEANUP_FREE char *dom_xml = st_domain_format(op->newdom);

    op->snap->current = true;
    snap_xml = st_snapshot_format(op->snap, ST_SNAPSHOT_FORMAT_INTERNAL);
    op->snap->current = false;

    op->journal = st_journal_new("snapshot-create", op->name);
    detail = st_json_get_object(op->journal, "detail");
    json_object_object_add(detail, "live", json_object_new_boolean(op->sess->live));
    json_object_object_add(detail, "metadata", json_object_new_boolean(!op->opts->no_metadata));
    json_object_object_add(detail, "previous-current",
                           st_json_string_or_null(op->tree->current
                                                  ? op->tree->current->snap->name : NULL));
    disks = json_object_new_array();
    for (size_t k = 0; k < op->n; k++) {
        struct json_object *d = json_object_new_object();

        json_object_object_add(d, "disk", json_object_new_string(op->ovs[k].dev));
        json_object_object_add(d, "backing", json_object_new_string(op->disks[k].disk->source));
        json_object_object_add(d, "overlay", json_object_new_string(op->ovs[k].path));
        json_object_object_add(d, "reused", json_object_new_boolean(op->disks[k].reuse));
        json_object_array_add(disks, d);
        /* Named before it exists: a crash during blockdev-create still
         * leaves a journal that says whose file it is. */
        if (!op->disks[k].reuse)
            st_journal_add_created(op->journal, op->ovs[k].path);
    }
    json_object_object_add(detail, "disks", disks);
    json_object_object_add(detail, "snapshot-xml", json_object_new_string(snap_xml));
    json_object_object_add(detail, "domain-xml", json_object_new_string(dom_xml));
    return st_journal_write(op->store, op->dom->name, op->journal, errp);
}

/* ---- run ------------------------------------------------------------ */

/* The node of @cd's active file.  Live: the one the domain's QSD has
 * open.  Offline: the active file alone, with "backing": null.
 * Taking a snapshot reads no data and blockdev-snapshot only needs
 * the top node, while opening a 20-deep chain of 4 disks is 160
 * blockdev-adds per snapshot (validate() checked the chain's headers). */
static char *
open_active(struct op *op, const struct cdisk *cd, struct st_error **errp)
{
    CLEANUP_FREE char *node = NULL;
    CLEANUP_STRV char **names = NULL;
    struct st_qmp_layer layer = { .path = cd->disk->source, .format = cd->format };

    if (op->sess->live) {
        if (cd->active_node)
            return st_xstrdup(cd->active_node);
        return st_session_open_chain(op->sess, cd->disk->source, cd->format, true, errp);
    }
    node = st_session_node_name(cd->disk->source);
    layer.node_name = node;
    if (!(names = st_qmp_blockdev_open_chain(st_session_qmp(op->sess), &layer, 1, "a", errp)))
        return NULL;
    return ST_STEAL(&node);
}

static bool
same_file(const char *a, const char *b)
{
    struct stat sa, sb;

    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* Live: each disk's export "disk-DEV" (session.h) serves its active
 * node, so one query-block-exports and one graph read find them all,
 * instead of a chain walk and two graph reads per disk.  A disk whose
 * export is missing or serves another file is left to
 * st_session_open_chain(). */
static bool
find_live_nodes(struct op *op, struct st_error **errp)
{
    struct st_qmp *qmp = st_session_qmp(op->sess);
    CLEANUP_JSON struct json_object *exports = NULL;
    CLEANUP_QMP_GRAPH struct st_qmp_graph *g = NULL;

    if (!(exports = st_qmp_export_list(qmp, errp)) || !(g = st_qmp_graph_read(qmp, errp)))
        return false;
    for (size_t k = 0; k < op->n; k++) {
        CLEANUP_FREE char *id = st_session_disk_export_id(op->ovs[k].dev);

        for (size_t e = 0; e < json_object_array_length(exports); e++) {
            struct json_object *x = json_object_array_get_idx(exports, e);
            const char *xid = st_json_get_string(x, "id");
            const char *name = st_json_get_string(x, "node-name");
            const struct st_qmp_node *n, *file;

            if (!xid || strcmp(xid, id) != 0 || !name || !(n = st_qmp_graph_find(g, name)))
                continue;
            file = n->file ? st_qmp_graph_find(g, n->file) : NULL;
            if (file && file->filename && same_file(file->filename, op->disks[k].disk->source))
                op->disks[k].active_node = st_xstrdup(name);
        }
    }
    return true;
}

static bool
open_overlays(struct op *op, struct st_error **errp)
{
    struct st_qmp *qmp = st_session_qmp(op->sess);

    if (op->sess->live && !find_live_nodes(op, errp))
        return false;

    for (size_t k = 0; k < op->n; k++) {
        struct cdisk *cd = &op->disks[k];
        struct st_op_overlay *ov = &op->ovs[k];
        CLEANUP_FREE char *node = st_session_node_name(ov->path);

        char *active = open_active(op, cd, errp);

        if (!active) {
            st_error_prepend(errp, "disk '%s': ", ov->dev);
            return false;
        }
        free(cd->active_node);
        cd->active_node = active;
        if (cd->reuse) {
            struct st_qmp_layer layer = { .path = ov->path, .format = "qcow2", .node_name = node };
            CLEANUP_STRV char **names = NULL;

            /* Opened alone ("backing": null): blockdev-snapshot links it. */
            if (!(names = st_qmp_blockdev_open_chain(qmp, &layer, 1, "x", errp))) {
                st_error_prepend(errp, "disk '%s': ", ov->dev);
                return false;
            }
        } else {
            struct st_qmp_overlay_opts o = {
                .path = ov->path,
                .claimed = true,
                .node_name = node,
                .backing_file = cd->disk->source,
                .backing_fmt = cd->format,
                .size = cd->size,
            };

            if (!st_qmp_overlay_create(qmp, &o, errp)) {
                st_error_prepend(errp, "disk '%s': ", ov->dev);
                return false;
            }
            ov->created = true;
            ov->node = ST_STEAL(&node);
            /* Confirm the new header is on disk before the switch and
             * the metadata rely on it. */
            if (!st_qmp_blockdev_flush(qmp, ov->node, errp)) {
                st_error_prepend(errp, "disk '%s': ", ov->dev);
                return false;
            }
            continue;
        }
        ov->node = ST_STEAL(&node);
    }
    return true;
}

static bool
run(struct op *op, struct st_error **errp)
{
    CLEANUP_FREE struct st_qmp_snapshot_pair *pairs = NULL;
    int64_t t0;
    bool ok;

    /* Make the new files first and journal what they are, so that a
     * recover after a crash removes these files and nothing else. */
    for (size_t k = 0; k < op->n; k++) {
        if (!op->disks[k].reuse && !st_op_overlay_claim(&op->ovs[k], op->journal, errp)) {
            st_error_prepend(errp, "disk '%s': ", op->ovs[k].dev);
            return false;
        }
    }
    st_op_crash_point("create-claimed");
    if (!st_journal_write(op->store, op->dom->name, op->journal, errp) ||
        !open_overlays(op, errp))
        return false;
    st_op_crash_point("create-overlays");
    pairs = st_xcalloc(op->n, sizeof *pairs);
    for (size_t k = 0; k < op->n; k++) {
        pairs[k].node = op->disks[k].active_node;
        pairs[k].overlay = op->ovs[k].node;
    }
    /* SPEC §4: one transaction, so every disk switches or none does. */
    t0 = st_op_now_us();
    ok = st_qmp_transaction_snapshot(st_session_qmp(op->sess), pairs, op->n, errp);
    op->txn_us = st_op_now_us() - t0;
    st_debug("transaction of %zu blockdev-snapshot action(s): %lld us (%s)", op->n,
             (long long) op->txn_us, ok ? "applied" : "refused");
    return ok;
}

/* Undo run(): only valid before the switch.  The journal is removed
 * only when every file strata made is gone again. */
static void
abort_run(struct op *op)
{
    CLEANUP_FREE char *what = st_xasprintf("snapshot '%s'", op->name);

    st_op_abort(op->store, op->dom->name, op->sess, op->ovs, op->n, what);
}

/* ---- commit --------------------------------------------------------- */

static bool
commit(struct op *op, struct st_error **errp)
{
    /* Snapshot XML before domain XML: a crash between them leaves a
     * snapshot whose overlays exist and a domain still naming the old
     * active files, which the journal ("switched") rolls forward. */
    if (!op->opts->no_metadata &&
        !st_op_save_as_current(op->store, op->dom->name, op->snap,
                               op->tree->current ? op->tree->current->snap->name : NULL, errp))
        return false;
    st_op_crash_point("create-snapshot-xml");
    return st_store_domain_save(op->store, op->newdom, errp);
}

static void
fill_result(struct op *op, struct st_create_result *res, int64_t t0)
{
    res->name = st_xstrdup(op->name);
    res->live = op->sess->live;
    res->metadata = !op->opts->no_metadata;
    res->disks = st_xcalloc(op->n, sizeof *res->disks);
    res->ndisks = op->n;
    for (size_t k = 0; k < op->n; k++) {
        res->disks[k].dev = st_xstrdup(op->ovs[k].dev);
        res->disks[k].backing = st_xstrdup(op->disks[k].disk->source);
        res->disks[k].overlay = st_xstrdup(op->ovs[k].path);
        res->disks[k].reused = op->disks[k].reuse;
    }
    res->transaction_us = op->txn_us;
    res->total_us = st_op_now_us() - t0;
}

bool
st_op_create(const struct st_store *store, const char *dom, const struct st_snapshot *req,
             const struct st_create_opts *opts, struct st_create_result *res,
             struct st_error **errp)
{
    CLEANUP_OP struct op op = { .store = store, .opts = opts, .req = req };
    int64_t t0 = st_op_now_us();
    bool ok;

    memset(res, 0, sizeof *res);
    if (!validate(&op, dom, errp))
        return false;
    if (!(op.sess = st_session_open(opts->run_dir, dom, errp)))
        return false;
    if (!plan(&op, errp) || !journal(&op, errp))
        return false;
    if (!run(&op, errp)) {
        st_error_prepend(errp, "snapshot '%s': ", op.name);
        abort_run(&op);
        return false;
    }
    /* From here on the disks have switched (live: QSD writes to the
     * overlays), so failures roll forward, never back. */
    ok = st_journal_set_phase(store, dom, op.journal, "switched", errp);
    if (ok) {
        st_op_crash_point("create-switched");
        ok = commit(&op, errp);
    }
    if (!ok) {
        st_error_prepend(errp, "snapshot '%s' was taken but its metadata is incomplete: ",
                         op.name);
        st_error_hint(errp, "run 'strata recover %s' to finish writing it", dom);
        return false;
    }
    if (!st_journal_clear(store, dom, errp))
        return false;
    fill_result(&op, res, t0);
    return true;
}

struct json_object *
st_create_result_json(const struct st_create_result *res)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "name", json_object_new_string(res->name));
    json_object_object_add(o, "live", json_object_new_boolean(res->live));
    json_object_object_add(o, "metadata", json_object_new_boolean(res->metadata));
    json_object_object_add(o, "disks", st_op_disk_results_json(res->disks, res->ndisks, true));
    json_object_object_add(o, "transaction-us", json_object_new_int64(res->transaction_us));
    json_object_object_add(o, "total-us", json_object_new_int64(res->total_us));
    return o;
}
