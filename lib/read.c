/* lib/read.c: reading points in time through the public API: the
 * digest of a disk (strata verify) and the extents that differ between
 * two points (strata diff), over NBD exports made for the call and
 * removed afterwards.  The readers are nbd/digest.c's and nbd/diff.c's. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "nbd/diff.h"
#include "nbd/digest.h"
#include "store/view.h"
#include "live/exporter.h"
#include "ops/op-read.h"
#include "lib/api.h"

/* The caller's progress callback behind nbd's, which cancels on false. */
static bool
on_progress(uint64_t done, uint64_t total, void *opaque)
{
    const strata_read_params *p = opaque;

    return p->progress(done, total, p->opaque) == 0;
}

static struct st_nbd_read_opts
read_opts(const strata_read_params *p)
{
    struct st_nbd_read_opts o = { 0 };

    if (p) {
        o.connections = p->connections;
        if (p->progress) {
            o.progress = on_progress;
            o.opaque = (void *) p;
        }
    }
    return o;
}

/* The one view of @dev (NULL: the only disk) at @snapshot into @out. */
static bool
one_view(const struct st_store *store, const struct strata_domain *dom, const char *snapshot,
         const char *dev, struct st_views *out, struct st_error **errp)
{
    if (!st_views_resolve(store, dom->name, snapshot, dev, out, errp))
        return false;
    if (out->n > 1) {
        st_error_set(errp, ST_E_USAGE, "domain '%s' has %zu disks: name one", dom->name, out->n);
        st_error_hint(errp, "strata_domain_get_disks() gives their targets");
        return false;
    }
    return true;
}

static bool
check_connections(const char *fn, const strata_read_params *p)
{
    if (p && p->connections > ST_NBD_MAX_CONNECTIONS) {
        st_api_invalid(fn, "connections must be 0..%d", ST_NBD_MAX_CONNECTIONS);
        return false;
    }
    return true;
}

char *
strata_domain_digest(strata_domain *dom, const char *snapshot, const char *dev,
                     const strata_read_params *params, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_VIEWS struct st_views views = { 0 };
    CLEANUP_EXPORTER struct st_exporter *ex = NULL;
    enum st_nbd_digest_alg alg = flags & STRATA_DIGEST_SHA256 ? ST_NBD_DIGEST_SHA256_64K
                                                             : ST_NBD_DIGEST_DEFAULT;
    struct st_nbd_read_opts ropts = read_opts(params);
    struct st_nbd_digest d;

    if (!st_api_check_domain(__func__, dom) ||
        !st_api_check_flags(__func__, flags, STRATA_DIGEST_SHA256) ||
        !check_connections(__func__, params) || !st_api_check_snapshot_name(snapshot))
        return NULL;
    if (!(store = st_api_store_for(dom, &err)) ||
        !one_view(store, dom, snapshot, dev, &views, &err) ||
        !(ex = st_exporter_open(dom->conn->run_dir, dom->name, ST_EXPORTER_NEED_READ, NULL,
                                &err)) ||
        !st_op_digest_view(ex, &views.v[0], alg, &ropts, &d, &err))
        return st_api_fail(err);
    return st_xasprintf("%s:%s", st_nbd_digest_alg_name(alg), d.hex);
}

int
strata_domain_diff(strata_domain *dom, const char *from, const char *to, const char *dev,
                   strata_extent **extents, const strata_read_params *params, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_VIEWS struct st_views newer = { 0 };
    CLEANUP_VIEWS struct st_views older = { 0 };
    CLEANUP_EXPORTER struct st_exporter *ex = NULL;
    struct st_nbd_read_opts ropts = read_opts(params);
    struct st_nbd_diff d = { 0 };
    const struct st_view *ov;
    unsigned depth;
    size_t n;

    if (!st_api_check_domain(__func__, dom) || !st_api_check_flags(__func__, flags, 0) ||
        !st_api_check_string(__func__, "from", from) || !check_connections(__func__, params) ||
        !st_api_check_snapshot_name(from) || !st_api_check_snapshot_name(to))
        return -1;
    if (!extents)
        return st_api_invalid_int(__func__, "extents is NULL");
    *extents = NULL;
    if (!(store = st_api_store_for(dom, &err)) ||
        !one_view(store, dom, to, dev, &newer, &err) ||
        !st_views_resolve(store, dom->name, from, newer.v[0].dev, &older, &err))
        return st_api_fail_int(err);
    if (!(ov = st_views_find(&older, newer.v[0].dev))) {
        st_error_set(&err, ST_E_CONFLICT, "snapshot '%s' of domain '%s' did not capture disk '%s'",
                     from, dom->name, newer.v[0].dev);
        return st_api_fail_int(err);
    }
    if (!st_view_depth_between(&newer.v[0], ov, &depth, &err))
        return st_api_fail_int(err);
    if (depth == 0) {           /* one file: nothing can differ */
        *extents = st_xcalloc(1, sizeof **extents);
        return 0;
    }
    if (!(ex = st_exporter_open(dom->conn->run_dir, dom->name, ST_EXPORTER_NEED_READ, NULL,
                                &err)) ||
        !st_op_diff_views(ex, &newer.v[0], ov, depth, &ropts, &d, &err))
        return st_api_fail_int(err);
    n = d.ranges.n;
    if (n > INT_MAX) {          /* 2^31 ranges of 64 KiB: not a disk of this world */
        st_nbd_diff_clear(&d);
        st_error_set(&err, ST_E_USAGE, "disk '%s': %zu extents differ, more than a count can say",
                     newer.v[0].dev, n);
        return st_api_fail_int(err);
    }
    *extents = st_xcalloc(n ? n : 1, sizeof **extents);
    for (size_t i = 0; i < n; i++)
        (*extents)[i] = (strata_extent) { d.ranges.v[i].offset, d.ranges.v[i].length };
    st_nbd_diff_clear(&d);
    return (int) n;
}

void
strata_extents_free(strata_extent *extents)
{
    free(extents);
}
