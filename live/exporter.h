/* live/exporter.h: the QSD that serves a domain's NBD exports, and the
 * record of what strata exported there.
 *
 *   live domain    RUN/DOM/          the domain's QSD ('strata start'), its
 *                                    NBD server on RUN/DOM/nbd.sock by default
 *   export-only    RUN/DOM/export/   a QSD started by 'strata export' on a
 *                                    domain that is not live: detached (ended
 *                                    by 'export --stop') or, with --foreground,
 *                                    strata's child; NBD on RUN/DOM/export/nbd.sock
 *   transient      RUN/op-XXXXXX/    verify and diff on a domain that is not
 *                                    live; gone when the exporter is freed
 *
 * DIR/exports.json records the NBD server's address (QMP cannot tell it)
 * and, per export id, its NBD name, disk, snapshot and the block nodes
 * opened for it (closed again when it is removed):
 *
 *   {"nbd": "unix:/run/strata/web/nbd.sock",
 *    "exports": {"disk-vda": {"name": "vda", "disk": "vda", "snapshot": null,
 *                             "writable": true, "node": "s...", "opened": []}}}
 *
 * Export ids and names (session.h's conventions for the active layers):
 *   disk-DEV      NBD name "DEV"        the active layer, writable (live only)
 *   pit-HASH      NBD name "DEV@S"      disk DEV at snapshot S, read-only
 *   pit-HASH-since NBD name "DEV@S1..S" disk DEV at S with the dirty bitmap
 *                                       since-S1 (a null-co node, "bitmap-node")
 *                 NBD name "DEV@current" the current state, read-only
 *   pit-HASH-bak  NBD name "DEV@backup" a live backup: DEV frozen when it
 *                                       began (a fleecing node, "job", "temp-file")
 *   tmp-PID-N     NBD name "tmp-PID-N"  verify/diff, removed afterwards, not recorded */
#ifndef ST_LIVE_EXPORTER_H
#define ST_LIVE_EXPORTER_H

#include <stdbool.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "live/nbdaddr.h"
#include "live/session.h"
#include "store/view.h"

enum st_exporter_kind {
    ST_EXPORTER_LIVE,
    ST_EXPORTER_DETACHED,       /* export-only, survives this process */
    ST_EXPORTER_FOREGROUND,     /* export-only, strata's child */
    ST_EXPORTER_TRANSIENT,      /* an operation's QSD */
};

struct st_exporter {
    struct st_session *sess;        /* owned */
    enum st_exporter_kind kind;
    char *dir;                      /* owned; the QSD's run directory */
    struct st_nbd_addr addr;        /* the NBD server */
    struct json_object *record;     /* owned; exports.json */
    unsigned tmp_count;
};

/* What an open is for. */
enum st_exporter_need {
    ST_EXPORTER_NEED_EXPORT,        /* live, else an existing export-only QSD, else a new
                                     * detached one */
    ST_EXPORTER_NEED_FOREGROUND,    /* live, else existing export-only, else a new child */
    ST_EXPORTER_NEED_READ,          /* live, else a transient QSD (verify, diff) */
    ST_EXPORTER_NEED_EXISTING,      /* live or export-only; ST_E_NOT_FOUND otherwise */
};

/* RUN/DOM/export; owned. */
char *st_exporter_export_dir(const char *run_root, const char *dom);

/**
 * st_exporter_clean_stale:
 * @dir: a QSD run directory (RUN/DOM or RUN/DOM/export)
 *
 * If no QSD serves @dir, remove what a dead one left: pid file, QMP
 * and NBD sockets (also a unix socket elsewhere that exports.json
 * names), exports.json.  Returns: true if a QSD serves @dir.
 */
bool st_exporter_clean_stale(const char *dir);
/* Whether the exports record in @dir names backup job @job_id (a live
 * backup strata recorded; one it did not is a killed strata's). */
bool st_exporter_job_recorded(const char *dir, const char *job_id);

/**
 * st_exporter_check_unheld:
 * @paths: image files an operation is about to write or remove
 *   (NULL-terminated)
 * @changed: those of @paths whose content or existence changes (a
 *   commit's target, a file removed); a stream's target or a commit's
 *   head reads the same afterwards
 *
 * Refuse (ST_E_BUSY) when an export of @dom holds one of @paths open:
 * one of the export-only QSD ('strata export' on a domain that is not
 * live, RUN/DOM/export), whose read-only nodes keep QEMU's lock, so a
 * merge would fail with QSD's "Failed to get "write" lock" and a
 * removed file would go on being served; or a point-in-time export of
 * the live QSD (RUN/DOM) holding one of @changed, whose clients would
 * read the merge's changes or a file strata unlinked (a live QSD's
 * nodes are shared, so only a change matters there).  The message names the export and the
 * QSD's pid and says how to stop it.  An export's files are found by
 * the node names strata gave them (st_session_node_name() of each
 * path).
 */
bool st_exporter_check_unheld(const char *run_root, const char *dom, char *const *paths,
                              char *const *changed, struct st_error **errp);

/**
 * st_exporter_open:
 * @addr: where a new NBD server listens, or NULL for the default; when
 *   the QSD found already runs one elsewhere: ST_E_CONFLICT
 *
 * Returns: an owned exporter, or NULL with @errp set.
 */
struct st_exporter *st_exporter_open(const char *run_root, const char *dom,
                                     enum st_exporter_need need,
                                     const struct st_nbd_addr *addr, struct st_error **errp);

/* A session around a QSD this module started or attached to (freeing
 * it never removes the QSD's directory); takes @qsd. */
struct st_session *st_exporter_session_of(struct st_qsd *qsd);

/* An exporter around a session opened elsewhere ('strata start'),
 * with the record found in @dir (or a new one); takes @sess. */
struct st_exporter *st_exporter_wrap(struct st_session *sess, enum st_exporter_kind kind,
                                     const char *dir);

/* The NBD server address of the QSD in @dir, as its exports.json
 * records it (the default DIR/nbd.sock otherwise); clear @out after. */
void st_exporter_addr_of(const char *dir, struct st_nbd_addr *out);

/* Make @ex serve its NBD server (nbd-server-start; a unix socket made
 * 0600).  For exporters this module starts itself and for 'start'. */
bool st_exporter_start_server(struct st_exporter *ex, struct st_error **errp);

/* Disconnect (transient and foreground: stop QSD, remove its directory).
 * NULL is a no-op. */
void st_exporter_free(struct st_exporter *ex);
ST_DEFINE_CLEANUP(st_cleanup_exporter, struct st_exporter *, st_exporter_free)
#define CLEANUP_EXPORTER ST_CLEANUP(st_cleanup_exporter)

/* One export, as added or as recorded. */
struct st_export {
    char *id;                       /* owned */
    char *name;                     /* NBD name; owned */
    char *uri;                      /* owned */
    char *node;                     /* exported format node; owned */
    char *disk;                     /* owned */
    char *snapshot;                 /* owned or NULL (current) */
    char *since;                    /* 'export --since': the older point; owned or NULL */
    char *bitmap_node;              /* with @since: the null-co node carrying */
    char *bitmap;                   /* the bitmap @bitmap (owned) */
    char *job;                      /* 'export --live-backup': its backup job, and */
    char *temp_file;                /* its fleecing file in the run directory; owned */
    bool writable;
    char **opened;                  /* nodes opened for it, top-down; owned strv */
};
void st_export_clear(struct st_export *e);
/* {"id", "name", "uri", "disk", "snapshot", "writable", "node"}: the
 * form 'start', 'status' and 'export' print; new reference. */
struct json_object *st_export_to_json(const struct st_export *e);

/**
 * st_exporter_add:
 * @view: what to export (read-only, with base:allocation and
 *   qemu:allocation-depth)
 * @temporary: a tmp-PID-N export for verify/diff: not recorded
 *
 * Open @view's chain (reusing nodes already open) and export it.  An
 * export of the same view made earlier is returned as it is.
 */
bool st_exporter_add(struct st_exporter *ex, const struct st_view *view, bool temporary,
                     struct st_export *out, struct st_error **errp);

/* The id of the point-in-time export of @v ('export --since @since'
 * when @since is not NULL); owned. */
char *st_exporter_pit_id(const struct st_view *v, const char *since);

/* The recorded export @id into @out (clear it after); false if none. */
bool st_exporter_find(struct st_exporter *ex, const char *id, struct st_export *out);

/* The dirty bitmap an 'export --since' export offers (ops/export-bitmap.h). */
struct st_export_bitmap {
    const char *since;              /* the older snapshot */
    const char *node;               /* the null-co node carrying it */
    const char *name;               /* the bitmap's name: "since-SINCE" */
};

/* st_exporter_add() of snapshot view @v with @bm's bitmap as the meta
 * context qemu:dirty-bitmap:NAME, recorded under the id
 * st_exporter_pit_id(@v, @bm->since) with NBD name "DEV@SINCE..S";
 * removing it also removes @bm->node. */
bool st_exporter_add_bitmap(struct st_exporter *ex, const struct st_view *v,
                            const struct st_export_bitmap *bm, struct st_export *out,
                            struct st_error **errp);

/* Export node @e->node under @e->id and @e->name, and record @e (a
 * live backup's fleecing node, ops/op-live-backup.c); sets @e->uri.
 * Removing it cancels @e->job, closes @e->opened and removes
 * @e->temp_file (only inside the QSD's run directory). */
bool st_exporter_add_node(struct st_exporter *ex, struct st_export *e, struct st_error **errp);

/* The writable export of a live disk's active layer ('strata start'). */
bool st_exporter_add_active(struct st_exporter *ex, const char *dev, const char *node,
                            struct st_export *out, struct st_error **errp);

/* Remove export @e and close the nodes opened for it (those still used
 * by something else stay open); drops it from the record. */
bool st_exporter_del(struct st_exporter *ex, const struct st_export *e, struct st_error **errp);

/* The recorded exports (owned array of *n entries, each cleared with
 * st_export_clear by the caller, then freed). */
struct st_export *st_exporter_list(const struct st_exporter *ex, size_t *n);

/* Write exports.json. */
bool st_exporter_save(struct st_exporter *ex, struct st_error **errp);

#endif
