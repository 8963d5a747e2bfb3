/* ops/export-bitmap.h: 'export --snapshot S2 --since S1': S2 exported read-only
 * with the meta context qemu:dirty-bitmap:since-S1, whose dirty extents
 * are those the layers above S1's file allocate up to S2's.
 *
 * QEMU 7.2 sets bitmap bits only from writes (no QMP command sets them
 * from a list, and block-dirty-bitmap-populate never left x-), and an
 * NBD export may name a bitmap on another node (QEMU 7.1+, qapi
 * BlockDirtyBitmapOrStr), so the bitmap lives on a scratch node:
 *
 *   1. temporary export of S2 -> qemu:allocation-depth -> extents at
 *      depth 1..N (nbd/changed.h); the export is removed
 *   2. blockdev-add null-co "dirty-HASH-since" (S2's size) with the
 *      non-persistent bitmap "since-S1", granularity the smallest cluster
 *      of those layers
 *   3. a temporary writable export of the null node; one write-zeroes per
 *      extent (null-co drops the data, the block layer sets the bits);
 *      the export is removed
 *   4. block-dirty-bitmap-disable (nothing changes it afterwards)
 *   5. block-export-add of S2 with bitmaps [{node: null node, name}]
 *
 * No image is opened writable or written; removing the export removes
 * the null node and the bitmap with it. */
#ifndef ST_OPS_EXPORT_BITMAP_H
#define ST_OPS_EXPORT_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "live/exporter.h"
#include "store/view.h"

/**
 * st_exporter_add_since:
 * @v: the newer point (a snapshot's view)
 * @since: the older snapshot's name
 * @depth: layers above @since's file up to and including @v's
 *   (st_view_depth_between(), > 0)
 * @granularity: the bitmap's bytes per bit (a power of two, 512..2 MiB)
 *
 * Export @v with the bitmap (steps above).  An export of the same pair
 * made earlier is returned as it is.  On failure nothing is left: no
 * node, no export, no record.
 */
bool st_exporter_add_since(struct st_exporter *ex, const struct st_view *v, const char *since,
                           unsigned depth, uint64_t granularity, struct st_export *out,
                           struct st_error **errp);

#endif
