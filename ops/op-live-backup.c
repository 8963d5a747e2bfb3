/* ops/op-live-backup.c: live backups by fleecing (op-live-backup.h). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "chain/chain.h"
#include "common/log.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "qmp/blockdev.h"
#include "qmp/fleece.h"
#include "ops/op-export.h"
#include "ops/op-live-backup.h"
#include "ops/op-util.h"

ST_LOG_INIT("ops.live-backup");

/* "pit-HASH-cur" (the current state's read-only export) -> "pit-HASH-bak":
 * --stop matches the pit- exports. */
static char *
backup_id(const struct st_view *v)
{
    char *id = st_exporter_pit_id(v, NULL);
    size_t n = strlen(id);

    if (n > 4 && strcmp(id + n - 4, "-cur") == 0)
        memcpy(id + n - 4, "-bak", 4);
    return id;
}

static bool
virtual_size(const struct st_view *v, uint64_t *size, struct st_error **errp)
{
    struct st_chain_opts copts = { .format = v->format, .skip_allocation = true, .max_depth = 1 };
    CLEANUP_CHAIN struct st_chain *chain = st_chain_load(v->path, &copts, errp);

    if (!chain)
        return false;
    if (!chain->n_layers || !chain->layers[0].has_header) {
        st_error_set(errp, ST_E_QCOW2, "disk '%s': cannot read the header of '%s'", v->dev,
                     v->path);
        st_error_set_path(errp, v->path);
        return false;
    }
    *size = chain->layers[0].virtual_size;
    return true;
}

/* Every guest write copies the old data into the temporary file first,
 * and a copy that fails fails the guest's write: the run directory
 * (often a small tmpfs) must hold the whole disk, the most a backup can
 * copy. */
static bool
room_for(const char *dir, const char *dev, uint64_t size, struct st_error **errp)
{
    struct statvfs sv;
    uint64_t avail;

    if (statvfs(dir, &sv) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot read the free space of '%s'", dir);
        return false;
    }
    avail = (uint64_t) sv.f_bavail * sv.f_frsize;
    if (avail >= size)
        return true;
    st_error_set(errp, ST_E_CONFLICT, "disk '%s': the run directory '%s' has %" PRIu64 " bytes "
                 "free, less than the disk's %" PRIu64 ": the backup copies old data there "
                 "before each guest write, and a copy that fails fails the write", dev, dir,
                 avail, size);
    st_error_hint(errp, "give strata a larger run directory (--run-dir, on the images' file "
                  "system), or export a snapshot instead");
    return false;
}

static bool
add_one(struct st_exporter *ex, const struct st_view *v, struct st_export *out,
        struct st_error **errp)
{
    struct st_qmp *qmp = st_session_qmp(ex->sess);
    CLEANUP_FREE char *id = backup_id(v);
    CLEANUP_FREE char *active = st_session_node_name(v->path);
    CLEANUP_FREE char *base = NULL;
    const char *hash = id + 4;      /* "HASH-bak" */
    struct st_export e = { 0 };
    uint64_t size;

    if (!virtual_size(v, &size, errp) || !room_for(ex->dir, v->dev, size, errp))
        return false;
    base = st_xasprintf("backup-%s.qcow2", v->dev);
    e.id = st_xstrdup(id);
    e.name = st_xasprintf("%s@backup", v->dev);
    e.node = st_xasprintf("fleece-%.16s", hash);
    e.disk = st_xstrdup(v->dev);
    e.job = st_xasprintf("backup-%.16s", hash);
    e.temp_file = st_path_join(ex->dir, base);
    st_strv_add(&e.opened, e.node);
    if (!st_qmp_fleece_start(qmp, active, e.temp_file, e.node, size, e.job, errp)) {
        st_error_prepend(errp, "disk '%s': ", v->dev);
        st_export_clear(&e);
        return false;
    }
    st_op_crash_point("live-backup-started");
    if (!st_exporter_add_node(ex, &e, errp)) {
        st_qmp_fleece_cancel(qmp, e.job, 10 * 1000, NULL);
        st_qmp_blockdev_del_layer(qmp, e.node, NULL);
        unlink(e.temp_file);
        st_export_clear(&e);
        return false;
    }
    st_debug("disk %s: fleecing %s into %s (job %s), exported as %s", v->dev, active, e.node,
             e.job, e.uri);
    *out = e;
    return true;
}

bool
st_op_live_backup_add(struct st_exporter *ex, const char *dom, const struct st_views *views,
                      struct st_export **added, struct st_error **errp)
{
    struct st_export *v;
    size_t n = 0;

    if (ex->kind != ST_EXPORTER_LIVE) {
        st_error_set(errp, ST_E_CONFLICT, "domain '%s' is not live: --live-backup freezes a "
                     "running disk", dom);
        st_error_hint(errp, "start it with 'strata start %s', or export a snapshot with "
                      "--snapshot", dom);
        return false;
    }
    for (size_t i = 0; i < views->n; i++) {
        CLEANUP_FREE char *id = backup_id(&views->v[i]);
        struct st_export old = { 0 };

        if (st_exporter_find(ex, id, &old)) {
            st_error_set(errp, ST_E_BUSY, "disk '%s' of domain '%s' is being backed up "
                         "already (export %s)", views->v[i].dev, dom, old.uri);
            st_error_hint(errp, "'strata export %s --stop --disk %s' ends that backup", dom,
                          views->v[i].dev);
            st_export_clear(&old);
            return false;
        }
    }
    v = st_xcalloc(views->n ? views->n : 1, sizeof *v);
    for (; n < views->n; n++)
        if (!add_one(ex, &views->v[n], &v[n], errp))
            break;
    if (n == views->n) {
        *added = v;
        return true;
    }
    st_op_export_undo(ex, v, n);
    for (size_t i = 0; i < n; i++)
        st_export_clear(&v[i]);
    free(v);
    return false;
}
