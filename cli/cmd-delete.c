/* cli/cmd-delete.c: snapshot-delete with data: plan the merges
 * (ops/plan.c), print them with --dry-run, or run them
 * (ops/op-delete.c) with a progress bar.  --metadata alone stays in
 * cmd-snapshot.c, which touches no file. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/compiler.h"
#include "common/json.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/xalloc.h"
#include "store/journal.h"
#include "ops/op-delete.h"
#include "ops/plan.h"
#include "store/store.h"
#include "cli/commands.h"

ST_LOG_INIT("cli.delete");

enum {
    O_CURRENT = 256, O_METADATA, O_CHILDREN, O_CHILDREN_ONLY, O_DRY_RUN, O_NO_STREAM,
    O_SPEED, O_NO_WAIT, O_VERIFY, O_TIMEOUT,
};

static const struct option delete_opts[] = {
    { "help", no_argument, NULL, 'h' },
    { "current", no_argument, NULL, O_CURRENT },
    { "metadata", no_argument, NULL, O_METADATA },
    { "children", no_argument, NULL, O_CHILDREN },
    { "children-only", no_argument, NULL, O_CHILDREN_ONLY },
    { "dry-run", no_argument, NULL, O_DRY_RUN },
    { "no-stream", no_argument, NULL, O_NO_STREAM },
    { "speed", required_argument, NULL, O_SPEED },
    { "no-wait", no_argument, NULL, O_NO_WAIT },
    { "verify", no_argument, NULL, O_VERIFY },
    { "timeout", required_argument, NULL, O_TIMEOUT },
    { NULL, 0, NULL, 0 },
};

struct delete_args {
    const char *dom;
    const char *snap;
    bool current, metadata, children, children_only, dry_run, no_stream, no_wait, verify;
    int64_t speed;
    int timeout_ms;
};

/* Returns 0 to go on, 1 after --help or --metadata (handled), -1 on error. */
static int
parse(struct cli *cli, int argc, char **argv, struct delete_args *a, struct st_error **errp)
{
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", delete_opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            cli_command_help(cli);
            return 1;
        case O_CURRENT: a->current = true; break;
        case O_METADATA: a->metadata = true; break;
        case O_CHILDREN: a->children = true; break;
        case O_CHILDREN_ONLY: a->children_only = true; break;
        case O_DRY_RUN: a->dry_run = true; break;
        case O_NO_STREAM: a->no_stream = true; break;
        case O_NO_WAIT: a->no_wait = true; break;
        case O_VERIFY: a->verify = true; break;
        case O_TIMEOUT: {
            char *end;
            long secs = strtol(optarg, &end, 10);

            /* An active commit under heavy writes may never become
             * ready (SPEC §4): bound each job, then cancel it cleanly. */
            if (*end || secs <= 0 || secs > 24 * 3600)
                return cli_usage(cli, errp, "--timeout wants seconds between 1 and 86400, not '%s'",
                                 optarg);
            a->timeout_ms = (int) secs * 1000;
            break;
        }
        case O_SPEED:
            if (cli_parse_speed(cli, optarg, &a->speed, errp) < 0)
                return -1;
            break;
        default:
            return cli_usage(cli, errp, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        a->dom = argv[optind++];
    if (optind < argc)
        a->snap = argv[optind++];
    if (optind < argc)
        return cli_usage(cli, errp, "unexpected argument '%s'", argv[optind]);
    if (!a->dom)
        return cli_usage(cli, errp, "missing argument");
    if (a->children && a->children_only)
        return cli_usage(cli, errp, "--children and --children-only are mutually exclusive");
    if (a->snap && a->current)
        return cli_usage(cli, errp, "give a snapshot name or --current, not both");
    if (!a->snap && !a->current)
        return cli_usage(cli, errp, "missing snapshot name (or --current)");
    if (a->metadata && (a->no_stream || a->speed || a->verify || a->timeout_ms))
        return cli_usage(cli, errp, "--metadata touches no file: --no-stream, --speed, --timeout and --verify do not apply");
    return 0;
}

static enum st_plan_mode
mode_of(const struct delete_args *a)
{
    if (a->metadata)
        return a->children ? ST_PLAN_METADATA_CHILDREN
             : a->children_only ? ST_PLAN_METADATA_CHILDREN_ONLY : ST_PLAN_METADATA;
    if (a->children)
        return ST_PLAN_CHILDREN;
    if (a->children_only)
        return ST_PLAN_CHILDREN_ONLY;
    return ST_PLAN_ONE;
}

static char *
human(uint64_t bytes)
{
    static const char *const units[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
    double v = (double) bytes;
    size_t u = 0;

    if (bytes < 1024)
        return st_xasprintf("%" PRIu64 " bytes", bytes);
    while (v >= 1024 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024;
        u++;
    }
    return st_xasprintf("%" PRIu64 " bytes (%.1f %s)", bytes, v, units[u]);
}

static void
print_plan(FILE *out, const char *dom, const struct st_plan *p)
{
    CLEANUP_FREE char *total = human(p->bytes);

    fprintf(out, "Plan to delete snapshot %s%s of domain %s:\n", p->snapshot,
            p->mode == ST_PLAN_CHILDREN ? " and its descendants" :
            p->mode == ST_PLAN_CHILDREN_ONLY ? "'s descendants" : "", dom);
    for (size_t i = 0; i < p->nsteps; i++) {
        const struct st_plan_step *s = &p->steps[i];
        CLEANUP_FREE char *b = human(s->bytes);

        if (s->kind == ST_PLAN_COMMIT)
            fprintf(out, "  %s: %s %s into %s, %s\n", s->disk,
                    s->active ? "active commit (pivot) of" : "commit", s->top, s->base, b);
        else
            fprintf(out, "  %s: stream %s into %s, which then backs onto %s, at most %s\n",
                    s->disk, s->base, s->top, s->new_backing ? s->new_backing : "nothing", b);
    }
    for (size_t i = 0; p->deletes && p->deletes[i]; i++)
        fprintf(out, "  metadata: remove snapshot %s\n", p->deletes[i]);
    for (size_t i = 0; i < p->nreparents; i++)
        fprintf(out, "  metadata: %s's parent becomes %s\n", p->reparents[i].snapshot,
                p->reparents[i].parent ? p->reparents[i].parent : "none (a root)");
    if (p->current_changes)
        fprintf(out, "  metadata: current snapshot becomes %s\n",
                p->new_current ? p->new_current : "none");
    for (size_t i = 0; i < p->nrenames; i++)
        fprintf(out, "  metadata: %s: %s is named instead of %s\n", p->renames[i].disk,
                p->renames[i].to, p->renames[i].from);
    for (size_t i = 0; i < p->nunlinks; i++)
        fprintf(out, "  unlink: %s%s\n", p->unlinks[i].path,
                p->unlinks[i].discard ? " (discarded, not copied)" : "");
    fprintf(out, "Bytes to copy: %s%s (always commit: %" PRIu64 ", always stream: %" PRIu64 ")\n",
            st_plan_bytes_upper_bound(p) ? "at most " : "", total, p->bytes_always_commit,
            p->bytes_always_stream);
    if (st_plan_bytes_upper_bound(p))
        fprintf(out, "(a stream copies only what its overlay does not already hold; "
                     "its figure is all the bytes allocated in the layer streamed)\n");
}

struct bar {
    struct st_progress p;
    bool enabled;
    char *label;
    char *waiting;      /* the label while a job waits for space */
    uint64_t done, total;
};

static void
step_begin(const struct st_plan_step *s, size_t i, size_t n, void *opaque)
{
    struct bar *b = opaque;

    free(b->label);
    b->label = st_xasprintf("%s %s (%zu/%zu)", s->kind == ST_PLAN_COMMIT ? "commit" : "stream",
                            s->disk, i + 1, n);
    st_progress_begin(&b->p, b->label, b->enabled);
}

static void
step_end(const struct st_plan_step *s ST_UNUSED, void *opaque)
{
    struct bar *b = opaque;

    st_progress_end(&b->p);
}

static void
step_progress(uint64_t done, uint64_t total, void *opaque)
{
    struct bar *b = opaque;

    b->done = done;
    b->total = total;
    st_progress_update(&b->p, done, total);
}

/* A job waits for space (@msg, the line also warned) or copies again. */
static void
step_nospace(const char *msg, void *opaque)
{
    struct bar *b = opaque;

    free(b->waiting);
    b->waiting = msg ? st_xstrdup(msg) : NULL;
    st_progress_relabel(&b->p, b->waiting ? b->waiting : b->label);
    st_progress_update(&b->p, b->done, b->total);
}

static int
finish(struct cli *cli, const struct st_plan *p, const struct st_delete_stats *stats)
{
    struct json_object *j = json_object_new_object();
    struct json_object *arr = json_object_new_array();

    for (size_t i = 0; p->deletes && p->deletes[i]; i++)
        json_object_array_add(arr, json_object_new_string(p->deletes[i]));
    json_object_object_add(j, "deleted", arr);
    arr = json_object_new_array();
    for (size_t i = 0; i < p->nrenames; i++) {
        struct json_object *r = json_object_new_object();

        json_object_object_add(r, "disk", json_object_new_string(p->renames[i].disk));
        json_object_object_add(r, "from", json_object_new_string(p->renames[i].from));
        json_object_object_add(r, "to", json_object_new_string(p->renames[i].to));
        json_object_array_add(arr, r);
    }
    json_object_object_add(j, "renamed", arr);
    arr = json_object_new_array();
    for (size_t i = 0; i < p->nunlinks; i++)
        json_object_array_add(arr, json_object_new_string(p->unlinks[i].path));
    json_object_object_add(j, "removed", arr);
    /* Copied: the plan's figure (exact for a commit, at most for a
     * stream); data and zeroed: what the targets' tables gained. */
    json_object_object_add(j, "bytes-copied", json_object_new_int64((int64_t) p->bytes));
    json_object_object_add(j, "bytes-data", json_object_new_int64((int64_t) stats->data));
    json_object_object_add(j, "bytes-zeroed", json_object_new_int64((int64_t) stats->zeroed));
    json_object_object_add(j, "plan", st_plan_to_json(p));
    cli_set_result(cli, j);
    if (p->mode == ST_PLAN_CHILDREN_ONLY)
        fprintf(cli->out, "Domain snapshot %s children deleted\n", p->snapshot);
    else
        fprintf(cli->out, "Domain snapshot %s deleted\n", p->snapshot);
    /* A merge moves what a file held into another: say which file the
     * metadata names now and which files are gone (a root deleted by a
     * stream removes the disk's original base file). */
    for (size_t i = 0; i < p->nrenames; i++)
        fprintf(cli->out, "Disk %s: %s is named instead of %s\n", p->renames[i].disk,
                p->renames[i].to, p->renames[i].from);
    for (size_t i = 0; i < p->nunlinks; i++)
        fprintf(cli->out, "Disk %s: removed %s%s\n", p->unlinks[i].disk, p->unlinks[i].path,
                p->unlinks[i].discard ? " (only the deleted snapshots used it)" : "");
    if (p->nsteps) {
        CLEANUP_FREE char *c = human(p->bytes);
        CLEANUP_FREE char *d = human(stats->data);
        CLEANUP_FREE char *z = human(stats->zeroed);

        fprintf(cli->out, "Merged: %s%s copied; the targets gained %s of data and %s of zero "
                "clusters\n", st_plan_bytes_upper_bound(p) ? "at most " : "", c, d, z);
    }
    return 0;
}

static int
show_plan(struct cli *cli, const char *dom, const struct st_plan *p)
{
    print_plan(cli->out, dom, p);
    cli_set_result(cli, st_plan_to_json(p));
    return 0;
}

int
cmd_snapshot_delete_merge(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct delete_args a = { 0 };
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;
    CLEANUP_JSON struct json_object *journal = NULL;
    CLEANUP_PLAN struct st_plan *plan = NULL;
    struct st_delete_request req = { 0 };
    struct bar bar = { .enabled = st_progress_wanted(cli->json) };
    struct st_delete_stats stats = { 0 };
    struct st_delete_opts opts = {
        .run_root = cli->run_dir, .step_begin = step_begin, .step_end = step_end,
        .progress = step_progress, .nospace = step_nospace, .opaque = &bar, .stats = &stats,
    };
    int r = parse(cli, argc, argv, &a, errp);
    bool ok;

    if (r)
        return r < 0 ? -1 : 0;
    opts.speed = a.speed;
    opts.verify = a.verify;
    opts.timeout_ms = a.timeout_ms;

    if (!(store = st_store_open(cli->state_dir, false, errp)))
        return -1;
    if (!st_store_domain_require(store, a.dom, errp))
        return -1;
    /* Metadata alone is cmd-snapshot.c's, but not while a delete with
     * data is half done: its plan names these snapshots. */
    if (a.metadata && !a.dry_run) {
        if (!st_journal_refuse_if_pending(store, a.dom, errp))
            return -1;
        return cmd_snapshot_delete(cli, argc, argv, errp);
    }
    if (!a.dry_run && (lock = st_store_lock(store, a.dom, !a.no_wait, errp)) < 0)
        return -1;
    req.snapshot = a.snap;
    req.mode = mode_of(&a);
    req.no_stream = a.no_stream;
    if (!(plan = st_delete_prepare(store, a.dom, &req, &journal, errp)))
        return -1;
    if (a.dry_run)
        return show_plan(cli, a.dom, plan);
    ok = st_delete_execute(store, a.dom, plan, journal, &opts, errp);
    free(bar.label);
    free(bar.waiting);
    if (!ok) {
        if (!journal)
            st_error_prepend(errp, "snapshot '%s': ", plan->snapshot);
        return -1;
    }
    return finish(cli, plan, &stats);
}
