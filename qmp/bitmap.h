/* qmp/bitmap.h: a scratch null-co node carrying a non-persistent dirty
 * bitmap, the carrier of an export's qemu:dirty-bitmap:NAME context
 * ('export --since', ops/export-bitmap.c).  QEMU 7.2 has no command that sets
 * bits, so the bits come from writes to the node (nbd/changed.h); the
 * node holds no data and nothing touches an image. */
#ifndef ST_QMP_BITMAP_H
#define ST_QMP_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "qmp/client.h"

/**
 * st_qmp_bitmap_node_add:
 * @node: the new node's name
 * @size: its size in bytes (the exported disk's virtual size)
 * @bitmap: the bitmap's name
 * @granularity: bytes per bit (a power of two, 512 .. 2 GiB)
 *
 * blockdev-add of a null-co node (read-zeroes) and block-dirty-bitmap-add
 * of an enabled, non-persistent bitmap on it.  On failure the node is
 * removed again.
 */
bool st_qmp_bitmap_node_add(struct st_qmp *qmp, const char *node, uint64_t size,
                            const char *bitmap, uint64_t granularity, struct st_error **errp);

/* block-dirty-bitmap-disable: later writes to @node no longer change
 * @bitmap (an export needs it disabled or busy; disabled says why). */
bool st_qmp_bitmap_disable(struct st_qmp *qmp, const char *node, const char *bitmap,
                           struct st_error **errp);

/* blockdev-del of @node, and with it its bitmaps (none persistent). */
bool st_qmp_bitmap_node_del(struct st_qmp *qmp, const char *node, struct st_error **errp);

#endif
