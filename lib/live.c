/* lib/live.c: live domains and NBD exports through the public API:
 * start, stop, is-active, export, list and stop exports.  The
 * operations are live/live.c's and ops/op-export.c's; this file
 * checks arguments, takes the domain lock and copies exports out. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/json.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "live/exporter.h"
#include "live/live.h"
#include "ops/op-export.h"
#include "store/view.h"
#include "lib/api.h"

/* Parse @spec into @addr when given; false with the last error set. */
static bool
parse_nbd(const char *spec, struct st_nbd_addr *addr)
{
    struct st_error *err = NULL;

    if (spec && !st_nbd_addr_parse(spec, addr, &err)) {
        st_api_fail(err);
        return false;
    }
    return true;
}

int
strata_domain_start(strata_domain *dom, const char *nbd, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;
    struct st_nbd_addr addr = { 0 };
    struct st_exporter *ex;

    if (!st_api_check_domain(__func__, dom) || !st_api_check_flags(__func__, flags, STRATA_NO_WAIT) ||
        !parse_nbd(nbd, &addr))
        return -1;
    if (!(store = st_api_store_for(dom, &err)) ||
        (lock = st_api_lock(store, dom, flags, &err)) < 0) {
        st_nbd_addr_clear(&addr);
        return st_api_fail_int(err);
    }
    ex = st_live_start(store, dom->conn->run_dir, dom->name, nbd ? &addr : NULL, &err);
    st_nbd_addr_clear(&addr);
    if (!ex)
        return st_api_fail_int(err);
    st_exporter_free(ex);       /* disconnects: the daemon stays */
    return 0;
}

int
strata_domain_stop(strata_domain *dom, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;

    if (!st_api_check_domain(__func__, dom) || !st_api_check_flags(__func__, flags, STRATA_NO_WAIT))
        return -1;
    if (!(store = st_api_store_for(dom, &err)) ||
        (lock = st_api_lock(store, dom, flags, &err)) < 0 ||
        st_live_stop(dom->conn->run_dir, dom->name, &err) < 0)
        return st_api_fail_int(err);
    return 0;
}

int
strata_domain_is_active(strata_domain *dom)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    struct json_object *status;
    bool stale;

    if (!st_api_check_domain(__func__, dom))
        return -1;
    if (!(store = st_api_store_for(dom, &err)))
        return st_api_fail_int(err);
    if ((status = st_live_status(dom->conn->run_dir, dom->name, &stale, &err))) {
        json_object_put(status);
        return 1;
    }
    if (err->code != ST_E_NOT_FOUND)
        return st_api_fail_int(err);
    st_error_free(err);
    return 0;
}

/* The public copy of @n exports (moved out of @v, which is freed). */
static strata_export *
copy_out(struct st_export *v, size_t n)
{
    strata_export *out = st_xcalloc(n ? n : 1, sizeof *out);

    for (size_t i = 0; i < n; i++) {
        out[i] = (strata_export) {
            .name = ST_STEAL(&v[i].name), .disk = ST_STEAL(&v[i].disk),
            .snapshot = ST_STEAL(&v[i].snapshot), .uri = ST_STEAL(&v[i].uri),
            .writable = v[i].writable,
        };
        st_export_clear(&v[i]);
    }
    free(v);
    return out;
}

int
strata_domain_export(strata_domain *dom, const char *snapshot, const char *dev, const char *nbd,
                     strata_export **exports, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;
    CLEANUP_VIEWS struct st_views views = { 0 };
    CLEANUP_EXPORTER struct st_exporter *ex = NULL;
    struct st_nbd_addr addr = { 0 };
    struct st_export *added;

    if (!st_api_check_domain(__func__, dom) || !st_api_check_flags(__func__, flags, STRATA_NO_WAIT))
        return -1;
    if (!exports)
        return st_api_invalid_int(__func__, "exports is NULL");
    *exports = NULL;
    if (!st_api_check_snapshot_name(snapshot) || !parse_nbd(nbd, &addr))
        return -1;
    /* The lock orders exports.json updates and daemon start/stop. */
    if ((store = st_api_store_for(dom, &err)) &&
        (lock = st_api_lock(store, dom, flags, &err)) >= 0 &&
        st_views_resolve(store, dom->name, snapshot, dev, &views, &err))
        ex = st_exporter_open(dom->conn->run_dir, dom->name, ST_EXPORTER_NEED_EXPORT,
                              nbd ? &addr : NULL, &err);
    st_nbd_addr_clear(&addr);
    if (!ex || !st_op_export_add(ex, &views, &added, &err))
        return st_api_fail_int(err);
    *exports = copy_out(added, views.n);
    return (int) views.n;
}

int
strata_domain_list_exports(strata_domain *dom, strata_export **exports, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_EXPORTER struct st_exporter *ex = NULL;
    struct st_export *v;
    size_t n;

    if (!st_api_check_domain(__func__, dom) || !st_api_check_flags(__func__, flags, 0))
        return -1;
    if (!exports)
        return st_api_invalid_int(__func__, "exports is NULL");
    *exports = NULL;
    if (!(store = st_api_store_for(dom, &err)))
        return st_api_fail_int(err);
    if (!(ex = st_exporter_open(dom->conn->run_dir, dom->name, ST_EXPORTER_NEED_EXISTING, NULL,
                                &err))) {
        if (err->code != ST_E_NOT_FOUND)
            return st_api_fail_int(err);
        st_error_free(err);     /* nothing serves it: no exports */
        *exports = st_xcalloc(1, sizeof **exports);
        return 0;
    }
    v = st_exporter_list(ex, &n);
    *exports = copy_out(v, n);
    return (int) n;
}

int
strata_domain_export_stop(strata_domain *dom, const char *snapshot, const char *dev,
                          unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;
    CLEANUP_STRV char **removed = NULL;
    bool qsd_stopped;

    if (!st_api_check_domain(__func__, dom) || !st_api_check_flags(__func__, flags, STRATA_NO_WAIT) ||
        !st_api_check_snapshot_name(snapshot))
        return -1;
    if (!(store = st_api_store_for(dom, &err)) ||
        (lock = st_api_lock(store, dom, flags, &err)) < 0 ||
        !st_op_export_stop(dom->conn->run_dir, dom->name, snapshot, dev, &removed, &qsd_stopped,
                           &err))
        return st_api_fail_int(err);
    return (int) st_strv_len(removed);
}

void
strata_exports_free(strata_export *exports, int n)
{
    if (!exports)
        return;
    for (int i = 0; i < n; i++) {
        free(exports[i].name);
        free(exports[i].disk);
        free(exports[i].snapshot);
        free(exports[i].uri);
    }
    free(exports);
}

/* ---- jobs ------------------------------------------------------------ */

static char *
dup_string(struct json_object *o, const char *key)
{
    const char *s = st_json_get_string(o, key);

    return st_xstrdup(s ? s : "");
}

int
strata_domain_list_jobs(strata_domain *dom, strata_job **jobs, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_JSON struct json_object *status = NULL;
    struct json_object *list;
    strata_job *out;
    size_t n;
    bool stale;

    if (!st_api_check_domain(__func__, dom) || !st_api_check_flags(__func__, flags, 0))
        return -1;
    if (!jobs)
        return st_api_invalid_int(__func__, "jobs is NULL");
    *jobs = NULL;
    if (!(store = st_api_store_for(dom, &err)))
        return st_api_fail_int(err);
    if (!(status = st_live_status(dom->conn->run_dir, dom->name, &stale, &err))) {
        if (err->code != ST_E_NOT_FOUND)
            return st_api_fail_int(err);
        st_error_free(err);
        *jobs = st_xcalloc(1, sizeof **jobs);
        return 0;
    }
    list = st_json_get_array(status, "jobs");
    n = list ? json_object_array_length(list) : 0;
    out = st_xcalloc(n + 1, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        struct json_object *j = json_object_array_get_idx(list, i);
        int64_t cur = 0, total = 0;

        st_json_get_int64(j, "current-progress", &cur);
        st_json_get_int64(j, "total-progress", &total);
        out[i] = (strata_job) {
            .id = dup_string(j, "id"), .type = dup_string(j, "type"),
            .status = dup_string(j, "status"),
            .done = cur > 0 ? (uint64_t) cur : 0, .total = total > 0 ? (uint64_t) total : 0,
        };
    }
    *jobs = out;
    return (int) n;
}

void
strata_jobs_free(strata_job *jobs, int n)
{
    if (!jobs)
        return;
    for (int i = 0; i < n; i++) {
        free(jobs[i].id);
        free(jobs[i].type);
        free(jobs[i].status);
    }
    free(jobs);
}
