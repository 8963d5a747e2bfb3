/* store/view.c: which file shows a disk at a point in time. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/json.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "xml/domain.h"
#include "xml/snapshot.h"
#include "chain/chain.h"
#include "store/journal.h"
#include "store/tree.h"
#include "store/view.h"

ST_LOG_INIT("store.view");

void
st_views_clear(struct st_views *vs)
{
    for (size_t i = 0; i < vs->n; i++) {
        free(vs->v[i].dev);
        free(vs->v[i].path);
        free(vs->v[i].format);
        free(vs->v[i].snapshot);
    }
    free(vs->v);
    vs->v = NULL;
    vs->n = 0;
}

static void
views_add(struct st_views *vs, const struct st_domain_disk *d, const char *snapshot)
{
    struct st_view *v;

    vs->v = st_xreallocarray(vs->v, vs->n + 1, sizeof *vs->v);
    v = &vs->v[vs->n++];
    v->dev = st_xstrdup(d->target);
    v->path = st_xstrdup(d->source);
    v->format = st_xstrdup(d->format ? d->format : "qcow2");
    v->snapshot = snapshot ? st_xstrdup(snapshot) : NULL;
}

/* SPEC §6: once a delete of S has started, S's file may be a mixture. */
static bool
refuse_if_deleting(const struct st_store *store, const char *dom, const char *snapshot,
                   struct st_error **errp)
{
    struct st_error *err = NULL;
    CLEANUP_JSON struct json_object *j = st_journal_read(store, dom, &err);
    const char *op, *snap;

    if (!j) {
        st_error_free(err);     /* unreadable: the mutating commands report it */
        return true;
    }
    op = st_json_get_string(j, "operation");
    snap = st_json_get_string(j, "snapshot");
    if (op && snap && strcmp(op, "snapshot-delete") == 0 && strcmp(snap, snapshot) == 0) {
        st_error_set(errp, ST_E_CONFLICT,
                     "snapshot '%s' of domain '%s' is being deleted: its file may be a mixture",
                     snapshot, dom);
        st_error_hint(errp, "'strata recover %s' finishes the delete", dom);
        return false;
    }
    return true;
}

/* Whether snapshot @snap captured disk @d (SPEC §3: external unless the
 * snapshot's disk or the domain's disk says 'no'). */
static bool
captured(const struct st_snapshot *snap, const struct st_domain_disk *d)
{
    const struct st_snapshot_disk *sd = st_snapshot_find_disk(snap, d->target);

    if (sd && sd->snapshot != ST_SNAPSHOT_MODE_DEFAULT)
        return sd->snapshot != ST_SNAPSHOT_MODE_NO;
    return d->snapshot != ST_SNAPSHOT_MODE_NO;
}

static bool
check_disk(const struct st_domain_disk *d, const char *dom, struct st_error **errp)
{
    if (!d->source) {
        st_error_set(errp, ST_E_CONFLICT, "disk '%s' of domain '%s' has no source file",
                     d->target, dom);
        return false;
    }
    if (d->format && strcmp(d->format, "qcow2") != 0 && strcmp(d->format, "raw") != 0) {
        st_error_set(errp, ST_E_CONFLICT, "disk '%s' of domain '%s': format '%s' is not supported",
                     d->target, dom, d->format);
        return false;
    }
    return true;
}

bool
st_views_resolve(const struct st_store *store, const char *dom, const char *snapshot,
                 const char *disk, struct st_views *out, struct st_error **errp)
{
    CLEANUP_DOMAIN struct st_domain *domain = NULL;
    CLEANUP_DOMAIN struct st_domain *at = NULL;
    CLEANUP_TREE struct st_tree *tree = NULL;
    const struct st_tree_node *node = NULL;
    const struct st_domain *src;
    struct st_error *err = NULL;

    memset(out, 0, sizeof *out);
    if (!(domain = st_store_domain_load(store, dom, errp)))
        return false;
    src = domain;
    if (snapshot) {
        if (!(tree = st_store_tree_load(store, dom, 0, NULL, NULL, errp)))
            return false;
        if (!(node = st_tree_find(tree, snapshot))) {
            st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' has no snapshot '%s'", dom, snapshot);
            st_error_hint(errp, "'strata snapshot-list %s' lists them", dom);
            return false;
        }
        if (!refuse_if_deleting(store, dom, snapshot, errp))
            return false;
        if (!(at = st_snapshot_get_domain(node->snap, &err))) {
            /* A local error: @errp may be NULL, and the code is amended. */
            st_error_prepend(&err, "snapshot '%s': ", snapshot);
            st_error_hint(&err, "without its <domain>, the snapshot does not say which file "
                                "holds each disk at that point");
            if (err->code == ST_E_NOT_FOUND)
                err->code = ST_E_CONFLICT;
            st_error_propagate(errp, err);
            return false;
        }
        src = at;
    }
    for (size_t i = 0; i < src->ndisks; i++) {
        const struct st_domain_disk *d = &src->disks[i];

        if (disk && strcmp(d->target, disk) != 0)
            continue;
        if (node && !captured(node->snap, d)) {
            if (disk) {
                st_error_set(errp, ST_E_CONFLICT,
                             "snapshot '%s' did not capture disk '%s' (snapshot='no')",
                             snapshot, disk);
                st_views_clear(out);
                return false;
            }
            st_debug("snapshot '%s' did not capture disk '%s'; left out", snapshot, d->target);
            continue;
        }
        if (!check_disk(d, dom, errp)) {
            st_views_clear(out);
            return false;
        }
        views_add(out, d, snapshot);
    }
    if (out->n == 0) {
        if (disk && snapshot)
            st_error_set(errp, ST_E_NOT_FOUND, "snapshot '%s' of domain '%s' has no disk '%s'",
                         snapshot, dom, disk);
        else if (disk)
            st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' has no disk '%s'", dom, disk);
        else
            st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' has no disk%s%s to read", dom,
                         snapshot ? " captured by snapshot " : "", snapshot ? snapshot : "");
        st_error_hint(errp, "'strata domblklist %s' lists the disks", dom);
        return false;
    }
    return true;
}

const struct st_view *
st_views_find(const struct st_views *vs, const char *dev)
{
    for (size_t i = 0; i < vs->n; i++)
        if (strcmp(vs->v[i].dev, dev) == 0)
            return &vs->v[i];
    return NULL;
}

bool
st_view_depth_between(const struct st_view *new, const struct st_view *old, unsigned *depth,
                      struct st_error **errp)
{
    struct st_chain_opts copts = { .format = new->format, .skip_allocation = true };
    CLEANUP_CHAIN struct st_chain *chain = st_chain_load(new->path, &copts, errp);

    if (!chain)
        return false;
    for (size_t k = 0; k < chain->n_layers; k++) {
        if (st_chain_layer_is_file(&chain->layers[k], old->path)) {
            *depth = (unsigned) k;
            return true;
        }
    }
    st_error_set(errp, ST_E_CONFLICT,
                 "disk '%s': '%s' (%s) is not in the backing chain of '%s' (%s): the two points "
                 "are not on one branch in this order", new->dev, old->path,
                 old->snapshot ? old->snapshot : "current", new->path,
                 new->snapshot ? new->snapshot : "current");
    st_error_hint(errp, "diff takes the older point first; snapshot-list --tree shows branches");
    return false;
}
