/* live/session.h: the qemu-storage-daemon an operation on a domain
 * talks to (SPEC §4):
 *
 *   live domain ('strata start'):  RUN/DOM/{qmp.sock,qsd.pid,qsd.log}  attached
 *   otherwise:                     RUN/op-XXXXXX/  a transient QSD, stopped and
 *                                  removed when the session is freed
 *
 * Chains are opened with explicit drivers and one node pair per file
 * (never format probing).  A file already open in QSD is found again by
 * device and inode, so a branch that shares its lower files with the
 * active chain reuses their nodes instead of opening them twice.
 *
 * Names in a live QSD (one place, so every command finds them):
 *   RUN/DOM/nbd.sock            the NBD server's unix socket (TCP only on request)
 *   export id "disk-DEV"        the writable export of disk DEV's active layer,
 *                               NBD name "DEV"
 *   format node of a file       st_session_node_name(path), its file node + "-file" */
#ifndef ST_LIVE_SESSION_H
#define ST_LIVE_SESSION_H

#include <stdbool.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "qmp/client.h"
#include "qmp/qsd.h"
#include "chain/chain.h"

struct st_session {
    struct st_qsd *qsd;         /* owned */
    bool live;                  /* the domain's long-running QSD */
    char *run_dir;              /* owned; this QSD's run directory */
    char **opened;              /* owned strv: format nodes st_session_open_chain()
                                 * added, in the order added (each chain top-down) */
};

/* RUN/DOM: where a live domain's QSD keeps its socket and pid; owned. */
char *st_session_live_dir(const char *run_root, const char *dom);

/**
 * st_session_open:
 * @run_root: the run directory (--run-dir)
 * @dom: domain name (checked)
 *
 * Attach to the domain's live QSD if it runs, else start a transient
 * one.  Returns: an owned session, or NULL with @errp set.
 */
struct st_session *st_session_open(const char *run_root, const char *dom,
                                   struct st_error **errp);

/**
 * st_session_open_transient:
 * @run_root: the run directory (--run-dir)
 *
 * A transient QSD of no domain, in RUN/op-XXXXXX, for an operation on
 * image files alone ('chain rebase FILE').  Returns: an owned session,
 * or NULL with @errp set.
 */
struct st_session *st_session_open_transient(const char *run_root, struct st_error **errp);

/**
 * st_session_start_live:
 *
 * Start the domain's long-running QSD in RUN/DOM ('strata start').
 * ST_E_BUSY if one already runs; stale files of a dead one are cleaned.
 */
struct st_session *st_session_start_live(const char *run_root, const char *dom,
                                         struct st_error **errp);

/* Transient: stop QSD and remove its run directory.  Live: disconnect
 * (QSD keeps running).  NULL is a no-op. */
void st_session_free(struct st_session *sess);
ST_DEFINE_CLEANUP(st_cleanup_session, struct st_session *, st_session_free)
#define CLEANUP_SESSION ST_CLEANUP(st_cleanup_session)

/**
 * st_session_close:
 * @sessp: the session; freed and set to NULL in every case
 *
 * End a session and say whether its QSD confirmed everything: a
 * transient QSD is stopped and must end cleanly (st_qsd_stop(): quit
 * answered, exit status 0, which means it closed and flushed every
 * node); a live one is only disconnected (true).  Operations call this
 * before they remove a journal or unlink a file; st_session_free() is
 * for error paths.  Returns false with @errp set (how QSD ended).
 */
bool st_session_close(struct st_session **sessp, struct st_error **errp);

/* The QMP connection (borrowed). */
struct st_qmp *st_session_qmp(struct st_session *sess);

/* Export id and NBD name of disk @dev's active layer; owned. */
char *st_session_disk_export_id(const char *dev);

/* A node name for a new file at @path: "s" + 16 hex digits of a hash of
 * the path; owned.  QEMU's limit is 31 characters, "-file" included. */
char *st_session_node_name(const char *path);

/* Whether fault @code of layer @i makes @chain unsafe to open; an NBD
 * backing of the bottom layer counts only when not @remote (a remote
 * base, which QSD opens with its nbd driver). */
bool st_session_fault_blocks_open(const struct st_chain *chain, size_t i,
                                  enum st_fault_code code, bool remote);

/**
 * st_session_find_node:
 * @path: an image file
 *
 * The format node QSD has open on @path (same device and inode), or
 * NULL (no error) when it has none.  Returns: owned name or NULL; on a
 * QMP failure NULL with @errp set.
 */
char *st_session_find_node(struct st_session *sess, const char *path, struct st_error **errp);

/**
 * st_session_open_chain:
 * @path: top of the chain (absolute)
 * @format: its format ("qcow2" or "raw")
 * @writable: open the top read-write (lower layers are always read-only)
 *
 * Open the chain below @path in QSD, reusing nodes already open for
 * lower files.  Refuses (ST_E_CHAIN, naming the file and the fault) a
 * chain with a missing or looping file, an unrecorded backing format, a
 * corrupt or unsupported layer.  Returns: the owned format node name
 * of the top, or NULL with @errp set.
 */
char *st_session_open_chain(struct st_session *sess, const char *path, const char *format,
                            bool writable, struct st_error **errp);

/**
 * st_session_close_opened:
 *
 * The abort path of a live operation: close the nodes this session
 * opened with st_session_open_chain(), newest first (an overlay before
 * the file it rests on), so an aborted operation leaves the live QSD's
 * graph as it found it.  A node still in use (something the operation
 * did not undo rests on it) is left open, and so is everything below it.
 * Best effort: failures are logged, not returned.  A no-op offline (the
 * transient QSD goes anyway).
 */
void st_session_close_opened(struct st_session *sess);

#endif
