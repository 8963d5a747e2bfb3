/* live/live.c: start, status and stop of a domain's long-running QSD. */
#include "config.h"

#include <string.h>

#include "common/json.h"
#include "common/log.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "qmp/export.h"
#include "qmp/fleece.h"
#include "live/exporter.h"
#include "live/live.h"
#include "store/journal.h"
#include "store/view.h"

ST_LOG_INIT("live");

enum { ATTACH_MS = 10 * 1000 };

static bool
refuse_export_qsd(const char *run_root, const char *dom, struct st_error **errp)
{
    CLEANUP_FREE char *exp_dir = st_exporter_export_dir(run_root, dom);

    if (!st_exporter_clean_stale(exp_dir))
        return true;
    st_error_set(errp, ST_E_BUSY, "domain '%s' has an export-only QSD running (in '%s')", dom,
                 exp_dir);
    st_error_hint(errp, "'strata export %s --stop' ends it", dom);
    return false;
}

/* Undo a failed start: stop QSD and remove every file it left. */
static void
abandon(struct st_exporter *ex)
{
    st_qsd_stop(ex->sess->qsd, NULL);
    st_exporter_clean_stale(ex->dir);
}

struct st_exporter *
st_live_start(const struct st_store *store, const char *run_root, const char *dom,
              const struct st_nbd_addr *addr, struct st_error **errp)
{
    CLEANUP_VIEWS struct st_views views = { 0 };
    CLEANUP_FREE char *live_dir = NULL;
    CLEANUP_EXPORTER struct st_exporter *ex = NULL;
    struct st_session *sess;

    /* An interrupted operation's files are half moved or merged: a
     * guest writing there now could write into a file its recover
     * then replaces or removes. */
    if (!st_journal_refuse_if_pending(store, dom, errp))
        return NULL;
    if (!st_views_resolve(store, dom, NULL, NULL, &views, errp))
        return NULL;
    if (!refuse_export_qsd(run_root, dom, errp))
        return NULL;
    live_dir = st_session_live_dir(run_root, dom);
    if (st_exporter_clean_stale(live_dir)) {
        st_error_set(errp, ST_E_BUSY, "domain '%s' is already live", dom);
        st_error_hint(errp, "'strata status %s' shows its QSD; 'strata stop %s' ends it", dom,
                      dom);
        return NULL;
    }
    if (!(sess = st_session_start_live(run_root, dom, errp)))
        return NULL;
    ex = st_exporter_wrap(sess, ST_EXPORTER_LIVE, live_dir);
    if (addr)
        st_nbd_addr_copy(&ex->addr, addr);
    if (!st_exporter_start_server(ex, errp))
        goto fail;
    for (size_t i = 0; i < views.n; i++) {
        CLEANUP_FREE char *node = NULL;
        struct st_export e;

        if (!(node = st_session_open_chain(sess, views.v[i].path, views.v[i].format, true,
                                           errp))) {
            st_error_prepend(errp, "disk '%s': ", views.v[i].dev);
            goto fail;
        }
        if (!st_exporter_add_active(ex, views.v[i].dev, node, &e, errp))
            goto fail;
        st_export_clear(&e);
    }
    if (!st_exporter_save(ex, errp))
        goto fail;
    st_debug("domain '%s' live: QSD pid %d", dom, (int) sess->qsd->pid);
    return ST_STEAL(&ex);

fail:
    st_error_prepend(errp, "domain '%s': ", dom);
    abandon(ex);
    return NULL;
}

static struct json_object *
jobs_json(struct st_qmp *qmp, struct st_error **errp)
{
    CLEANUP_JSON struct json_object *jobs = st_qmp_execute(qmp, "query-jobs", NULL, errp);
    struct json_object *out;

    if (!jobs)
        return NULL;
    out = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(jobs); i++) {
        struct json_object *j = json_object_array_get_idx(jobs, i);
        struct json_object *o = json_object_new_object();
        int64_t cur = 0, total = 0;

        st_json_get_int64(j, "current-progress", &cur);
        st_json_get_int64(j, "total-progress", &total);
        json_object_object_add(o, "id", st_json_string_or_null(st_json_get_string(j, "id")));
        json_object_object_add(o, "type", st_json_string_or_null(st_json_get_string(j, "type")));
        json_object_object_add(o, "status",
                               st_json_string_or_null(st_json_get_string(j, "status")));
        json_object_object_add(o, "current-progress", json_object_new_int64(cur));
        json_object_object_add(o, "total-progress", json_object_new_int64(total));
        json_object_array_add(out, o);
    }
    return out;
}

/* Exports QSD has, with what the record knows of them (an export made
 * by someone else is listed with its id and node only). */
static struct json_object *
exports_json(struct st_exporter *ex, struct st_error **errp)
{
    CLEANUP_JSON struct json_object *live = st_qmp_export_list(st_session_qmp(ex->sess), errp);
    struct json_object *out;
    struct st_export *rec;
    size_t n;

    if (!live)
        return NULL;
    rec = st_exporter_list(ex, &n);
    out = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(live); i++) {
        struct json_object *x = json_object_array_get_idx(live, i);
        const char *id = st_json_get_string(x, "id");
        const char *node = st_json_get_string(x, "node-name");
        struct json_object *o = NULL;

        for (size_t k = 0; id && k < n && !o; k++) {
            if (strcmp(rec[k].id, id) != 0)
                continue;
            o = st_export_to_json(&rec[k]);
            /* The live node: a commit or revert may have moved the export. */
            json_object_object_add(o, "node", st_json_string_or_null(node));
        }
        if (!o) {
            o = json_object_new_object();
            json_object_object_add(o, "id", st_json_string_or_null(id));
            json_object_object_add(o, "node", st_json_string_or_null(node));
        }
        json_object_array_add(out, o);
    }
    for (size_t k = 0; k < n; k++)
        st_export_clear(&rec[k]);
    free(rec);
    return out;
}

struct json_object *
st_live_status(const char *run_root, const char *dom, bool *stale, struct st_error **errp)
{
    CLEANUP_FREE char *live_dir = st_session_live_dir(run_root, dom);
    CLEANUP_FREE char *pid_path = st_path_join(live_dir, "qsd.pid");
    CLEANUP_EXPORTER struct st_exporter *ex = NULL;
    CLEANUP_JSON struct json_object *o = NULL;
    struct json_object *exports, *jobs;
    CLEANUP_FREE char *nbd = NULL;
    struct st_qsd *qsd;

    *stale = st_path_exists(pid_path);
    if (!st_exporter_clean_stale(live_dir)) {
        st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' is not running", dom);
        return NULL;
    }
    *stale = false;
    if (!(qsd = st_qsd_attach(live_dir, ATTACH_MS, errp)))
        return NULL;
    ex = st_exporter_wrap(st_exporter_session_of(qsd), ST_EXPORTER_LIVE, live_dir);
    if (!(exports = exports_json(ex, errp)))
        return NULL;
    o = json_object_new_object();
    json_object_object_add(o, "exports", exports);
    if (!(jobs = jobs_json(st_session_qmp(ex->sess), errp)))
        return NULL;
    nbd = st_nbd_addr_format(&ex->addr);
    json_object_object_add(o, "domain", json_object_new_string(dom));
    json_object_object_add(o, "running", json_object_new_boolean(true));
    json_object_object_add(o, "pid", json_object_new_int64(qsd->pid));
    json_object_object_add(o, "run-dir", json_object_new_string(live_dir));
    json_object_object_add(o, "qmp-socket", json_object_new_string(qsd->sock_path));
    json_object_object_add(o, "nbd", json_object_new_string(nbd));
    json_object_object_add(o, "jobs", jobs);
    return ST_STEAL(&o);
}

int
st_live_stop(const char *run_root, const char *dom, struct st_error **errp)
{
    CLEANUP_FREE char *live_dir = st_session_live_dir(run_root, dom);
    CLEANUP_JSON struct json_object *jobs = NULL;
    struct st_qsd *qsd;
    struct st_error *err = NULL;
    int pid;

    if (!st_exporter_clean_stale(live_dir)) {
        st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' is not running", dom);
        return -1;
    }
    if (!(qsd = st_qsd_attach(live_dir, ATTACH_MS, errp)))
        return -1;
    pid = (int) qsd->pid;
    if (!(jobs = st_qmp_execute(st_qsd_qmp(qsd), "query-jobs", NULL, errp))) {
        st_qsd_free(qsd);
        return -1;
    }
    /* A live backup's job that no export record names was left by a
     * strata killed while it began one: nothing else can end it, and
     * cancelling it loses nothing (the guest's writes are in place). */
    for (size_t i = 0; i < json_object_array_length(jobs); i++) {
        struct json_object *j = json_object_array_get_idx(jobs, i);
        const char *id = st_json_get_string(j, "id");
        const char *type = st_json_get_string(j, "type");

        if (!id || !type || strcmp(type, "backup") != 0 || strncmp(id, "backup-", 7) != 0 ||
            st_exporter_job_recorded(live_dir, id))
            continue;
        st_warn("live", "domain '%s': cancelling backup job '%s', which a killed strata left", dom, id);
        if (!st_qmp_fleece_cancel(st_qsd_qmp(qsd), id, ATTACH_MS, errp)) {
            st_qsd_free(qsd);
            return -1;
        }
        json_object_array_del_idx(jobs, i--, 1);
    }
    if (json_object_array_length(jobs) > 0) {
        struct json_object *j = json_object_array_get_idx(jobs, 0);

        st_error_set(errp, ST_E_BUSY, "domain '%s': job '%s' (%s) is running in its QSD", dom,
                     st_json_get_string(j, "id"), st_json_get_string(j, "type"));
        if (strcmp(st_json_get_string(j, "type") ? st_json_get_string(j, "type") : "", "backup") == 0)
            /* A live backup's job runs until its export is removed. */
            st_error_hint(errp, "it is a live backup: 'strata export %s --stop' ends it", dom);
        else
            st_error_hint(errp, "wait for it to end ('strata status %s' shows it)", dom);
        st_qsd_free(qsd);
        return -1;
    }
    /* nbd-server-stop closes every NBD export and disconnects clients;
     * quit then closes every node, which flushes it. */
    if (!st_qmp_nbd_server_stop(st_qsd_qmp(qsd), &err)) {
        st_debug("nbd-server-stop: %s", err->msg);
        st_error_free(err);
    }
    if (!st_qsd_stop(qsd, errp)) {
        st_qsd_free(qsd);
        st_exporter_clean_stale(live_dir);
        return -1;
    }
    st_qsd_free(qsd);
    st_exporter_clean_stale(live_dir);
    return pid;
}

bool
st_live_refuse_served(const char *run_root, const char *dom, const char *what,
                      struct st_error **errp)
{
    CLEANUP_FREE char *live_dir = st_session_live_dir(run_root, dom);

    if (st_exporter_clean_stale(live_dir)) {
        st_error_set(errp, ST_E_BUSY, "domain '%s' is running (its QSD serves '%s'); %s would "
                     "leave that QSD without a domain", dom, live_dir, what);
        st_error_hint(errp, "'strata stop %s' first", dom);
        return false;
    }
    if (!refuse_export_qsd(run_root, dom, errp)) {
        st_error_prepend(errp, "%s: ", what);
        return false;
    }
    return true;
}
