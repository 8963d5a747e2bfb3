/* ops/metadata-paths.h: give files new names in a domain's metadata
 * (the domain XML, every snapshot's disks and embedded domain), for the
 * operations that move files or find them moved: 'strata move' and
 * 'chain rebase DOMAIN --map'. */
#ifndef ST_OPS_METADATA_PATHS_H
#define ST_OPS_METADATA_PATHS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "store/store.h"

struct st_path_rename {
    const char *from;           /* absolute; may be gone */
    const char *to;             /* absolute */
};

/**
 * st_metadata_paths_rewrite:
 * @crash_point: st_op_crash_point() name passed after the first file
 *   written, for the recovery tests
 *
 * Every source naming a @from (the same string, or while it exists
 * another name of the same file) names its @to.  Every snapshot XML
 * first, then the domain XML; each write atomic.  Idempotent: run again
 * after a crash, it writes only what is left.
 */
bool st_metadata_paths_rewrite(const struct st_store *store, const char *dom,
                               const struct st_path_rename *r, size_t n,
                               const char *crash_point, struct st_error **errp);

#endif
