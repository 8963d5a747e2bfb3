/* ops/op-export-since.c: incremental exports (op-export-since.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "chain/chain.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "ops/export-bitmap.h"
#include "ops/op-export.h"
#include "ops/op-export-since.h"

/* QEMU's default qcow2 cluster, for layers whose header says nothing. */
#define DEFAULT_GRANULARITY UINT64_C(65536)

struct pair {
    const struct st_view *newer, *older;
    unsigned depth;
    uint64_t granularity;
};

/* The layers between the two points, and the bitmap's granularity: the
 * smallest cluster among them, so that every bit covers whole clusters
 * of every layer and a bit is set only where a layer allocated. */
static bool
plan_pair(struct pair *p, const char *dom, struct st_error **errp)
{
    struct st_chain_opts copts = { .format = p->newer->format, .skip_allocation = true };
    CLEANUP_CHAIN struct st_chain *chain = NULL;
    struct st_error *err = NULL;

    if (!st_view_depth_between(p->newer, p->older, &p->depth, &err)) {
        if (err->code != ST_E_CONFLICT) {
            st_error_propagate(errp, err);
            return false;
        }
        st_error_free(err);
        st_error_set(errp, ST_E_CONFLICT,
                     "domain '%s' disk '%s': snapshot '%s' is not an ancestor of snapshot '%s' "
                     "on one branch ('%s' is not in the backing chain of '%s')", dom,
                     p->newer->dev, p->older->snapshot, p->newer->snapshot, p->older->path,
                     p->newer->path);
        st_error_hint(errp, "--since takes an older snapshot on the branch of '%s': "
                      "'strata snapshot-list %s --tree' shows the branches",
                      p->newer->snapshot, dom);
        return false;
    }
    if (p->depth == 0) {
        st_error_set(errp, ST_E_CONFLICT,
                     "domain '%s' disk '%s': snapshots '%s' and '%s' show the same file '%s'",
                     dom, p->newer->dev, p->older->snapshot, p->newer->snapshot, p->newer->path);
        return false;
    }
    if (!(chain = st_chain_load(p->newer->path, &copts, errp)))
        return false;
    p->granularity = 0;
    for (size_t k = 0; k < p->depth && k < chain->n_layers; k++) {
        uint64_t c = chain->layers[k].cluster_size;

        if (c >= 512 && (c & (c - 1)) == 0 && (!p->granularity || c < p->granularity))
            p->granularity = c;
    }
    if (!p->granularity)
        p->granularity = DEFAULT_GRANULARITY;
    return true;
}

bool
st_op_export_add_since(struct st_exporter *ex, const struct st_store *store, const char *dom,
                       const struct st_views *newer, const char *since,
                       struct st_export **added, struct st_error **errp)
{
    CLEANUP_VIEWS struct st_views older = { 0 };
    struct pair *pairs = NULL;
    struct st_export *v = NULL;
    size_t n = 0;
    bool ok = false;

    if (!newer->n || !newer->v[0].snapshot) {
        st_error_set(errp, ST_E_USAGE, "--since needs --snapshot");
        goto out;
    }
    if (strcmp(since, newer->v[0].snapshot) == 0) {
        st_error_set(errp, ST_E_USAGE,
                     "domain '%s': --since '%s' is the exported snapshot itself: nothing "
                     "can differ", dom, since);
        st_error_hint(errp, "--since takes an older snapshot on the same branch");
        goto out;
    }
    if (!st_views_resolve(store, dom, since, NULL, &older, errp))
        goto out;
    /* Plan every disk before exporting any. */
    pairs = st_xcalloc(newer->n, sizeof *pairs);
    for (size_t i = 0; i < newer->n; i++) {
        pairs[i].newer = &newer->v[i];
        if (!(pairs[i].older = st_views_find(&older, newer->v[i].dev))) {
            st_error_set(errp, ST_E_CONFLICT,
                         "domain '%s' disk '%s': snapshot '%s' did not capture it, so it has "
                         "no point in time there", dom, newer->v[i].dev, since);
            st_error_hint(errp, "pick the disk with --disk, or another --since snapshot");
            goto out;
        }
        if (!plan_pair(&pairs[i], dom, errp))
            goto out;
    }
    v = st_xcalloc(newer->n, sizeof *v);
    for (; n < newer->n; n++)
        if (!st_exporter_add_since(ex, pairs[n].newer, since, pairs[n].depth,
                                   pairs[n].granularity, &v[n], errp))
            break;
    if (n == newer->n) {
        *added = ST_STEAL(&v);
        ok = true;
        goto out;
    }
    st_op_export_undo(ex, v, n);
    for (size_t i = 0; i < n; i++)
        st_export_clear(&v[i]);
out:
    /* Refused or failed: a detached QSD this run started (the exporter
     * was opened before the plan), or one left with nothing, stops. */
    if (!ok && ex->kind == ST_EXPORTER_DETACHED && ex->sess->qsd->qmp &&
        json_object_object_length(st_json_get_object(ex->record, "exports")) == 0)
        st_op_export_qsd_stop(ex, NULL);
    free(v);
    free(pairs);
    return ok;
}
