/* ops/op-export-since.h: 'strata export DOM --snapshot S2 --since S1' as
 * one operation: S2 read-only with the meta context
 * qemu:dirty-bitmap:since-S1 on every disk (ops/export-bitmap.h). */
#ifndef ST_OPS_OP_EXPORT_SINCE_H
#define ST_OPS_OP_EXPORT_SINCE_H

#include <stdbool.h>

#include "common/error.h"
#include "live/exporter.h"
#include "store/store.h"

/**
 * st_op_export_add_since:
 * @newer: S2's views (st_views_resolve())
 * @since: S1, the older snapshot
 * @added: out, as st_op_export_add()'s
 *
 * Refused before anything is exported: ST_E_USAGE when @since is S2
 * itself; ST_E_CONFLICT when S1 did not capture a disk of @newer, or is
 * not an ancestor of S2 on one branch (the message names both).  Then
 * all or nothing, as st_op_export_add().  The caller holds the domain
 * lock.
 */
bool st_op_export_add_since(struct st_exporter *ex, const struct st_store *store,
                            const char *dom, const struct st_views *newer, const char *since,
                            struct st_export **added, struct st_error **errp);

#endif
