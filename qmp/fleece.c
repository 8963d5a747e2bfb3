/* qmp/fleece.c: fleecing with blockdev-backup sync=none (fleece.h). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/json.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "qmp/blockdev.h"
#include "qmp/fleece.h"

ST_LOG_INIT("qmp.fleece");

bool
st_qmp_fleece_start(struct st_qmp *qmp, const char *active, const char *path, const char *node,
                    uint64_t size, const char *job_id, struct st_error **errp)
{
    CLEANUP_FREE char *file = st_xasprintf("%s-file", node);
    struct st_qmp_overlay_opts o = {
        .path = path, .node_name = node, .backing_file = path, .backing_fmt = "qcow2",
        .size = size,
    };
    struct json_object *args;

    /* The header's backing string is never used: the node gets its
     * backing below, and the file is removed with it.  It names the
     * file itself so that nothing outside strata opens it as a chain. */
    if (!st_qmp_overlay_create(qmp, &o, errp))
        return false;
    /* Reopened with @active as backing: blockdev-del of the format node
     * alone, then blockdev-add over the same file node. */
    args = json_object_new_object();
    json_object_object_add(args, "node-name", json_object_new_string(node));
    if (!st_qmp_run(qmp, "blockdev-del", args, errp))
        goto fail;
    args = json_object_new_object();
    json_object_object_add(args, "driver", json_object_new_string("qcow2"));
    json_object_object_add(args, "node-name", json_object_new_string(node));
    json_object_object_add(args, "file", json_object_new_string(file));
    json_object_object_add(args, "backing", json_object_new_string(active));
    if (!st_qmp_run(qmp, "blockdev-add", args, errp))
        goto fail;
    args = json_object_new_object();
    json_object_object_add(args, "job-id", json_object_new_string(job_id));
    json_object_object_add(args, "device", json_object_new_string(active));
    json_object_object_add(args, "target", json_object_new_string(node));
    json_object_object_add(args, "sync", json_object_new_string("none"));
    if (!st_qmp_run(qmp, "blockdev-backup", args, errp))
        goto fail;
    return true;

fail:
    if (!st_qmp_blockdev_del_layer(qmp, node, NULL)) {
        args = json_object_new_object();
        json_object_object_add(args, "node-name", json_object_new_string(file));
        st_qmp_run(qmp, "blockdev-del", args, NULL);
    }
    if (unlink(path) < 0 && errno != ENOENT)
        st_debug("cannot remove %s: %s", path, strerror(errno));
    return false;
}

static bool
job_gone(struct json_object *ev, void *opaque)
{
    struct json_object *data = st_json_get_object(ev, "data");
    const char *status = st_json_get_string(data, "status");

    return st_qmp_event_is(ev, "JOB_STATUS_CHANGE", opaque) && status &&
           strcmp(status, "null") == 0;
}

static bool
job_exists(struct st_qmp *qmp, const char *job_id, bool *exists, struct st_error **errp)
{
    CLEANUP_JSON struct json_object *jobs = st_qmp_execute(qmp, "query-jobs", NULL, errp);

    if (!jobs)
        return false;
    *exists = false;
    for (size_t i = 0; i < json_object_array_length(jobs); i++) {
        const char *id = st_json_get_string(json_object_array_get_idx(jobs, i), "id");

        if (id && strcmp(id, job_id) == 0)
            *exists = true;
    }
    return true;
}

bool
st_qmp_fleece_cancel(struct st_qmp *qmp, const char *job_id, int timeout_ms,
                     struct st_error **errp)
{
    struct st_deadline dl = st_deadline_in_ms(timeout_ms);
    CLEANUP_JSON struct json_object *ev = NULL;
    struct json_object *args;
    bool exists;

    if (!job_exists(qmp, job_id, &exists, errp))
        return false;
    if (!exists)
        return true;
    args = json_object_new_object();
    json_object_object_add(args, "id", json_object_new_string(job_id));
    if (!st_qmp_run(qmp, "job-cancel", args, errp))
        return false;
    ev = st_qmp_wait_event(qmp, job_gone, (void *) job_id, "the end of the backup job", &dl,
                           errp);
    return ev != NULL;
}
