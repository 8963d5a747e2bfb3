/* nbd/changed.h: the extents a point in time changed since an older one
 * on its branch (by allocation depth, without reading data), and
 * marking extents on a scratch export with write-zeroes requests, which
 * is how 'export --since' fills a dirty bitmap (ops/export-bitmap.c). */
#ifndef ST_NBD_CHANGED_H
#define ST_NBD_CHANGED_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "nbd/ranges.h"

/**
 * st_nbd_changed_by_depth:
 * @uri: the newer point, exported with qemu:allocation-depth
 * @depth: layers above the older point's file up to and including the
 *   newer point's (st_view_depth_between(), > 0)
 * @out: cleared, then the extents whose allocation depth is 1..@depth,
 *   sorted and merged: what a layer between the two points allocated,
 *   so what may differ (unlike diff, nothing is read to confirm it)
 * @size: out, the export's size
 *
 * Returns: true, or false with @errp set (ST_E_NBD naming @uri;
 * ST_E_USAGE when the export has no allocation depth).
 */
bool st_nbd_changed_by_depth(const char *uri, unsigned depth, struct st_nbd_ranges *out,
                             uint64_t *size, struct st_error **errp);

/**
 * st_nbd_mark_zero:
 * @uri: a writable export whose writes are discarded (a null-co node):
 *   the requests are sent only so that QEMU's block layer sets the dirty
 *   bits of the ranges in the bitmaps of that node
 * @ranges: within the export
 *
 * One write-zeroes request per range (split at 1 GiB, below NBD's
 * 32-bit length), each waited for with the stall deadline of reads.
 * Trim would be cheaper but QEMU drops a discard before the dirty
 * bitmaps see it when the driver has no discard (null-co has none).
 */
bool st_nbd_mark_zero(const char *uri, const struct st_nbd_ranges *ranges,
                      struct st_error **errp);

#endif
