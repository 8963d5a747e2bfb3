/* cli/cmd-blockjob.c: blockcommit and blockpull, the raw merges of
 * virsh: parse, run ops/op-blockjob.c's merge with a progress bar,
 * print. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "common/cleanup.h"
#include "common/compiler.h"
#include "common/progress.h"
#include "ops/op-blockjob.h"
#include "store/store.h"
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

/* The store, with the domain's lock taken (returned, or -1). */
static int
open_locked(struct cli *cli, const struct job_args *a, struct st_store **store, struct st_error **errp)
{
    if (!(*store = st_store_open(cli->state_dir, false, errp)) ||
        !st_store_domain_require(*store, a->dom, errp))
        return -1;
    return st_store_lock(*store, a->dom, !a->no_wait, errp);
}

static int
run(struct cli *cli, int argc, char **argv, bool commit, struct st_error **errp)
{
    struct job_args a = { 0 };
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;
    CLEANUP_BLOCKJOB_RESULT struct st_blockjob_result res = { 0 };
    struct bar bar = { .enabled = st_progress_wanted(cli->json) };
    struct st_delete_opts opts = {
        .run_root = cli->run_dir, .step_begin = step_begin, .step_end = step_end,
        .progress = step_progress, .opaque = &bar,
    };
    struct st_blockjob_request req = { 0 };
    int r = parse(cli, argc, argv, commit, &a, errp);
    bool ok;

    if (r)
        return r < 0 ? -1 : 0;
    if ((lock = open_locked(cli, &a, &store, errp)) < 0)
        return -1;
    req = (struct st_blockjob_request) { .dev = a.dev, .top = a.top, .base = a.base, .active = a.active };
    opts.speed = a.speed;
    ok = commit ? st_op_blockcommit(store, a.dom, &req, &opts, &res, errp)
                : st_op_blockpull(store, a.dom, &req, &opts, &res, errp);
    if (!ok)
        return -1;
    cli_set_result(cli, st_blockjob_result_json(&res));
    if (commit && res.nothing_to_do)
        fprintf(cli->out, "Nothing to commit: '%s' is no longer in the active chain of '%s'; "
                "its data is there already\n", res.top, res.active);
    else if (commit)
        fprintf(cli->out, res.pivoted ? "Successfully pivoted\n" : "Commit complete\n");
    else if (res.nothing_to_do && res.base)
        fprintf(cli->out, "Nothing to pull: '%s' already backs onto '%s'\n", res.top, res.base);
    else if (res.nothing_to_do)
        fprintf(cli->out, "Nothing to pull: '%s' has no backing file\n", res.top);
    else
        fprintf(cli->out, "Pull complete\n");
    return 0;
}

int
cmd_blockcommit(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    return run(cli, argc, argv, true, errp);
}

int
cmd_blockpull(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    return run(cli, argc, argv, false, errp);
}
