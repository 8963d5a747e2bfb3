/* cli/cmd-chain.c: 'strata chain show' and 'strata chain check': render
 * a chain read by chain/chain.c, top first, as a table or as JSON. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/json.h"
#include "chain/chain.h"
#include "cli/commands.h"

/* "64 MiB", "1.5 GiB": for people; JSON carries exact bytes. */
static void
human(char *buf, size_t n, uint64_t v)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    double d = (double) v;
    size_t u = 0;

    while (d >= 1024 && u + 1 < ST_ARRAY_SIZE(units)) {
        d /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, n, "%" PRIu64 " B", v);
    else if (d == (double) (uint64_t) d)
        snprintf(buf, n, "%.0f %s", d, units[u]);
    else
        snprintf(buf, n, "%.1f %s", d, units[u]);
}

static struct json_object *
json_u64_or_null(bool known, uint64_t v)
{
    return known ? json_object_new_int64((int64_t) v) : NULL;
}

static struct json_object *
layer_json(const struct st_layer *l)
{
    struct json_object *o = json_object_new_object();
    struct json_object *faults = json_object_new_array();

    json_object_object_add(o, "path", json_object_new_string(l->path));
    json_object_object_add(o, "absolute-path", json_object_new_string(l->abs_path));
    json_object_object_add(o, "format", st_json_string_or_null(l->format));
    json_object_object_add(o, "exists", json_object_new_boolean(l->exists));
    json_object_object_add(o, "virtual-size", json_u64_or_null(l->has_header, l->virtual_size));
    json_object_object_add(o, "cluster-size",
                           json_u64_or_null(l->has_header && l->cluster_size, l->cluster_size));
    json_object_object_add(o, "allocated-bytes", json_u64_or_null(l->has_alloc, l->allocated_bytes));
    json_object_object_add(o, "zero-bytes", json_u64_or_null(l->has_alloc, l->zero_bytes));
    json_object_object_add(o, "compressed-bytes", json_u64_or_null(l->has_alloc, l->compressed_bytes));
    json_object_object_add(o, "file-size", json_u64_or_null(l->exists, l->file_size));
    json_object_object_add(o, "backing-filename", st_json_string_or_null(l->backing));
    json_object_object_add(o, "backing-format", st_json_string_or_null(l->backing_format));
    json_object_object_add(o, "backing-resolved", st_json_string_or_null(l->backing_resolved));
    json_object_object_add(o, "device", json_u64_or_null(l->exists, (uint64_t) l->dev));
    json_object_object_add(o, "inode", json_u64_or_null(l->exists, (uint64_t) l->ino));
    for (size_t i = 0; i < l->n_faults; i++) {
        struct json_object *f = json_object_new_object();

        json_object_object_add(f, "code", json_object_new_string(st_fault_code_name(l->faults[i].code)));
        json_object_object_add(f, "message", json_object_new_string(l->faults[i].message));
        json_object_array_add(faults, f);
    }
    json_object_object_add(o, "faults", faults);
    return o;
}

static struct json_object *
chain_json(const struct st_chain *chain)
{
    struct json_object *o = json_object_new_object();
    struct json_object *layers = json_object_new_array();

    for (size_t i = 0; i < chain->n_layers; i++)
        json_object_array_add(layers, layer_json(&chain->layers[i]));
    json_object_object_add(o, "layers", layers);
    json_object_object_add(o, "fault-count", json_object_new_int64((int64_t) chain->n_faults));
    json_object_object_add(o, "clean", json_object_new_boolean(chain->n_faults == 0));
    return o;
}

static void
render_text(FILE *out, const struct st_chain *chain)
{
    fprintf(out, "%-5s %-6s %10s %10s %9s  %s\n", "DEPTH", "FORMAT", "VIRTUAL", "ALLOCATED",
            "CLUSTER", "PATH");
    for (size_t i = 0; i < chain->n_layers; i++) {
        const struct st_layer *l = &chain->layers[i];
        char vs[32] = "-", al[32] = "-", cs[32] = "-";

        if (l->has_header)
            human(vs, sizeof(vs), l->virtual_size);
        if (l->has_alloc)
            human(al, sizeof(al), l->allocated_bytes);
        if (l->has_header && l->cluster_size)
            human(cs, sizeof(cs), l->cluster_size);
        fprintf(out, "%-5zu %-6s %10s %10s %9s  %s\n", i, l->format ? l->format : "-", vs, al, cs,
                l->abs_path);
        if (l->backing)
            fprintf(out, "      backing: '%s' (%s) -> %s\n", l->backing,
                    l->backing_format ? l->backing_format : "format not recorded",
                    l->backing_resolved ? l->backing_resolved : "not resolved");
        for (size_t j = 0; j < l->n_faults; j++)
            fprintf(out, "      fault: %s: %s\n", st_fault_code_name(l->faults[j].code),
                    l->faults[j].message);
    }
}

/* Options shared by show and check; returns the loaded chain or NULL. */
static struct st_chain *
load_from_args(struct cli *cli, int argc, char **argv, bool *helped, struct st_error **errp)
{
    enum { OPT_FORMAT = 256, OPT_BACKING_FORMAT, OPT_MAX_DEPTH, OPT_NO_ALLOC };
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "backing-format", required_argument, NULL, OPT_BACKING_FORMAT },
        { "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
        { "no-allocation", no_argument, NULL, OPT_NO_ALLOC },
        { NULL, 0, NULL, 0 },
    };
    struct st_chain_opts o = { 0 };
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        char *end;
        unsigned long v;

        switch (c) {
        case 'h':
            *helped = true;
            cli_command_help(cli);
            return NULL;
        case OPT_FORMAT:
            o.format = optarg;
            break;
        case OPT_BACKING_FORMAT:
            o.backing_format = optarg;
            break;
        case OPT_MAX_DEPTH:
            v = strtoul(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end || v == 0 || v > UINT_MAX) {
                cli_usage(cli, errp, "--max-depth wants a positive number, not '%s'", optarg);
                return NULL;
            }
            o.max_depth = (unsigned) v;
            break;
        case OPT_NO_ALLOC:
            o.skip_allocation = true;
            break;
        default:
            cli_usage(cli, errp, "unknown option '%s'", argv[optind - 1]);
            return NULL;
        }
    }
    if (optind >= argc) {
        cli_usage(cli, errp, "no image given");
        return NULL;
    }
    if (optind + 1 < argc) {
        /* 'chain show DOM DEV' arrives with domains (SPEC §3). */
        cli_usage(cli, errp, "unexpected argument '%s'", argv[optind + 1]);
        return NULL;
    }
    return st_chain_load(argv[optind], &o, errp);
}

/* argv[0] is "show" or "check". */
static int
chain_show(struct cli *cli, int argc, char **argv, bool check, struct st_error **errp)
{
    CLEANUP_CHAIN struct st_chain *chain = NULL;
    bool helped = false;

    if (!(chain = load_from_args(cli, argc, argv, &helped, errp)))
        return helped ? 0 : -1;
    if (cli->json) {
        cli_set_result(cli, chain_json(chain));
    } else if (!check) {
        render_text(cli->out, chain);
    } else if (chain->n_faults == 0) {
        fprintf(cli->out, "%s: %zu layer%s, no faults\n", chain->layers[0].path, chain->n_layers,
                chain->n_layers == 1 ? "" : "s");
    } else {
        for (size_t i = 0; i < chain->n_layers; i++)
            for (size_t j = 0; j < chain->layers[i].n_faults; j++)
                fprintf(cli->out, "%s: %s: %s\n", chain->layers[i].path,
                        st_fault_code_name(chain->layers[i].faults[j].code),
                        chain->layers[i].faults[j].message);
    }
    if (check && chain->n_faults)
        return 2;
    return 0;
}

int
cmd_chain(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (argc >= 2)
            return cli_command_help(cli);
        return cli_usage(cli, errp, "no subcommand given (show or check)");
    }
    if (strcmp(argv[1], "show") == 0)
        return chain_show(cli, argc - 1, argv + 1, false, errp);
    if (strcmp(argv[1], "check") == 0)
        return chain_show(cli, argc - 1, argv + 1, true, errp);
    return cli_usage(cli, errp, "unknown subcommand '%s' (show or check)", argv[1]);
}
