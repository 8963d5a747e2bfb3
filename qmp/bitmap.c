/* qmp/bitmap.c: null-co nodes with dirty bitmaps (bitmap.h). */
#include "config.h"

#include "common/json.h"
#include "qmp/bitmap.h"

bool
st_qmp_bitmap_node_add(struct st_qmp *qmp, const char *node, uint64_t size, const char *bitmap,
                       uint64_t granularity, struct st_error **errp)
{
    struct json_object *args = json_object_new_object();

    json_object_object_add(args, "driver", json_object_new_string("null-co"));
    json_object_object_add(args, "node-name", json_object_new_string(node));
    json_object_object_add(args, "size", json_object_new_int64((int64_t) size));
    /* Nothing reads it, but a reader would otherwise get whatever the
     * buffer held. */
    json_object_object_add(args, "read-zeroes", json_object_new_boolean(1));
    if (!st_qmp_run(qmp, "blockdev-add", args, errp))
        return false;
    args = json_object_new_object();
    json_object_object_add(args, "node", json_object_new_string(node));
    json_object_object_add(args, "name", json_object_new_string(bitmap));
    json_object_object_add(args, "granularity", json_object_new_int64((int64_t) granularity));
    json_object_object_add(args, "persistent", json_object_new_boolean(0));
    if (!st_qmp_run(qmp, "block-dirty-bitmap-add", args, errp)) {
        st_qmp_bitmap_node_del(qmp, node, NULL);
        return false;
    }
    return true;
}

bool
st_qmp_bitmap_disable(struct st_qmp *qmp, const char *node, const char *bitmap,
                      struct st_error **errp)
{
    struct json_object *args = json_object_new_object();

    json_object_object_add(args, "node", json_object_new_string(node));
    json_object_object_add(args, "name", json_object_new_string(bitmap));
    return st_qmp_run(qmp, "block-dirty-bitmap-disable", args, errp);
}

bool
st_qmp_bitmap_node_del(struct st_qmp *qmp, const char *node, struct st_error **errp)
{
    struct json_object *args = json_object_new_object();

    json_object_object_add(args, "node-name", json_object_new_string(node));
    return st_qmp_run(qmp, "blockdev-del", args, errp);
}
