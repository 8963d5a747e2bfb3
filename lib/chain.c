/* lib/chain.c: backing chains through the public API, read from the
 * image headers by chain/chain.c (no subprocess, no QSD), with every
 * field and fault `strata chain show` prints. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "chain/chain.h"
#include "lib/api.h"

struct strata_chain {
    uint32_t magic;
    struct st_chain *chain;     /* owned */
    strata_layer *layers;       /* owned array; strings borrowed from chain */
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
        };
    }
    return out;
}

static strata_chain *
open_chain(const char *path, const char *format, const char *backing_format, unsigned flags)
{
    struct st_error *err = NULL;
    struct st_chain_opts o = {
        .format = format, .backing_format = backing_format,
        .skip_allocation = flags & STRATA_CHAIN_NO_ALLOCATION,
    };
    struct st_chain *c = st_chain_load(path, &o, &err);

    return c ? wrap(c) : st_api_fail(err);
}

strata_chain *
strata_chain_open_file(const char *path, const char *format, const char *backing_format,
                       unsigned flags)
{
    if (!st_api_check_string(__func__, "the path", path) ||
        !st_api_check_flags(__func__, flags, STRATA_CHAIN_NO_ALLOCATION))
        return NULL;
    return open_chain(path, format, backing_format, flags);
}

strata_chain *
strata_chain_open_disk(strata_domain *dom, const char *dev, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_DOMAIN struct st_domain *d = NULL;
    const struct st_domain_disk *disk;

    if (!st_api_check_domain(__func__, dom) ||
        !st_api_check_flags(__func__, flags, STRATA_CHAIN_NO_ALLOCATION))
        return NULL;
    if (!(store = st_api_store_for(dom, &err)) ||
        !(d = st_store_domain_load(store, dom->name, &err)))
        return st_api_fail(err);
    if (dev) {
        disk = st_domain_find_disk(d, dev);
        if (!disk)
            st_error_set(&err, ST_E_NOT_FOUND, "domain '%s' has no disk '%s'", dom->name, dev);
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
    return open_chain(disk->source, disk->format, NULL, flags);
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
    st_chain_free(chain->chain);
    free(chain->layers);
    free(chain);
}
