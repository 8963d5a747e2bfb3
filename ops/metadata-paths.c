/* ops/metadata-paths.c: new file names in a domain's metadata
 * (metadata-paths.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/xalloc.h"
#include "ops/metadata-paths.h"
#include "ops/op-util.h"

/* The new name of @path, or NULL when none of @r names it. */
static const char *
renamed(const struct st_path_rename *r, size_t n, const char *path)
{
    struct stat st;
    bool known = stat(path, &st) == 0;

    for (size_t i = 0; i < n; i++) {
        struct stat fs;

        if (strcmp(path, r[i].from) == 0 || strcmp(path, r[i].to) == 0)
            return r[i].to;
        /* Another name of the same file (a symlink metadata uses). */
        if (known && stat(r[i].from, &fs) == 0 && fs.st_dev == st.st_dev &&
            fs.st_ino == st.st_ino)
            return r[i].to;
    }
    return NULL;
}

static bool
rename_in_domain(const struct st_path_rename *r, size_t n, struct st_domain *d, bool *changed,
                 struct st_error **errp)
{
    for (size_t i = 0; i < d->ndisks; i++) {
        struct st_domain_disk *dd = &d->disks[i];
        const char *to = dd->source ? renamed(r, n, dd->source) : NULL;

        if (!to || strcmp(to, dd->source) == 0)
            continue;
        if (!st_domain_disk_set_source(d, dd, to, NULL, errp))
            return false;
        *changed = true;
    }
    return true;
}

bool
st_metadata_paths_rewrite(const struct st_store *store, const char *dom,
                          const struct st_path_rename *r, size_t n, const char *crash_point,
                          struct st_error **errp)
{
    CLEANUP_DOMAIN struct st_domain *d = NULL;
    CLEANUP_TREE struct st_tree *tree = NULL;
    bool changed = false, first = true;

    if (!(d = st_store_domain_load(store, dom, errp)) ||
        !(tree = st_store_tree_load(store, dom, 0, st_store_warn_log, NULL, errp)))
        return false;
    for (size_t t = 0; t < tree->n; t++) {
        struct st_snapshot *snap = tree->nodes[t]->snap;
        CLEANUP_DOMAIN struct st_domain *then = st_snapshot_get_domain(snap, NULL);
        bool snap_changed = false, then_changed = false;

        for (size_t i = 0; i < snap->ndisks; i++) {
            struct st_snapshot_disk *sd = &snap->disks[i];
            const char *to = sd->source ? renamed(r, n, sd->source) : NULL;

            if (to && strcmp(to, sd->source) != 0) {
                free(sd->source);
                sd->source = st_xstrdup(to);
                snap_changed = true;
            }
        }
        if (then && !rename_in_domain(r, n, then, &then_changed, errp))
            return false;
        if (then_changed)
            st_snapshot_set_domain(snap, then);
        if (!snap_changed && !then_changed)
            continue;
        if (!st_store_snapshot_save(store, dom, snap, errp))
            return false;
        if (first && crash_point)
            st_op_crash_point(crash_point);
        first = false;
    }
    if (!rename_in_domain(r, n, d, &changed, errp))
        return false;
    return !changed || st_store_domain_save(store, d, errp);
}
