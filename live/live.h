/* live/live.h: live domains (SPEC §3 start/stop/status).  A live
 * domain has a long-running QSD in RUN/DOM (live/session.h) holding
 * every disk's chain open with explicit node names and drivers, and an
 * NBD server exporting each active layer writable as "DEV"
 * (live/exporter.h), so that clients write to the disks while strata
 * snapshots, merges and exports points in time through the same QSD. */
#ifndef ST_LIVE_LIVE_H
#define ST_LIVE_LIVE_H

#include <stdbool.h>

#include <json-c/json.h>

#include "common/error.h"
#include "live/exporter.h"
#include "live/nbdaddr.h"
#include "store/store.h"

/**
 * st_live_start:
 * @addr: the NBD server's address; NULL for the unix socket RUN/DOM/nbd.sock
 *
 * Start domain @dom's QSD, open each disk's chain (the active layer
 * writable), start the NBD server and export every active layer.  The
 * caller holds the domain lock.  Refused with ST_E_BUSY when the domain
 * is live already or an export-only QSD of it runs; the files of a dead
 * QSD are removed first.  On failure QSD is stopped and its files removed.
 *
 * Returns: the live exporter (owned; its record lists the exports), or
 * NULL with @errp set.
 */
struct st_exporter *st_live_start(const struct st_store *store, const char *run_root,
                                  const char *dom, const struct st_nbd_addr *addr,
                                  struct st_error **errp);

/**
 * st_live_status:
 * @stale: out, set when files of a dead QSD were found (and removed)
 *
 * Returns: {"running": true, "pid", "run-dir", "qmp-socket", "nbd",
 * "exports": [{"id", "name", "uri", "disk", "snapshot", "writable",
 * "node"}], "jobs": [{"id", "type", "status", "current-progress",
 * "total-progress"}]} (owned), or NULL with @errp set: ST_E_NOT_FOUND
 * when the domain is not live.
 */
struct json_object *st_live_status(const char *run_root, const char *dom, bool *stale,
                                   struct st_error **errp);

/**
 * st_live_stop:
 *
 * Stop the domain's QSD: refused (ST_E_BUSY) while a block job runs;
 * else the NBD server is stopped (clients are disconnected) and QSD
 * quits, which closes, and so flushes, every image.  The pid file and
 * sockets are removed.  ST_E_NOT_FOUND when the domain is not live.
 * Returns: the QSD's pid, or -1 with @errp set.
 */
int st_live_stop(const char *run_root, const char *dom, struct st_error **errp);

/**
 * st_live_refuse_served:
 * @what: the refused command, for the message ("undefine")
 *
 * Refuse (ST_E_BUSY, false) while a QSD serves domain @dom: its
 * long-running QSD (hint: strata stop) or an export-only one (hint:
 * strata export --stop).  A command that drops the domain would orphan
 * that QSD, which holds its images open.
 */
bool st_live_refuse_served(const char *run_root, const char *dom, const char *what,
                           struct st_error **errp);

#endif
