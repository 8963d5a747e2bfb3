/* ops/op-recover.c: roll an interrupted snapshot-create or
 * snapshot-revert back or forward, from what its journal recorded. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/json.h"
#include "common/log.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "qmp/blockdev.h"
#include "qmp/export.h"
#include "store/created.h"
#include "store/journal.h"
#include "ops/op-delete.h"
#include "ops/op-move.h"
#include "ops/op-rebase-domain.h"
#include "ops/op-recover.h"
#include "ops/revert-abandon.h"
#include "ops/op-util.h"
#include "live/session.h"

ST_LOG_INIT("ops.recover");

/* The domain's live QSD if it runs (never a transient one: rolling
 * back offline needs no QSD).  NULL without error when not live. */
static struct st_session *
live_session(const char *run_dir, const char *dom, struct st_error **errp)
{
    CLEANUP_FREE char *dir = st_session_live_dir(run_dir, dom);
    CLEANUP_FREE char *pid = st_path_join(dir, "qsd.pid");
    struct st_session *sess;

    if (!st_path_exists(pid))
        return NULL;
    if (!(sess = st_session_open(run_dir, dom, errp)))
        return NULL;
    if (!sess->live) {
        /* The pid file was stale: st_session_open started a transient
         * QSD we do not need. */
        st_session_free(sess);
        return NULL;
    }
    return sess;
}

/* Live: did the switch happen?  It did if an export serves one of the
 * files the operation made (blockdev-snapshot moved it there, or the
 * revert re-added it there). */
static bool
live_switched(struct st_session *sess, struct json_object *files, struct st_error **errp)
{
    CLEANUP_JSON struct json_object *exports = NULL;

    if (!(exports = st_qmp_export_list(st_session_qmp(sess), errp)))
        return false;
    for (size_t i = 0; i < json_object_array_length(files); i++) {
        const char *f = json_object_get_string(json_object_array_get_idx(files, i));
        CLEANUP_FREE char *node = NULL;
        struct st_error *err = NULL;

        if (!(node = st_session_find_node(sess, f, &err))) {
            st_error_free(err);
            continue;
        }
        for (size_t e = 0; e < json_object_array_length(exports); e++) {
            const char *n = st_json_get_string(json_object_array_get_idx(exports, e), "node-name");

            if (n && strcmp(n, node) == 0)
                return true;
        }
    }
    return false;
}

/* Undo an operation that had not switched: close and remove the files
 * it created.  Only those: a file at a journalled name that is not the
 * one the operation made (a user put it there after the crash) is kept
 * and listed in @kept. */
static bool
roll_back(struct st_session *sess, struct json_object *journal, struct json_object *files,
          struct json_object *removed, struct json_object *kept, struct st_error **errp)
{
    for (size_t i = 0; i < json_object_array_length(files); i++) {
        const char *f = json_object_get_string(json_object_array_get_idx(files, i));

        if (!st_journal_created_is_ours(journal, f)) {
            if (st_path_exists(f)) {
                st_warn("recover", "'%s' is not the file the interrupted operation created; left in place", f);
                json_object_array_add(kept, json_object_new_string(f));
            }
            continue;
        }

        if (sess) {
            struct st_error *err = NULL;
            CLEANUP_FREE char *node = st_session_find_node(sess, f, &err);

            if (err) {
                st_error_propagate(errp, err);
                return false;
            }
            if (node && !st_qmp_blockdev_del_layer(st_session_qmp(sess), node, errp))
                return false;
        }
        if (unlink(f) < 0) {
            if (errno == ENOENT)
                continue;
            st_error_set_errno(errp, errno, ST_E_IO, "cannot remove '%s'", f);
            st_error_set_path(errp, f);
            return false;
        }
        json_object_array_add(removed, json_object_new_string(f));
    }
    return true;
}

/* The record of the files strata made drops what roll_back() removed. */
static bool
forget_removed(const struct st_store *store, const char *dom, struct json_object *removed,
               struct st_error **errp)
{
    CLEANUP_STRV char **paths = NULL;

    for (size_t i = 0; i < json_object_array_length(removed); i++)
        st_strv_add(&paths, json_object_get_string(json_object_array_get_idx(removed, i)));
    return !paths || st_created_forget(store, dom, paths, errp);
}

static bool
files_exist(struct json_object *files, struct st_error **errp)
{
    for (size_t i = 0; i < json_object_array_length(files); i++) {
        const char *f = json_object_get_string(json_object_array_get_idx(files, i));

        if (!st_path_exists(f)) {
            st_error_set(errp, ST_E_CHAIN,
                         "the journal says the disks switched, but overlay '%s' is missing", f);
            st_error_set_path(errp, f);
            return false;
        }
    }
    return true;
}

static bool
save_domain_xml(const struct st_store *store, const char *xml, struct st_error **errp)
{
    CLEANUP_DOMAIN struct st_domain *d = NULL;

    if (!xml) {
        st_error_set(errp, ST_E_IO, "the journal holds no domain XML");
        return false;
    }
    if (!(d = st_domain_parse(xml, strlen(xml), "journal", errp)))
        return false;
    return st_store_domain_save(store, d, errp);
}

static bool
forward_create(const struct st_store *store, const char *dom, struct json_object *detail,
               struct st_error **errp)
{
    const char *xml = st_json_get_string(detail, "snapshot-xml");
    bool metadata = true;

    st_json_get_bool(detail, "metadata", &metadata);
    if (metadata) {
        CLEANUP_SNAPSHOT struct st_snapshot *snap = NULL;

        if (!xml) {
            st_error_set(errp, ST_E_IO, "the journal holds no snapshot XML");
            return false;
        }
        if (!(snap = st_snapshot_parse(xml, strlen(xml), "journal", ST_SNAPSHOT_PARSE_INTERNAL,
                                       errp)))
            return false;
        if (!st_op_save_as_current(store, dom, snap,
                                   st_json_get_string(detail, "previous-current"), errp))
            return false;
    }
    return save_domain_xml(store, st_json_get_string(detail, "domain-xml"), errp);
}

/* Live revert interrupted while moving the exports: move the rest, so
 * that QSD serves what the domain XML is about to name. */
static bool
finish_swap(struct st_session *sess, struct json_object *detail, struct st_error **errp)
{
    struct st_qmp *qmp = st_session_qmp(sess);
    struct json_object *disks = st_json_get_array(detail, "disks");
    CLEANUP_JSON struct json_object *exports = NULL;

    if (!disks || !(exports = st_qmp_export_list(qmp, errp)))
        return false;
    for (size_t i = 0; i < json_object_array_length(disks); i++) {
        struct json_object *d = json_object_array_get_idx(disks, i);
        const char *dev = st_json_get_string(d, "disk");
        const char *overlay = st_json_get_string(d, "overlay");
        CLEANUP_FREE char *id = NULL;
        CLEANUP_FREE char *node = NULL;
        const char *cur = NULL;
        struct st_error *err = NULL;
        bool exported = false;
        struct st_qmp_export_opts o = { .writable = true, .allocation_depth = true };

        if (!dev || !overlay)
            continue;
        id = st_session_disk_export_id(dev);
        for (size_t e = 0; e < json_object_array_length(exports); e++) {
            struct json_object *x = json_object_array_get_idx(exports, e);
            const char *xid = st_json_get_string(x, "id");

            if (xid && strcmp(xid, id) == 0) {
                exported = true;
                cur = st_json_get_string(x, "node-name");
            }
        }
        if (!(node = st_session_find_node(sess, overlay, &err))) {
            if (err)
                st_error_propagate(errp, err);
            else
                st_error_set(errp, ST_E_CHAIN,
                             "disk '%s': the live QSD does not hold the new overlay '%s' open",
                             dev, overlay);
            st_error_hint(errp, "'strata stop' the domain, run 'strata recover' again, then 'strata start' it");
            return false;
        }
        if (cur && strcmp(cur, node) == 0)
            continue;
        if (exported && !st_qmp_export_del(qmp, id, true, 10 * 1000, errp))
            return false;
        o.id = id;
        o.node_name = node;
        o.name = dev;
        if (!st_qmp_export_add(qmp, &o, errp))
            return false;
        st_debug("disk '%s': export moved to %s", dev, node);
    }
    return true;
}

static bool
forward_revert(const struct st_store *store, const char *dom, const char *name,
               struct st_session *sess, struct json_object *detail, struct st_error **errp)
{
    CLEANUP_FREE char *path = NULL;
    CLEANUP_SNAPSHOT struct st_snapshot *snap = NULL;

    if (sess && !finish_swap(sess, detail, errp))
        return false;
    if (!save_domain_xml(store, st_json_get_string(detail, "domain-xml"), errp))
        return false;
    path = st_store_snapshot_path(store, dom, name);
    if (!(snap = st_snapshot_load(path, ST_SNAPSHOT_PARSE_INTERNAL, errp)))
        return false;
    return st_op_save_as_current(store, dom, snap, st_json_get_string(detail, "previous-current"),
                                 errp);
}

/* A revert finished here leaves its old layers as the command would
 * have (ops/revert-abandon.h): the plan its journal recorded before
 * anything changed, carried out with the same checks (the record still
 * proves the file strata's; an only-empty plan leaves a layer written
 * since).  Live, the old active node is closed first, as the revert's
 * clean phase does; a node that cannot be closed keeps its file.  A
 * layer that cannot be removed is warned about, not fatal: the revert
 * is complete, and 'chain check' lists the file. */
static void
finish_abandon(const struct st_store *store, const char *dom, struct st_session *sess,
               struct json_object *plan, struct json_object *report)
{
    struct st_abandoned *a = NULL;
    size_t n = 0;
    bool only_empty = true;
    struct st_error *err = NULL;

    if (!st_abandoned_plan_parse(plan, &a, &n, &only_empty, &err))
        goto warn;
    for (size_t i = 0; sess && i < n; i++) {
        CLEANUP_FREE char *node = NULL;

        if (!a[i].remove)
            continue;
        if (!(node = st_session_find_node(sess, a[i].path, &err))) {
            /* Not open (NULL, no error) is fine; a query that failed
             * cannot say, so the file stays. */
            if (err)
                a[i].remove = false;
            st_error_free(err);
            err = NULL;
            continue;
        }
        if (!st_qmp_blockdev_del_layer(st_session_qmp(sess), node, &err)) {
            st_debug("keeping old active node %s open, and its file: %s", node, err->msg);
            st_error_free(err);
            err = NULL;
            a[i].remove = false;
        }
    }
    if (!st_abandoned_remove(store, dom, a, n, only_empty, &err))
        goto warn;
    json_object_object_add(report, "abandoned", st_abandoned_json(a, n));
    st_abandoned_free(a, n);
    return;

 warn:
    st_warn("recover", "the layers the revert left: %s; 'strata chain check %s' lists any left",
            err->msg, dom);
    st_error_free(err);
    json_object_object_add(report, "abandoned", st_abandoned_json(a, n));
    st_abandoned_free(a, n);
}

bool
st_op_recover(const struct st_store *store, const char *dom, const char *run_dir,
              struct json_object **report, struct st_error **errp)
{
    CLEANUP_JSON struct json_object *j = NULL;
    CLEANUP_JSON struct json_object *r = json_object_new_object();
    CLEANUP_SESSION struct st_session *sess = NULL;
    struct json_object *files, *detail, *removed = json_object_new_array();
    struct json_object *kept = json_object_new_array();
    const char *op, *phase, *snap;
    struct st_error *err = NULL;
    bool is_create, forward;

    json_object_object_add(r, "removed-files", removed);
    json_object_object_add(r, "kept-files", kept);
    if (!(j = st_journal_read(store, dom, &err))) {
        if (err) {
            st_error_propagate(errp, err);
            return false;
        }
        json_object_object_add(r, "operation", NULL);
        json_object_object_add(r, "snapshot", NULL);
        json_object_object_add(r, "phase", NULL);
        json_object_object_add(r, "action", json_object_new_string("none"));
        *report = ST_STEAL(&r);
        return true;
    }
    op = st_json_get_string(j, "operation");
    phase = st_json_get_string(j, "phase");
    snap = st_json_get_string(j, "snapshot");
    json_object_object_add(r, "operation", json_object_new_string(op));
    json_object_object_add(r, "snapshot", st_json_string_or_null(snap));
    json_object_object_add(r, "phase", st_json_string_or_null(phase));
    is_create = strcmp(op, "snapshot-create") == 0;
    if (strcmp(op, ST_MOVE_OPERATION) == 0 || strcmp(op, ST_REBASE_DOMAIN_OPERATION) == 0) {
        if (strcmp(op, ST_MOVE_OPERATION) == 0 ? !st_move_recover(store, dom, run_dir, j, r, errp)
                                               : !st_rebase_domain_recover(store, dom, run_dir, j,
                                                                           r, errp))
            return false;
        *report = ST_STEAL(&r);
        return true;
    }
    if (strcmp(op, ST_DELETE_OPERATION) == 0) {
        /* A delete is only ever finished (op-delete.h): run it again. */
        struct st_delete_opts dopts = { .run_root = run_dir };
        CLEANUP_PLAN struct st_plan *plan = st_delete_journal_plan(j, errp);

        if (!plan || !st_delete_execute(store, dom, plan, j, &dopts, errp))
            return false;
        json_object_object_add(r, "action", json_object_new_string("rolled-forward"));
        *report = ST_STEAL(&r);
        return true;
    }
    if (!is_create && strcmp(op, "snapshot-revert") != 0) {
        st_error_set(errp, ST_E_CONFLICT,
                     "domain '%s': strata recover does not know how to finish an interrupted %s",
                     dom, op);
        st_error_hint(errp, "see strata-store(5) for what its journal records");
        return false;
    }
    files = st_json_get_array(j, "created-files");
    detail = st_json_get_object(j, "detail");
    if (!files || !detail || !snap || !phase) {
        st_error_set(errp, ST_E_IO, "domain '%s': the journal of %s is incomplete", dom, op);
        return false;
    }
    if (!(sess = live_session(run_dir, dom, &err)) && err) {
        st_error_propagate(errp, err);
        return false;
    }
    forward = strcmp(phase, "planned") != 0;
    if (!forward && sess) {
        if (!(forward = live_switched(sess, files, &err)) && err) {
            st_error_propagate(errp, err);
            return false;
        }
    }
    st_debug("%s of '%s' in phase %s: rolling %s", op, snap, phase, forward ? "forward" : "back");
    if (forward) {
        if (!files_exist(files, errp))
            return false;
        if (is_create ? !forward_create(store, dom, detail, errp)
                      : !forward_revert(store, dom, snap, sess, detail, errp))
            return false;
        if (!is_create && st_json_get_object(detail, "abandon"))
            finish_abandon(store, dom, sess, st_json_get_object(detail, "abandon"), r);
    } else if (!roll_back(sess, j, files, removed, kept, errp) ||
               !forget_removed(store, dom, removed, errp)) {
        return false;
    }
    if (!st_journal_clear(store, dom, errp))
        return false;
    json_object_object_add(r, "action",
                           json_object_new_string(forward ? "rolled-forward" : "rolled-back"));
    *report = ST_STEAL(&r);
    return true;
}
