/* nbd/extents.c: block-status walks that cope with short and
 * fragmented replies, clipped and merged into one gap-free list. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "nbd/conn.h"
#include "nbd/extents.h"

/* One block-status request asks for at most this much: the NBD
 * protocol's count is 32 bits, and a smaller window keeps the reply
 * (and QEMU's work per request) bounded. */
#define WALK_WINDOW (UINT64_C(1) << 30)

void
st_nbd_extents_clear(struct st_nbd_extents *e)
{
    free(e->v);
    e->v = NULL;
    e->n = e->cap = 0;
}

void
st_nbd_extents_add(struct st_nbd_extents *e, uint64_t offset,
                   uint64_t length, uint32_t flags)
{
    struct st_nbd_extent *last = e->n ? &e->v[e->n - 1] : NULL;

    if (length == 0)
        return;
    if (last && last->flags == flags && last->offset + last->length == offset) {
        last->length += length;
        return;
    }
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 16;
        e->v = st_xreallocarray(e->v, e->cap, sizeof *e->v);
    }
    e->v[e->n++] = (struct st_nbd_extent) {
        .offset = offset, .length = length, .flags = flags,
    };
}

int
st_nbd_extents_walk_cb(void *opaque, const char *metacontext, uint64_t offset,
                       uint32_t *entries, size_t nr_entries, int *error)
{
    struct st_nbd_walk *w = opaque;

    (void) error;
    /* Every negotiated context answers each request; keep ours. */
    if (strcmp(metacontext, w->context) != 0 || offset != w->pos)
        return 0;
    for (size_t i = 0; i + 1 < nr_entries && w->pos < w->end; i += 2) {
        uint64_t len = entries[i];

        if (len > w->end - w->pos)
            len = w->end - w->pos;
        st_nbd_extents_add(w->out, w->pos, len, entries[i + 1]);
        w->pos += len;
    }
    return 0;
}

bool
st_nbd_extents_walk(struct nbd_handle *h, const char *uri,
                    const char *context, uint64_t offset, uint64_t length,
                    struct st_nbd_extents *out, struct st_error **errp)
{
    struct st_nbd_walk w = { .context = context, .pos = offset, .out = out };
    uint64_t end = offset + length;

    st_nbd_extents_clear(out);
    if (nbd_can_meta_context(h, context) != 1) {
        st_error_set(errp, ST_E_NBD, "NBD export '%s' does not provide the meta context '%s'",
                     uri, context);
        return false;
    }
    while (w.pos < end) {
        uint64_t before = w.pos;
        uint64_t count = end - w.pos;

        if (count > WALK_WINDOW)
            count = WALK_WINDOW;
        w.end = w.pos + count;
        /* Asynchronous, to wait with a deadline (st_nbd_wait_command). */
        CLEANUP_FREE char *what = st_xasprintf("block status for '%s' at offset %" PRIu64,
                                               context, w.pos);
        int64_t cookie = nbd_aio_block_status(h, count, w.pos,
                                              (nbd_extent_callback) {
                                                  .callback = st_nbd_extents_walk_cb,
                                                  .user_data = &w },
                                              NBD_NULL_COMPLETION, 0);

        if (cookie == -1) {
            st_nbd_set_error(errp, uri, "%s", what);
            st_nbd_extents_clear(out);
            return false;
        }
        if (!st_nbd_wait_command(h, uri, cookie, what, errp)) {
            st_nbd_extents_clear(out);
            return false;
        }
        if (w.pos == before) {
            st_error_set_errno(errp, EPROTO, ST_E_NBD,
                               "NBD export '%s': block status for '%s' at offset %" PRIu64 " described no bytes",
                               uri, context, before);
            st_nbd_extents_clear(out);
            return false;
        }
    }
    return true;
}

void
st_nbd_extents_zero_blocks(const struct st_nbd_extents *e, uint64_t offset,
                           uint64_t length, uint64_t block, bool *zero)
{
    uint64_t nblocks = (length + block - 1) / block;
    uint64_t end = offset + length;
    size_t i = 0;

    memset(zero, 0, nblocks * sizeof *zero);
    while (i < e->n) {
        uint64_t run_start, run_end;

        if (!(e->v[i].flags & LIBNBD_STATE_ZERO)) {
            i++;
            continue;
        }
        /* A run of neighbouring zero extents, whatever their other flags. */
        run_start = e->v[i].offset;
        run_end = run_start + e->v[i].length;
        for (i++; i < e->n && (e->v[i].flags & LIBNBD_STATE_ZERO) &&
             e->v[i].offset == run_end; i++)
            run_end += e->v[i].length;
        if (run_start < offset)
            run_start = offset;
        if (run_end > end)
            run_end = end;
        for (uint64_t b = (run_start - offset + block - 1) / block; b < nblocks; b++) {
            uint64_t bstart = offset + b * block;
            uint64_t bend = bstart + block < end ? bstart + block : end;

            if (bend > run_end)
                break;
            zero[b] = true;
        }
    }
}

bool
st_nbd_zero_blocks(struct nbd_handle *h, const char *uri, uint64_t offset,
                   uint64_t length, uint64_t block, bool *zero,
                   struct st_error **errp)
{
    struct st_nbd_extents e = { 0 };

    if (nbd_can_meta_context(h, ST_NBD_CTX_ALLOCATION) != 1) {
        memset(zero, 0, (length + block - 1) / block * sizeof *zero);
        return true;
    }
    if (!st_nbd_extents_walk(h, uri, ST_NBD_CTX_ALLOCATION, offset, length, &e, errp))
        return false;
    st_nbd_extents_zero_blocks(&e, offset, length, block, zero);
    st_nbd_extents_clear(&e);
    return true;
}
