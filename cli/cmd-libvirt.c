/* cli/cmd-libvirt.c: import-libvirt and export-libvirt, taking a VM
 * over from libvirt's own files and handing it back (SPEC §7a).  The
 * work is in ops/import-read.c, ops/op-import.c and
 * ops/op-libvirt-export.c; this file parses and prints. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/json.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "store/tree.h"
#include "ops/op-import.h"
#include "cli/commands.h"

enum { OPT_CONFIG_DIR = 256, OPT_SNAPSHOT_DIR, OPT_DRY_RUN, OPT_NO_WAIT };

/* libvirt's directories for the system instance of its QEMU driver. */
static const char default_config_dir[] = ST_LIBVIRT_CONFIG_DIR;
static const char default_snapshot_dir[] = ST_LIBVIRT_SNAPSHOT_DIR;

/* Each problem on stderr: fatal ones as errors with their hint, the
 * others as warnings (silent with -q). */
static void
print_problems(const struct st_import *imp)
{
    for (size_t i = 0; i < imp->nproblems; i++) {
        const struct st_import_problem *p = &imp->problems[i];

        if (!p->fatal) {
            st_warn("import", "%s: %s", p->file, p->message);
            continue;
        }
        fprintf(stderr, "strata: %s: %s\n", p->file, p->message);
        if (p->hint)
            fprintf(stderr, "strata: hint: %s\n", p->hint);
    }
}

static struct json_object *
import_json(const struct st_import *imp, bool dry_run, bool imported)
{
    struct json_object *j = json_object_new_object();
    struct json_object *snaps = json_object_new_array();
    struct json_object *probs = json_object_new_array();

    for (size_t i = 0; i < imp->nsnaps; i++) {
        const struct st_snapshot *s = imp->snaps[i].snap;
        struct json_object *o = json_object_new_object();

        json_object_object_add(o, "name", json_object_new_string(s->name));
        json_object_object_add(o, "file", json_object_new_string(imp->snaps[i].file));
        json_object_object_add(o, "parent", st_json_string_or_null(s->parent));
        json_object_object_add(o, "current", json_object_new_boolean(s->current));
        json_object_array_add(snaps, o);
    }
    for (size_t i = 0; i < imp->nproblems; i++) {
        const struct st_import_problem *p = &imp->problems[i];
        struct json_object *o = json_object_new_object();

        json_object_object_add(o, "fatal", json_object_new_boolean(p->fatal));
        json_object_object_add(o, "file", json_object_new_string(p->file));
        json_object_object_add(o, "snapshot", st_json_string_or_null(p->snapshot));
        json_object_object_add(o, "disk", st_json_string_or_null(p->disk));
        json_object_object_add(o, "message", json_object_new_string(p->message));
        json_object_object_add(o, "hint", st_json_string_or_null(p->hint));
        json_object_array_add(probs, o);
    }
    json_object_object_add(j, "domain", json_object_new_string(imp->dom->name));
    json_object_object_add(j, "domain-file", json_object_new_string(imp->domain_file));
    json_object_object_add(j, "dry-run", json_object_new_boolean(dry_run));
    json_object_object_add(j, "imported", json_object_new_boolean(imported));
    json_object_object_add(j, "current", st_json_string_or_null(imp->current));
    json_object_object_add(j, "snapshots", snaps);
    json_object_object_add(j, "problems", probs);
    return j;
}

int
cmd_import_libvirt(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "config-dir", required_argument, NULL, OPT_CONFIG_DIR },
        { "snapshot-dir", required_argument, NULL, OPT_SNAPSHOT_DIR },
        { "dry-run", no_argument, NULL, OPT_DRY_RUN },
        { "no-wait", no_argument, NULL, OPT_NO_WAIT },
        { NULL, 0, NULL, 0 },
    };
    const char *config_dir = default_config_dir, *snapshot_dir = default_snapshot_dir;
    const char *name = NULL;
    bool dry_run = false, no_wait = false;
    CLEANUP_IMPORT struct st_import *imp = NULL;
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h': return cli_command_help(cli);
        case OPT_CONFIG_DIR: config_dir = optarg; break;
        case OPT_SNAPSHOT_DIR: snapshot_dir = optarg; break;
        case OPT_DRY_RUN: dry_run = true; break;
        case OPT_NO_WAIT: no_wait = true; break;
        default: return cli_usage(cli, errp, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage(cli, errp, "missing argument");
    name = argv[optind++];
    if (optind < argc)
        return cli_usage(cli, errp, "unexpected argument '%s'", argv[optind]);

    if (!(imp = st_import_read(config_dir, snapshot_dir, name, errp)))
        return -1;
    print_problems(imp);
    fprintf(cli->out, "Domain '%s' from %s\n", imp->dom->name, imp->domain_file);
    for (size_t i = 0; i < imp->nsnaps; i++) {
        const struct st_snapshot *s = imp->snaps[i].snap;

        fprintf(cli->out, "Snapshot '%s' from %s", s->name, imp->snaps[i].file);
        if (s->parent || s->current)
            fprintf(cli->out, " (%s%s%s%s)", s->parent ? "parent " : "",
                    s->parent ? s->parent : "", s->parent && s->current ? ", " : "",
                    s->current ? "current" : "");
        fputc('\n', cli->out);
    }
    if (dry_run) {
        cli_set_result(cli, import_json(imp, true, false));
        if (imp->nfatal) {
            fprintf(cli->out, "Domain '%s' cannot be imported: %zu problem%s\n\n", name,
                    imp->nfatal, imp->nfatal == 1 ? "" : "s");
            return 2;
        }
        fprintf(cli->out, "Domain '%s' would be imported with %zu snapshot%s "
                "(dry run: nothing written)\n\n", name, imp->nsnaps,
                imp->nsnaps == 1 ? "" : "s");
        return 0;
    }
    if (!st_op_import(cli->state_dir, imp, !no_wait, errp))
        return -1;
    cli_set_result(cli, import_json(imp, false, true));
    fprintf(cli->out, "Domain '%s' imported with %zu snapshot%s\n\n", name, imp->nsnaps,
            imp->nsnaps == 1 ? "" : "s");
    return 0;
}

/* @s as one word of a virsh command line (virsh splits on blanks and
 * honours single quotes as a shell does).  Owned. */
static char *
virsh_word(const char *s)
{
    size_t n = 0;
    char *out, *o;

    if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                     "_./-+:=,@%") == strlen(s))
        return st_xstrdup(s);
    for (const char *p = s; *p; p++)
        n += *p == '\'' ? 4 : 1;
    o = out = st_xmalloc(n + 3);
    *o++ = '\'';
    for (const char *p = s; *p; p++) {
        if (*p == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        } else {
            *o++ = *p;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return out;
}

int
cmd_export_libvirt(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    CLEANUP_DOMAIN struct st_domain *dom = NULL;
    CLEANUP_TREE struct st_tree *tree = NULL;
    CLEANUP_FREE struct st_tree_node **order = NULL;
    CLEANUP_FREE char *qdom = NULL;
    CLEANUP_FREE char *qfile = NULL;
    struct json_object *j, *snaps, *cmds;
    size_t n = 0;
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h')
            return cli_command_help(cli);
        return cli_usage(cli, errp, "unknown option '%s'", argv[optind - 1]);
    }
    if (argc - optind < 2)
        return cli_usage(cli, errp, "missing argument");
    if (argc - optind > 2)
        return cli_usage(cli, errp, "unexpected argument '%s'", argv[optind + 2]);
    if (!st_op_export_libvirt(cli->state_dir, argv[optind], argv[optind + 1], &dom, &tree,
                              &order, &n, errp))
        return -1;

    j = json_object_new_object();
    snaps = json_object_new_array();
    cmds = json_object_new_array();
    qdom = virsh_word(dom->name);
    {
        CLEANUP_FREE char *file = st_xasprintf("%s/%s.xml", argv[optind + 1], dom->name);
        CLEANUP_FREE char *cmd = NULL;

        qfile = virsh_word(file);
        cmd = st_xasprintf("virsh define %s", qfile);
        fprintf(cli->out, "Domain '%s' written to %s\n", dom->name, file);
        json_object_object_add(j, "domain", json_object_new_string(dom->name));
        json_object_object_add(j, "domain-file", json_object_new_string(file));
        json_object_array_add(cmds, json_object_new_string(cmd));
    }
    for (size_t i = 0; i < n; i++) {
        const struct st_snapshot *s = order[i]->snap;
        CLEANUP_FREE char *file = st_xasprintf("%s/snapshot/%s/%s.xml", argv[optind + 1],
                                               dom->name, s->name);
        CLEANUP_FREE char *qf = virsh_word(file);
        CLEANUP_FREE char *cmd = st_xasprintf("virsh snapshot-create %s %s --redefine%s", qdom,
                                              qf, s->current ? " --current" : "");
        struct json_object *o = json_object_new_object();

        fprintf(cli->out, "Snapshot '%s' written to %s\n", s->name, file);
        json_object_object_add(o, "name", json_object_new_string(s->name));
        json_object_object_add(o, "file", json_object_new_string(file));
        json_object_object_add(o, "parent", st_json_string_or_null(s->parent));
        json_object_object_add(o, "current", json_object_new_boolean(s->current));
        json_object_array_add(snaps, o);
        json_object_array_add(cmds, json_object_new_string(cmd));
    }
    json_object_object_add(j, "snapshots", snaps);
    json_object_object_add(j, "virsh", cmds);
    /* libvirt reads its snapshot directory only when the daemon
     * starts; redefining, parents first, is the way in while it runs. */
    fprintf(cli->out, "\nTo load them into libvirt, parents first:\n");
    for (size_t i = 0; i < json_object_array_length(cmds); i++)
        fprintf(cli->out, "  %s\n",
                json_object_get_string(json_object_array_get_idx(cmds, i)));
    fputc('\n', cli->out);
    cli_set_result(cli, j);
    return 0;
}
