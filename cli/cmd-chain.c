/* cli/cmd-chain.c: 'strata chain show' and 'strata chain check': render
 * a chain read through the public API (strata_chain_open_file_params(),
 * in-process from the image headers), top first, as a table or as
 * JSON.  The domain form is in cmd-chain-domain.c. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/compiler.h"
#include "common/jsonw.h"
#include "store/store.h"            /* only for 'chain rebase' (cmd-chain-rebase.c) */
#include "cli/api.h"
#include "cli/chain-show.h"

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

static void
layer_write(struct st_jw *w, const strata_chain *chain, size_t i)
{
    const strata_layer *l = strata_chain_get_layer(chain, i);

    st_jw_object(w, NULL);
    st_jw_string(w, "path", l->path);
    st_jw_string(w, "absolute-path", l->abs_path);
    st_jw_string(w, "format", l->format);
    st_jw_bool(w, "exists", l->exists);
    st_jw_u64_or_null(w, "virtual-size", l->has_header, l->virtual_size);
    st_jw_u64_or_null(w, "cluster-size", l->has_header && l->cluster_size, l->cluster_size);
    st_jw_u64_or_null(w, "allocated-bytes", l->has_alloc, l->allocated_bytes);
    st_jw_u64_or_null(w, "zero-bytes", l->has_alloc, l->zero_bytes);
    st_jw_u64_or_null(w, "compressed-bytes", l->has_alloc, l->compressed_bytes);
    st_jw_u64_or_null(w, "file-size", l->exists, l->file_size);
    st_jw_string(w, "backing-filename", l->backing);
    st_jw_string(w, "backing-format", l->backing_format);
    st_jw_string(w, "backing-resolved", l->backing_resolved);
    st_jw_u64_or_null(w, "device", l->exists, l->device);
    st_jw_u64_or_null(w, "inode", l->exists, l->inode);
    st_jw_string(w, "snapshot", l->snapshot);
    st_jw_array(w, "faults");
    for (size_t j = 0; j < l->nfaults; j++) {
        const char *code;
        const char *msg = strata_chain_get_fault(chain, i, j, &code);
        const char *hint = strata_chain_get_fault_hint(chain, i, j);

        st_jw_object(w, NULL);
        st_jw_string(w, "code", code);
        st_jw_string(w, "message", msg);
        if (hint)
            st_jw_string(w, "hint", hint);
        st_jw_end(w);
    }
    st_jw_end(w);
    st_jw_end(w);
}

/* Streamed, not built with json-c: see common/jsonw.h. */
void
cli_chain_write(struct st_jw *w, const strata_chain *chain)
{
    size_t n = strata_chain_num_layers(chain), faults = strata_chain_num_faults(chain);

    st_jw_array(w, "layers");
    for (size_t i = 0; i < n; i++)
        layer_write(w, chain, i);
    st_jw_end(w);
    st_jw_int(w, "fault-count", (int64_t) faults);
    st_jw_bool(w, "clean", faults == 0);
}

void
cli_chain_render_text(FILE *out, const strata_chain *chain)
{
    fprintf(out, "%-5s %-6s %10s %10s %9s  %s\n", "DEPTH", "FORMAT", "VIRTUAL", "ALLOCATED",
            "CLUSTER", "PATH");
    for (size_t i = 0; i < strata_chain_num_layers(chain); i++) {
        const strata_layer *l = strata_chain_get_layer(chain, i);
        char vs[32] = "-", al[32] = "-", cs[32] = "-";

        if (l->has_header)
            human(vs, sizeof(vs), l->virtual_size);
        if (l->has_alloc)
            human(al, sizeof(al), l->allocated_bytes);
        if (l->has_header && l->cluster_size)
            human(cs, sizeof(cs), l->cluster_size);
        fprintf(out, "%-5zu %-6s %10s %10s %9s  %s\n", i, l->format ? l->format : "-", vs, al, cs,
                l->abs_path);
        if (l->snapshot)
            fprintf(out, "      point in time of snapshot '%s'\n", l->snapshot);
        if (l->backing)
            fprintf(out, "      backing: '%s' (%s) -> %s\n", l->backing,
                    l->backing_format ? l->backing_format : "format not recorded",
                    l->backing_resolved ? l->backing_resolved : "not resolved");
        for (size_t j = 0; j < l->nfaults; j++) {
            const char *code;
            const char *msg = strata_chain_get_fault(chain, i, j, &code);
            const char *hint = strata_chain_get_fault_hint(chain, i, j);

            fprintf(out, "      fault: %s: %s\n", code, msg);
            if (hint)
                fprintf(out, "      hint: %s\n", hint);
        }
    }
}

void
cli_chain_render_check(FILE *out, const strata_chain *chain)
{
    size_t n = strata_chain_num_layers(chain);

    if (strata_chain_num_faults(chain) == 0) {
        fprintf(out, "%s: %zu layer%s, no faults\n", strata_chain_get_layer(chain, 0)->path, n,
                n == 1 ? "" : "s");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const strata_layer *l = strata_chain_get_layer(chain, i);

        for (size_t j = 0; j < l->nfaults; j++) {
            const char *code;
            const char *msg = strata_chain_get_fault(chain, i, j, &code);
            const char *hint = strata_chain_get_fault_hint(chain, i, j);

            fprintf(out, "%s: %s: %s\n", l->path, code, msg);
            if (hint)
                fprintf(out, "  hint: %s\n", hint);
        }
    }
}

/* Options shared by show and check.  Returns 1 when parsed, 0 after
 * --help, -1 on a usage error. */
static int
parse_args(struct cli *cli, int argc, char **argv, struct cli_chain_args *a, struct st_error **errp)
{
    enum { OPT_FORMAT = 256, OPT_BACKING_FORMAT, OPT_MAX_DEPTH, OPT_NO_ALLOC, OPT_REMOVE_ORPHANS };
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "backing-format", required_argument, NULL, OPT_BACKING_FORMAT },
        { "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
        { "no-allocation", no_argument, NULL, OPT_NO_ALLOC },
        { "remove-orphans", no_argument, NULL, OPT_REMOVE_ORPHANS },
        { NULL, 0, NULL, 0 },
    };
    int c;

    memset(a, 0, sizeof *a);
    /* optind 0 makes glibc start afresh in its default, permuting
     * mode: options may follow FILE or DOMAIN [DEV], as the synopsis
     * shows ('--' ends the options, for a file named like one). */
    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        char *end;
        unsigned long v;

        switch (c) {
        case 'h':
            cli_command_help(cli);
            return 0;
        case OPT_FORMAT:
            a->params.format = optarg;
            break;
        case OPT_BACKING_FORMAT:
            a->params.backing_format = optarg;
            break;
        case OPT_MAX_DEPTH:
            v = strtoul(optarg, &end, 10);
            if (*optarg < '0' || *optarg > '9' || *end || v == 0 || v > UINT_MAX)
                return cli_usage(cli, errp, "--max-depth wants a positive number, not '%s'", optarg);
            a->params.max_depth = (unsigned) v;
            break;
        case OPT_NO_ALLOC:
            a->flags |= STRATA_CHAIN_NO_ALLOCATION;
            break;
        case OPT_REMOVE_ORPHANS:
            a->remove_orphans = true;
            break;
        default:
            return cli_usage(cli, errp, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage(cli, errp, "no image or domain given");
    a->target = argv[optind];
    if (optind + 1 < argc)
        a->dev = argv[optind + 1];
    if (optind + 2 < argc)
        return cli_usage(cli, errp, "unexpected argument '%s'", argv[optind + 2]);
    return 1;
}

/* The domain form applies when the target names a defined domain (a
 * file of the same name can be given as ./NAME) or a DEV is given.
 * Returns the domain, or NULL for the file form (@errp set when the
 * domain form was asked for and fails). */
static strata_domain *
domain_form_of(struct cli *cli, const struct cli_chain_args *a, strata_conn **conn,
               struct st_error **errp)
{
    strata_domain *dom;

    if (!a->dev && strchr(a->target, '/'))
        return NULL;
    /* An unreadable state dir matters only to the domain form. */
    if (!(*conn = strata_open(cli->state_dir, cli->run_dir, 0)) ||
        !(dom = strata_domain_lookup(*conn, a->target))) {
        if (a->dev)
            cli_api_error(errp);
        return NULL;
    }
    return dom;
}

/* argv[0] is "show" or "check". */
static int
chain_show(struct cli *cli, int argc, char **argv, bool check, cli_chain_domain_fn domain_form,
           struct st_error **errp)
{
    CLEANUP_API_CHAIN strata_chain *chain = NULL;
    CLEANUP_API_CONN strata_conn *conn = NULL;
    CLEANUP_API_DOMAIN strata_domain *dom = NULL;
    struct cli_chain_args a;
    int r;

    if ((r = parse_args(cli, argc, argv, &a, errp)) <= 0)
        return r;
    if ((dom = domain_form_of(cli, &a, &conn, errp)))
        return domain_form(cli, dom, &a, check, errp);
    if (errp && *errp)
        return -1;
    if (a.remove_orphans) {
        st_error_set(errp, ST_E_NOT_FOUND, "no domain named '%s'", a.target);
        st_error_hint(errp, "--remove-orphans works on 'chain check DOMAIN' only; 'strata list' shows the domains");
        return -1;
    }
    if (!(chain = strata_chain_open_file_params(a.target, &a.params, a.flags))) {
        cli_api_error(errp);
        return -1;
    }
    if (cli->json) {
        struct st_jw w;

        /* Straight to stdout, not through the spool: nothing can fail
         * after this point, and growing the spool (open_memstream zeroes
         * and copies as it doubles) cost a third of the page faults of a
         * 256-deep chain. */
        st_jw_init(&w, stdout);
        st_jw_object(&w, NULL);
        cli_chain_write(&w, chain);
        st_jw_end(&w);
    } else if (!check)
        cli_chain_render_text(cli->out, chain);
    else
        cli_chain_render_check(cli->out, chain);
    return check && strata_chain_num_faults(chain) ? 2 : 0;
}

int
cli_chain_run(struct cli *cli, int argc, char **argv, cli_chain_domain_fn domain_form,
              struct st_error **errp)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (argc >= 2)
            return cli_command_help(cli);
        return cli_usage(cli, errp, "no subcommand given (show, check or rebase)");
    }
    if (strcmp(argv[1], "rebase") == 0) {
        CLEANUP_STORE struct st_store *store = st_store_open(cli->state_dir, false, NULL);

        return cli_chain_rebase(cli, argc - 1, argv + 1, store, errp);
    }
    if (strcmp(argv[1], "show") == 0)
        return chain_show(cli, argc - 1, argv + 1, false, domain_form, errp);
    if (strcmp(argv[1], "check") == 0)
        return chain_show(cli, argc - 1, argv + 1, true, domain_form, errp);
    return cli_usage(cli, errp, "unknown subcommand '%s' (show, check or rebase)", argv[1]);
}
