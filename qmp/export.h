/* qmp/export.h: QSD's NBD server and block exports, through which
 * nbd/ reads a point in time and live domains reach their disks. */
#ifndef ST_QMP_EXPORT_H
#define ST_QMP_EXPORT_H

#include <stdbool.h>
#include <json-c/json.h>

#include "common/error.h"
#include "qmp/client.h"

/* nbd-server-start on a unix socket (the normal case). */
bool st_qmp_nbd_server_start(struct st_qmp *qmp, const char *sock_path, struct st_error **errp);
/* nbd-server-start on TCP: only when the user asks for it. */
bool st_qmp_nbd_server_start_tcp(struct st_qmp *qmp, const char *host, const char *port,
                                 struct st_error **errp);
bool st_qmp_nbd_server_stop(struct st_qmp *qmp, struct st_error **errp);

struct st_qmp_export_opts {
    const char *id;             /* export id (QMP side) */
    const char *node_name;      /* format node exported */
    const char *name;           /* NBD export name clients ask for (always explicit:
                                 * QEMU's default is the node name) */
    bool writable;
    bool allocation_depth;      /* offer the qemu:allocation-depth meta context */
    const char *bitmap_node;    /* with @bitmap: offer qemu:dirty-bitmap:BITMAP from a */
    const char *bitmap;         /* bitmap on that node (QEMU 7.1+: any node), or NULL */
};

/* block-export-add of type nbd.  Needs a running NBD server. */
bool st_qmp_export_add(struct st_qmp *qmp, const struct st_qmp_export_opts *opts,
                       struct st_error **errp);

/**
 * st_qmp_export_del:
 * @hard: mode "hard": disconnect the export's NBD clients (QEMU's
 *   default, "safe", refuses while one is connected: "export '...'
 *   still in use")
 *
 * block-export-del, then wait (up to @timeout_ms) for
 * BLOCK_EXPORT_DELETED: the node stays in use until then.
 */
bool st_qmp_export_del(struct st_qmp *qmp, const char *id, bool hard, int timeout_ms,
                       struct st_error **errp);

/* query-block-exports; owned array of {"id", "type", "node-name", ...}. */
struct json_object *st_qmp_export_list(struct st_qmp *qmp, struct st_error **errp);

#endif
