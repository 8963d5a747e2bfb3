/* lib/chain.c: backing chains through the public API, read from the
 * image headers by chain/chain.c (no subprocess, no QSD), with every
 * field and fault `strata chain show` prints. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "chain/chain.h"
#include "store/tree.h"
#include "lib/api.h"

struct strata_chain {
    uint32_t magic;
    struct st_chain *chain;     /* owned */
    strata_layer *layers;       /* owned array; strings borrowed from chain,
                                 * but each snapshot from snapshots */
    char **snapshots;           /* owned, one per layer (NULL entries), or NULL */
};

static bool
check_chain(const char *fn, const strata_chain *chain)
{
    if (!chain || chain->magic != MAGIC_CHAIN) {
        st_api_invalid(fn, chain ? "not a strata_chain" : "the chain is NULL");
        return false;
    }
    return true;
}

static strata_chain *
wrap(struct st_chain *c)
{
    struct strata_chain *out = st_xcalloc(1, sizeof *out);

    out->magic = MAGIC_CHAIN;
    out->chain = c;
    out->layers = st_xcalloc(c->n_layers + 1, sizeof *out->layers);
    for (size_t i = 0; i < c->n_layers; i++) {
        const struct st_layer *l = &c->layers[i];

        out->layers[i] = (strata_layer) {
            .path = l->path, .abs_path = l->abs_path, .format = l->format,
            .exists = l->exists, .file_size = l->file_size, .has_header = l->has_header,
            .virtual_size = l->virtual_size, .cluster_size = l->cluster_size,
            .has_alloc = l->has_alloc, .allocated_bytes = l->allocated_bytes,
            .zero_bytes = l->zero_bytes, .compressed_bytes = l->compressed_bytes,
            .qcow2_version = l->qcow2_version, .backing = l->backing,
            .backing_format = l->backing_format, .backing_resolved = l->backing_resolved,
            .nfaults = l->n_faults,
            .device = l->exists ? (uint64_t) l->dev : 0, .inode = l->exists ? (uint64_t) l->ino : 0,
        };
    }
    return out;
}

static struct st_chain *
load(const char *path, const strata_chain_params *p, const char *disk_format, unsigned flags,
     struct st_error **errp)
{
    struct st_chain_opts o = {
        .format = p && p->format ? p->format : disk_format,
        .backing_format = p ? p->backing_format : NULL,
        .max_depth = p ? p->max_depth : 0,
        .skip_allocation = flags & STRATA_CHAIN_NO_ALLOCATION,
    };

    return st_chain_load(path, &o, errp);
}

static strata_chain *
open_chain(const char *path, const strata_chain_params *p, unsigned flags)
{
    struct st_error *err = NULL;
    struct st_chain *c = load(path, p, NULL, flags, &err);

    return c ? wrap(c) : st_api_fail(err);
}

strata_chain *
strata_chain_open_file_params(const char *path, const strata_chain_params *params, unsigned flags)
{
    if (!st_api_check_string(__func__, "the path", path) ||
        !st_api_check_flags(__func__, flags, STRATA_CHAIN_NO_ALLOCATION))
        return NULL;
    return open_chain(path, params, flags);
}

strata_chain *
strata_chain_open_file(const char *path, const char *format, const char *backing_format,
                       unsigned flags)
{
    strata_chain_params p = { .format = format, .backing_format = backing_format };

    if (!st_api_check_string(__func__, "the path", path) ||
        !st_api_check_flags(__func__, flags, STRATA_CHAIN_NO_ALLOCATION))
        return NULL;
    return open_chain(path, &p, flags);
}

static void
warn_snapshot(const struct st_error *err, void *opaque ST_UNUSED)
{
    st_warn("chain", "%s", err->msg);
}

/* Mark each layer of @c that is a snapshot's point in time for disk
 * @dev (the first such snapshot in the tree's order). */
static void
mark_snapshots(strata_chain *c, const struct st_tree *tree, const char *dev)
{
    size_t n = c->chain->n_layers;

    c->snapshots = st_xcalloc(n + 1, sizeof *c->snapshots);
    for (size_t i = 0; tree && i < tree->n; i++) {
        const struct st_snapshot *snap = tree->nodes[i]->snap;
        CLEANUP_DOMAIN struct st_domain *then = st_snapshot_get_domain(snap, NULL);
        const struct st_domain_disk *disk = then ? st_domain_find_disk(then, dev) : NULL;
        struct stat st;

        if (!disk || !disk->source || stat(disk->source, &st) < 0)
            continue;
        for (size_t k = 0; k < n; k++) {
            const struct st_layer *l = &c->chain->layers[k];

            if (!c->snapshots[k] && l->exists && l->dev == st.st_dev && l->ino == st.st_ino) {
                c->snapshots[k] = st_xstrdup(snap->name);
                c->layers[k].snapshot = c->snapshots[k];
            }
        }
    }
}

strata_chain *
strata_chain_open_disk_params(strata_domain *dom, const char *dev, const strata_chain_params *params,
                              unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_DOMAIN struct st_domain *d = NULL;
    CLEANUP_TREE struct st_tree *tree = NULL;
    const struct st_domain_disk *disk;
    struct st_chain *chain;
    strata_chain *c;

    if (!st_api_check_domain(__func__, dom) ||
        !st_api_check_flags(__func__, flags, STRATA_CHAIN_NO_ALLOCATION))
        return NULL;
    if (!(store = st_api_store_for(dom, &err)) ||
        !(d = st_store_domain_load(store, dom->name, &err)))
        return st_api_fail(err);
    if (dev) {
        disk = st_domain_find_disk(d, dev);
        if (!disk) {
            st_error_set(&err, ST_E_NOT_FOUND, "domain '%s' has no disk '%s'", dom->name, dev);
            st_error_hint(&err, "'strata domblklist %s' lists its disks", dom->name);
        }
    } else {
        disk = d->ndisks == 1 ? &d->disks[0] : NULL;
        if (!disk)
            st_error_set(&err, d->ndisks ? ST_E_USAGE : ST_E_NOT_FOUND,
                         "domain '%s' has %zu disks: name one", dom->name, d->ndisks);
    }
    if (!disk)
        return st_api_fail(err);
    if (!disk->source) {
        st_error_set(&err, ST_E_NOT_FOUND, "disk '%s' of domain '%s' has no source file",
                     disk->target, dom->name);
        return st_api_fail(err);
    }
    /* strata never probes: a disk without <driver type> is qcow2. */
    if (!(chain = load(disk->source, params, disk->format, flags, &err))) {
        st_error_prepend(&err, "disk '%s': ", disk->target);
        return st_api_fail(err);
    }
    c = wrap(chain);
    if (!(tree = st_store_tree_load(store, dom->name, 0, warn_snapshot, NULL, &err))) {
        strata_chain_free(c);
        return st_api_fail(err);
    }
    mark_snapshots(c, tree, disk->target);
    return c;
}

strata_chain *
strata_chain_open_disk(strata_domain *dom, const char *dev, unsigned flags)
{
    return strata_chain_open_disk_params(dom, dev, NULL, flags);
}

size_t
strata_chain_num_layers(const strata_chain *chain)
{
    return check_chain(__func__, chain) ? chain->chain->n_layers : 0;
}

const strata_layer *
strata_chain_get_layer(const strata_chain *chain, size_t i)
{
    if (!check_chain(__func__, chain))
        return NULL;
    if (i >= chain->chain->n_layers)
        return st_api_invalid(__func__, "layer %zu of %zu", i, chain->chain->n_layers);
    return &chain->layers[i];
}

size_t
strata_chain_num_faults(const strata_chain *chain)
{
    return check_chain(__func__, chain) ? chain->chain->n_faults : 0;
}

const char *
strata_chain_get_fault(const strata_chain *chain, size_t i, size_t j, const char **code)
{
    const struct st_layer *l;

    if (code)
        *code = NULL;
    if (!check_chain(__func__, chain))
        return NULL;
    if (i >= chain->chain->n_layers || j >= chain->chain->layers[i].n_faults)
        return st_api_invalid(__func__, "fault %zu of layer %zu does not exist", j, i);
    l = &chain->chain->layers[i];
    if (code)
        *code = st_fault_code_name(l->faults[j].code);
    return l->faults[j].message;
}

const char *
strata_chain_get_fault_hint(const strata_chain *chain, size_t i, size_t j)
{
    if (!check_chain(__func__, chain))
        return NULL;
    if (i >= chain->chain->n_layers || j >= chain->chain->layers[i].n_faults)
        return st_api_invalid(__func__, "fault %zu of layer %zu does not exist", j, i);
    return chain->chain->layers[i].faults[j].hint;
}

void
strata_chain_free(strata_chain *chain)
{
    if (!chain || chain->magic != MAGIC_CHAIN)
        return;
    chain->magic = 0;
    for (size_t i = 0; chain->snapshots && i < chain->chain->n_layers; i++)
        free(chain->snapshots[i]);
    free(chain->snapshots);
    st_chain_free(chain->chain);
    free(chain->layers);
    free(chain);
}
