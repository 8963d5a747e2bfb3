/* nbd/changed.c: changed extents by allocation depth, and marking
 * extents with write-zeroes (changed.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "common/log.h"
#include "nbd/changed.h"
#include "nbd/conn.h"
#include "nbd/extents.h"

ST_LOG_INIT("nbd.changed");

#define MARK_MAX (UINT64_C(1) << 30)

bool
st_nbd_changed_by_depth(const char *uri, unsigned depth, struct st_nbd_ranges *out,
                        uint64_t *size, struct st_error **errp)
{
    CLEANUP_NBD struct nbd_handle *h = NULL;
    struct st_nbd_extents e = { 0 };
    int64_t sz;

    st_nbd_ranges_clear(out);
    if (!(h = st_nbd_open(uri, ST_NBD_WANT_DEPTH, errp)) ||
        (sz = st_nbd_size(h, uri, errp)) < 0)
        return false;
    if (!st_nbd_has_context(h, ST_NBD_CTX_DEPTH)) {
        st_error_set(errp, ST_E_USAGE, "NBD export '%s' does not provide '%s'", uri,
                     ST_NBD_CTX_DEPTH);
        return false;
    }
    if (sz > 0 && !st_nbd_extents_walk(h, uri, ST_NBD_CTX_DEPTH, 0, (uint64_t) sz, &e, errp))
        return false;
    for (size_t i = 0; i < e.n; i++)
        if (e.v[i].flags >= 1 && e.v[i].flags <= depth)
            st_nbd_ranges_add(out, e.v[i].offset, e.v[i].length);
    st_nbd_extents_clear(&e);
    st_nbd_ranges_normalize(out, 1, (uint64_t) sz);
    *size = (uint64_t) sz;
    st_debug("%s: %zu extent(s), %" PRIu64 " bytes at depth 1..%u", uri, out->n,
             st_nbd_ranges_bytes(out), depth);
    return true;
}

bool
st_nbd_mark_zero(const char *uri, const struct st_nbd_ranges *ranges, struct st_error **errp)
{
    CLEANUP_NBD struct nbd_handle *h = NULL;

    if (!(h = st_nbd_open(uri, 0, errp)))
        return false;
    if (nbd_is_read_only(h) == 1) {
        st_error_set(errp, ST_E_INTERNAL, "NBD export '%s' is read-only", uri);
        return false;
    }
    for (size_t i = 0; i < ranges->n; i++) {
        for (uint64_t p = 0; p < ranges->v[i].length; p += MARK_MAX) {
            uint64_t off = ranges->v[i].offset + p;
            uint64_t n = ranges->v[i].length - p < MARK_MAX ? ranges->v[i].length - p : MARK_MAX;
            int64_t c = nbd_aio_zero(h, n, off, NBD_NULL_COMPLETION, 0);
            char what[64];

            snprintf(what, sizeof what, "write-zeroes at offset %" PRIu64, off);
            if (c == -1) {
                st_nbd_set_error(errp, uri, "%s", what);
                return false;
            }
            if (!st_nbd_wait_command(h, uri, c, what, errp))
                return false;
        }
    }
    if (nbd_shutdown(h, 0) == -1) {
        st_nbd_set_error(errp, uri, "disconnect");
        return false;
    }
    return true;
}
