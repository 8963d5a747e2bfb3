/* nbd/diff.h: which bytes differ between two NBD exports.
 *
 * Two modes:
 *  - by allocation: the newer point N and the older point O lie on one
 *    branch, N's export carries qemu:allocation-depth, and @depth layers
 *    sit above O's file up to and including N's:
 *
 *        ... <- O <- L(depth) <- ... <- L(2) <- L(1) = N
 *
 *    Only bytes whose allocation depth in N is 1..@depth can differ
 *    (depth 0 is unallocated in the whole chain, deeper is O or below,
 *    and both read alike through N and O).  Those candidates are then
 *    read on both sides, so a layer that rewrote the same bytes does
 *    not show up.
 *  - full (@depth 0): every byte is a candidate; blocks that
 *    base:allocation reports as zero on both sides are not read.
 *
 * Granularity: the result is a sorted list of disjoint, non-adjacent
 * ranges whose offsets and lengths are multiples of ST_NBD_BLOCK_SIZE
 * (64 KiB; the digest's block), except that the last range stops at
 * the end of the export.  A 64 KiB block is reported when any byte in it
 * differs.  When the sizes differ, [smaller size, larger size) is
 * reported as different as well.
 */
#ifndef ST_NBD_DIFF_H
#define ST_NBD_DIFF_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "nbd/conn.h"
#include "nbd/ranges.h"

#define ST_NBD_DIFF_GRANULARITY UINT64_C(65536)

struct st_nbd_diff {
    struct st_nbd_ranges ranges;    /* owned: the differing bytes */
    uint64_t size_new;
    uint64_t size_old;
    uint64_t candidate_bytes;       /* bytes that had to be compared */
    uint64_t bytes_read;            /* bytes read, both sides together */
    unsigned connections;           /* connection pairs used */
};

/* Free what @d owns; @d may be reused. */
void st_nbd_diff_clear(struct st_nbd_diff *d);

/**
 * st_nbd_diff_uri:
 * @new_uri: the newer point; with @depth > 0 its export must carry
 *   qemu:allocation-depth
 * @old_uri: the older point
 * @depth: layers above the older point's file (see above); 0 for a full
 *   compare
 * @opts: connections and progress (done/total candidate bytes); NULL
 *   for the defaults
 * @out: filled on success (cleared first)
 * @errp: error out
 *
 * Returns: true (whether or not anything differs: see @out->ranges.n),
 * or false with @errp set (ST_E_NBD naming the URI; ST_E_USAGE when
 * @depth > 0 and the newer export has no allocation depth).
 */
bool st_nbd_diff_uri(const char *new_uri, const char *old_uri, unsigned depth,
                     const struct st_nbd_read_opts *opts, struct st_nbd_diff *out,
                     struct st_error **errp);

#endif
