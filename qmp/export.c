/* qmp/export.c: nbd-server-start and block exports. */
#include "config.h"

#include "common/json.h"
#include "qmp/export.h"

static bool
server_start(struct st_qmp *qmp, struct json_object *addr, struct st_error **errp)
{
    struct json_object *args = json_object_new_object();

    json_object_object_add(args, "addr", addr);
    return st_qmp_run(qmp, "nbd-server-start", args, errp);
}

bool
st_qmp_nbd_server_start(struct st_qmp *qmp, const char *sock_path, struct st_error **errp)
{
    struct json_object *addr = json_object_new_object();
    struct json_object *data = json_object_new_object();

    /* A tagged union: "data" is required (qmp-notes). */
    json_object_object_add(data, "path", json_object_new_string(sock_path));
    json_object_object_add(addr, "type", json_object_new_string("unix"));
    json_object_object_add(addr, "data", data);
    return server_start(qmp, addr, errp);
}

bool
st_qmp_nbd_server_start_tcp(struct st_qmp *qmp, const char *host, const char *port,
                            struct st_error **errp)
{
    struct json_object *addr = json_object_new_object();
    struct json_object *data = json_object_new_object();

    json_object_object_add(data, "host", json_object_new_string(host));
    json_object_object_add(data, "port", json_object_new_string(port));
    json_object_object_add(addr, "type", json_object_new_string("inet"));
    json_object_object_add(addr, "data", data);
    return server_start(qmp, addr, errp);
}

bool
st_qmp_nbd_server_stop(struct st_qmp *qmp, struct st_error **errp)
{
    return st_qmp_run(qmp, "nbd-server-stop", NULL, errp);
}

bool
st_qmp_export_add(struct st_qmp *qmp, const struct st_qmp_export_opts *o, struct st_error **errp)
{
    struct json_object *args = json_object_new_object();

    json_object_object_add(args, "type", json_object_new_string("nbd"));
    json_object_object_add(args, "id", json_object_new_string(o->id));
    json_object_object_add(args, "node-name", json_object_new_string(o->node_name));
    json_object_object_add(args, "name", json_object_new_string(o->name ? o->name : o->id));
    json_object_object_add(args, "writable", json_object_new_boolean(o->writable));
    if (o->allocation_depth)
        json_object_object_add(args, "allocation-depth", json_object_new_boolean(1));
    if (o->bitmap) {
        struct json_object *bm = json_object_new_object();
        struct json_object *list = json_object_new_array();

        json_object_object_add(bm, "node", json_object_new_string(o->bitmap_node));
        json_object_object_add(bm, "name", json_object_new_string(o->bitmap));
        json_object_array_add(list, bm);
        json_object_object_add(args, "bitmaps", list);
    }
    return st_qmp_run(qmp, "block-export-add", args, errp);
}

static bool
is_deleted(struct json_object *ev, void *opaque)
{
    return st_qmp_event_is(ev, "BLOCK_EXPORT_DELETED", opaque);
}

bool
st_qmp_export_del(struct st_qmp *qmp, const char *id, bool hard, int timeout_ms,
                  struct st_error **errp)
{
    struct json_object *args = json_object_new_object();
    struct st_deadline dl = st_deadline_in_ms(timeout_ms);
    CLEANUP_JSON struct json_object *ev = NULL;

    json_object_object_add(args, "id", json_object_new_string(id));
    if (hard)
        json_object_object_add(args, "mode", json_object_new_string("hard"));
    if (!st_qmp_run(qmp, "block-export-del", args, errp))
        return false;
    ev = st_qmp_wait_event(qmp, is_deleted, (void *) id, "BLOCK_EXPORT_DELETED", &dl, errp);
    return ev != NULL;
}

struct json_object *
st_qmp_export_list(struct st_qmp *qmp, struct st_error **errp)
{
    return st_qmp_execute(qmp, "query-block-exports", NULL, errp);
}
