/* cli/cmd-snapshot-create.c: the commands that change disks:
 * snapshot-create (without --redefine), snapshot-create-as,
 * snapshot-revert, and recover.  snapshot-create-as builds snapshot
 * XML from its arguments, as virsh does, and goes the same way as
 * snapshot-create DOM FILE. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/json.h"
#include "common/log.h"
#include "common/name.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "xml/snapshot.h"
#include "ops/diskspec.h"
#include "ops/op-create.h"
#include "ops/op-recover.h"
#include "ops/op-revert.h"
#include "store/store.h"
#include "cli/commands.h"

enum {
    O_NO_WAIT = 256, O_NO_METADATA, O_DISK_ONLY, O_REUSE_EXTERNAL, O_ATOMIC, O_QUIESCE,
    O_PRINT_XML, O_DISKSPEC, O_CURRENT, O_FORCE, O_DISCARD_CURRENT, O_KEEP_CURRENT,
};

static const struct option opts[] = {
    { "help", no_argument, NULL, 'h' },
    { "no-wait", no_argument, NULL, O_NO_WAIT },
    { "no-metadata", no_argument, NULL, O_NO_METADATA },
    { "disk-only", no_argument, NULL, O_DISK_ONLY },
    { "reuse-external", no_argument, NULL, O_REUSE_EXTERNAL },
    { "atomic", no_argument, NULL, O_ATOMIC },
    { "quiesce", no_argument, NULL, O_QUIESCE },
    { "print-xml", no_argument, NULL, O_PRINT_XML },
    { "diskspec", required_argument, NULL, O_DISKSPEC },
    { "current", no_argument, NULL, O_CURRENT },
    { "force", no_argument, NULL, O_FORCE },
    { "discard-current", no_argument, NULL, O_DISCARD_CURRENT },
    { "keep-current", optional_argument, NULL, O_KEEP_CURRENT },
    { NULL, 0, NULL, 0 },
};

struct args {
    bool on[O_KEEP_CURRENT + 1];
    char **diskspecs;           /* owned strv */
    const char *keep_name;      /* --keep-current=NAME */
    const char *pos[4];
    int npos;
};

static void
args_clear(struct args *a)
{
    st_strv_free(a->diskspecs);
}
#define CLEANUP_ARGS ST_CLEANUP(args_clear)

#define BIT(o) (1u << ((o) - 256))

/* Returns 0 to go on, 1 after --help, -1 on a usage error. */
static int
parse(struct cli *cli, int argc, char **argv, unsigned allow, int min, int max, struct args *a,
      struct st_error **errp)
{
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            cli_command_help(cli);
            return 1;
        }
        if (c < 256 || !(allow & BIT(c)))
            return cli_usage(cli, errp, "unknown option '%s'", argv[optind - 1]);
        a->on[c] = true;
        if (c == O_DISKSPEC)
            st_strv_add(&a->diskspecs, optarg);
        if (c == O_KEEP_CURRENT)
            a->keep_name = optarg;
    }
    for (; optind < argc; optind++) {
        if (a->npos == max)
            return cli_usage(cli, errp, "unexpected argument '%s'", argv[optind]);
        a->pos[a->npos++] = argv[optind];
    }
    if (a->npos < min)
        return cli_usage(cli, errp, "missing argument");
    return 0;
}

/* virsh: --quiesce asks the guest agent to freeze file systems; strata
 * has no guest, and claiming a consistency it cannot give is worse
 * than refusing. */
static int
refuse_quiesce(struct cli *cli, const struct args *a, struct st_error **errp)
{
    if (!a->on[O_QUIESCE])
        return 0;
    if (!a->on[O_DISK_ONLY])
        return cli_usage(cli, errp, "--quiesce requires --disk-only");
    st_error_set(errp, ST_E_USAGE,
                 "%s: --quiesce needs a guest agent to freeze file systems, and strata has no guest",
                 cli->command);
    st_error_hint(errp, "quiesce the guest yourself (e.g. fsfreeze) and take the snapshot without --quiesce");
    return -1;
}

static void
print_created(struct cli *cli, const struct st_create_result *res, const char *from)
{
    cli_set_result(cli, st_create_result_json(res));
    if (from)
        fprintf(cli->out, "Domain snapshot %s created from '%s'\n", res->name, from);
    else
        fprintf(cli->out, "Domain snapshot %s created\n", res->name);
    if (st_verbose)
        fprintf(stderr, "strata: timing: snapshot '%s': transaction %.3f ms, total %.3f ms\n",
                res->name, (double) res->transaction_us / 1000.0,
                (double) res->total_us / 1000.0);
}

/* Lock, create, report: shared by snapshot-create and -create-as. */
static int
create(struct cli *cli, const char *dom, const struct st_snapshot *req, const struct args *a,
       const char *from, struct st_error **errp)
{
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;
    struct st_create_opts o = {
        .run_dir = cli->run_dir,
        .no_metadata = a->on[O_NO_METADATA],
        .reuse_external = a->on[O_REUSE_EXTERNAL],
    };
    struct st_create_result res = { 0 };

    if (!(store = st_store_open(cli->state_dir, false, errp)))
        return -1;
    if (!st_store_domain_require(store, dom, errp))
        return -1;
    if ((lock = st_store_lock(store, dom, !a->on[O_NO_WAIT], errp)) < 0)
        return -1;
    if (!st_op_create(store, dom, req, &o, &res, errp))
        return -1;
    print_created(cli, &res, from);
    st_create_result_clear(&res);
    return 0;
}

/* snapshot-create DOM [FILE] without --redefine (cmd-snapshot.c hands
 * over here). */
int
cmd_snapshot_create_new(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    CLEANUP_ARGS struct args a = { 0 };
    CLEANUP_SNAPSHOT struct st_snapshot *req = NULL;
    static const char empty[] = "<domainsnapshot/>";
    int r = parse(cli, argc, argv,
                  BIT(O_NO_WAIT) | BIT(O_NO_METADATA) | BIT(O_DISK_ONLY) |
                  BIT(O_REUSE_EXTERNAL) | BIT(O_ATOMIC) | BIT(O_QUIESCE) | BIT(O_CURRENT),
                  1, 2, &a, errp);

    if (r)
        return r < 0 ? -1 : 0;
    if (a.on[O_CURRENT])
        return cli_usage(cli, errp, "--current needs --redefine");
    if (refuse_quiesce(cli, &a, errp) < 0)
        return -1;
    if (a.npos == 2)
        req = st_snapshot_load(a.pos[1], 0, errp);
    else
        req = st_snapshot_parse(empty, strlen(empty), "default snapshot", 0, errp);
    if (!req)
        return -1;
    return create(cli, a.pos[0], req, &a, a.npos == 2 ? a.pos[1] : NULL, errp);
}

/* The XML virsh builds from snapshot-create-as's arguments. */
static char *
diskspecs_xml(const char *name, const char *desc, char *const *args, struct st_error **errp)
{
    size_t n = st_strv_len(args);
    struct st_diskspec *specs = st_xcalloc(n ? n : 1, sizeof *specs);
    char *xml = NULL;
    size_t i;

    for (i = 0; i < n; i++)
        if (!st_diskspec_parse(args[i], &specs[i], errp))
            break;
    if (i == n)
        xml = st_diskspec_xml(name, desc, specs, n);
    for (size_t j = 0; j < i; j++)
        st_diskspec_clear(&specs[j]);
    free(specs);
    return xml;
}

int
cmd_snapshot_create_as(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    CLEANUP_ARGS struct args a = { 0 };
    CLEANUP_SNAPSHOT struct st_snapshot *req = NULL;
    CLEANUP_FREE char *xml = NULL;
    int r = parse(cli, argc, argv,
                  BIT(O_NO_WAIT) | BIT(O_NO_METADATA) | BIT(O_DISK_ONLY) |
                  BIT(O_REUSE_EXTERNAL) | BIT(O_ATOMIC) | BIT(O_QUIESCE) | BIT(O_PRINT_XML) |
                  BIT(O_DISKSPEC),
                  1, 3, &a, errp);

    if (r)
        return r < 0 ? -1 : 0;
    if (refuse_quiesce(cli, &a, errp) < 0)
        return -1;
    /* The name is checked before anything else happens (SPEC §8), also
     * for --print-xml, which would otherwise show XML we refuse. */
    if (a.npos >= 2 && !st_name_check("snapshot", a.pos[1], errp))
        return -1;
    if (!(xml = diskspecs_xml(a.npos >= 2 ? a.pos[1] : NULL, a.npos >= 3 ? a.pos[2] : NULL,
                              a.diskspecs, errp)))
        return -1;
    if (a.on[O_PRINT_XML]) {
        struct json_object *j = json_object_new_object();

        json_object_object_add(j, "xml", json_object_new_string(xml));
        cli_set_result(cli, j);
        fprintf(cli->out, "%s\n", xml);
        return 0;
    }
    if (!(req = st_snapshot_parse(xml, strlen(xml), "snapshot-create-as arguments", 0, errp)))
        return -1;
    return create(cli, a.pos[0], req, &a, NULL, errp);
}

/* What became of each layer the revert left (the library leaves them;
 * the program says what it did). */
static void
print_abandoned(struct cli *cli, const struct st_revert_result *res)
{
    if (res->kept_as)
        fprintf(cli->out, "The state before the revert is snapshot %s\n", res->kept_as);
    for (size_t i = 0; i < res->nabandoned; i++) {
        const struct st_abandoned *a = &res->abandoned[i];

        if (a->action == ST_ABANDON_REMOVED && a->allocated > 0)
            fprintf(cli->out, "Disk %s: discarded %s (%llu bytes written since the last snapshot)\n",
                    a->dev, a->path, (unsigned long long) a->allocated);
        else if (a->action == ST_ABANDON_REMOVED)
            fprintf(cli->out, "Disk %s: removed %s, which held no data\n", a->dev, a->path);
        else if (a->pit_of)
            fprintf(cli->out, "Disk %s: %s stays, as the point in time of snapshot %s\n", a->dev,
                    a->path, a->pit_of);
        else if (a->overlay_of)
            fprintf(cli->out, "Disk %s: %s stays, as the overlay of snapshot %s\n", a->dev,
                    a->path, a->overlay_of);
        else
            fprintf(cli->out, "Disk %s: %s stays: strata did not make it\n", a->dev, a->path);
    }
}

int
cmd_snapshot_revert(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    CLEANUP_ARGS struct args a = { 0 };
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;
    struct st_revert_result res = { 0 };
    struct st_revert_opts o = { .run_dir = cli->run_dir };
    const char *dom;
    int r = parse(cli, argc, argv,
                  BIT(O_NO_WAIT) | BIT(O_CURRENT) | BIT(O_FORCE) | BIT(O_DISCARD_CURRENT) |
                  BIT(O_KEEP_CURRENT), 1, 2, &a, errp);

    if (r)
        return r < 0 ? -1 : 0;
    if (a.on[O_DISCARD_CURRENT] && a.on[O_KEEP_CURRENT])
        return cli_usage(cli, errp, "give --discard-current or --keep-current, not both");
    if (a.keep_name && !st_name_check("snapshot", a.keep_name, errp))
        return -1;
    /* The program never abandons data silently; the library keeps its
     * behaviour (ST_REVERT_CURRENT_LEAVE) for the programs written to it. */
    o.current = a.on[O_DISCARD_CURRENT] ? ST_REVERT_CURRENT_DISCARD
              : a.on[O_KEEP_CURRENT] ? ST_REVERT_CURRENT_KEEP : ST_REVERT_CURRENT_ASK;
    o.keep_name = a.keep_name;
    if (a.npos == 2 && a.on[O_CURRENT])
        return cli_usage(cli, errp, "give a snapshot name or --current, not both");
    if (a.npos < 2 && !a.on[O_CURRENT])
        return cli_usage(cli, errp, "missing snapshot name (or --current)");
    dom = a.pos[0];
    o.force = a.on[O_FORCE];
    if (!(store = st_store_open(cli->state_dir, false, errp)))
        return -1;
    if (!st_store_domain_require(store, dom, errp))
        return -1;
    if ((lock = st_store_lock(store, dom, !a.on[O_NO_WAIT], errp)) < 0)
        return -1;
    if (!st_op_revert(store, dom, a.npos == 2 ? a.pos[1] : NULL, &o, &res, errp))
        return -1;
    cli_set_result(cli, st_revert_result_json(&res));
    fprintf(cli->out, "Domain snapshot %s reverted\n", res.name);
    print_abandoned(cli, &res);
    /* --force's price, said: the clients of the swapped disks must
     * reconnect (to the reverted content). */
    if (res.live && res.clients_cut > 0)
        fprintf(cli->out, "Cut off %d NBD client connection%s; they must reconnect\n",
                res.clients_cut, res.clients_cut == 1 ? "" : "s");
    else if (res.live && res.clients_cut < 0)
        fprintf(cli->out, "NBD clients of the swapped disks, if any, were cut off\n");
    st_revert_result_clear(&res);
    return 0;
}

/* The layers a recovered revert removed, in snapshot-revert's words. */
static void
print_recovered_abandoned(struct cli *cli, struct json_object *abandoned)
{
    for (size_t i = 0; abandoned && i < json_object_array_length(abandoned); i++) {
        struct json_object *a = json_object_array_get_idx(abandoned, i);
        const char *action = st_json_get_string(a, "action");
        int64_t bytes = 0;

        if (!action || strcmp(action, "removed") != 0)
            continue;
        st_json_get_int64(a, "allocated-bytes", &bytes);
        if (bytes > 0)
            fprintf(cli->out, "Disk %s: discarded %s (%lld bytes written since the last snapshot)\n",
                    st_json_get_string(a, "disk"), st_json_get_string(a, "path"),
                    (long long) bytes);
        else
            fprintf(cli->out, "Disk %s: removed %s, which held no data\n",
                    st_json_get_string(a, "disk"), st_json_get_string(a, "path"));
    }
}

int
cmd_recover(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    CLEANUP_ARGS struct args a = { 0 };
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;
    CLEANUP_JSON struct json_object *report = NULL;
    const char *dom, *action;
    int r = parse(cli, argc, argv, BIT(O_NO_WAIT), 1, 1, &a, errp);

    if (r)
        return r < 0 ? -1 : 0;
    dom = a.pos[0];
    if (!(store = st_store_open(cli->state_dir, false, errp)))
        return -1;
    if (!st_store_domain_require(store, dom, errp))
        return -1;
    if ((lock = st_store_lock(store, dom, !a.on[O_NO_WAIT], errp)) < 0)
        return -1;
    if (!st_op_recover(store, dom, cli->run_dir, &report, errp))
        return -1;
    action = st_json_get_string(report, "action");
    if (strcmp(action, "none") == 0)
        fprintf(cli->out, "Domain %s has no interrupted operation\n", dom);
    else if (!st_json_get_string(report, "snapshot"))
        fprintf(cli->out, "Domain %s: interrupted %s (phase %s) %s\n", dom,
                st_json_get_string(report, "operation"), st_json_get_string(report, "phase"),
                strcmp(action, "rolled-back") == 0 ? "rolled back" : "rolled forward");
    else
        fprintf(cli->out, "Domain %s: interrupted %s of '%s' (phase %s) %s\n", dom,
                st_json_get_string(report, "operation"), st_json_get_string(report, "snapshot"),
                st_json_get_string(report, "phase"),
                strcmp(action, "rolled-back") == 0 ? "rolled back" : "rolled forward");
    print_recovered_abandoned(cli, st_json_get_array(report, "abandoned"));
    cli_set_result(cli, ST_STEAL(&report));
    return 0;
}
