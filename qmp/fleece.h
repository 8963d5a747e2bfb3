/* qmp/fleece.h: a frozen view of a node that keeps being written
 * ('export --live-backup', ops/op-live-backup.c), by fleecing:
 *
 *   guest export -> [copy-before-write] -> ACTIVE <-backing- FLEECE (qcow2, temporary)
 *
 * blockdev-backup sync=none from ACTIVE to FLEECE inserts QEMU's own
 * copy-before-write filter above ACTIVE and moves ACTIVE's parents (the
 * guest's writable export) onto it, so a write copies the old data into
 * FLEECE first; FLEECE reads its own clusters, else ACTIVE's, which are
 * unchanged where FLEECE has none: the disk as it was at the start.
 * Cancelling the job removes the filter again.  QEMU 7.2 has no
 * blockdev-replace, so strata cannot insert a copy-before-write filter
 * of its own above a node in use (for snapshot-access); the backup job
 * does that graph change itself. */
#ifndef ST_QMP_FLEECE_H
#define ST_QMP_FLEECE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "qmp/client.h"

/**
 * st_qmp_fleece_start:
 * @active: the node written
 * @path: the temporary qcow2 to create (must not exist)
 * @node: its format node (the file node is "@node-file")
 * @size: @active's virtual size
 * @job_id: the backup job's id
 *
 * Create @path (blockdev-create), open it with @active as backing, and
 * start blockdev-backup sync=none.  On failure nothing is left (nodes
 * deleted, file removed).
 */
bool st_qmp_fleece_start(struct st_qmp *qmp, const char *active, const char *path,
                         const char *node, uint64_t size, const char *job_id,
                         struct st_error **errp);

/* Cancel job @job_id and wait (up to @timeout_ms) until it is gone
 * (auto-dismissed): the filter is out of the graph then.  A job that
 * is gone already is not an error. */
bool st_qmp_fleece_cancel(struct st_qmp *qmp, const char *job_id, int timeout_ms,
                          struct st_error **errp);

#endif
