/* cli/cmd-move.c: 'strata move DOMAIN --to DIR': parse, then plan and
 * run ops/op-move.c, and print each file's old and new name. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/progress.h"
#include "common/xalloc.h"
#include "store/store.h"
#include "ops/op-move.h"
#include "cli/commands.h"

static void
on_progress(const char *file ST_UNUSED, uint64_t done, uint64_t total, void *opaque)
{
    st_progress_update(opaque, done, total);
}

static const char *
action(const struct st_move_plan *plan, const struct st_move_file *f)
{
    if (f->method == ST_MOVE_NONE)
        return "already there";
    if (f->method == ST_MOVE_LINK)
        return "moved";
    return plan->keep_originals ? "copied" : "copied, original removed";
}

static void
print_text(FILE *out, const struct st_move_plan *plan, bool dry_run)
{
    size_t moved = 0, copied = 0;

    for (size_t i = 0; i < plan->n; i++) {
        const struct st_move_file *f = &plan->files[i];

        if (f->method == ST_MOVE_NONE)
            fprintf(out, "%s: %s\n", f->to, action(plan, f));
        else
            fprintf(out, "%s -> %s (%s, %llu bytes)\n", f->from, f->to, action(plan, f),
                    (unsigned long long) f->size);
        moved += f->method == ST_MOVE_LINK;
        copied += f->method == ST_MOVE_COPY;
    }
    fprintf(out, "%s %zu files into %s: %zu renamed, %zu copied (%llu bytes)\n",
            dry_run ? "would move" : "moved", moved + copied, plan->dir, moved, copied,
            (unsigned long long) plan->copy_bytes);
}

static struct json_object *
plan_json(const struct st_move_plan *plan, bool dry_run)
{
    struct json_object *doc = json_object_new_object();
    struct json_object *arr = json_object_new_array();
    int64_t moved = 0, copied = 0, bytes = 0;

    for (size_t i = 0; i < plan->n; i++) {
        const struct st_move_file *f = &plan->files[i];
        struct json_object *o = json_object_new_object();

        json_object_object_add(o, "from", json_object_new_string(f->from));
        json_object_object_add(o, "to", json_object_new_string(f->to));
        json_object_object_add(o, "format", json_object_new_string(f->format));
        json_object_object_add(o, "method", json_object_new_string(st_move_method_name(f->method)));
        json_object_object_add(o, "size", json_object_new_int64((int64_t) f->size));
        json_object_object_add(o, "original-kept", json_object_new_boolean(
                                   f->method == ST_MOVE_NONE || plan->keep_originals));
        json_object_array_add(arr, o);
        moved += f->method == ST_MOVE_LINK;
        copied += f->method == ST_MOVE_COPY;
        if (f->method != ST_MOVE_NONE)
            bytes += (int64_t) f->size;
    }
    json_object_object_add(doc, "domain", json_object_new_string(plan->dom));
    json_object_object_add(doc, "directory", json_object_new_string(plan->dir));
    json_object_object_add(doc, "files", arr);
    json_object_object_add(doc, "renamed-count", json_object_new_int64(moved));
    json_object_object_add(doc, "copied-count", json_object_new_int64(copied));
    json_object_object_add(doc, "bytes", json_object_new_int64(bytes));
    json_object_object_add(doc, "copied-bytes", json_object_new_int64((int64_t) plan->copy_bytes));
    json_object_object_add(doc, "dry-run", json_object_new_boolean(dry_run));
    return doc;
}

int
cmd_move(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    enum { OPT_TO = 256, OPT_DISK, OPT_COPY, OPT_DRY_RUN };
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "to", required_argument, NULL, OPT_TO },
        { "disk", required_argument, NULL, OPT_DISK },
        { "copy", no_argument, NULL, OPT_COPY },
        { "dry-run", no_argument, NULL, OPT_DRY_RUN },
        { NULL, 0, NULL, 0 },
    };
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;
    CLEANUP_MOVE_PLAN struct st_move_plan *plan = NULL;
    struct st_move_opts o = { .run_root = cli->run_dir };
    struct st_progress bar;
    bool dry_run = false, ok;
    const char *dom;
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            return cli_command_help(cli);
        case OPT_TO:
            o.dir = optarg;
            break;
        case OPT_DISK:
            o.disk = optarg;
            break;
        case OPT_COPY:
            o.copy = true;
            break;
        case OPT_DRY_RUN:
            dry_run = true;
            break;
        default:
            return cli_usage(cli, errp, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage(cli, errp, "no domain given");
    if (optind + 1 < argc)
        return cli_usage(cli, errp, "unexpected argument '%s'", argv[optind + 1]);
    if (!o.dir)
        return cli_usage(cli, errp, "say where with --to DIR");
    dom = argv[optind];
    if (!(store = st_store_open(cli->state_dir, false, errp)) ||
        !st_store_domain_require(store, dom, errp))
        return -1;
    if ((lock = st_store_lock(store, dom, true, errp)) < 0)
        return -1;
    if (!(plan = st_move_plan_new(store, dom, &o, errp)))
        return -1;
    if (!dry_run) {
        st_progress_begin(&bar, "move", st_progress_wanted(cli->json) && plan->copy_bytes);
        o.progress = on_progress;
        o.opaque = &bar;
        ok = st_move_run(store, plan, &o, errp);
        st_progress_end(&bar);
        if (!ok)
            return -1;
    }
    if (cli->json)
        cli_set_result(cli, plan_json(plan, dry_run));
    else
        print_text(cli->out, plan, dry_run);
    return 0;
}
