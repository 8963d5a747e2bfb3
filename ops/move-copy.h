/* ops/move-copy.h: copy one image file to another file system for
 * 'strata move', keeping its holes. */
#ifndef ST_OPS_MOVE_COPY_H
#define ST_OPS_MOVE_COPY_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

/* Called after each chunk with the bytes of the file gone through
 * (data copied or hole skipped). */
typedef void (*st_move_copy_fn)(uint64_t done, void *opaque);

/**
 * st_move_copy_fd:
 * @in, @out: open files; @out empty, opened for writing
 * @from, @to: their names, for messages
 *
 * Copy the data extents of @in (SEEK_DATA/SEEK_HOLE) to the same
 * offsets of @out, with copy_file_range() where the kernel can (a
 * reflink on one file system) and read/write otherwise; then set the
 * size, so that the holes stay holes, and fsync.  The error names both
 * files and keeps errno (ENOSPC: the caller knows what the whole move
 * needs, and says it).
 */
bool st_move_copy_fd(int in, int out, const char *from, const char *to, uint64_t size,
                     st_move_copy_fn fn, void *opaque, struct st_error **errp);

#endif
