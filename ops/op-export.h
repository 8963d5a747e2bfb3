/* ops/op-export.h: 'strata export' and 'export --stop' as operations
 * (the CLI and the API share them): add a point in time's exports all or
 * nothing, remove matching ones, and stop an export-only QSD left with
 * nothing to serve. */
#ifndef ST_OPS_OP_EXPORT_H
#define ST_OPS_OP_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "live/exporter.h"
#include "store/view.h"

/**
 * st_op_export_add:
 * @added: out, an owned array of @views->n exports (each cleared with
 *   st_export_clear(), then freed)
 *
 * Export every view of @views read-only through @ex.  All or nothing:
 * on failure the exports this call added are removed again, and a
 * detached QSD left serving nothing is stopped.  The caller holds the
 * domain lock (it orders exports.json and QSD start/stop).
 */
bool st_op_export_add(struct st_exporter *ex, const struct st_views *views,
                      struct st_export **added, struct st_error **errp);

/* Remove the @n exports of @added (the end of 'export --foreground');
 * errors are logged only: the QSD goes next anyway. */
void st_op_export_undo(struct st_exporter *ex, const struct st_export *added, size_t n);

/**
 * st_op_export_stop:
 * @snapshot: only exports of this snapshot, or NULL for any
 * @disk: only exports of this disk, or NULL for any
 * @removed: out, the NBD names removed (owned strv, set on failure too)
 * @qsd_stopped: out, the export-only QSD was left empty and stopped
 *
 * Remove domain @dom's point-in-time exports that match (a live
 * domain's writable disk exports stay: they are 'strata stop's).
 * ST_E_NOT_FOUND when no QSD serves the domain or nothing matches.
 * The caller holds the domain lock.
 */
bool st_op_export_stop(const char *run_root, const char *dom, const char *snapshot,
                       const char *disk, char ***removed, bool *qsd_stopped,
                       struct st_error **errp);

/* Stop @ex's export-only QSD and remove its directory. */
bool st_op_export_qsd_stop(struct st_exporter *ex, struct st_error **errp);

#endif
