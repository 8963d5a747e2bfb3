/* cli/main.c: global options, the command table, dispatch and exit
 * status (0 ok, 1 error, 2 "no").  Results are spooled and written to
 * stdout once, at the end, so a failure leaves stdout empty (or holding
 * only the JSON error object). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/path.h"
#include "common/proc.h"
#include "common/xalloc.h"
#include "cli/api.h"
#include "cli/chain-show.h"
#include "cli/commands.h"
#include "cli/report.h"

/* The command table, by group, then by name within a group ('recover'
 * ends the snapshot group); --help lists it in this order. */
static const struct command commands[] = {
    /* domains */
    { "define", cmd_define, "FILE.xml [--no-wait]", "define a domain from libvirt domain XML",
      "strata-domain", "strata define /etc/libvirt/qemu/web.xml\n" },
    { "define-as", cmd_define_as, "NAME --disk DEV=PATH[,format=F]... [--no-wait]",
      "define a domain from its disks",
      "strata-domain",
      "strata define-as web --disk vda=/srv/web/vda.qcow2 --disk vdb=/srv/web/data.raw,format=raw\n" },
    { "domblklist", cmd_domblklist, "DOMAIN", "list a domain's disks",
      "strata-domain", "strata domblklist web\n" },
    { "dumpxml", cmd_dumpxml, "DOMAIN", "print a domain's XML",
      "strata-domain", "strata dumpxml web\n" },
    { "export-libvirt", cmd_export_libvirt, "DOMAIN DIR",
      "write a domain and its snapshots as libvirt's own files, for libvirt to take back",
      "strata-libvirt", "strata export-libvirt web /tmp/web-for-libvirt\n" },
    { "import-libvirt", cmd_import_libvirt,
      "DOMAIN [--config-dir DIR] [--snapshot-dir DIR] [--dry-run] [--no-wait]",
      "define a domain and all its snapshots from libvirt's own files",
      "strata-libvirt", "strata import-libvirt web --dry-run\n"
      "strata import-libvirt web --config-dir /srv/copy/qemu --snapshot-dir /srv/copy/snapshot\n" },
    { "list", cmd_list, "[--all | --inactive] [--name]",
      "list the running domains (with --all, every defined one)",
      "strata-domain", "strata list --all\n"
      "strata list --name\n" },
    { "undefine", cmd_undefine, "DOMAIN [--snapshots-metadata] [--no-wait]",
      "remove a domain's definition",
      "strata-domain", "strata undefine web --snapshots-metadata\n" },
    /* snapshots */
    { "snapshot-create", cmd_snapshot_create,
      "DOMAIN [FILE.xml] [--redefine [--current]] [--no-metadata] [--disk-only [--quiesce]] "
      "[--reuse-external] [--atomic] [--no-wait]",
      "take an external snapshot described by XML, or import one with --redefine",
      "strata-snapshot-create", "strata snapshot-create web s1.xml --disk-only\n"
      "strata snapshot-create web s1.xml --redefine --current\n" },
    { "snapshot-create-as", cmd_snapshot_create_as,
      "DOMAIN [NAME] [DESCRIPTION] [--print-xml] [--no-metadata] [--disk-only] "
      "[--reuse-external] [--atomic] [--diskspec DEV[,snapshot=TYPE][,driver=TYPE][,file=PATH]]... "
      "[--no-wait]",
      "take an external snapshot of the domain's disks",
      "strata-snapshot-create",
      "strata snapshot-create-as web s1 \"before the upgrade\" --disk-only\n"
      "strata snapshot-create-as web s2 --diskspec vdb,snapshot=no\n" },
    { "snapshot-current", cmd_snapshot_current, "DOMAIN [--name] [SNAPSHOT] [--no-wait]",
      "print or set the current snapshot",
      "strata-snapshot", "strata snapshot-current web --name\n"
      "strata snapshot-current web s1\n" },
    { "snapshot-delete", cmd_snapshot_delete_merge,
      "DOMAIN {SNAPSHOT | --current} [--metadata] [--children | --children-only] [--dry-run] "
      "[--no-stream] [--speed BYTES] [--timeout SECONDS] [--verify] [--no-wait]",
      "delete a snapshot, merging its layer away (commit or stream, the cheaper)",
      "strata-delete", "strata snapshot-delete web s2 --dry-run\n"
      "strata snapshot-delete web s1 --children\n" },
    { "snapshot-dumpxml", cmd_snapshot_dumpxml, "DOMAIN SNAPSHOT", "print a snapshot's XML",
      "strata-snapshot", "strata snapshot-dumpxml web s1\n" },
    { "snapshot-edit", cmd_snapshot_edit,
      "DOMAIN [SNAPSHOT | --current] [--rename | --clone] [--no-wait]",
      "edit a snapshot's XML with $VISUAL or $EDITOR",
      "strata-snapshot", "strata snapshot-edit web s1\n"
      "strata snapshot-edit web --current --rename\n" },
    { "snapshot-info", cmd_snapshot_info, "DOMAIN {SNAPSHOT | --current}",
      "print facts about a snapshot",
      "strata-snapshot", "strata snapshot-info web --current\n" },
    { "snapshot-list", cmd_snapshot_list,
      "DOMAIN [--parent | --roots | --tree | --name] [{--from S | --current} [--descendants]] "
      "[--leaves] [--no-leaves] [--metadata] [--no-metadata] [--external] [--internal] "
      "[--disk-only] [--inactive] [--active] [--topological]",
      "list a domain's snapshots",
      "strata-snapshot", "strata snapshot-list web --tree\n"
      "strata snapshot-list web --from s1 --descendants --name\n" },
    { "snapshot-parent", cmd_snapshot_parent, "DOMAIN {SNAPSHOT | --current}",
      "print a snapshot's parent",
      "strata-snapshot", "strata snapshot-parent web s2\n" },
    { "snapshot-revert", cmd_snapshot_revert, "DOMAIN {SNAPSHOT | --current} [--discard-current | --keep-current[=NAME]] [--force] [--no-wait]",
      "make each disk a new overlay on the snapshot's point in time",
      "strata-snapshot-create", "strata snapshot-revert web s1\n"
      "strata snapshot-revert web s1 --keep-current=before-s1\n" },
    { "recover", cmd_recover, "DOMAIN [--no-wait]",
      "finish or roll back an interrupted snapshot-create or -revert, finish an interrupted "
      "snapshot-delete",
      "strata-snapshot-create", "strata recover web\n" },
    /* block jobs and chains */
    { "blockcommit", cmd_blockcommit,
      "DOMAIN DISK [--top FILE] [--base FILE] [--active --pivot] [--speed BYTES] [--no-wait]",
      "commit layers of a disk's active chain into a lower one",
      "strata-delete",
      "strata blockcommit web vda --top /srv/web/vda.s2 --base /srv/web/vda.qcow2\n"
      "strata blockcommit web vda --active --pivot\n" },
    { "blockpull", cmd_blockpull, "DOMAIN DISK [--base FILE] [--speed BYTES] [--no-wait]",
      "pull the data of backing layers up into the active layer",
      "strata-delete", "strata blockpull web vda\n" },
    { "chain", cmd_chain, CLI_CHAIN_SYNOPSIS, CLI_CHAIN_SUMMARY,
      "strata-chain", "strata chain show /srv/web/vda.s2\n"
      "strata chain check web vda --json\n"
      "strata chain rebase /srv/new/vda.s2 --map /srv/old=/srv/new --dry-run\n" },
    { "move", cmd_move, "DOMAIN --to DIR [--disk DEV] [--copy] [--dry-run]",
      "move every file of a domain's chains and snapshots into one directory",
      "strata-move", "strata move web --to /srv/new --dry-run\n"
      "strata move web --to /mnt/other --disk vda --copy\n" },
    /* live domains and NBD */
    { "export", cmd_export,
      "DOMAIN [--snapshot S [--since S1]] [--disk DEV] [--nbd unix:PATH | --nbd tcp:HOST:PORT] "
      "[--foreground] [--stop] [--no-wait] [--live-backup]",
      "export disks at a snapshot (or now) read-only over NBD",
      "strata-live", "strata export web --snapshot s1 --disk vda\n"
      "strata export web --snapshot s2 --since s1\n"
      "strata export web --live-backup --disk vda\n"
      "strata export web --stop\n" },
    { "start", cmd_start, "DOMAIN [--nbd unix:PATH | --nbd tcp:HOST:PORT] [--no-wait]",
      "start a domain's QSD and export its disks over NBD",
      "strata-live", "strata start web\n"
      "strata start web --nbd tcp:127.0.0.1:10809\n" },
    { "status", cmd_status, "DOMAIN", "show a live domain's QSD, exports and jobs",
      "strata-live", "strata status web\n" },
    { "stop", cmd_stop, "DOMAIN [--no-wait]", "stop a live domain's QSD",
      "strata-live", "strata stop web\n" },
    /* content */
    { "diff", cmd_diff, "DOMAIN {S1 | current} {S2 | current} [--disk DEV] [--connections N]",
      "list the extents that differ between two points on one branch",
      "strata-live", "strata diff web s1 s2\n"
      "strata diff web s1 current --disk vda\n" },
    { "verify", cmd_verify,
      "DOMAIN [--snapshot S] [--disk DEV] [--digest ALG] [--expect DIGEST] [--connections N]",
      "print the content digest of disks at a snapshot (or now)",
      "strata-live", "strata verify web --snapshot s1\n"
      "strata verify web --disk vda --expect xxh128-64k:0123456789abcdef0123456789abcdef\n" },
    /* the program */
    { "version", cmd_version, "", "print the version of strata",
      "strata", "strata --json version\n" },
};

/* Global options: accepted before the command and anywhere after it. */
enum { OPT_LONG_OPTIONS = CLI_OPT__LAST, OPT_SHORT_OPTIONS };
static const struct option global_opts[] = {
    { "help", no_argument, NULL, 'h' },
    { "json", no_argument, NULL, CLI_OPT_JSON },
    { "long-options", no_argument, NULL, OPT_LONG_OPTIONS },
    { "quiet", no_argument, NULL, 'q' },
    { "run-dir", required_argument, NULL, CLI_OPT_RUN_DIR },
    { "short-options", no_argument, NULL, OPT_SHORT_OPTIONS },
    { "state-dir", required_argument, NULL, CLI_OPT_STATE_DIR },
    { "verbose", no_argument, NULL, 'v' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 },
};
static const char global_short[] = "+hqvV";

static void
usage(FILE *fp)
{
    fprintf(fp,
            "usage: strata [GLOBAL-OPTIONS] COMMAND [ARGS...]\n"
            "\n"
            "Manage external snapshots of qcow2 disks as backing chains.\n"
            "\n"
            "Global options:\n"
            "  --state-dir DIR   where domains and snapshots are kept\n"
            "  --run-dir DIR     where sockets and pid files go\n"
            "  --json            print one JSON document on stdout\n"
            "  -q, --quiet       no warnings, no progress bar\n"
            "  -v, --verbose     debug output on stderr (also STRATA_DEBUG=1)\n"
            "  -h, --help        this help\n"
            "  -V, --version     print the version\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < ST_ARRAY_SIZE(commands); i++)
        fprintf(fp, "  %-20s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp, "\nRun 'strata COMMAND --help' for a command's arguments; see strata(1).\n");
}

void
cli_set_result(struct cli *cli, struct json_object *obj)
{
    json_object_put(cli->result);
    cli->result = obj;
}

static const struct command *
find_command(const char *name)
{
    for (size_t i = 0; i < ST_ARRAY_SIZE(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void
print_long_options(void)
{
    for (const struct option *o = global_opts; o->name; o++)
        printf("--%s\n", o->name);
}

static void
print_short_options(void)
{
    for (const char *p = global_short + 1; *p; p++)
        printf("-%c\n", *p);
}

static void
print_result(const struct cli *cli)
{
    char *text = st_json_pretty(cli->result);

    fputs(text, stdout);
    free(text);
}

int
main(int argc, char **argv)
{
    struct cli cli = { .prog = "strata" };
    CLEANUP_FREE char *state_dir = NULL;
    CLEANUP_FREE char *run_dir = NULL;
    CLEANUP_ERROR struct st_error *err = NULL;
    int status;
    int c;

    /* The character set only: tables pad names by display width under
     * a UTF-8 locale, as virsh does; numbers and messages stay in C. */
    setlocale(LC_CTYPE, "");
    st_log_init_from_env();
    cli_api_log_init();
    st_proc_install_signal_handlers();

    opterr = 0;
    while ((c = getopt_long(argc, argv, global_short, global_opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("strata %s\n", STRATA_VERSION);
            return 0;
        case OPT_LONG_OPTIONS:
            print_long_options();
            return 0;
        case OPT_SHORT_OPTIONS:
            print_short_options();
            return 0;
        default:
            if (cli_apply_global(c, optarg, &cli, &state_dir, &run_dir))
                break;
            cli_usage(&cli, &err, "unknown option '%s'", argv[optind - 1]);
            cli_report_error(err, cli.json);
            return 1;
        }
    }
    if (optind >= argc) {
        cli_usage(&cli, &err, "no command given");
        cli_report_error(err, cli.json);
        return 1;
    }
    if (!(cli.cmd = find_command(argv[optind]))) {
        cli_usage(&cli, &err, "unknown command '%s'", argv[optind]);
        cli_report_error(err, cli.json);
        return 1;
    }
    cli.command = cli.cmd->name;
    argc -= optind;
    argv += optind;
    argc = cli_extract_globals(argc, argv, &cli, &state_dir, &run_dir);
    if (!cli_begin(&cli, &state_dir, &run_dir))
        return 1;
    status = cli.cmd->run(&cli, argc, argv, &err);
    fclose(cli.out);
    status = cli_finish(&cli, status, &err, print_result);
    if (cli.result)         /* not to load json-c for nothing */
        json_object_put(cli.result);
    return status;
}
