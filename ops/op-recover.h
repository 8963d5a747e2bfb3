/* ops/op-recover.h: finish or undo an interrupted snapshot-create or
 * snapshot-revert from DOMAIN/journal (SPEC §8, strata-store(5)):
 *
 *   phase "planned", disks not switched   roll back: close and remove
 *                                         the files the journal lists
 *   phase "switched" (or a live QSD whose  roll forward: write the
 *   export already serves a new overlay)   metadata the journal holds;
 *                                         a revert's old layers then
 *                                         go as the revert planned
 *
 * Operations of other kinds are refused (ST_E_CONFLICT), left for the
 * code that owns them. */
#ifndef ST_OPS_OP_RECOVER_H
#define ST_OPS_OP_RECOVER_H

#include <stdbool.h>

#include <json-c/json.h>

#include "common/error.h"
#include "store/store.h"

/**
 * st_op_recover:
 * @dom: the domain; the caller holds its lock
 * @run_dir: run root, to find the domain's live QSD
 * @report: out, owned: {"operation", "snapshot", "phase", "action":
 *   "none" | "rolled-back" | "rolled-forward", "removed-files": [...],
 *   "kept-files": [...]}, and for a revert rolled forward that planned
 *   what to do with the layers it leaves, "abandoned":
 *   st_abandoned_json()
 *
 * Returns: false with @errp set when the journal cannot be read, its
 * operation is not one this file knows, or a step fails (the journal is
 * then kept, so the command can be run again).
 */
bool st_op_recover(const struct st_store *store, const char *dom, const char *run_dir,
                   struct json_object **report, struct st_error **errp);

#endif
