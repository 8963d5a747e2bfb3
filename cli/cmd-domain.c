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

enum { OPT_NO_WAIT = 256, OPT_DISK, OPT_SNAPSHOTS_METADATA, OPT_ALL, OPT_INACTIVE, OPT_NAME };

/* Options shared by the domain commands; each accepts the ones it uses. */
struct dom_opts {
    bool no_wait;
    bool snapshots_metadata;
    bool all, inactive, name;   /* list */
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
        { "inactive", no_argument, NULL, OPT_INACTIVE },
        { "name", no_argument, NULL, OPT_NAME },
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
        case OPT_ALL: o->all = true; break;
        case OPT_INACTIVE: o->inactive = true; break;
        case OPT_NAME: o->name = true; break;
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

/* One domain's row of 'list': its state as 'strata status' sees it,
 * from the live QSD.  @id is the QSD's pid while it runs, else -1. */
struct list_row {
    const char *name;
    const char *state;
    bool active;
    int64_t id;
};

static void
list_row_fill(struct cli *cli, const char *name, struct list_row *row)
{
    struct json_object *s;
    struct st_error *err = NULL;
    bool stale = false;

    *row = (struct list_row) { .name = name, .state = "shut off", .id = -1 };
    if ((s = st_live_status(cli->run_dir, name, &stale, &err))) {
        row->state = "running";
        row->active = true;
        row->id = json_object_get_int64(json_object_object_get(s, "pid"));
        json_object_put(s);
        return;
    }
    if (err->code != ST_E_NOT_FOUND) {
        /* Its QSD is alive (else not-found) but did not answer: active,
         * in virsh's words of a state it cannot tell. */
        st_warn("list", "domain '%s': %s", name, err->msg);
        row->state = "no state";
        row->active = true;
    }
    st_error_free(err);
}

/* virsh list: running domains, all with --all, shut-off ones with
 * --inactive; the Id of a running domain is its QSD's pid (what
 * 'strata status' prints), "-" otherwise, as virsh shows inactive
 * domains. */
int
cmd_list(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct dom_opts o = { 0 };
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_STRV char **names = NULL;
    struct cli_table *t;
    struct json_object *arr, *j;
    bool want_active, want_inactive;
    int r = parse_opts(cli, argc, argv, 0, ALLOW(OPT_ALL) | ALLOW(OPT_INACTIVE) | ALLOW(OPT_NAME),
                       &o, errp);

    if (r)
        return r < 0 ? -1 : 0;
    want_active = o.all || !o.inactive;
    want_inactive = o.all || o.inactive;
    if (!(store = open_store(cli, false, errp)) || !(names = st_store_domain_list(store, errp)))
        return -1;
    t = cli_table_new(3, "Id", "Name", "State");
    arr = json_object_new_array();
    for (char **n = names; *n; n++) {
        struct json_object *d;
        struct list_row row;
        char id[24] = "-";

        list_row_fill(cli, *n, &row);
        if (row.active ? !want_active : !want_inactive)
            continue;
        if (row.id >= 0)
            snprintf(id, sizeof id, "%lld", (long long) row.id);
        if (o.name)
            fprintf(cli->out, "%s\n", row.name);
        else
            cli_table_add(t, id, row.name, row.state);
        d = json_object_new_object();
        json_object_object_add(d, "id", row.id >= 0 ? json_object_new_int64(row.id) : NULL);
        json_object_object_add(d, "name", json_object_new_string(row.name));
        json_object_object_add(d, "state", json_object_new_string(row.state));
        json_object_array_add(arr, d);
    }
    /* virsh ends the table, and the list of names, with an empty line. */
    if (!o.name)
        cli_table_print(t, cli->out);
    fputc('\n', cli->out);
    cli_table_free(t);
    j = json_object_new_object();
    json_object_object_add(j, "domains", arr);
    cli_set_result(cli, j);
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
