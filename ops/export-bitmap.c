/* ops/export-bitmap.c: exports with a since-S1 dirty bitmap (export-bitmap.h). */
#include "config.h"

#include <inttypes.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "nbd/changed.h"
#include "qmp/bitmap.h"
#include "qmp/export.h"
#include "ops/export-bitmap.h"

ST_LOG_INIT("ops.export-bitmap");

enum { MARK_DEL_MS = 10 * 1000 };

/* Step 1: the extents S2 changed since S1, and S2's size. */
static bool
changed_extents(struct st_exporter *ex, const struct st_view *v, unsigned depth,
                struct st_nbd_ranges *changed, uint64_t *size, struct st_error **errp)
{
    struct st_export tmp = { 0 };
    bool ok = st_exporter_add(ex, v, true, &tmp, errp) &&
              st_nbd_changed_by_depth(tmp.uri, depth, changed, size, errp);

    if (tmp.id)
        st_exporter_del(ex, &tmp, NULL);
    st_export_clear(&tmp);
    return ok;
}

/* Step 3: set the bits of @changed through a temporary writable export
 * of @node on the exporter's own NBD server (a unix socket of mode 0600
 * in the run directory, or the user's --nbd), under an unguessable
 * tmp- name, removed before S2 is exported. */
static bool
mark(struct st_exporter *ex, const char *node, const struct st_nbd_ranges *changed,
     struct st_error **errp)
{
    struct st_qmp *qmp = st_session_qmp(ex->sess);
    CLEANUP_FREE char *id = st_xasprintf("tmp-%d-%u", (int) getpid(), ++ex->tmp_count);
    CLEANUP_FREE char *uri = st_nbd_addr_uri(&ex->addr, id);
    struct st_qmp_export_opts o = { .id = id, .node_name = node, .name = id, .writable = true };
    bool ok;

    if (!st_qmp_export_add(qmp, &o, errp))
        return false;
    ok = st_nbd_mark_zero(uri, changed, errp);
    /* Hard: on failure the connection may still be open. */
    if (!st_qmp_export_del(qmp, id, !ok, MARK_DEL_MS, ok ? errp : NULL))
        ok = false;
    return ok;
}

bool
st_exporter_add_since(struct st_exporter *ex, const struct st_view *v, const char *since,
                      unsigned depth, uint64_t granularity, struct st_export *out,
                      struct st_error **errp)
{
    struct st_qmp *qmp = st_session_qmp(ex->sess);
    CLEANUP_FREE char *id = st_exporter_pit_id(v, since);
    CLEANUP_FREE char *node = NULL;
    CLEANUP_FREE char *bitmap = NULL;
    struct st_nbd_ranges changed = { 0 };
    struct st_export_bitmap bm;
    uint64_t size = 0;
    bool ok = false;

    if (st_exporter_find(ex, id, out))
        return true;
    if (!changed_extents(ex, v, depth, &changed, &size, errp))
        goto out;
    /* "pit-" + 16 hex + "-since" -> 28 characters: QEMU allows 31. */
    node = st_xasprintf("dirty-%s", id + 4);
    bitmap = st_xasprintf("since-%s", since);
    /* Not in the record, so a node of that name is what a strata
     * killed half-way here left in a live QSD. */
    st_qmp_bitmap_node_del(qmp, node, NULL);
    if (!st_qmp_bitmap_node_add(qmp, node, size, bitmap, granularity, errp))
        goto out;
    bm = (struct st_export_bitmap) { .since = since, .node = node, .name = bitmap };
    ok = mark(ex, node, &changed, errp) &&
         st_qmp_bitmap_disable(qmp, node, bitmap, errp) &&
         st_exporter_add_bitmap(ex, v, &bm, out, errp);
    if (!ok)
        st_qmp_bitmap_node_del(qmp, node, NULL);
    else
        st_debug("%s: bitmap %s on %s: %zu extent(s), %" PRIu64 " bytes, granularity %" PRIu64,
                 out->name, bitmap, node, changed.n, st_nbd_ranges_bytes(&changed), granularity);
out:
    st_nbd_ranges_clear(&changed);
    return ok;
}
