/* ops/op-util.h: what snapshot-create, snapshot-revert and recover
 * share: the new overlays an operation puts into QSD (and takes out
 * again on abort), the "is this file name free" check over files and
 * metadata, and writing a snapshot as the new current one. */
#ifndef ST_OPS_OP_UTIL_H
#define ST_OPS_OP_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "common/error.h"
#include "qmp/client.h"
#include "xml/domain.h"
#include "xml/snapshot.h"
#include "store/store.h"
#include "store/tree.h"

/* One disk of a snapshot-create or snapshot-revert result. */
struct st_op_disk_result {
    char *dev;                  /* owned */
    char *backing;              /* owned; the point-in-time file */
    char *overlay;              /* owned; the new active file */
    bool reused;                /* --reuse-external took an existing file (create only) */
};

/* Free @n disk results and the array. */
void st_op_disk_results_free(struct st_op_disk_result *disks, size_t n);
/* [{"disk", "backing", "overlay"[, "reused"]}] for @n disk results;
 * "reused" only when @with_reused (snapshot-create's).  Owned. */
struct json_object *st_op_disk_results_json(const struct st_op_disk_result *disks, size_t n,
                                            bool with_reused);

/* One disk's new overlay during an operation. */
struct st_op_overlay {
    char *dev;                  /* owned; the disk's target */
    char *path;                 /* owned; absolute */
    char *node;                 /* owned; its format node in QSD, NULL until open */
    bool created;               /* strata made the file: only then does abort remove it */
};

/**
 * st_op_overlay_claim:
 * @journal: the operation's journal; gets the file's identity (written
 *   by the caller's next st_journal_write())
 *
 * Create @ov's file, empty and exclusively (O_EXCL: a file that appeared
 * at that name since validation is never taken over), and mark it
 * created.  QSD's blockdev-create then writes the image into this very
 * file (it truncates, keeping the inode), so the identity recorded here
 * is what 'strata recover' checks before it removes anything.
 */
bool st_op_overlay_claim(struct st_op_overlay *ov, struct json_object *journal,
                         struct st_error **errp);

/* Free the fields of @n overlays and the array. */
void st_op_overlays_free(struct st_op_overlay *ovs, size_t n);

/**
 * st_op_overlays_discard:
 * @qmp: QSD holding the nodes, or NULL when it is gone
 *
 * The abort path: blockdev-del every open overlay node, then unlink the
 * files strata created (never a reused one).  Keeps going after an
 * error and returns the first one.
 */
bool st_op_overlays_discard(struct st_qmp *qmp, struct st_op_overlay *ovs, size_t n,
                            struct st_error **errp);

struct st_session;
/* The session's QMP connection while its QSD still answers, else NULL
 * (a QSD that died holds no node to close): for the abort paths. */
struct st_qmp *st_op_live_qmp(struct st_session *sess);

/**
 * st_op_abort:
 * @what: the operation, for the warning ("snapshot 's1'", "revert to 's1'")
 *
 * The abort path of create and revert once their overlays exist:
 * st_op_overlays_discard(), then (live) close the nodes the session
 * opened for the chains, then clear the journal.  When the overlays
 * cannot all be discarded the journal is kept (recover finishes it);
 * failures are warnings: the operation's own error is the one to say.
 */
void st_op_abort(const struct st_store *store, const char *dom, struct st_session *sess,
                 struct st_op_overlay *ovs, size_t n, const char *what);

/**
 * st_op_name_taken:
 *
 * True when @path exists or names a file that metadata of the domain
 * mentions (the domain's disks, every snapshot's disks and embedded
 * <domain>), so a new overlay there would alias a file that is or was
 * part of a chain.  @extra (NULL-terminated, may be NULL) are names
 * this operation already picked.
 */
bool st_op_name_taken(const char *path, const struct st_domain *dom, const struct st_tree *tree,
                      char *const *extra);

/**
 * st_op_save_as_current:
 * @snap: written with <active>1</active>
 * @previous: name of the snapshot that was current before, or NULL
 *
 * Write @snap as the current snapshot, then rewrite @previous unmarked
 * (st_store_set_current()'s order: a crash in between leaves two
 * marks, which the loader resolves).  Idempotent, so recovery can run
 * it again.  A @previous that no longer exists is not an error.
 */
bool st_op_save_as_current(const struct st_store *store, const char *dom,
                           struct st_snapshot *snap, const char *previous,
                           struct st_error **errp);

struct st_chain;

struct st_domain;
struct st_domain_disk;
/**
 * st_op_load_disk_chain:
 * @d: a disk with a source file
 *
 * The disk's chain, read with strata's own reader (headers only, in the
 * disk's format, qcow2 when it names none), refused (ST_E_CHAIN,
 * naming the file and the fault) when QSD must not open it: a missing
 * or looping file, an unrecorded backing format, a corrupt, encrypted
 * or unsupported layer (the rule of st_session_open_chain(), for
 * operations that open only the top), or a top whose header cannot be
 * read.  @remote_ok allows an NBD URI as the bottom layer's
 * backing (a remote base, which exports open; snapshots do not yet).
 * Owned by the caller; NULL with @errp set.
 */
struct st_chain *st_op_load_disk_chain(const struct st_domain_disk *d, bool remote_ok,
                                       struct st_error **errp);

/**
 * st_op_check_domain_chains:
 *
 * Every disk of @dom that strata manages (a source file, not
 * snapshot='no') loads with st_op_load_disk_chain(): define refuses at
 * once a chain the first snapshot would refuse later.  A source file
 * that does not exist yet is a warning (libvirt allows it).
 */
bool st_op_check_domain_chains(const struct st_domain *dom, struct st_error **errp);

/* Crash injection for the recovery tests: when $STRATA_TEST_CRASH
 * equals @where, the process kills itself with SIGKILL right here, as
 * a power cut or an OOM kill would (no cleanup runs). */
void st_op_crash_point(const char *where);

/* Monotonic microseconds, for the timings operations report. */
int64_t st_op_now_us(void);

#endif
