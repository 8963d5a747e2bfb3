/* ops/op-blockjob.c: blockcommit and blockpull (ops/op-blockjob.h).
 * The layers are picked and checked here; the job itself is
 * ops/op-delete.c's st_delete_run_merge(), which a delete's steps use
 * too. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/xalloc.h"
#include "chain/chain.h"
#include "ops/delete-world.h"
#include "ops/op-blockjob.h"
#include "ops/plan.h"
#include "store/journal.h"
#include "store/tree.h"

struct ctx {
    struct st_domain *dom;
    struct st_tree *tree;
    struct st_chain *chain;
    struct st_domain_disk *disk;
};

static void
ctx_clear(struct ctx *c)
{
    st_chain_free(c->chain);
    st_tree_free(c->tree);
    st_domain_free(c->dom);
}
#define CLEANUP_CTX ST_CLEANUP(ctx_clear)

static bool
ctx_open(const struct st_store *store, const char *dom, const char *dev, struct ctx *c,
         struct st_error **errp)
{
    struct st_chain_opts copts = { .skip_allocation = true };

    if (!st_journal_refuse_if_pending(store, dom, errp) ||
        !(c->dom = st_store_domain_load(store, dom, errp)) ||
        !(c->tree = st_store_tree_load(store, dom, 0, NULL, NULL, errp)))
        return false;
    if (!(c->disk = st_domain_find_disk(c->dom, dev)) || !c->disk->source) {
        st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' has no disk '%s' with a file", dom, dev);
        st_error_hint(errp, "'strata domblklist %s' lists its disks", dom);
        return false;
    }
    copts.format = c->disk->format;
    return (c->chain = st_chain_load(c->disk->source, &copts, errp)) != NULL;
}

/* Index of @path in @chain, or -1. */
static int
find_layer(const struct st_chain *chain, const char *path)
{
    for (size_t i = 0; i < chain->n_layers; i++) {
        if (st_chain_layer_is_file(&chain->layers[i], path))
            return (int) i;
    }
    return -1;
}

/* Index of @path in the active chain, or -1 with @errp set. */
static int
layer_index(const struct ctx *c, const char *path, const char *what, struct st_error **errp)
{
    int i = find_layer(c->chain, path);

    if (i >= 0)
        return i;
    st_error_set(errp, ST_E_NOT_FOUND, "disk '%s': %s '%s' is not in the active chain of '%s'",
                 c->disk->target, what, path, c->disk->source);
    st_error_hint(errp, "'strata chain show %s' lists the chain", c->disk->source);
    return -1;
}

/* A commit run again after it was cut short once the chain had
 * switched: @top is out of the active chain, but its own chain still
 * reaches @base, which is in the active chain.  Whatever took it out (a
 * commit, or a pull past it), its data is in what the disk shows.
 * Returns the index of @base, or -1 when that is not so. */
static int
committed_already(const struct ctx *c, const char *top, const char *base)
{
    struct st_chain_opts copts = { .skip_allocation = true };
    CLEANUP_CHAIN struct st_chain *tc = NULL;
    int b;

    if (find_layer(c->chain, top) >= 0 ||
        (b = base ? find_layer(c->chain, base) : (int) c->chain->n_layers - 1) <= 0 ||
        !(tc = st_chain_load(top, &copts, NULL)) ||
        find_layer(tc, c->chain->layers[b].abs_path) <= 0)
        return -1;
    return b;
}

/* After a failed merge: nothing was lost, and the exact command that
 * finishes it (with the layers the defaults chose). */
static void
again_hint(struct st_error **errp, const char *dom, const char *dev, const struct st_plan_step *s)
{
    if (s->kind == ST_PLAN_STREAM)
        st_error_hint(errp, "nothing was lost; run 'strata blockpull %s %s%s%s' again to finish it",
                      dom, dev, s->new_backing ? " --base " : "",
                      s->new_backing ? s->new_backing : "");
    else if (s->active)
        st_error_hint(errp, "nothing was lost; run 'strata blockcommit %s %s --active --pivot' again "
                      "to finish it", dom, dev);
    else
        st_error_hint(errp, "nothing was lost; run 'strata blockcommit %s %s --top %s --base %s' "
                      "again to finish it", dom, dev, s->top, s->base);
}

static void
fill_result(struct st_blockjob_result *res, const struct st_plan_step *s, const char *active)
{
    const char *base = s->kind == ST_PLAN_COMMIT ? s->base : s->new_backing;

    res->job = s->kind == ST_PLAN_COMMIT ? "commit" : "pull";
    res->top = st_xstrdup(s->top);
    res->base = base ? st_xstrdup(base) : NULL;
    res->active = st_xstrdup(active);
}

void
st_blockjob_result_clear(struct st_blockjob_result *res)
{
    free(res->top);
    free(res->base);
    free(res->active);
    memset(res, 0, sizeof *res);
}

bool
st_op_blockcommit(const struct st_store *store, const char *dom,
                  const struct st_blockjob_request *req, const struct st_delete_opts *opts,
                  struct st_blockjob_result *res, struct st_error **errp)
{
    CLEANUP_CTX struct ctx c = { 0 };
    CLEANUP_DELETE_WORLD struct st_delete_world *world = NULL;
    struct st_plan_step step = { .kind = ST_PLAN_COMMIT, .disk = (char *) req->dev };
    int top, base;
    size_t di;

    memset(res, 0, sizeof *res);
    if (!ctx_open(store, dom, req->dev, &c, errp))
        return false;
    step.head = c.chain->layers[0].abs_path;
    if (req->top && (base = committed_already(&c, req->top, req->base)) > 0) {
        step.top = (char *) req->top;
        step.base = c.chain->layers[base].abs_path;
        if (!st_delete_confirm_merged(dom, &step, opts->run_root, errp))
            return false;
        fill_result(res, &step, c.disk->source);
        res->nothing_to_do = true;
        return true;
    }
    top = req->top ? layer_index(&c, req->top, "top", errp) : req->active ? 0 : 1;
    if (top < 0)
        return false;
    if (top == 0 && !req->active) {
        st_error_set(errp, ST_E_USAGE, "disk '%s': '%s' is the active layer; committing it needs --active --pivot",
                     req->dev, c.chain->layers[0].abs_path);
        return false;
    }
    if (top > 0 && req->active) {
        st_error_set(errp, ST_E_USAGE, "disk '%s': an active commit commits the active layer '%s', "
                     "not '%s'", req->dev, c.chain->layers[0].abs_path, c.chain->layers[top].abs_path);
        st_error_hint(errp, "do not name another --top with --active");
        return false;
    }
    base = req->base ? layer_index(&c, req->base, "base", errp) : (int) c.chain->n_layers - 1;
    if (base < 0)
        return false;
    if ((size_t) top >= c.chain->n_layers || base <= top) {
        st_error_set(errp, ST_E_USAGE, "disk '%s': the base must be a file below the top in the active chain",
                     req->dev);
        return false;
    }
    if (!(world = st_delete_world_load(c.dom, c.tree, errp)))
        return false;
    di = (size_t) (c.disk - c.dom->disks);
    if (!st_plan_check_commit(st_delete_world_input(world), di,
                              st_delete_world_find_file(world, di, c.chain->layers[top].abs_path),
                              st_delete_world_find_file(world, di, c.chain->layers[base].abs_path),
                              errp))
        return false;
    step.top = c.chain->layers[top].abs_path;
    step.base = c.chain->layers[base].abs_path;
    step.active = req->active;
    if (!st_delete_run_merge(dom, &step, opts, errp)) {
        again_hint(errp, dom, req->dev, &step);
        return false;
    }
    if (req->active) {
        if (!st_domain_disk_set_source(c.dom, c.disk, step.base, c.chain->layers[base].format, errp) ||
            !st_store_domain_save(store, c.dom, errp))
            return false;
        res->pivoted = true;
    }
    fill_result(res, &step, c.disk->source);
    return true;
}

bool
st_op_blockpull(const struct st_store *store, const char *dom,
                const struct st_blockjob_request *req, const struct st_delete_opts *opts,
                struct st_blockjob_result *res, struct st_error **errp)
{
    CLEANUP_CTX struct ctx c = { 0 };
    struct st_plan_step step = { .kind = ST_PLAN_STREAM, .disk = (char *) req->dev };
    int base = -1;

    memset(res, 0, sizeof *res);
    if (req->top || req->active) {
        st_error_set(errp, ST_E_USAGE, "a pull writes into the active layer: it takes no top and no active");
        return false;
    }
    if (!ctx_open(store, dom, req->dev, &c, errp))
        return false;
    if (req->base && (base = layer_index(&c, req->base, "base", errp)) < 0)
        return false;
    if (base == 0 && c.chain->n_layers > 1) {
        st_error_set(errp, ST_E_USAGE, "disk '%s': the base must be a file below the active layer",
                     req->dev);
        return false;
    }
    step.top = c.chain->layers[0].abs_path;
    step.head = step.top;
    step.base = c.chain->n_layers > 1 ? c.chain->layers[1].abs_path : NULL;
    step.new_backing = base > 0 ? c.chain->layers[base].abs_path : NULL;
    if (c.chain->n_layers < 2 && c.chain->layers[0].backing) {
        /* The model ends at a remote (NBD) base: "no backing file" would
         * be false, and pulling it would copy the whole remote disk. */
        st_error_set(errp, ST_E_USAGE,
                     "disk '%s': '%s' backs onto a base served over NBD ('%s'), which blockpull "
                     "does not pull", req->dev, step.top, c.chain->layers[0].backing);
        st_error_hint(errp, "to make the disk local, copy it whole: qemu-img convert -O qcow2 '%s' FILE",
                      step.top);
        return false;
    }
    if (c.chain->n_layers < 2 || base == 1) {
        /* Also what a pull cut short after the switch finds when run
         * again: its data is flushed here before it counts. */
        if (!st_delete_confirm_merged(dom, &step, opts->run_root, errp))
            return false;
        /* What it backs onto now, if anything. */
        step.new_backing = step.base;
        fill_result(res, &step, c.disk->source);
        res->nothing_to_do = true;
        return true;
    }
    if (!st_delete_run_merge(dom, &step, opts, errp)) {
        again_hint(errp, dom, req->dev, &step);
        return false;
    }
    fill_result(res, &step, c.disk->source);
    return true;
}

struct json_object *
st_blockjob_result_json(const struct st_blockjob_result *res)
{
    struct json_object *j = json_object_new_object();

    json_object_object_add(j, "job", json_object_new_string(res->job));
    json_object_object_add(j, "top", json_object_new_string(res->top));
    json_object_object_add(j, "base", st_json_string_or_null(res->base));
    json_object_object_add(j, "active", json_object_new_string(res->active));
    return j;
}
