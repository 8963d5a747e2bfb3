/* cli/cmd-domain.c: define, define-as, undefine, list, dumpxml,
 * domblklist: virsh's domain commands over the store. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/json.h"
#include "common/log.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "xml/domain.h"
#include "xml/xml.h"
#include "live/live.h"
#include "ops/op-define.h"
#include "store/store.h"
#include "cli/commands.h"
#include "cli/table.h"

enum { OPT_NO_WAIT = 256, OPT_DISK, OPT_SNAPSHOTS_METADATA, OPT_ALL };

/* Options shared by the domain commands; each accepts the ones it uses. */
struct dom_opts {
    bool no_wait;
    bool snapshots_metadata;
    char **disks;           /* owned strv of --disk values */
    char *args[2];          /* positional arguments (borrowed) */
    int nargs;
};

static int
parse_opts(struct cli *cli, int argc, char **argv, int want_args, unsigned allow,
           struct dom_opts *o, struct st_error **errp)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "no-wait", no_argument, NULL, OPT_NO_WAIT },
        { "disk", required_argument, NULL, OPT_DISK },
        { "snapshots-metadata", no_argument, NULL, OPT_SNAPSHOTS_METADATA },
        { "all", no_argument, NULL, OPT_ALL },
        { NULL, 0, NULL, 0 },
    };
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h')
            return cli_command_help(cli) + 1;
        if (c < 256 || !(allow & (1u << (c - 256))))
            return cli_usage(cli, errp, "unknown option '%s'", argv[optind - 1]);
        switch (c) {
        case OPT_NO_WAIT: o->no_wait = true; break;
        case OPT_DISK: st_strv_add(&o->disks, optarg); break;
        case OPT_SNAPSHOTS_METADATA: o->snapshots_metadata = true; break;
        default: break;
        }
    }
    for (; optind < argc; optind++) {
        if (o->nargs == want_args)
            return cli_usage(cli, errp, "unexpected argument '%s'", argv[optind]);
        o->args[o->nargs++] = argv[optind];
    }
    if (o->nargs < want_args)
        return cli_usage(cli, errp, "missing argument");
    return 0;
}

#define ALLOW(opt) (1u << ((opt) - 256))

/* Domain commands either work on a store that exists or create it. */
static struct st_store *
open_store(struct cli *cli, bool create, struct st_error **errp)
{
    return st_store_open(cli->state_dir, create, errp);
}

static void
result_domain(struct cli *cli, const struct st_domain *dom)
{
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "name", json_object_new_string(dom->name));
    json_object_object_add(o, "uuid", json_object_new_string(dom->uuid));
    cli_set_result(cli, o);
}

int
cmd_define(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct dom_opts o = { 0 };
    CLEANUP_DOMAIN struct st_domain *dom = NULL;
    int r = parse_opts(cli, argc, argv, 1, ALLOW(OPT_NO_WAIT), &o, errp);

    if (r)
        return r < 0 ? -1 : 0;
    if (!(dom = st_domain_load(o.args[0], errp)))
        return -1;
    if (!st_op_define(cli->state_dir, dom, true, !o.no_wait, errp))
        return -1;
    result_domain(cli, dom);
    fprintf(cli->out, "Domain '%s' defined from %s\n\n", dom->name, o.args[0]);
    return 0;
}

/* DEV=PATH[,format=F] */
static bool
add_disk_spec(struct st_domain *dom, const char *spec, struct st_error **errp)
{
    CLEANUP_FREE char *copy = st_xstrdup(spec);
    CLEANUP_FREE char *abs = NULL;
    char *eq = strchr(copy, '=');
    char *comma, *format = NULL;

    if (!eq || eq == copy || !eq[1]) {
        st_error_set(errp, ST_E_USAGE, "--disk '%s': expected DEV=PATH[,format=F]", spec);
        return false;
    }
    *eq = '\0';
    if ((comma = strrchr(eq + 1, ',')) && strncmp(comma, ",format=", 8) == 0) {
        *comma = '\0';
        format = comma + 8;
        if (!*format) {
            st_error_set(errp, ST_E_USAGE, "--disk '%s': empty format", spec);
            return false;
        }
    }
    if (!(abs = st_path_absolute(eq + 1, errp)))
        return false;
    return st_domain_add_disk(dom, copy, abs, format, errp);
}

int
cmd_define_as(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct dom_opts o = { 0 };
    CLEANUP_STRV char **disks = NULL;
    CLEANUP_DOMAIN struct st_domain *dom = NULL;
    int r = parse_opts(cli, argc, argv, 1, ALLOW(OPT_NO_WAIT) | ALLOW(OPT_DISK), &o, errp);

    disks = o.disks;
    if (r)
        return r < 0 ? -1 : 0;
    if (!(dom = st_domain_new(o.args[0], errp)))
        return -1;
    for (char **d = disks; d && *d; d++)
        if (!add_disk_spec(dom, *d, errp))
            return -1;
    if (!st_op_define(cli->state_dir, dom, false, !o.no_wait, errp))
        return -1;
    result_domain(cli, dom);
    fprintf(cli->out, "Domain '%s' defined\n\n", dom->name);
    return 0;
}

int
cmd_undefine(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct dom_opts o = { 0 };
    int r = parse_opts(cli, argc, argv, 1, ALLOW(OPT_NO_WAIT) | ALLOW(OPT_SNAPSHOTS_METADATA),
                       &o, errp);

    if (r)
        return r < 0 ? -1 : 0;
    if (!st_op_undefine(cli->state_dir, cli->run_dir, o.args[0], o.snapshots_metadata,
                        !o.no_wait, errp))
        return -1;
    {
        struct json_object *j = json_object_new_object();

        json_object_object_add(j, "name", json_object_new_string(o.args[0]));
        cli_set_result(cli, j);
    }
    fprintf(cli->out, "Domain '%s' has been undefined\n\n", o.args[0]);
    return 0;
}

int
cmd_list(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct dom_opts o = { 0 };
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_STRV char **names = NULL;
    struct cli_table *t;
    struct json_object *arr;
    int r = parse_opts(cli, argc, argv, 0, ALLOW(OPT_ALL), &o, errp);

    if (r)
        return r < 0 ? -1 : 0;
    if (!(store = open_store(cli, false, errp)) || !(names = st_store_domain_list(store, errp)))
        return -1;
    t = cli_table_new(3, "Id", "Name", "State");
    arr = json_object_new_array();
    for (char **n = names; *n; n++) {
        struct json_object *d = json_object_new_object();

        /* Domains run under strata only from 'strata start' (later). */
        cli_table_add(t, "-", *n, "shut off");
        json_object_object_add(d, "name", json_object_new_string(*n));
        json_object_object_add(d, "state", json_object_new_string("shut off"));
        json_object_array_add(arr, d);
    }
    cli_table_print(t, cli->out);
    fputc('\n', cli->out);
    cli_table_free(t);
    {
        struct json_object *j = json_object_new_object();

        json_object_object_add(j, "domains", arr);
        cli_set_result(cli, j);
    }
    return 0;
}

static struct st_domain *
load_arg(struct cli *cli, const char *name, struct st_error **errp)
{
    CLEANUP_STORE struct st_store *store = open_store(cli, false, errp);

    return store ? st_store_domain_load(store, name, errp) : NULL;
}

int
cmd_dumpxml(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct dom_opts o = { 0 };
    CLEANUP_DOMAIN struct st_domain *dom = NULL;
    CLEANUP_FREE char *xml = NULL;
    int r = parse_opts(cli, argc, argv, 1, 0, &o, errp);

    if (r)
        return r < 0 ? -1 : 0;
    if (!(dom = load_arg(cli, o.args[0], errp)))
        return -1;
    xml = st_domain_format(dom);
    /* virsh ends the document with an empty line. */
    fprintf(cli->out, "%s\n", xml);
    {
        struct json_object *j = json_object_new_object();

        json_object_object_add(j, "name", json_object_new_string(dom->name));
        json_object_object_add(j, "xml", json_object_new_string(xml));
        cli_set_result(cli, j);
    }
    return 0;
}

int
cmd_domblklist(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct dom_opts o = { 0 };
    CLEANUP_DOMAIN struct st_domain *dom = NULL;
    struct cli_table *t;
    struct json_object *arr, *j;
    int r = parse_opts(cli, argc, argv, 1, 0, &o, errp);

    if (r)
        return r < 0 ? -1 : 0;
    if (!(dom = load_arg(cli, o.args[0], errp)))
        return -1;
    t = cli_table_new(2, "Target", "Source");
    arr = json_object_new_array();
    for (size_t i = 0; i < dom->ndisks; i++) {
        const struct st_domain_disk *d = &dom->disks[i];
        struct json_object *e = json_object_new_object();

        cli_table_add(t, d->target, d->source ? d->source : "-");
        json_object_object_add(e, "target", json_object_new_string(d->target));
        json_object_object_add(e, "source", st_json_string_or_null(d->source));
        json_object_object_add(e, "format", st_json_string_or_null(d->format));
        json_object_object_add(e, "snapshot",
                               st_json_string_or_null(st_snapshot_mode_name(d->snapshot)));
        json_object_array_add(arr, e);
    }
    cli_table_print(t, cli->out);
    fputc('\n', cli->out);
    cli_table_free(t);
    j = json_object_new_object();
    json_object_object_add(j, "disks", arr);
    cli_set_result(cli, j);
    return 0;
}
