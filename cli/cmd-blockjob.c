/* cli/cmd-blockjob.c: blockcommit and blockpull, the raw merges of
 * virsh, for admins.  Both work on a disk's active chain:
 *
 *   base <- mid <- top <- active
 *   blockcommit DOM vda --top top --base base   base' <- active
 *   blockpull DOM vda --base base               base <- active'
 *
 * A commit is refused when any snapshot names a file it touches or a
 * file it writes into backs another branch (ops/plan.c decides); a
 * pull only writes into the active file, which nothing else sees.
 * Files left out of the chain stay on disk, as with virsh. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/compiler.h"
#include "common/json.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/xalloc.h"
#include "chain/chain.h"
#include "ops/delete-world.h"
#include "store/journal.h"
#include "ops/op-delete.h"
#include "ops/plan.h"
#include "store/store.h"
#include "store/tree.h"
#include "cli/commands.h"

enum { O_TOP = 256, O_BASE, O_ACTIVE, O_PIVOT, O_SPEED, O_NO_WAIT };

static const struct option job_opts[] = {
    { "help", no_argument, NULL, 'h' },
    { "top", required_argument, NULL, O_TOP },
    { "base", required_argument, NULL, O_BASE },
    { "active", no_argument, NULL, O_ACTIVE },
    { "pivot", no_argument, NULL, O_PIVOT },
    { "speed", required_argument, NULL, O_SPEED },
    { "no-wait", no_argument, NULL, O_NO_WAIT },
    { NULL, 0, NULL, 0 },
};

struct job_args {
    const char *dom, *dev, *top, *base;
    bool active, pivot, no_wait;
    int64_t speed;
};

static int
parse(struct cli *cli, int argc, char **argv, bool commit, struct job_args *a,
      struct st_error **errp)
{
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", job_opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            cli_command_help(cli);
            return 1;
        case O_TOP: a->top = optarg; break;
        case O_BASE: a->base = optarg; break;
        case O_ACTIVE: a->active = true; break;
        case O_PIVOT: a->pivot = true; break;
        case O_NO_WAIT: a->no_wait = true; break;
        case O_SPEED:
            if (cli_parse_speed(cli, optarg, &a->speed, errp) < 0)
                return -1;
            break;
        default:
            return cli_usage(cli, errp, "unknown option '%s'", argv[optind - 1]);
        }
        if (!commit && (c == O_TOP || c == O_ACTIVE || c == O_PIVOT))
            return cli_usage(cli, errp, "unknown option '%s'", argv[optind - 1]);
    }
    if (optind + 2 != argc)
        return cli_usage(cli, errp, optind + 2 > argc ? "missing argument" : "unexpected argument '%s'",
                         argv[argc - 1]);
    a->dom = argv[optind];
    a->dev = argv[optind + 1];
    if (a->pivot != a->active)
        return cli_usage(cli, errp, "--active and --pivot go together (strata leaves no job running)");
    return 0;
}

struct ctx {
    struct st_store *store;
    struct st_domain *dom;
    struct st_tree *tree;
    struct st_chain *chain;
    struct st_domain_disk *disk;
    int lock;
};

static void
ctx_clear(struct ctx *c)
{
    st_chain_free(c->chain);
    st_tree_free(c->tree);
    st_domain_free(c->dom);
    st_store_free(c->store);
    if (c->lock >= 0)
        close(c->lock);
}
#define CLEANUP_CTX ST_CLEANUP(ctx_clear)

static bool
ctx_open(struct cli *cli, const struct job_args *a, struct ctx *c, struct st_error **errp)
{
    struct st_chain_opts copts = { .skip_allocation = true };

    if (!(c->store = st_store_open(cli->state_dir, false, errp)))
        return false;
    if (!st_store_domain_require(c->store, a->dom, errp))
        return false;
    if ((c->lock = st_store_lock(c->store, a->dom, !a->no_wait, errp)) < 0 ||
        !st_journal_refuse_if_pending(c->store, a->dom, errp) ||
        !(c->dom = st_store_domain_load(c->store, a->dom, errp)) ||
        !(c->tree = st_store_tree_load(c->store, a->dom, 0, NULL, NULL, errp)))
        return false;
    if (!(c->disk = st_domain_find_disk(c->dom, a->dev)) || !c->disk->source) {
        st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' has no disk '%s' with a file", a->dom, a->dev);
        st_error_hint(errp, "'strata domblklist %s' lists its disks", a->dom);
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

struct bar {
    struct st_progress p;
    bool enabled;
};

static void
step_begin(const struct st_plan_step *s, size_t i ST_UNUSED, size_t n ST_UNUSED, void *opaque)
{
    struct bar *b = opaque;

    st_progress_begin(&b->p, s->kind == ST_PLAN_COMMIT ? "commit" : "pull", b->enabled);
}

static void
step_end(const struct st_plan_step *s ST_UNUSED, void *opaque)
{
    st_progress_end(&((struct bar *) opaque)->p);
}

static void
step_progress(uint64_t done, uint64_t total, void *opaque)
{
    st_progress_update(&((struct bar *) opaque)->p, done, total);
}

static void
set_result(struct cli *cli, const char *job, const struct st_plan_step *s, const char *active)
{
    struct json_object *j = json_object_new_object();
    const char *base = s->kind == ST_PLAN_COMMIT ? s->base : s->new_backing;

    json_object_object_add(j, "job", json_object_new_string(job));
    json_object_object_add(j, "top", json_object_new_string(s->top));
    json_object_object_add(j, "base", st_json_string_or_null(base));
    json_object_object_add(j, "active", json_object_new_string(active));
    cli_set_result(cli, j);
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

int
cmd_blockcommit(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct job_args a = { 0 };
    CLEANUP_CTX struct ctx c = { .lock = -1 };
    CLEANUP_DELETE_WORLD struct st_delete_world *world = NULL;
    struct bar bar = { .enabled = st_progress_wanted(cli->json) };
    struct st_delete_opts opts = {
        .run_root = cli->run_dir, .step_begin = step_begin, .step_end = step_end,
        .progress = step_progress, .opaque = &bar,
    };
    struct st_plan_step step = { .kind = ST_PLAN_COMMIT };
    int r = parse(cli, argc, argv, true, &a, errp), top, base;
    size_t di;

    if (r)
        return r < 0 ? -1 : 0;
    if (!ctx_open(cli, &a, &c, errp))
        return -1;
    if (a.top && (base = committed_already(&c, a.top, a.base)) > 0) {
        step.disk = (char *) a.dev;
        step.head = c.chain->layers[0].abs_path;
        step.top = (char *) a.top;
        step.base = c.chain->layers[base].abs_path;
        if (!st_delete_confirm_merged(a.dom, &step, cli->run_dir, errp))
            return -1;
        set_result(cli, "commit", &step, c.disk->source);
        fprintf(cli->out, "Nothing to commit: '%s' is no longer in the active chain of '%s'; "
                "its data is there already\n", a.top, step.head);
        return 0;
    }
    top = a.top ? layer_index(&c, a.top, "top", errp) : a.active ? 0 : 1;
    if (top < 0)
        return -1;
    if (top == 0 && !a.active) {
        st_error_set(errp, ST_E_USAGE, "disk '%s': '%s' is the active layer; committing it needs --active --pivot",
                     a.dev, c.chain->layers[0].abs_path);
        return -1;
    }
    if (top > 0 && a.active)
        return cli_usage(cli, errp, "--active commits the active layer; do not name another --top");
    base = a.base ? layer_index(&c, a.base, "base", errp) : (int) c.chain->n_layers - 1;
    if (base < 0)
        return -1;
    if ((size_t) top >= c.chain->n_layers || base <= top) {
        st_error_set(errp, ST_E_USAGE, "disk '%s': the base must be a file below the top in the active chain",
                     a.dev);
        return -1;
    }
    if (!(world = st_delete_world_load(c.dom, c.tree, errp)))
        return -1;
    di = (size_t) (c.disk - c.dom->disks);
    if (!st_plan_check_commit(st_delete_world_input(world), di,
                              st_delete_world_find_file(world, di, c.chain->layers[top].abs_path),
                              st_delete_world_find_file(world, di, c.chain->layers[base].abs_path),
                              errp))
        return -1;
    opts.speed = a.speed;
    step.disk = (char *) a.dev;
    step.top = c.chain->layers[top].abs_path;
    step.base = c.chain->layers[base].abs_path;
    step.head = c.chain->layers[0].abs_path;
    step.active = a.active;
    if (!st_delete_run_merge(a.dom, &step, &opts, errp)) {
        again_hint(errp, a.dom, a.dev, &step);
        return -1;
    }
    if (a.pivot && !st_domain_disk_set_source(c.dom, c.disk, step.base,
                                              c.chain->layers[base].format, errp))
        return -1;
    if (a.pivot && !st_store_domain_save(c.store, c.dom, errp))
        return -1;
    set_result(cli, "commit", &step, c.disk->source);
    fprintf(cli->out, a.pivot ? "Successfully pivoted\n" : "Commit complete\n");
    return 0;
}

int
cmd_blockpull(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct job_args a = { 0 };
    CLEANUP_CTX struct ctx c = { .lock = -1 };
    struct bar bar = { .enabled = st_progress_wanted(cli->json) };
    struct st_delete_opts opts = {
        .run_root = cli->run_dir, .step_begin = step_begin, .step_end = step_end,
        .progress = step_progress, .opaque = &bar,
    };
    struct st_plan_step step = { .kind = ST_PLAN_STREAM };
    int r = parse(cli, argc, argv, false, &a, errp), base = -1;

    if (r)
        return r < 0 ? -1 : 0;
    if (!ctx_open(cli, &a, &c, errp))
        return -1;
    if (a.base && (base = layer_index(&c, a.base, "base", errp)) < 0)
        return -1;
    if (base == 0 && c.chain->n_layers > 1) {
        st_error_set(errp, ST_E_USAGE, "disk '%s': the base must be a file below the active layer",
                     a.dev);
        return -1;
    }
    opts.speed = a.speed;
    step.disk = (char *) a.dev;
    step.top = c.chain->layers[0].abs_path;
    step.head = step.top;
    step.base = c.chain->n_layers > 1 ? c.chain->layers[1].abs_path : NULL;
    step.new_backing = base > 0 ? c.chain->layers[base].abs_path : NULL;
    if (c.chain->n_layers < 2 && c.chain->layers[0].backing) {
        /* The model ends at a remote (NBD) base: "no backing file" would
         * be false, and pulling it would copy the whole remote disk. */
        st_error_set(errp, ST_E_USAGE,
                     "disk '%s': '%s' backs onto a base served over NBD ('%s'), which blockpull "
                     "does not pull", a.dev, step.top, c.chain->layers[0].backing);
        st_error_hint(errp, "to make the disk local, copy it whole: qemu-img convert -O qcow2 '%s' FILE",
                      step.top);
        return -1;
    }
    if (c.chain->n_layers < 2 || base == 1) {
        /* Also what a pull cut short after the switch finds when run
         * again: its data is flushed here before it counts. */
        if (!st_delete_confirm_merged(a.dom, &step, cli->run_dir, errp))
            return -1;
        if (step.base)
            fprintf(cli->out, "Nothing to pull: '%s' already backs onto '%s'\n", step.top, step.base);
        else
            fprintf(cli->out, "Nothing to pull: '%s' has no backing file\n", step.top);
        set_result(cli, "pull", &step, c.disk->source);
        return 0;
    }
    if (!st_delete_run_merge(a.dom, &step, &opts, errp)) {
        again_hint(errp, a.dom, a.dev, &step);
        return -1;
    }
    set_result(cli, "pull", &step, c.disk->source);
    fprintf(cli->out, "Pull complete\n");
    return 0;
}
