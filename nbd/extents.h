/* nbd/extents.h: block-status walks.  A walk asks the server for one
 * meta context over a range, again and again from where the last reply
 * stopped, because a server may describe less than was asked (QEMU
 * stops at a layer boundary, nbdkit at its own granularity) and may
 * split one state into many extents. */
#ifndef ST_NBD_EXTENTS_H
#define ST_NBD_EXTENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libnbd.h>

#include "common/cleanup.h"
#include "common/error.h"

struct st_nbd_extent {
    uint64_t offset;
    uint64_t length;
    uint32_t flags;     /* the context's value: LIBNBD_STATE_* for
                         * base:allocation, the depth for
                         * qemu:allocation-depth */
};

/* A sorted, gap-free list of extents, neighbours with equal flags
 * merged. */
struct st_nbd_extents {
    struct st_nbd_extent *v;    /* owned */
    size_t n;
    size_t cap;
};

void st_nbd_extents_clear(struct st_nbd_extents *e);   /* frees v; keeps e */

/**
 * st_nbd_extents_add:
 * Append [@offset, @offset + @length) with @flags to @e, which must end
 * exactly at @offset (or be empty).  Merged into the last extent when
 * the flags are equal.  Pure; used by the walk and by the unit tests.
 */
void st_nbd_extents_add(struct st_nbd_extents *e, uint64_t offset,
                        uint64_t length, uint32_t flags);

/**
 * st_nbd_extents_walk:
 * @h: connected handle that negotiated @context
 * @uri: names the export in errors
 * @context: ST_NBD_CTX_ALLOCATION or ST_NBD_CTX_DEPTH
 * @offset, @length: the range to describe; must lie within the export
 * @out: cleared, then filled so that it covers exactly the range
 * @errp: error out
 *
 * Replies that reach past the range are clipped; a reply that makes no
 * progress is an error (a broken server must not loop us forever); a
 * server silent for st_nbd_stall_ms() is ST_E_TIMEOUT.
 *
 * Returns: true, or false with @errp set (ST_E_NBD or ST_E_TIMEOUT;
 * @out is cleared).  After a failure close @h: a request given up on
 * may still be in flight, with a callback that points into this call's
 * stack frame.
 */
bool st_nbd_extents_walk(struct nbd_handle *h, const char *uri,
                         const char *context, uint64_t offset,
                         uint64_t length, struct st_nbd_extents *out,
                         struct st_error **errp);

/* One step of a walk, for callers that issue the block-status requests
 * themselves (nbd_aio_block_status): st_nbd_extents_walk_cb is the
 * extent callback, its user data a struct st_nbd_walk.  Each reply for
 * @context that starts at @pos is clipped to @end and appended to @out,
 * and @pos advances past it; the caller asks again from @pos until it
 * reaches the end, and takes a request that left @pos where it was as
 * a broken server. */
struct st_nbd_walk {
    const char *context;
    uint64_t pos;       /* first byte not yet described */
    uint64_t end;       /* end of the current request */
    struct st_nbd_extents *out;
};
int st_nbd_extents_walk_cb(void *opaque, const char *metacontext, uint64_t offset,
                           uint32_t *entries, size_t nr_entries, int *error);

/**
 * st_nbd_extents_zero_blocks:
 * @e: base:allocation extents covering at least [@offset, @offset + @length)
 * @offset: start of the range, a multiple of @block
 * @length: bytes in the range
 * @block: block size
 * @zero: out, one flag per block of the range (the last one may be short)
 *
 * Set zero[i] when block i reads as zeros according to the
 * LIBNBD_STATE_ZERO flag, which may come from several neighbouring
 * extents (hole+zero next to zero still reads as zeros).  Pure.
 */
void st_nbd_extents_zero_blocks(const struct st_nbd_extents *e, uint64_t offset,
                                uint64_t length, uint64_t block, bool *zero);

/**
 * st_nbd_zero_blocks:
 * Walk base:allocation over the range on @h and fill @zero as above.
 * When the server has no base:allocation every flag is false (all is
 * read).  Returns: true, or false with @errp set (ST_E_NBD).
 */
bool st_nbd_zero_blocks(struct nbd_handle *h, const char *uri, uint64_t offset,
                        uint64_t length, uint64_t block, bool *zero,
                        struct st_error **errp);

#endif
