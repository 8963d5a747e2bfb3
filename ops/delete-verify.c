/* ops/delete-verify.c: digests of the views a delete touches (see
 * delete-verify.h). */
#include "config.h"

#include <string.h>

#include "common/json.h"
#include "common/log.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "nbd/digest.h"
#include "store/view.h"
#include "live/exporter.h"
#include "ops/delete-verify.h"
#include "ops/op-util.h"

ST_LOG_INIT("ops.delete");

static bool
plan_touches(const struct st_plan *plan, const char *dev)
{
    for (size_t i = 0; i < plan->nsteps; i++) {
        if (strcmp(plan->steps[i].disk, dev) == 0)
            return true;
    }
    return false;
}

static bool
digest_snapshot(const struct st_store *store, const char *dom, struct st_exporter *ex,
                const struct st_plan *plan, const char *snap, enum st_nbd_digest_alg alg,
                struct json_object *out, struct st_error **errp)
{
    CLEANUP_VIEWS struct st_views views = { 0 };
    struct st_error *err = NULL;

    if (!st_views_resolve(store, dom, snap, NULL, &views, &err)) {
        /* A snapshot that captured none of the disks has no view. */
        if (err->code == ST_E_CONFLICT || err->code == ST_E_NOT_FOUND) {
            st_debug("no view at '%s': %s", snap ? snap : "current", err->msg);
            st_error_free(err);
            return true;
        }
        st_error_propagate(errp, err);
        return false;
    }
    for (size_t i = 0; i < views.n; i++) {
        const struct st_view *v = &views.v[i];
        CLEANUP_FREE char *label = NULL;
        struct st_export e;
        struct st_nbd_digest d;
        bool ok;

        if (!plan_touches(plan, v->dev))
            continue;
        if (!st_exporter_add(ex, v, true, &e, errp))
            return false;
        ok = st_nbd_digest_uri(e.uri, alg, NULL, &d, errp);
        st_exporter_del(ex, &e, NULL);
        st_export_clear(&e);
        if (!ok) {
            st_error_prepend(errp, "verify: disk '%s' at %s: ", v->dev, snap ? snap : "current");
            return false;
        }
        label = st_xasprintf("%s@%s", v->dev, snap ? snap : "current");
        st_debug("digest %s = %s", label, d.hex);
        {
            CLEANUP_FREE char *text = st_xasprintf("%s:%s", st_nbd_digest_alg_name(d.alg), d.hex);

            json_object_object_add(out, label, json_object_new_string(text));
        }
    }
    return true;
}

bool
st_delete_digest_views(const struct st_store *store, const char *dom, const char *run_root,
                       const struct st_plan *plan, enum st_nbd_digest_alg alg,
                       const char *crash_point, struct json_object *out, struct st_error **errp)
{
    CLEANUP_EXPORTER struct st_exporter *ex = NULL;
    CLEANUP_TREE struct st_tree *tree = NULL;

    if (plan->nsteps == 0)
        return true;    /* no data moves: nothing to compare */
    if (!(tree = st_store_tree_load(store, dom, 0, NULL, NULL, errp)) ||
        !(ex = st_exporter_open(run_root, dom, ST_EXPORTER_NEED_READ, NULL, errp)))
        return false;
    if (!digest_snapshot(store, dom, ex, plan, NULL, alg, out, errp))
        return false;
    st_op_crash_point(crash_point);
    for (size_t t = 0; t < tree->n; t++) {
        const char *name = tree->nodes[t]->snap->name;

        if (plan->deletes && st_strv_contains(plan->deletes, name))
            continue;
        if (!digest_snapshot(store, dom, ex, plan, name, alg, out, errp))
            return false;
    }
    return true;
}

enum st_nbd_digest_alg
st_delete_views_alg(struct json_object *views)
{
    json_object_object_foreach(views, label, val) {
        enum st_nbd_digest_alg alg = ST_NBD_DIGEST__LAST;
        char hex[2 * ST_NBD_DIGEST_MAX_LEN + 1];
        const char *text = json_object_get_string(val);

        (void) label;
        if (text && st_nbd_digest_parse(text, &alg, hex, NULL))
            return alg;
    }
    return ST_NBD_DIGEST_DEFAULT;
}

/* Whether two digests as stored are the same algorithm and value. */
static bool
same_digest(const char *a, const char *b)
{
    enum st_nbd_digest_alg aa = ST_NBD_DIGEST__LAST, ba = ST_NBD_DIGEST__LAST;
    char ah[2 * ST_NBD_DIGEST_MAX_LEN + 1], bh[2 * ST_NBD_DIGEST_MAX_LEN + 1];

    if (!st_nbd_digest_parse(a, &aa, ah, NULL) || !st_nbd_digest_parse(b, &ba, bh, NULL))
        return strcmp(a, b) == 0;
    return aa == ba && strcmp(ah, bh) == 0;
}

bool
st_delete_compare_views(struct json_object *before, struct json_object *after,
                        struct st_error **errp)
{
    json_object_object_foreach(after, label, val) {
        const char *b = st_json_get_string(before, label);
        const char *a = json_object_get_string(val);

        if (b && a && !same_digest(a, b)) {
            st_error_set(errp, ST_E_CONFLICT,
                         "verify: view %s changed during the delete (digest %s before, %s after); no file was unlinked",
                         label, b, a);
            st_error_hint(errp, "the files the delete would remove are kept; compare them with 'strata diff'");
            return false;
        }
    }
    return true;
}
