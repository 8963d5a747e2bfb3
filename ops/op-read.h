/* ops/op-read.h: reading points in time through NBD exports made for
 * the read and removed afterwards (strata verify and diff; the program
 * and the library share these). */
#ifndef ST_OPS_OP_READ_H
#define ST_OPS_OP_READ_H

#include <stdbool.h>

#include "common/error.h"
#include "nbd/diff.h"
#include "nbd/digest.h"
#include "store/view.h"
#include "live/exporter.h"

/* The digest of view @v into @out, through a temporary export of @ex.
 * Errors start with "disk 'DEV': ". */
bool st_op_digest_view(struct st_exporter *ex, const struct st_view *v,
                       enum st_nbd_digest_alg alg, const struct st_nbd_read_opts *ropts,
                       struct st_nbd_digest *out, struct st_error **errp);

/* The extents that differ between @newer and @older (@depth layers
 * apart, st_view_depth_between(), > 0) into @out, through temporary
 * exports of both.  Errors start with "disk 'DEV': ". */
bool st_op_diff_views(struct st_exporter *ex, const struct st_view *newer,
                      const struct st_view *older, unsigned depth,
                      const struct st_nbd_read_opts *ropts, struct st_nbd_diff *out,
                      struct st_error **errp);

#endif
