/* cli/cmd-blockjob.c: blockcommit and blockpull, the raw merges of
 * virsh: parse, run strata_domain_block_commit() or _pull() with a
 * progress bar, print.  A client of the public API only. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/progress.h"
#include "common/xalloc.h"
#include "cli/api.h"
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

/* The layers the merge works on, named as the operation names them
 * (absolute paths of the chain's files), read before it runs: what the
 * result prints.  Empty when the chain cannot be read; the call then
 * fails and says why. */
struct names {
    char *head;                 /* the active file before */
    char *top, *base;           /* commit: top and target; pull: the new backing or NULL */
    char *backing;              /* the active file's backing before, or NULL */
};

static void
names_clear(struct names *n)
{
    free(n->head);
    free(n->top);
    free(n->base);
    free(n->backing);
}
#define CLEANUP_NAMES ST_CLEANUP(names_clear)

/* The chain's layer that is file @path (same device and inode), else
 * @path as given. */
static char *
layer_named(const strata_chain *chain, const char *path)
{
    struct stat st;

    if (stat(path, &st) == 0) {
        for (size_t i = 0; i < strata_chain_num_layers(chain); i++) {
            const strata_layer *l = strata_chain_get_layer(chain, i);

            if (l->exists && l->device == (uint64_t) st.st_dev && l->inode == (uint64_t) st.st_ino)
                return st_xstrdup(l->abs_path);
        }
    }
    return st_xstrdup(path);
}

static void
names_read(strata_domain *dom, const struct job_args *a, bool commit, struct names *n)
{
    CLEANUP_API_CHAIN strata_chain *chain = strata_chain_open_disk(dom, a->dev, STRATA_CHAIN_NO_ALLOCATION);
    size_t depth = chain ? strata_chain_num_layers(chain) : 0;

    if (!depth) {
        strata_reset_last_error();
        return;
    }
    n->head = st_xstrdup(strata_chain_get_layer(chain, 0)->abs_path);
    if (depth > 1)
        n->backing = st_xstrdup(strata_chain_get_layer(chain, 1)->abs_path);
    if (commit) {
        if (a->top)
            n->top = layer_named(chain, a->top);
        else if (a->active || depth > 1)
            n->top = st_xstrdup(strata_chain_get_layer(chain, a->active ? 0 : 1)->abs_path);
        n->base = a->base ? layer_named(chain, a->base)
                          : st_xstrdup(strata_chain_get_layer(chain, depth - 1)->abs_path);
    } else {
        n->top = st_xstrdup(n->head);
        if (a->base)
            n->base = layer_named(chain, a->base);
    }
}

/* The disk's file now (after a pivot, the base). */
static char *
active_now(strata_domain *dom, const char *dev, const char *fallback)
{
    CLEANUP_API_DISKS struct cli_api_disks d = { NULL, 0 };

    if ((d.n = strata_domain_get_disks(dom, &d.v)) < 0) {
        d.n = 0;
        strata_reset_last_error();
    }
    for (int i = 0; i < d.n; i++)
        if (strcmp(d.v[i].dev, dev) == 0 && d.v[i].path)
            return st_xstrdup(d.v[i].path);
    return st_xstrdup(fallback ? fallback : "");
}

static int
on_progress(uint64_t done, uint64_t total, void *opaque)
{
    st_progress_update(opaque, done, total);
    return 0;
}

static void
set_result(struct cli *cli, bool commit, const char *top, const char *base, const char *active)
{
    struct json_object *j = json_object_new_object();

    json_object_object_add(j, "job", json_object_new_string(commit ? "commit" : "pull"));
    json_object_object_add(j, "top", json_object_new_string(top ? top : ""));
    json_object_object_add(j, "base", base ? json_object_new_string(base) : NULL);
    json_object_object_add(j, "active", json_object_new_string(active));
    cli_set_result(cli, j);
}

static int
run(struct cli *cli, int argc, char **argv, bool commit, struct st_error **errp)
{
    struct job_args a = { 0 };
    CLEANUP_API_CONN strata_conn *conn = NULL;
    CLEANUP_API_DOMAIN strata_domain *dom = NULL;
    CLEANUP_NAMES struct names n = { 0 };
    CLEANUP_FREE char *active = NULL;
    struct st_progress bar;
    strata_job_params params = { .progress = on_progress, .opaque = &bar };
    unsigned flags = 0;
    int r = parse(cli, argc, argv, commit, &a, errp);
    const char *base;

    if (r)
        return r < 0 ? -1 : 0;
    if (!(conn = strata_open(cli->state_dir, cli->run_dir, 0)) ||
        !(dom = strata_domain_lookup(conn, a.dom))) {
        cli_api_error(errp);
        return -1;
    }
    names_read(dom, &a, commit, &n);
    params.speed = (uint64_t) a.speed;
    flags = (a.no_wait ? STRATA_NO_WAIT : 0) | (commit && a.active ? STRATA_BLOCK_COMMIT_ACTIVE : 0);
    st_progress_begin(&bar, commit ? "commit" : "pull", st_progress_wanted(cli->json));
    r = commit ? strata_domain_block_commit(dom, a.dev, a.base, a.top, flags, &params)
               : strata_domain_block_pull(dom, a.dev, a.base, flags, &params);
    st_progress_end(&bar);
    if (r < 0) {
        cli_api_error(errp);
        return -1;
    }
    active = active_now(dom, a.dev, n.head);
    /* A pull with nothing to do names what the file backs onto now. */
    base = !commit && r == 1 ? n.backing : n.base;
    set_result(cli, commit, commit && r == 1 ? a.top : n.top, base, active);
    if (commit && r == 1)
        fprintf(cli->out, "Nothing to commit: '%s' is no longer in the active chain of '%s'; "
                "its data is there already\n", a.top, active);
    else if (commit)
        fprintf(cli->out, a.active ? "Successfully pivoted\n" : "Commit complete\n");
    else if (r == 1 && base)
        fprintf(cli->out, "Nothing to pull: '%s' already backs onto '%s'\n", n.top, base);
    else if (r == 1)
        fprintf(cli->out, "Nothing to pull: '%s' has no backing file\n", n.top ? n.top : active);
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
