/* cli/cmd-chain-rebase.c: 'strata chain rebase FILE': parse, then plan
 * and run ops/op-rebase.c, and print each layer's old and new strings. */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/xalloc.h"
#include "ops/op-rebase.h"
#include "ops/op-rebase-domain.h"
#include "store/store.h"
#include "cli/chain-show.h"

static void
print_text(FILE *out, const struct st_rebase_plan *plan, bool dry_run)
{
    size_t changed = 0;

    for (size_t i = 0; i < plan->n; i++) {
        const struct st_rebase_layer *l = &plan->layers[i];

        if (l->change) {
            changed++;
            fprintf(out, "%s: backing '%s' (%s) -> '%s' (%s), %s\n", l->path, l->old_backing,
                    l->old_format ? l->old_format : "format not recorded", l->new_backing,
                    l->new_format, st_rebase_proof_name(l->proof));
        } else {
            fprintf(out, "%s: backing '%s' (%s) unchanged\n", l->path, l->old_backing,
                    l->new_format);
        }
    }
    fprintf(out, "%s %zu of %zu backing strings\n", dry_run ? "would rewrite" : "rewrote",
            changed, plan->n);
}

static struct json_object *
plan_json(const struct st_rebase_plan *plan, bool dry_run)
{
    struct json_object *doc = json_object_new_object();
    struct json_object *arr = json_object_new_array();
    int64_t changed = 0;

    for (size_t i = 0; i < plan->n; i++) {
        const struct st_rebase_layer *l = &plan->layers[i];
        struct json_object *o = json_object_new_object();

        json_object_object_add(o, "path", json_object_new_string(l->path));
        json_object_object_add(o, "old-backing", json_object_new_string(l->old_backing));
        json_object_object_add(o, "old-backing-format",
                               l->old_format ? json_object_new_string(l->old_format) : NULL);
        json_object_object_add(o, "new-backing", json_object_new_string(l->new_backing));
        json_object_object_add(o, "new-backing-format", json_object_new_string(l->new_format));
        json_object_object_add(o, "backing-file", json_object_new_string(l->target));
        json_object_object_add(o, "proof", json_object_new_string(st_rebase_proof_name(l->proof)));
        json_object_object_add(o, "changed", json_object_new_boolean(l->change));
        json_object_array_add(arr, o);
        changed += l->change;
    }
    json_object_object_add(doc, "layers", arr);
    json_object_object_add(doc, "changed-count", json_object_new_int64(changed));
    json_object_object_add(doc, "dry-run", json_object_new_boolean(dry_run));
    return doc;
}

/* 'chain rebase DOMAIN [DEV]': ops/op-rebase-domain.c under the domain
 * lock; the layers printed as for a FILE, then the metadata paths. */
static int
rebase_domain(struct cli *cli, const struct st_store *store, const char *dom, const char *dev,
              const struct st_rebase_opts *o, bool dry_run, struct st_error **errp)
{
    CLEANUP_CLOSE int lock = -1;
    CLEANUP_REBASE_DOMAIN struct st_rebase_domain *rd = NULL;

    if (!st_store_domain_require(store, dom, errp) ||
        (lock = st_store_lock(store, dom, true, errp)) < 0)
        return -1;
    if (!(rd = st_rebase_domain_plan(store, dom, dev, cli->run_dir, o, errp)))
        return -1;
    if (!dry_run && !st_rebase_domain_run(store, cli->run_dir, rd, errp))
        return -1;
    if (cli->json) {
        struct json_object *doc = plan_json(rd->plan, dry_run);
        struct json_object *arr = json_object_new_array();

        for (size_t i = 0; i < rd->n_renames; i++) {
            struct json_object *r = json_object_new_object();

            json_object_object_add(r, "from", json_object_new_string(rd->from[i]));
            json_object_object_add(r, "to", json_object_new_string(rd->to[i]));
            json_object_array_add(arr, r);
        }
        json_object_object_add(doc, "domain", json_object_new_string(dom));
        json_object_object_add(doc, "metadata-renames", arr);
        cli_set_result(cli, doc);
        return 0;
    }
    print_text(cli->out, rd->plan, dry_run);
    for (size_t i = 0; i < rd->n_renames; i++)
        fprintf(cli->out, "metadata: '%s' -> '%s'\n", rd->from[i], rd->to[i]);
    fprintf(cli->out, "%s %zu metadata paths of domain %s\n", dry_run ? "would rename" : "renamed",
            rd->n_renames, dom);
    return 0;
}

/* argv[0] is "rebase". */
int
cli_chain_rebase(struct cli *cli, int argc, char **argv, const struct st_store *store,
                 struct st_error **errp)
{
    enum { OPT_RELATIVE = 256, OPT_ABSOLUTE, OPT_MAP, OPT_DRY_RUN, OPT_FORMAT,
           OPT_BACKING_FORMAT, OPT_MAX_DEPTH };
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "relative", no_argument, NULL, OPT_RELATIVE },
        { "absolute", no_argument, NULL, OPT_ABSOLUTE },
        { "map", required_argument, NULL, OPT_MAP },
        { "dry-run", no_argument, NULL, OPT_DRY_RUN },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "backing-format", required_argument, NULL, OPT_BACKING_FORMAT },
        { "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
        { NULL, 0, NULL, 0 },
    };
    CLEANUP_REBASE_PLAN struct st_rebase_plan *plan = NULL;
    CLEANUP_FREE struct st_rebase_map *maps = NULL;
    CLEANUP_FREE char **map_args = NULL;
    struct st_rebase_opts o = { 0 };
    size_t n_maps = 0;
    int modes = 0, c;
    CLEANUP_STORE struct st_store *own = NULL;
    bool dry_run = false, is_domain;
    const char *target;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *end;
        unsigned long v;

        switch (c) {
        case 'h':
            return cli_command_help(cli);
        case OPT_RELATIVE:
            o.mode = ST_REBASE_RELATIVE;
            modes |= 1;
            break;
        case OPT_ABSOLUTE:
            o.mode = ST_REBASE_ABSOLUTE;
            modes |= 2;
            break;
        case OPT_MAP: {
            char *eq = strchr(optarg, '=');

            if (!eq || eq == optarg || !eq[1])
                return cli_usage(cli, errp, "--map wants OLD=NEW, not '%s'", optarg);
            maps = st_xreallocarray(maps, n_maps + 1, sizeof *maps);
            /* optarg points into argv, which outlives the command. */
            *eq = '\0';
            maps[n_maps++] = (struct st_rebase_map) { optarg, eq + 1 };
            o.mode = ST_REBASE_MAP;
            modes |= 4;
            break;
        }
        case OPT_DRY_RUN:
            dry_run = true;
            break;
        case OPT_FORMAT:
            o.format = optarg;
            break;
        case OPT_BACKING_FORMAT:
            o.backing_format = optarg;
            break;
        case OPT_MAX_DEPTH:
            v = strtoul(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end || v == 0 || v > UINT_MAX)
                return cli_usage(cli, errp, "--max-depth wants a positive number, not '%s'", optarg);
            o.max_depth = (unsigned) v;
            break;
        default:
            return cli_usage(cli, errp, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (modes != 1 && modes != 2 && modes != 4)
        return cli_usage(cli, errp, "give one of --relative, --absolute or --map OLD=NEW");
    if (optind >= argc)
        return cli_usage(cli, errp, "no image given");
    target = argv[optind];
    is_domain = optind + 1 < argc ||
                (store && !strchr(target, '/') && st_store_domain_exists(store, target));
    if (optind + 2 < argc)
        return cli_usage(cli, errp, "unexpected argument '%s'", argv[optind + 2]);
    /* A DEV makes it a domain, whose state dir must then open. */
    if (is_domain && !store) {
        if (!(own = st_store_open(cli->state_dir, false, errp)))
            return -1;
        store = own;
    }
    if (is_domain && o.format)
        return cli_usage(cli, errp, "--format is for a FILE; a domain's disks record theirs");
    for (const char *f = o.format; f; f = NULL)
        if (strcmp(f, "qcow2") != 0 && strcmp(f, "raw") != 0)
            return cli_usage(cli, errp, "--format wants qcow2 or raw, not '%s'", f);
    for (const char *f = o.backing_format; f; f = NULL)
        if (strcmp(f, "qcow2") != 0 && strcmp(f, "raw") != 0)
            return cli_usage(cli, errp, "--backing-format wants qcow2 or raw, not '%s'", f);
    o.maps = maps;
    o.n_maps = n_maps;
    if (is_domain)
        return rebase_domain(cli, store, target, optind + 1 < argc ? argv[optind + 1] : NULL, &o,
                             dry_run, errp);
    if (!(plan = st_rebase_plan_file(target, &o, errp)))
        return -1;
    if (!dry_run && !st_rebase_run(cli->run_dir, plan, errp))
        return -1;
    if (cli->json)
        cli_set_result(cli, plan_json(plan, dry_run));
    else
        print_text(cli->out, plan, dry_run);
    return 0;
}
