/* ops/revert-abandon.c: the layer a revert leaves (revert-abandon.h). */
#include "config.h"

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
#include "ops/revert-abandon.h"

ST_LOG_INIT("ops.revert");

void
st_abandoned_free(struct st_abandoned *a, size_t n)
{
    for (size_t i = 0; a && i < n; i++) {
        free(a[i].dev);
        free(a[i].path);
        free(a[i].overlay_of);
        free(a[i].pit_of);
    }
    free(a);
}

const char *
st_abandon_action_name(enum st_abandon_action a)
{
    return a == ST_ABANDON_REMOVED ? "removed" : "left";
}

static bool
same_file(const char *a, const struct stat *b)
{
    struct stat st;

    return a && stat(a, &st) == 0 && st.st_dev == b->st_dev && st.st_ino == b->st_ino;
}

/* Which snapshots name the file @st: as a disk's overlay, as a point
 * in time. */
static void
find_names(const struct st_tree *tree, const char *dev, const struct stat *st,
           struct st_abandoned *a)
{
    for (size_t i = 0; tree && i < tree->n; i++) {
        const struct st_snapshot *snap = tree->nodes[i]->snap;
        const struct st_snapshot_disk *sd = st_snapshot_find_disk(snap, dev);
        CLEANUP_DOMAIN struct st_domain *then = st_snapshot_get_domain(snap, NULL);

        if (!a->overlay_of && sd && same_file(sd->source, st))
            a->overlay_of = st_xstrdup(snap->name);
        for (size_t d = 0; then && !a->pit_of && d < then->ndisks; d++) {
            if (same_file(then->disks[d].source, st))
                a->pit_of = st_xstrdup(snap->name);
        }
    }
}

bool
st_abandoned_examine(const struct st_store *store, const struct st_domain *dom,
                     const struct st_tree *tree, char *const *devs, struct st_abandoned **out,
                     size_t *n, struct st_error **errp)
{
    CLEANUP_JSON struct json_object *record = NULL;
    struct st_abandoned *v = NULL;
    size_t k = 0;

    *out = NULL;
    *n = 0;
    if (!(record = st_created_load(store, dom->name, errp)))
        return false;
    for (size_t i = 0; devs && devs[i]; i++) {
        const struct st_domain_disk *d = st_domain_find_disk(dom, devs[i]);
        const char *fmt = d && d->format && strcmp(d->format, "raw") == 0 ? "raw" : "qcow2";
        struct st_chain_opts o = { .format = fmt, .max_depth = 1 };
        CLEANUP_CHAIN struct st_chain *chain = NULL;
        CLEANUP_ERROR struct st_error *err = NULL;
        struct st_abandoned *a;
        struct stat st;

        if (!d || !d->source || stat(d->source, &st) < 0)
            continue;
        if (!(chain = st_chain_load(d->source, &o, &err))) {
            st_error_propagate(errp, ST_STEAL(&err));
            st_error_prepend(errp, "disk '%s': active layer: ", d->target);
            st_abandoned_free(v, k);
            return false;
        }
        v = st_xreallocarray(v, k + 1, sizeof *v);
        a = &v[k++];
        memset(a, 0, sizeof *a);
        a->dev = st_xstrdup(d->target);
        a->path = st_xstrdup(d->source);
        /* Zero clusters are writes too (the guest zeroed something). */
        a->allocated = chain->layers[0].has_alloc
            ? chain->layers[0].allocated_bytes + chain->layers[0].zero_bytes
            : chain->layers[0].file_size;
        a->ours = st_created_find(record, d->source) != NULL;
        find_names(tree, d->target, &st, a);
    }
    *out = v;
    *n = k;
    return true;
}

bool
st_abandoned_has_data(const struct st_abandoned *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i].allocated > 0)
            return true;
    }
    return false;
}

/* Drop snapshot @name's overlay name for disk @dev: read afresh, since
 * the revert just changed which snapshot is current. */
static bool
drop_overlay_name(const struct st_store *store, const char *dom, const char *name,
                  const char *dev, struct st_error **errp)
{
    CLEANUP_FREE char *path = st_store_snapshot_path(store, dom, name);
    CLEANUP_TREE struct st_tree *tree = NULL;
    struct st_tree_node *node;
    struct st_snapshot_disk *sd;

    if (!(tree = st_store_tree_load(store, dom, 0, st_store_warn_log, NULL, errp)))
        return false;
    if (!(node = st_tree_find(tree, name)) || !(sd = st_snapshot_find_disk(node->snap, dev)))
        return true;
    free(sd->source);
    sd->source = NULL;
    sd->source_node = NULL;     /* borrowed from the document; its copy is no longer written */
    return st_store_snapshot_save(store, dom, node->snap, errp);
}

/* Guest bytes written in @path now; UINT64_MAX when it cannot be read. */
static uint64_t
written(const char *path)
{
    struct st_chain_opts o = { .format = "qcow2", .max_depth = 1 };
    CLEANUP_CHAIN struct st_chain *chain = st_chain_load(path, &o, NULL);

    if (!chain || !chain->layers[0].has_alloc)
        return UINT64_MAX;
    return chain->layers[0].allocated_bytes + chain->layers[0].zero_bytes;
}

bool
st_abandoned_remove(const struct st_store *store, const char *dom, struct st_abandoned *a,
                    size_t n, bool only_empty, struct st_error **errp)
{
    CLEANUP_JSON struct json_object *record = NULL;

    if (!(record = st_created_load(store, dom, errp)))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!a[i].remove)
            continue;
        /* Checked again just before: the file strata made, still. */
        if (!st_created_find(record, a[i].path)) {
            st_debug("'%s' is no longer the file strata made; left", a[i].path);
            continue;
        }
        if (only_empty && written(a[i].path) > 0) {
            st_warn("snapshot", "disk '%s': '%s' was written during the revert, so it stays; "
                    "'strata chain check %s' lists it", a[i].dev, a[i].path, dom);
            continue;
        }
        if (a[i].overlay_of && !drop_overlay_name(store, dom, a[i].overlay_of, a[i].dev, errp)) {
            st_error_prepend(errp, "snapshot '%s': ", a[i].overlay_of);
            return false;
        }
        if (unlink(a[i].path) < 0) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot remove the abandoned layer '%s'",
                               a[i].path);
            st_error_set_path(errp, a[i].path);
            st_error_hint(errp, "'strata chain check %s --remove-orphans' removes it later", dom);
            return false;
        }
        a[i].action = ST_ABANDON_REMOVED;
        if (!st_path_fsync_dir(a[i].path, errp))
            return false;
    }
    return st_created_prune(store, dom, errp);
}

struct json_object *
st_abandoned_plan_json(const struct st_abandoned *a, size_t n, bool only_empty)
{
    struct json_object *plan = json_object_new_object();
    struct json_object *arr = json_object_new_array();

    json_object_object_add(plan, "only-empty", json_object_new_boolean(only_empty));
    for (size_t i = 0; i < n; i++) {
        struct json_object *o = json_object_new_object();

        json_object_object_add(o, "disk", json_object_new_string(a[i].dev));
        json_object_object_add(o, "path", json_object_new_string(a[i].path));
        json_object_object_add(o, "allocated-bytes", json_object_new_int64((int64_t) a[i].allocated));
        json_object_object_add(o, "ours", json_object_new_boolean(a[i].ours));
        json_object_object_add(o, "overlay-of", st_json_string_or_null(a[i].overlay_of));
        json_object_object_add(o, "pit-of", st_json_string_or_null(a[i].pit_of));
        json_object_object_add(o, "remove", json_object_new_boolean(a[i].remove));
        json_object_array_add(arr, o);
    }
    json_object_object_add(plan, "layers", arr);
    return plan;
}

bool
st_abandoned_plan_parse(struct json_object *plan, struct st_abandoned **out, size_t *n,
                        bool *only_empty, struct st_error **errp)
{
    struct json_object *arr = st_json_get_array(plan, "layers");
    struct st_abandoned *v;
    size_t k;

    *out = NULL;
    *n = 0;
    if (!arr || !st_json_get_bool(plan, "only-empty", only_empty))
        goto bad;
    k = json_object_array_length(arr);
    v = st_xcalloc(k ? k : 1, sizeof *v);
    for (size_t i = 0; i < k; i++) {
        struct json_object *o = json_object_array_get_idx(arr, i);
        const char *dev = st_json_get_string(o, "disk"), *path = st_json_get_string(o, "path");
        int64_t alloc;

        if (!dev || !path || !st_json_get_int64(o, "allocated-bytes", &alloc) || alloc < 0 ||
            !st_json_get_bool(o, "ours", &v[i].ours) ||
            !st_json_get_bool(o, "remove", &v[i].remove)) {
            st_abandoned_free(v, k);
            goto bad;
        }
        v[i].dev = st_xstrdup(dev);
        v[i].path = st_xstrdup(path);
        v[i].allocated = (uint64_t) alloc;
        v[i].overlay_of = st_xstrdup_or_null(st_json_get_string(o, "overlay-of"));
        v[i].pit_of = st_xstrdup_or_null(st_json_get_string(o, "pit-of"));
        v[i].action = ST_ABANDON_LEFT;
    }
    *out = v;
    *n = k;
    return true;

 bad:
    st_error_set(errp, ST_E_IO, "the journal's plan for the layers the revert leaves is malformed");
    return false;
}

struct json_object *
st_abandoned_json(const struct st_abandoned *a, size_t n)
{
    struct json_object *arr = json_object_new_array();

    for (size_t i = 0; i < n; i++) {
        struct json_object *o = json_object_new_object();

        json_object_object_add(o, "disk", json_object_new_string(a[i].dev));
        json_object_object_add(o, "path", json_object_new_string(a[i].path));
        json_object_object_add(o, "allocated-bytes", json_object_new_int64((int64_t) a[i].allocated));
        json_object_object_add(o, "overlay-of", st_json_string_or_null(a[i].overlay_of));
        json_object_object_add(o, "action",
                               json_object_new_string(st_abandon_action_name(a[i].action)));
        json_object_array_add(arr, o);
    }
    return arr;
}
