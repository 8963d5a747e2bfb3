/* ops/orphans.c: find and remove the files strata made that nothing
 * references (orphans.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/json.h"
#include "common/log.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "chain/chain.h"
#include "store/created.h"
#include "store/journal.h"
#include "ops/orphans.h"

ST_LOG_INIT("ops.orphans");

struct ids {
    dev_t *dev;
    ino_t *ino;
    size_t n;
};

static bool
ids_has(const struct ids *s, dev_t dev, ino_t ino)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->dev[i] == dev && s->ino[i] == ino)
            return true;
    }
    return false;
}

static void
ids_add(struct ids *s, dev_t dev, ino_t ino)
{
    if (ids_has(s, dev, ino))
        return;
    s->dev = st_xreallocarray(s->dev, s->n + 1, sizeof *s->dev);
    s->ino = st_xreallocarray(s->ino, s->n + 1, sizeof *s->ino);
    s->dev[s->n] = dev;
    s->ino[s->n++] = ino;
}

static void
ids_clear(struct ids *s)
{
    free(s->dev);
    free(s->ino);
}
#define CLEANUP_IDS ST_CLEANUP(ids_clear)

/* Every file of the chain from @path down (the file itself even when
 * its header cannot be read: metadata names it, so it is not ours to
 * call an orphan).  One layer at a time, stopping at a file already
 * seen: the chains of a tree share their lower layers, and walking each
 * to its base would read them once per snapshot. */
static void
add_chain(struct ids *s, const char *path, const char *format)
{
    CLEANUP_FREE char *next = path ? st_xstrdup(path) : NULL;
    CLEANUP_FREE char *fmt = st_xstrdup(format);
    struct stat st;

    for (size_t depth = 0; next && depth <= ST_CHAIN_DEFAULT_MAX_DEPTH; depth++) {
        struct st_chain_opts o = { .format = fmt, .max_depth = 1, .skip_allocation = true };
        CLEANUP_CHAIN struct st_chain *chain = NULL;
        const struct st_layer *l;

        if (stat(next, &st) < 0 || ids_has(s, st.st_dev, st.st_ino))
            return;
        ids_add(s, st.st_dev, st.st_ino);
        if (!(chain = st_chain_load(next, &o, NULL)))
            return;
        l = &chain->layers[0];
        free(next);
        free(fmt);
        next = l->backing_resolved ? st_xstrdup(l->backing_resolved) : NULL;
        fmt = st_xstrdup(l->backing_format && strcmp(l->backing_format, "raw") == 0 ? "raw"
                                                                                   : "qcow2");
    }
}

static const char *
fmt_or_qcow2(const char *f)
{
    return f && strcmp(f, "raw") == 0 ? "raw" : "qcow2";
}

static void
warn_snapshot(const struct st_error *err, void *opaque ST_UNUSED)
{
    st_debug("orphans: %s", err->msg);
}

/* The files metadata references: chains of the active disks, of every
 * snapshot's points in time and overlays, and the journal's files. */
static bool
referenced(const struct st_store *store, const char *name, struct ids *s, struct st_error **errp)
{
    CLEANUP_DOMAIN struct st_domain *dom = NULL;
    CLEANUP_TREE struct st_tree *tree = NULL;
    CLEANUP_JSON struct json_object *journal = NULL;
    struct st_error *err = NULL;
    struct json_object *files;

    if (!(dom = st_store_domain_load(store, name, errp)) ||
        !(tree = st_store_tree_load(store, name, 0, warn_snapshot, NULL, errp)))
        return false;
    for (size_t d = 0; d < dom->ndisks; d++)
        add_chain(s, dom->disks[d].source, fmt_or_qcow2(dom->disks[d].format));
    for (size_t i = 0; i < tree->n; i++) {
        const struct st_snapshot *snap = tree->nodes[i]->snap;
        CLEANUP_DOMAIN struct st_domain *then = st_snapshot_get_domain(snap, NULL);

        for (size_t d = 0; then && d < then->ndisks; d++)
            add_chain(s, then->disks[d].source, fmt_or_qcow2(then->disks[d].format));
        for (size_t d = 0; d < snap->ndisks; d++)
            add_chain(s, snap->disks[d].source, fmt_or_qcow2(snap->disks[d].format));
    }
    if (!(journal = st_journal_read(store, name, &err)) && err) {
        /* An unreadable journal might name any file: call none an orphan. */
        st_error_propagate(errp, err);
        st_error_prepend(errp, "domain '%s': ", name);
        return false;
    }
    files = journal ? st_json_get_array(journal, "created-files") : NULL;
    for (size_t i = 0; files && i < json_object_array_length(files); i++)
        add_chain(s, json_object_get_string(json_object_array_get_idx(files, i)), "qcow2");
    return true;
}

static int
by_path(const void *a, const void *b)
{
    return strcmp(((const struct st_orphan *) a)->path, ((const struct st_orphan *) b)->path);
}

static struct st_orphan *
orphan_of(struct st_orphans *o, const struct ids *oids, dev_t dev, ino_t ino)
{
    for (size_t i = 0; i < oids->n; i++) {
        if (oids->dev[i] == dev && oids->ino[i] == ino)
            return &o->v[i];
    }
    return NULL;
}

/* Which orphans some other file of their directories backs onto: those
 * stay, whatever made them (a user may have put an overlay on one). */
static void
find_backed(struct st_orphans *o, const struct ids *oids)
{
    CLEANUP_STRV char **dirs = NULL;

    for (size_t i = 0; i < o->n; i++) {
        CLEANUP_FREE char *d = st_path_dirname(o->v[i].path);

        if (!st_strv_contains(dirs, d))
            st_strv_add(&dirs, d);
    }
    for (size_t k = 0; dirs && dirs[k]; k++) {
        DIR *dp = opendir(dirs[k]);
        struct dirent *de;

        if (!dp)
            continue;
        while ((de = readdir(dp))) {
            CLEANUP_FREE char *p = st_path_join(dirs[k], de->d_name);
            struct st_chain_opts co = { .format = "qcow2", .skip_allocation = true };
            CLEANUP_CHAIN struct st_chain *chain = NULL;
            struct stat st;

            if (stat(p, &st) < 0 || !S_ISREG(st.st_mode) || ids_has(oids, st.st_dev, st.st_ino))
                continue;
            /* Only a qcow2 file has a backing file to point at an orphan. */
            if (!(chain = st_chain_load(p, &co, NULL)))
                continue;
            for (size_t l = 1; l < chain->n_layers; l++) {
                struct st_orphan *or;

                if (!chain->layers[l].exists ||
                    !(or = orphan_of(o, oids, chain->layers[l].dev, chain->layers[l].ino)))
                    continue;
                if (!or->backed_by)
                    or->backed_by = st_xstrdup(p);
            }
        }
        closedir(dp);
    }
}

void
st_orphans_clear(struct st_orphans *o)
{
    for (size_t i = 0; o && i < o->n; i++) {
        free(o->v[i].path);
        free(o->v[i].operation);
        free(o->v[i].snapshot);
        free(o->v[i].backed_by);
    }
    if (o) {
        free(o->v);
        o->v = NULL;
        o->n = 0;
    }
}

bool
st_orphans_find(const struct st_store *store, const char *dom, struct st_orphans *out,
                struct st_error **errp)
{
    CLEANUP_IDS struct ids refs = { 0 };
    CLEANUP_IDS struct ids oids = { 0 };
    CLEANUP_JSON struct json_object *record = NULL;

    memset(out, 0, sizeof *out);
    if (!(record = st_created_load(store, dom, errp)) || !referenced(store, dom, &refs, errp))
        return false;
    for (size_t i = 0; i < json_object_array_length(record); i++) {
        struct json_object *e = json_object_array_get_idx(record, i);
        const char *p = st_json_get_string(e, "path"), *s;
        struct stat st;

        /* Proven ours: the file at the path is the one recorded. */
        if (!p || st_created_find(record, p) != e || stat(p, &st) < 0 ||
            ids_has(&refs, st.st_dev, st.st_ino) || ids_has(&oids, st.st_dev, st.st_ino))
            continue;
        out->v = st_xreallocarray(out->v, out->n + 1, sizeof *out->v);
        out->v[out->n] = (struct st_orphan) { .path = st_xstrdup(p) };
        if ((s = st_json_get_string(e, "operation")))
            out->v[out->n].operation = st_xstrdup(s);
        if ((s = st_json_get_string(e, "snapshot")))
            out->v[out->n].snapshot = st_xstrdup(s);
        out->n++;
        ids_add(&oids, st.st_dev, st.st_ino);
    }
    find_backed(out, &oids);
    /* oids is parallel to out->v until here: sort only now. */
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, by_path);
    return true;
}

bool
st_orphans_remove(const struct st_store *store, const char *dom, struct st_orphans *o,
                  struct st_error **errp)
{
    CLEANUP_JSON struct json_object *record = NULL;

    if (!st_journal_refuse_if_pending(store, dom, errp))
        return false;
    if (!(record = st_created_load(store, dom, errp)))
        return false;
    for (size_t i = 0; i < o->n; i++) {
        struct st_orphan *or = &o->v[i];

        if (or->backed_by)
            continue;
        /* Again, right before the unlink: still the file strata made. */
        if (!st_created_find(record, or->path)) {
            st_debug("'%s' is no longer the file strata made; left alone", or->path);
            continue;
        }
        if (unlink(or->path) < 0) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot remove orphan '%s'", or->path);
            st_error_set_path(errp, or->path);
            return false;
        }
        or->removed = true;
        if (!st_path_fsync_dir(or->path, errp))
            return false;
    }
    return st_created_prune(store, dom, errp);
}
