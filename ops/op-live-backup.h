/* ops/op-live-backup.h: 'strata export DOM --live-backup [--disk DEV]':
 * a read-only export of each running disk frozen now, while the guest's
 * writes go on into the active layer (qmp/fleece.h).  Nothing is
 * committed and the chain does not grow: 'export --stop' cancels the
 * job (QEMU removes its filter), closes the fleecing node and removes
 * its file. */
#ifndef ST_OPS_OP_LIVE_BACKUP_H
#define ST_OPS_OP_LIVE_BACKUP_H

#include <stdbool.h>

#include "common/error.h"
#include "live/exporter.h"
#include "store/view.h"

/**
 * st_op_live_backup_add:
 * @ex: the domain's live QSD (ST_EXPORTER_LIVE, else refused)
 * @views: the current state's views (st_views_resolve() with no snapshot)
 * @added: out, as st_op_export_add()'s; each named "DEV@backup"
 *
 * Refused before anything starts: ST_E_CONFLICT when the domain is not
 * live; ST_E_BUSY when a disk is being backed up already.  Then all or
 * nothing.  The caller holds the domain lock.
 */
bool st_op_live_backup_add(struct st_exporter *ex, const char *dom, const struct st_views *views,
                           struct st_export **added, struct st_error **errp);

#endif
