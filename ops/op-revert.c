/* ops/op-revert.c: revert to an external snapshot, leaving the branch
 * behind intact.
 *
 *   base <- pit <- old (active)    ->    base <- pit <- old
 *                                                    <- pit.S-1 (active)
 *
 * Phases, each a static function below:
 *   validate  snapshot, its <domain>, point-in-time files, live + --force
 *   plan      new overlay names (never a file that exists or that
 *             metadata names) and the new domain XML
 *   journal   files to be made and what becomes of the layers left
 *             behind, phase "planned"
 *   run       overlays through blockdev-create, each opened on its
 *             point-in-time node; live: each disk's export moved to its
 *             new overlay (phase "switched" after)
 *   commit    domain XML, then the snapshot marked current
 *   clean     live: the old active nodes closed; the layers left
 *             behind removed as opts->current says (ops/revert-abandon.h;
 *             the library leaves them), as the journal recorded it for
 *             recover; then the journal removed
 *   abort     before the switch: overlay nodes closed, files removed,
 *             journal removed */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/json.h"
#include "common/log.h"
#include "common/name.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "qmp/blockdev.h"
#include "qmp/export.h"
#include "xml/domain-runtime.h"
#include "chain/chain.h"
#include "store/journal.h"
#include "store/naming.h"
#include "live/exporter.h"
#include "live/nbdclients.h"
#include "live/session.h"
#include "ops/op-create.h"
#include "ops/op-revert.h"
#include "ops/op-util.h"

ST_LOG_INIT("ops.revert");

enum { EXPORT_DEL_TIMEOUT_MS = 10 * 1000 };

struct rdisk {
    const struct st_domain_disk *pit;   /* borrowed from op->sdom: the disk at the snapshot */
    char *format;                       /* owned; of the point-in-time file (plan()
                                         * repoints pit, so not borrowed from it) */
    uint64_t size;
    char *pit_node;                     /* owned */
    char *old_node;                     /* owned; live: the node the export used */
};

struct op {
    const struct st_store *store;
    const struct st_revert_opts *opts;
    struct st_domain *dom;              /* owned; current definition */
    struct st_tree *tree;               /* owned */
    struct st_tree_node *node;          /* borrowed: the snapshot */
    struct st_domain *sdom;             /* owned; the snapshot's <domain>: its point-in-time files */
    /* owned; the new definition: the snapshot's <inactiveDomain> when it
     * has one (the persistent config libvirt recorded beside the live
     * one), else its <domain>, without runtime-only parts */
    struct st_domain *ndom;
    struct rdisk *disks;                /* owned */
    struct st_op_overlay *ovs;          /* owned; parallel */
    size_t n;
    struct st_session *sess;            /* owned */
    struct json_object *journal;        /* owned */
    size_t swapped;                     /* live: exports moved so far */
    int clients_cut;                    /* live: NBD connections the swap ended; -1 unknown */
    struct st_abandoned *ab;            /* owned; not LEAVE: the layers left behind */
    size_t nab;
};

static void
op_clear(struct op *op)
{
    for (size_t i = 0; i < op->n; i++) {
        free(op->disks[i].pit_node);
        free(op->disks[i].old_node);
        free(op->disks[i].format);
    }
    free(op->disks);
    st_op_overlays_free(op->ovs, op->n);
    st_session_free(op->sess);
    st_domain_free(op->sdom);
    st_domain_free(op->ndom);
    st_tree_free(op->tree);
    st_domain_free(op->dom);
    json_object_put(op->journal);
    st_abandoned_free(op->ab, op->nab);
}
#define CLEANUP_OP ST_CLEANUP(op_clear)

void
st_revert_result_clear(struct st_revert_result *res)
{
    if (!res)
        return;
    free(res->name);
    free(res->kept_as);
    st_abandoned_free(res->abandoned, res->nabandoned);
    st_op_disk_results_free(res->disks, res->ndisks);
    memset(res, 0, sizeof *res);
}

/* ---- validate ------------------------------------------------------- */

/* The definition a revert to @s installs (op->ndom). */
static struct st_domain *
new_definition(const struct st_snapshot *s, const char *domname, struct st_error **errp)
{
    CLEANUP_FREE char *what = st_xasprintf("snapshot '%s' <inactiveDomain>", s->name);
    struct st_domain *d;
    xmlNode *copy;
    size_t n;

    if (!s->inactive_domain) {
        d = st_snapshot_get_domain(s, errp);
    } else {
        /* The same content as a <domain>, under another name. */
        copy = xmlCopyNode(s->inactive_domain, 1);
        xmlNodeSetName(copy, BAD_CAST "domain");
        d = st_domain_parse_node(copy, what, errp);
        xmlFreeNode(copy);
    }
    if (d && s->inactive_domain && strcmp(d->name, domname) != 0) {
        st_error_set(errp, ST_E_CONFLICT, "%s names domain '%s', not '%s'", what, d->name,
                     domname);
        st_domain_free(d);
        return NULL;
    }
    if (d && (n = st_domain_drop_runtime(d)) > 0)
        st_debug("snapshot '%s': %zu runtime-only parts left out of the definition", s->name, n);
    return d;
}

/* A disk the snapshot left out (<disk snapshot='no'> or not listed)
 * names in the snapshot's <domain> the file it had then.  Putting the
 * disk straight back on that file is safe only while it is still the
 * disk's active file: once a later snapshot took it as a point in time,
 * writes there would change that snapshot's view.  A disk the domain
 * never snapshots (<disk snapshot='no'> in the domain, or no file) is
 * left as it is. */
static bool
left_out_needs_overlay(const struct op *op, const struct st_domain_disk *then)
{
    const struct st_domain_disk *now = st_domain_find_disk(op->dom, then->target);
    struct stat a, b;

    if (!then->source || then->snapshot == ST_SNAPSHOT_MODE_NO)
        return false;
    if (now && now->snapshot == ST_SNAPSHOT_MODE_NO)
        return false;
    /* A file that is gone is no point in time to protect (and a disk
     * left out may name one, as libvirt lets it). */
    if (stat(then->source, &a) < 0)
        return false;
    /* Only the disk's own active file is safe to go on writing into;
     * when that cannot be told, an overlay is. */
    if (!now || !now->source || stat(now->source, &b) < 0)
        return true;
    return a.st_dev != b.st_dev || a.st_ino != b.st_ino;
}

static bool
validate(struct op *op, const char *domname, const char *name, struct st_error **errp)
{
    const struct st_snapshot *s;

    if (name && !st_name_check("snapshot", name, errp))
        return false;
    if (!st_journal_refuse_if_pending(op->store, domname, errp))
        return false;
    if (!(op->dom = st_store_domain_load(op->store, domname, errp)))
        return false;
    if (!(op->tree = st_store_tree_load(op->store, domname, 0, st_store_warn_log, NULL, errp)))
        return false;
    op->node = name ? st_tree_find(op->tree, name) : op->tree->current;
    if (!op->node) {
        if (name)
            st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' has no snapshot named '%s'", domname,
                         name);
        else
            st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' has no current snapshot", domname);
        st_error_hint(errp, "'strata snapshot-list %s' shows its snapshots", domname);
        return false;
    }
    s = op->node->snap;
    if (s->memory == ST_SNAPSHOT_MODE_INTERNAL || s->memory == ST_SNAPSHOT_MODE_EXTERNAL) {
        st_error_set(errp, ST_E_CONFLICT,
                     "snapshot '%s' holds memory state, which strata cannot restore", s->name);
        return false;
    }
    if (!(op->sdom = st_snapshot_get_domain(s, errp))) {
        st_error_prepend(errp, "cannot revert: ");
        st_error_hint(errp, "a snapshot defined without <domain> does not say which files were its point in time");
        return false;
    }
    /* The domain keeps its name even if the snapshot recorded another. */
    if (strcmp(op->sdom->name, op->dom->name) != 0) {
        st_error_set(errp, ST_E_CONFLICT, "snapshot '%s' records domain '%s', not '%s'", s->name,
                     op->sdom->name, op->dom->name);
        return false;
    }
    if (!(op->ndom = new_definition(s, op->dom->name, errp)))
        return false;

    op->disks = st_xcalloc(op->sdom->ndisks, sizeof *op->disks);
    op->ovs = st_xcalloc(op->sdom->ndisks, sizeof *op->ovs);
    for (size_t i = 0; i < op->sdom->ndisks; i++) {
        const struct st_domain_disk *d = &op->sdom->disks[i];
        const struct st_snapshot_disk *sd = st_snapshot_find_disk(s, d->target);
        struct st_chain_opts copts = { .skip_allocation = true };
        CLEANUP_CHAIN struct st_chain *chain = NULL;
        struct rdisk *rd = &op->disks[op->n];

        if (sd && sd->snapshot == ST_SNAPSHOT_MODE_INTERNAL) {
            st_error_set(errp, ST_E_CONFLICT,
                         "snapshot '%s': disk '%s' has an internal snapshot, which strata cannot revert",
                         s->name, d->target);
            return false;
        }
        /* Disks the snapshot left out keep the file they had then, if
         * the disk still writes into it; else that file may be a later
         * snapshot's point in time now, and it gets an overlay as the
         * others do (libvirt makes one for every disk too). */
        if ((!sd || sd->snapshot != ST_SNAPSHOT_MODE_EXTERNAL) && !left_out_needs_overlay(op, d))
            continue;
        if (!d->source) {
            st_error_set(errp, ST_E_CHAIN, "snapshot '%s': disk '%s' records no source file",
                         s->name, d->target);
            return false;
        }
        rd->pit = d;
        copts.format = d->format ? d->format : "qcow2";
        if (!(chain = st_chain_load(d->source, &copts, errp))) {
            st_error_prepend(errp, "snapshot '%s': disk '%s': point-in-time file: ", s->name,
                             d->target);
            return false;
        }
        for (size_t l = 0; l < chain->n_layers; l++) {
            if (chain->layers[l].n_faults && !chain->layers[l].exists) {
                st_error_set(errp, ST_E_CHAIN, "snapshot '%s': disk '%s': %s", s->name, d->target,
                             chain->layers[l].faults[0].message);
                st_error_set_path(errp, chain->layers[l].path);
                return false;
            }
        }
        rd->size = chain->layers[0].virtual_size;
        /* Owned fields only now: op_clear() frees entries below op->n. */
        rd->format = st_xstrdup(copts.format);
        op->ovs[op->n].dev = st_xstrdup(d->target);
        op->n++;
    }
    if (op->n == 0) {
        st_error_set(errp, ST_E_CONFLICT, "snapshot '%s' has no external disk to revert to",
                     s->name);
        return false;
    }
    return true;
}

/* Live revert cuts NBD clients off: only with --force (SPEC §5). */
static bool
check_live(struct op *op, struct st_error **errp)
{
    if (!op->sess->live || op->opts->force)
        return true;
    st_error_set(errp, ST_E_CONFLICT,
                 "domain '%s' is live: reverting swaps its exported disks and cuts off their NBD clients",
                 op->dom->name);
    st_error_hint(errp, "add --force to revert anyway, or 'strata stop %s' first", op->dom->name);
    return false;
}

/* ---- plan ----------------------------------------------------------- */

struct taken_ctx {
    const struct op *op;
    char **picked;
};

static bool
taken_cb(const char *path, void *opaque)
{
    struct taken_ctx *t = opaque;

    return st_op_name_taken(path, t->op->dom, t->op->tree, t->picked);
}

static bool
plan(struct op *op, struct st_error **errp)
{
    struct taken_ctx t = { .op = op };

    for (size_t k = 0; k < op->n; k++) {
        struct st_op_overlay *ov = &op->ovs[k];
        struct st_domain_disk *nd = st_domain_find_disk(op->ndom, ov->dev);

        ov->path = st_naming_revert_overlay(op->disks[k].pit->source, op->node->snap->name,
                                            taken_cb, &t);
        st_strv_add(&t.picked, ov->path);
        if (!nd) {
            st_error_set(errp, ST_E_CONFLICT,
                         "snapshot '%s': its <inactiveDomain> has no disk '%s', which its <domain> has",
                         op->node->snap->name, ov->dev);
            st_error_hint(errp, "snapshot-edit the snapshot so that both list the same disks");
            st_strv_free(t.picked);
            return false;
        }
        if (!st_domain_disk_set_source(op->ndom, nd, ov->path, "qcow2", errp)) {
            st_strv_free(t.picked);
            return false;
        }
    }
    st_strv_free(t.picked);
    return true;
}

/* ---- journal -------------------------------------------------------- */

static bool
journal(struct op *op, char **pits, struct st_error **errp)
{
    struct json_object *detail, *disks;
    CLEANUP_FREE char *dom_xml = st_domain_format(op->ndom);

    op->journal = st_journal_new("snapshot-revert", op->node->snap->name);
    detail = st_json_get_object(op->journal, "detail");
    json_object_object_add(detail, "live", json_object_new_boolean(op->sess->live));
    json_object_object_add(detail, "previous-current",
                           st_json_string_or_null(op->tree->current
                                                  ? op->tree->current->snap->name : NULL));
    disks = json_object_new_array();
    for (size_t k = 0; k < op->n; k++) {
        struct json_object *d = json_object_new_object();

        json_object_object_add(d, "disk", json_object_new_string(op->ovs[k].dev));
        json_object_object_add(d, "backing", json_object_new_string(pits[k]));
        json_object_object_add(d, "overlay", json_object_new_string(op->ovs[k].path));
        json_object_array_add(disks, d);
        st_journal_add_created(op->journal, op->ovs[k].path);
    }
    json_object_object_add(detail, "disks", disks);
    json_object_object_add(detail, "domain-xml", json_object_new_string(dom_xml));
    /* The decision about the layers left behind, made now, before
     * anything changes: a recover that finishes this revert carries
     * it out as this command would have (op-recover.c). */
    if (op->opts->current != ST_REVERT_CURRENT_LEAVE)
        json_object_object_add(detail, "abandon",
                               st_abandoned_plan_json(op->ab, op->nab,
                                                      op->opts->current != ST_REVERT_CURRENT_DISCARD));
    return st_journal_write(op->store, op->dom->name, op->journal, errp);
}

/* ---- run ------------------------------------------------------------ */

/* Make disk @k's overlay and open it on its point-in-time node.  The
 * overlay is made alone ("backing": null) and then reopened with the
 * point-in-time node as its backing: blockdev-snapshot refuses a node
 * that already backs another layer ("Node 'X' is busy: node is used as
 * backing hd of 'Y'", verified on 7.2), and a point in time with the
 * old branch above it always does. */
static bool
make_overlay(struct op *op, size_t k, const char *pit, struct st_error **errp)
{
    struct st_qmp *qmp = st_session_qmp(op->sess);
    struct rdisk *rd = &op->disks[k];
    struct st_op_overlay *ov = &op->ovs[k];
    CLEANUP_FREE char *node = st_session_node_name(ov->path);
    CLEANUP_STRV char **names = NULL;
    struct st_qmp_overlay_opts o = {
        .path = ov->path,
        .claimed = true,
        .node_name = node,
        .backing_file = pit,
        .backing_fmt = rd->format,
        .size = rd->size,
    };
    struct st_qmp_layer layer = { .path = ov->path, .format = "qcow2", .node_name = node };

    if (!(rd->pit_node = st_session_open_chain(op->sess, pit, rd->format, false, errp)))
        return false;
    if (!st_qmp_overlay_create(qmp, &o, errp))
        return false;
    ov->created = true;
    ov->node = st_xstrdup(node);
    if (!st_qmp_blockdev_del_layer(qmp, node, errp))
        return false;
    free(ov->node);
    ov->node = NULL;
    if (!(names = st_qmp_blockdev_open_chain_on(qmp, &layer, 1, "r", rd->pit_node, errp)))
        return false;
    ov->node = ST_STEAL(&node);
    /* Confirm the new header is on disk before anything (the swap, the
     * metadata) relies on it. */
    return st_qmp_blockdev_flush(qmp, ov->node, errp);
}

/* The node export @id serves, from query-block-exports; owned or NULL. */
static char *
export_node(struct json_object *list, const char *id)
{
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        struct json_object *e = json_object_array_get_idx(list, i);
        const char *eid = st_json_get_string(e, "id");

        if (eid && strcmp(eid, id) == 0) {
            const char *n = st_json_get_string(e, "node-name");

            return n ? st_xstrdup(n) : NULL;
        }
    }
    return NULL;
}

static bool
add_disk_export(struct st_qmp *qmp, const char *dev, const char *node, struct st_error **errp)
{
    CLEANUP_FREE char *id = st_session_disk_export_id(dev);
    struct st_qmp_export_opts o = {
        .id = id, .node_name = node, .name = dev, .writable = true, .allocation_depth = true,
    };

    return st_qmp_export_add(qmp, &o, errp);
}

/* Live: move each disk's export from its old active node to the new
 * overlay.  QMP has no atomic way to repoint an export, so it is
 * deleted (mode "hard": its clients are cut off, which --force
 * allowed; "safe" fails while one is connected) and added again; on a
 * failure the exports moved so far are put back on their old nodes.
 * The connections ended are counted from the kernel's socket tables
 * (live/nbdclients.h), before and after. */
static bool
swap_exports(struct op *op, struct st_error **errp)
{
    struct st_qmp *qmp = st_session_qmp(op->sess);
    CLEANUP_JSON struct json_object *list = NULL;
    struct st_nbd_addr addr = { 0 };
    int before, after;

    if (!(list = st_qmp_export_list(qmp, errp)))
        return false;
    st_exporter_addr_of(op->sess->run_dir, &addr);
    before = st_nbd_server_connections(&addr);
    for (size_t k = 0; k < op->n; k++) {
        CLEANUP_FREE char *id = st_session_disk_export_id(op->ovs[k].dev);

        op->disks[k].old_node = export_node(list, id);
    }
    for (size_t k = 0; k < op->n; k++) {
        CLEANUP_FREE char *id = st_session_disk_export_id(op->ovs[k].dev);

        if (op->disks[k].old_node &&
            !st_qmp_export_del(qmp, id, true, EXPORT_DEL_TIMEOUT_MS, errp))
            goto error;
        if (!add_disk_export(qmp, op->ovs[k].dev, op->ovs[k].node, errp)) {
            /* Put this disk back before undoing the others. */
            if (op->disks[k].old_node)
                add_disk_export(qmp, op->ovs[k].dev, op->disks[k].old_node, NULL);
            goto error;
        }
        op->swapped = k + 1;
        if (k == 0)
            st_op_crash_point("revert-swapped-one");
    }
    after = st_nbd_server_connections(&addr);
    op->clients_cut = before < 0 || after < 0 ? -1 : before > after ? before - after : 0;
    st_nbd_addr_clear(&addr);
    return true;

 error:
    st_nbd_addr_clear(&addr);
    for (size_t k = 0; k < op->swapped; k++) {
        CLEANUP_FREE char *id = st_session_disk_export_id(op->ovs[k].dev);

        st_qmp_export_del(qmp, id, true, EXPORT_DEL_TIMEOUT_MS, NULL);
        if (op->disks[k].old_node)
            add_disk_export(qmp, op->ovs[k].dev, op->disks[k].old_node, NULL);
    }
    op->swapped = 0;
    return false;
}

static bool
run(struct op *op, char **pits, struct st_error **errp)
{
    /* Make the new files first and journal what they are, so that a
     * recover after a crash removes these files and nothing else. */
    for (size_t k = 0; k < op->n; k++) {
        if (!st_op_overlay_claim(&op->ovs[k], op->journal, errp)) {
            st_error_prepend(errp, "disk '%s': ", op->ovs[k].dev);
            return false;
        }
    }
    if (!st_journal_write(op->store, op->dom->name, op->journal, errp))
        return false;
    for (size_t k = 0; k < op->n; k++) {
        if (!make_overlay(op, k, pits[k], errp)) {
            st_error_prepend(errp, "disk '%s': ", op->ovs[k].dev);
            return false;
        }
    }
    st_op_crash_point("revert-overlays");
    return !op->sess->live || swap_exports(op, errp);
}

static void
abort_run(struct op *op)
{
    CLEANUP_FREE char *what = st_xasprintf("revert to '%s'", op->node->snap->name);

    st_op_abort(op->store, op->dom->name, op->sess, op->ovs, op->n, what);
}

/* ---- the layers left behind (ops/revert-abandon.h) ------------------ */

static bool
examine(struct op *op, struct st_error **errp)
{
    CLEANUP_STRV char **devs = NULL;

    for (size_t k = 0; k < op->n; k++)
        st_strv_add(&devs, op->ovs[k].dev);
    return st_abandoned_examine(op->store, op->dom, op->tree, devs, &op->ab, &op->nab, errp);
}

/* KEEP: the current state becomes a snapshot like any other, through
 * snapshot-create, before the revert leaves it. */
static bool
keep_current(const struct st_store *store, const char *dom, const struct st_revert_opts *opts,
             char **kept_as, struct st_error **errp)
{
    CLEANUP_SNAPSHOT struct st_snapshot *req = NULL;
    struct st_create_opts co = { .run_dir = opts->run_dir };
    struct st_create_result cres = { 0 };

    static const char unnamed[] = "<domainsnapshot/>";

    /* Unnamed, st_op_create() names it after the Unix time, as libvirt does. */
    if (opts->keep_name)
        req = st_snapshot_new(opts->keep_name, errp);
    else
        req = st_snapshot_parse(unnamed, strlen(unnamed), "--keep-current", 0, errp);
    if (!req)
        return false;
    if (!st_op_create(store, dom, req, &co, &cres, errp)) {
        st_error_prepend(errp, "cannot keep the current state as a snapshot: ");
        return false;
    }
    *kept_as = ST_STEAL(&cres.name);
    st_create_result_clear(&cres);
    return true;
}

/* Which layers go, or why the revert is refused (before anything changes). */
static bool
plan_abandoned(struct op *op, struct st_error **errp)
{
    bool discard = op->opts->current == ST_REVERT_CURRENT_DISCARD;

    for (size_t i = 0; i < op->nab; i++) {
        struct st_abandoned *a = &op->ab[i];

        /* A point in time is a snapshot's content, not a leftover. */
        if (a->pit_of)
            continue;
        /* Named as a snapshot's overlay, the data is that snapshot's
         * branch head: metadata names it and a delete merges it, so it
         * stays (the output says so).  Named by nothing, it would be
         * lost to every command: refused. */
        if (a->allocated > 0 && !discard && a->overlay_of)
            continue;
        if (a->allocated > 0 && !discard) {
            st_error_set(errp, ST_E_CONFLICT,
                         "disk '%s': the active layer '%s' holds %llu bytes written since the last "
                         "snapshot, which no snapshot names, so the revert would leave them behind",
                         a->dev, a->path, (unsigned long long) a->allocated);
            st_error_set_path(errp, a->path);
            st_error_hint(errp, "add --keep-current[=NAME] to keep them as a snapshot, or "
                          "--discard-current to throw them away");
            return false;
        }
        if (!a->ours) {
            if (!discard)
                continue;
            st_error_set(errp, ST_E_CONFLICT,
                         "disk '%s': the active layer '%s' was not made by strata (no record of it), "
                         "so --discard-current does not remove it", a->dev, a->path);
            st_error_set_path(errp, a->path);
            st_error_hint(errp, "revert with --keep-current, or without --discard-current and "
                          "remove the file yourself");
            return false;
        }
        a->remove = true;
    }
    return true;
}

/* ---- commit and clean ----------------------------------------------- */

static bool
commit(struct op *op, struct st_error **errp)
{
    if (!st_store_domain_save(op->store, op->ndom, errp))
        return false;
    return st_op_save_as_current(op->store, op->dom->name, op->node->snap,
                                 op->tree->current ? op->tree->current->snap->name : NULL,
                                 errp);
}

/* Live: close the old active layers, which nothing uses any more.  A
 * node that still has users (it backs something, another export) is
 * kept; the files stay either way. */
static void
clean(struct op *op)
{
    if (!op->sess->live)
        return;
    for (size_t k = 0; k < op->n; k++) {
        struct st_error *err = NULL;
        const char *old = op->disks[k].old_node;

        if (!old || strcmp(old, op->ovs[k].node) == 0)
            continue;
        if (!st_qmp_blockdev_del_layer(st_session_qmp(op->sess), old, &err)) {
            st_debug("keeping old active node %s open: %s", old, err->msg);
            st_error_free(err);
            /* QSD still holds it (a backup job, say): its file stays,
             * as recover's finish_abandon() keeps it too. */
            for (size_t i = 0; i < op->nab; i++)
                if (strcmp(op->ab[i].dev, op->ovs[k].dev) == 0)
                    op->ab[i].remove = false;
        }
    }
}

bool
st_op_revert(const struct st_store *store, const char *dom, const char *snap,
             const struct st_revert_opts *opts, struct st_revert_result *res,
             struct st_error **errp)
{
    CLEANUP_OP struct op op = { .store = store, .opts = opts };
    CLEANUP_STRV char **pits = NULL;
    CLEANUP_FREE char *target = NULL;
    CLEANUP_FREE char *kept_as = NULL;
    int64_t t0 = st_op_now_us();
    bool ok;

    memset(res, 0, sizeof *res);
    if (!validate(&op, dom, snap, errp))
        return false;
    if (opts->current != ST_REVERT_CURRENT_LEAVE) {
        if (!examine(&op, errp))
            return false;
        if (opts->current == ST_REVERT_CURRENT_KEEP && st_abandoned_has_data(op.ab, op.nab)) {
            /* By name: the new snapshot becomes current, and "revert to
             * the current snapshot" means the one current before it. */
            target = st_xstrdup(op.node->snap->name);
            /* A live domain without --force would refuse the revert
             * below: refuse before the snapshot is made. */
            if (!(op.sess = st_session_open(opts->run_dir, dom, errp)) || !check_live(&op, errp) ||
                !st_session_close(&op.sess, errp))
                return false;
            if (!keep_current(store, dom, opts, &kept_as, errp))
                return false;
            op_clear(&op);
            op = (struct op) { .store = store, .opts = opts };
            if (!validate(&op, dom, target, errp) || !examine(&op, errp)) {
                st_error_prepend(errp, "the current state was kept as snapshot '%s', but: ",
                                 kept_as);
                return false;
            }
        }
        if (!plan_abandoned(&op, errp))
            return false;
    }
    /* The point-in-time paths (op.sdom keeps them; plan() repoints op.ndom). */
    for (size_t k = 0; k < op.n; k++)
        st_strv_add(&pits, op.disks[k].pit->source);
    if (!(op.sess = st_session_open(opts->run_dir, dom, errp)) || !check_live(&op, errp))
        return false;
    if (!plan(&op, errp) || !journal(&op, pits, errp))
        return false;
    if (!run(&op, pits, errp)) {
        st_error_prepend(errp, "revert to '%s': ", op.node->snap->name);
        abort_run(&op);
        return false;
    }
    ok = st_journal_set_phase(store, dom, op.journal, "switched", errp);
    if (ok) {
        st_op_crash_point("revert-switched");
        ok = commit(&op, errp);
    }
    if (!ok) {
        st_error_prepend(errp, "revert to '%s' switched the disks but its metadata is incomplete: ",
                         op.node->snap->name);
        st_error_hint(errp, "run 'strata recover %s' to finish writing it", dom);
        return false;
    }
    st_op_crash_point("revert-committed");
    clean(&op);
    /* The layers go while the journal still names the revert, so that
     * a crash before they are gone leaves a recover that removes them. */
    if (opts->current != ST_REVERT_CURRENT_LEAVE &&
        !st_abandoned_remove(store, dom, op.ab, op.nab,
                             opts->current != ST_REVERT_CURRENT_DISCARD, errp)) {
        st_error_prepend(errp, "reverted to '%s', but: ", op.node->snap->name);
        /* The revert itself is complete: no recover is needed (the
         * error's hint names the command that removes the file). */
        st_journal_clear(store, dom, NULL);
        return false;
    }
    if (!st_journal_clear(store, dom, errp))
        return false;

    res->name = st_xstrdup(op.node->snap->name);
    res->live = op.sess->live;
    res->clients_cut = op.sess->live ? op.clients_cut : 0;
    res->disks = st_xcalloc(op.n, sizeof *res->disks);
    res->ndisks = op.n;
    for (size_t k = 0; k < op.n; k++) {
        res->disks[k].dev = st_xstrdup(op.ovs[k].dev);
        res->disks[k].backing = st_xstrdup(pits[k]);
        res->disks[k].overlay = st_xstrdup(op.ovs[k].path);
    }
    if (opts->current != ST_REVERT_CURRENT_LEAVE) {
        res->abandon_reported = true;
        res->abandoned = ST_STEAL(&op.ab);
        res->nabandoned = op.nab;
        op.nab = 0;
        res->kept_as = ST_STEAL(&kept_as);
    }
    res->total_us = st_op_now_us() - t0;
    return true;
}

struct json_object *
st_revert_result_json(const struct st_revert_result *res)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "name", json_object_new_string(res->name));
    json_object_object_add(o, "live", json_object_new_boolean(res->live));
    if (res->live)
        json_object_object_add(o, "clients-cut", res->clients_cut < 0 ? NULL
                               : json_object_new_int64(res->clients_cut));
    json_object_object_add(o, "disks", st_op_disk_results_json(res->disks, res->ndisks, false));
    json_object_object_add(o, "total-us", json_object_new_int64(res->total_us));
    if (res->abandon_reported) {
        json_object_object_add(o, "kept-as", st_json_string_or_null(res->kept_as));
        json_object_object_add(o, "abandoned", st_abandoned_json(res->abandoned, res->nabandoned));
    }
    return o;
}
