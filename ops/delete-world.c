/* ops/delete-world.c: build the planner's input from the metadata and
 * the files' headers (see delete-world.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "xml/snapshot.h"
#include "chain/chain.h"
#include "store/created.h"
#include "ops/delete-world.h"

ST_LOG_INIT("ops.delete");

struct wdisk {
    struct st_plan_file *files;     /* owned array; paths point into @paths */
    char **paths;                   /* owned strings, one per file */
    dev_t *devs;
    ino_t *inos;
    size_t n;
};

struct st_delete_world {
    struct st_plan_input in;        /* borrows everything below */
    struct st_plan_snap *snaps;
    int *pits;                      /* nsnaps * ndisks */
    int *ovls;
    char **missing;                 /* nsnaps * ndisks; owned or NULL */
    struct st_plan_disk *disks;
    struct wdisk *wd;
    size_t ndisks;
};

void
st_delete_world_free(struct st_delete_world *w)
{
    if (!w)
        return;
    for (size_t d = 0; d < w->ndisks; d++) {
        for (size_t i = 0; i < w->wd[d].n; i++)
            free(w->wd[d].paths[i]);
        free(w->wd[d].paths);
        free(w->wd[d].files);
        free(w->wd[d].devs);
        free(w->wd[d].inos);
    }
    free(w->wd);
    free(w->disks);
    free(w->snaps);
    free(w->pits);
    free(w->ovls);
    for (size_t i = 0; w->missing && i < w->in.nsnaps * w->ndisks; i++)
        free(w->missing[i]);
    free(w->missing);
    free(w);
}

/* Index of the file at @path in @wd, reading it (and, recursively, its
 * backing files) if it is new; -1 when it cannot be read. */
static int
add_file(struct wdisk *wd, const char *path, const char *format, unsigned depth)
{
    struct st_chain_opts opts = { .format = format, .max_depth = 1 };
    CLEANUP_CHAIN struct st_chain *chain = NULL;
    CLEANUP_ERROR struct st_error *err = NULL;
    const struct st_layer *l;
    struct stat st;
    size_t i;
    int b;

    if (!path || stat(path, &st) < 0)
        return -1;
    for (i = 0; i < wd->n; i++) {
        if (wd->devs[i] == st.st_dev && wd->inos[i] == st.st_ino)
            return (int) i;
    }
    if (depth > ST_CHAIN_DEFAULT_MAX_DEPTH)
        return -1;
    if (!(chain = st_chain_load(path, &opts, &err))) {
        st_debug("'%s' left out of the file graph: %s", path, err->msg);
        return -1;
    }
    l = &chain->layers[0];
    i = wd->n++;
    wd->files = st_xreallocarray(wd->files, wd->n, sizeof *wd->files);
    wd->paths = st_xreallocarray(wd->paths, wd->n, sizeof *wd->paths);
    wd->devs = st_xreallocarray(wd->devs, wd->n, sizeof *wd->devs);
    wd->inos = st_xreallocarray(wd->inos, wd->n, sizeof *wd->inos);
    wd->paths[i] = st_xstrdup(l->abs_path ? l->abs_path : path);
    wd->devs[i] = st.st_dev;
    wd->inos[i] = st.st_ino;
    wd->files[i].backing = -1;
    wd->files[i].allocated = l->has_alloc ? l->allocated_bytes : l->file_size;
    /* A static string: the layer's own copy dies with the chain. */
    wd->files[i].format = l->format && strcmp(l->format, "raw") == 0 ? "raw" : "qcow2";
    if (l->backing_resolved && l->backing_format) {
        b = add_file(wd, l->backing_resolved, l->backing_format, depth + 1);
        wd->files[i].backing = b;
    }
    return (int) i;
}

static bool
disk_skipped(const struct st_domain_disk *dd, const struct st_snapshot_disk *sd)
{
    enum st_snapshot_mode m = sd ? sd->snapshot : dd->snapshot;

    return m == ST_SNAPSHOT_MODE_NO || m == ST_SNAPSHOT_MODE_INTERNAL;
}

struct st_delete_world *
st_delete_world_load(const struct st_domain *dom, const struct st_tree *tree,
                     struct st_error **errp)
{
    struct st_delete_world *w = st_xcalloc(1, sizeof *w);
    size_t nd = dom->ndisks, ns = tree->n;

    (void) errp;    /* unreadable files are left out rather than failing */
    w->ndisks = nd;
    w->wd = st_xcalloc(nd + 1, sizeof *w->wd);
    w->disks = st_xcalloc(nd + 1, sizeof *w->disks);
    w->snaps = st_xcalloc(ns + 1, sizeof *w->snaps);
    w->pits = st_xcalloc(ns * nd + 1, sizeof *w->pits);
    w->ovls = st_xcalloc(ns * nd + 1, sizeof *w->ovls);
    w->missing = st_xcalloc(ns * nd + 1, sizeof *w->missing);

    for (size_t d = 0; d < nd; d++) {
        const struct st_domain_disk *dd = &dom->disks[d];

        w->disks[d].target = dd->target;
        w->disks[d].active = add_file(&w->wd[d], dd->source, dd->format ? dd->format : "qcow2", 0);
    }
    for (size_t s = 0; s < ns; s++) {
        const struct st_tree_node *node = tree->nodes[s];
        const struct st_snapshot *snap = node->snap;
        CLEANUP_ERROR struct st_error *err = NULL;
        CLEANUP_DOMAIN struct st_domain *then = st_snapshot_get_domain(snap, &err);

        w->snaps[s].name = snap->name;
        w->snaps[s].parent = node->parent ? (int) node->parent->index : -1;
        w->snaps[s].current = node == tree->current;
        w->snaps[s].pit = &w->pits[s * nd];
        w->snaps[s].overlay = &w->ovls[s * nd];
        for (size_t d = 0; d < nd; d++) {
            const struct st_domain_disk *dd = &dom->disks[d];
            const struct st_snapshot_disk *sd = st_snapshot_find_disk(snap, dd->target);
            const struct st_domain_disk *td = then ? st_domain_find_disk(then, dd->target) : NULL;
            int *pit = &w->pits[s * nd + d], *ovl = &w->ovls[s * nd + d];

            *pit = *ovl = -1;
            if (disk_skipped(dd, sd))
                continue;
            if (sd && sd->source)
                *ovl = add_file(&w->wd[d], sd->source, sd->format ? sd->format : "qcow2", 0);
            if (td && td->source)
                *pit = add_file(&w->wd[d], td->source, td->format ? td->format : "qcow2", 0);
            else if (*ovl >= 0)
                *pit = w->wd[d].files[*ovl].backing;
            if (td && td->source && *pit < 0)
                w->missing[s * nd + d] = st_xstrdup(td->source);
            else if (sd && sd->source && *ovl < 0)
                w->missing[s * nd + d] = st_xstrdup(sd->source);
        }
    }
    for (size_t d = 0; d < nd; d++) {
        for (size_t i = 0; i < w->wd[d].n; i++)
            w->wd[d].files[i].path = w->wd[d].paths[i];
        w->disks[d].files = w->wd[d].files;
        w->disks[d].nfiles = w->wd[d].n;
    }
    w->in.snaps = w->snaps;
    w->in.nsnaps = ns;
    w->in.disks = w->disks;
    w->in.ndisks = nd;
    return w;
}

void
st_delete_world_mark_made(struct st_delete_world *w, struct json_object *record)
{
    for (size_t d = 0; d < w->ndisks; d++) {
        for (size_t i = 0; i < w->wd[d].n; i++)
            w->wd[d].files[i].made = st_created_find(record, w->wd[d].paths[i]) != NULL;
    }
}

const struct st_plan_input *
st_delete_world_input(const struct st_delete_world *w)
{
    return &w->in;
}

int
st_delete_world_find_snap(const struct st_delete_world *w, const char *name)
{
    for (size_t s = 0; s < w->in.nsnaps; s++) {
        if (strcmp(w->snaps[s].name, name) == 0)
            return (int) s;
    }
    return -1;
}

int
st_delete_world_find_file(const struct st_delete_world *w, size_t disk, const char *path)
{
    struct stat st;

    if (disk >= w->ndisks || !path || stat(path, &st) < 0)
        return -1;
    for (size_t i = 0; i < w->wd[disk].n; i++) {
        if (w->wd[disk].devs[i] == st.st_dev && w->wd[disk].inos[i] == st.st_ino)
            return (int) i;
    }
    return -1;
}

const char *
st_delete_world_missing(const struct st_delete_world *w, size_t snap, size_t disk)
{
    if (snap >= w->in.nsnaps || disk >= w->ndisks)
        return NULL;
    return w->missing[snap * w->ndisks + disk];
}
