/* ops/op-create.h: take an external disk-only snapshot of a domain
 * (SPEC §3, §4): every disk whose snapshot mode is external gets a new
 * qcow2 overlay on its active file, and all disks switch to their
 * overlays in one QMP transaction:
 *
 *   before:  vda.qcow2 (active)            vdb.qcow2 (active)
 *   after:   vda.qcow2 <- vda.s1 (active)  vdb.qcow2 <- vdb.s1 (active)
 *
 * The snapshot's point in time is the file that was active (recorded
 * in its embedded <domain>); <disks> names the overlays.  Either every
 * disk gets its overlay and the metadata is written, or no disk
 * changes, the overlays strata made are removed and no metadata is
 * written. */
#ifndef ST_OPS_OP_CREATE_H
#define ST_OPS_OP_CREATE_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "common/error.h"
#include "xml/snapshot.h"
#include "ops/op-util.h"
#include "store/store.h"

struct st_create_opts {
    const char *run_dir;        /* run root: the live QSD's RUN/DOM, or a transient QSD */
    bool no_metadata;           /* make the overlays and repoint the domain, keep no XML */
    bool reuse_external;        /* accept an existing target (qcow2 backed by the active file) */
};

struct st_create_result {
    char *name;                 /* owned; the snapshot's name */
    bool live;                  /* done in the domain's running QSD */
    bool metadata;              /* snapshot XML written (not --no-metadata) */
    struct st_op_disk_result *disks;    /* owned; the snapshotted disks */
    size_t ndisks;
    int64_t transaction_us;     /* time inside the QMP transaction */
    int64_t total_us;           /* the whole operation */
};

void st_create_result_clear(struct st_create_result *res);

/**
 * st_op_create:
 * @dom: the domain's name; the caller holds its lock
 * @req: the requested snapshot as parsed from the user's XML (without
 *   the internal flag): name (NULL: the Unix time), description, and
 *   per-disk mode, driver and file; other fields are ignored as libvirt
 *   ignores them without --redefine
 * @res: out, filled on success (clear it with st_create_result_clear())
 *
 * Phases: validate (names, modes, targets, --reuse-external backing by
 * device and inode), plan (overlay names, the new snapshot and domain
 * XML), journal (DOMAIN/journal names every file to be made), run
 * (overlays through blockdev-create, one transaction), commit (snapshot
 * XML, current mark, domain XML), clean (journal removed).  A domain
 * with a pending journal is refused (see st_op_recover()).
 *
 * Returns: false with @errp set: ST_E_NAME for a bad name, ST_E_CONFLICT
 * for an existing snapshot or target, ST_E_USAGE for an unsupported
 * mode, ST_E_CHAIN for a bad chain or reused file, ST_E_QMP/ST_E_JOB
 * when QSD fails; nothing was changed then.
 */
bool st_op_create(const struct st_store *store, const char *dom, const struct st_snapshot *req,
                  const struct st_create_opts *opts, struct st_create_result *res,
                  struct st_error **errp);

/* {"name", "live", "metadata", "disks": [{"disk", "backing", "overlay",
 * "reused"}], "transaction-us", "total-us"}; owned. */
struct json_object *st_create_result_json(const struct st_create_result *res);

#endif
