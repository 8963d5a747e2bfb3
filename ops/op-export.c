/* ops/op-export.c: adding and removing point-in-time exports as one
 * operation each (op-export.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/log.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "ops/op-export.h"

ST_LOG_INIT("ops.export");

bool
st_op_export_qsd_stop(struct st_exporter *ex, struct st_error **errp)
{
    bool ok = st_qsd_stop(ex->sess->qsd, errp);

    st_exporter_clean_stale(ex->dir);
    st_path_remove_tree(ex->dir, NULL);
    return ok;
}

void
st_op_export_undo(struct st_exporter *ex, const struct st_export *added, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct st_error *err = NULL;

        if (!ex->sess->qsd->qmp)
            return;         /* QSD is gone: so are its exports */
        if (!st_exporter_del(ex, &added[i], &err)) {
            st_debug("removing export %s: %s", added[i].name, err->msg);
            st_error_free(err);
        }
    }
}

bool
st_op_export_add(struct st_exporter *ex, const struct st_views *views,
                 struct st_export **added, struct st_error **errp)
{
    struct st_export *v = st_xcalloc(views->n ? views->n : 1, sizeof *v);
    size_t n = 0;

    for (; n < views->n; n++)
        if (!st_exporter_add(ex, &views->v[n], false, &v[n], errp))
            break;
    if (n == views->n) {
        *added = v;
        return true;
    }
    st_op_export_undo(ex, v, n);
    /* A detached QSD this run started, or one left with nothing. */
    if (ex->kind == ST_EXPORTER_DETACHED && ex->sess->qsd->qmp &&
        json_object_object_length(st_json_get_object(ex->record, "exports")) == 0)
        st_op_export_qsd_stop(ex, NULL);
    for (size_t i = 0; i < n; i++)
        st_export_clear(&v[i]);
    free(v);
    return false;
}

static bool
matches(const struct st_export *e, const char *snapshot, const char *disk)
{
    if (strncmp(e->id, "pit-", 4) != 0)
        return false;       /* the active layers are 'strata stop's */
    if (snapshot && (!e->snapshot || strcmp(e->snapshot, snapshot) != 0))
        return false;
    return !disk || (e->disk && strcmp(e->disk, disk) == 0);
}

bool
st_op_export_stop(const char *run_root, const char *dom, const char *snapshot,
                  const char *disk, char ***removed, bool *qsd_stopped, struct st_error **errp)
{
    CLEANUP_EXPORTER struct st_exporter *ex = NULL;
    struct st_export *v;
    size_t n, left = 0;
    bool ok = true;

    *removed = NULL;
    *qsd_stopped = false;
    if (!(ex = st_exporter_open(run_root, dom, ST_EXPORTER_NEED_EXISTING, NULL, errp)))
        return false;
    v = st_exporter_list(ex, &n);
    for (size_t i = 0; i < n; i++) {
        if (ok && matches(&v[i], snapshot, disk)) {
            if (st_exporter_del(ex, &v[i], errp))
                st_strv_add(removed, v[i].name);
            else
                ok = false;
        } else {
            left++;
        }
        st_export_clear(&v[i]);
    }
    free(v);
    if (ok && !*removed) {
        st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' has no matching export", dom);
        st_error_hint(errp, "strata status %s lists its exports", dom);
        return false;
    }
    if (ok && left == 0 && ex->kind != ST_EXPORTER_LIVE) {
        ok = st_op_export_qsd_stop(ex, errp);
        *qsd_stopped = ok;
    }
    return ok;
}
