/* cli/cmd-live.c: 'strata start', 'status', 'stop' (live domains) and
 * 'strata export' (NBD exports of a point in time), over
 * live/live.h and live/exporter.h. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/json.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "live/exporter.h"
#include "live/live.h"
#include "ops/op-export.h"
#include "ops/op-export-since.h"
#include "ops/op-live-backup.h"
#include "store/store.h"
#include "store/view.h"
#include "cli/commands.h"

enum { O_NBD = 256, O_SNAPSHOT, O_DISK, O_FOREGROUND, O_STOP, O_NO_WAIT, O_SINCE, O_LIVE_BACKUP };

static const struct option live_opts[] = {
    { "help", no_argument, NULL, 'h' },
    { "nbd", required_argument, NULL, O_NBD },
    { "snapshot", required_argument, NULL, O_SNAPSHOT },
    { "disk", required_argument, NULL, O_DISK },
    { "foreground", no_argument, NULL, O_FOREGROUND },
    { "stop", no_argument, NULL, O_STOP },
    { "no-wait", no_argument, NULL, O_NO_WAIT },
    { "since", required_argument, NULL, O_SINCE },
    { "live-backup", no_argument, NULL, O_LIVE_BACKUP },
    { NULL, 0, NULL, 0 },
};

struct live_args {
    const char *dom;
    const char *nbd;
    const char *snapshot;
    const char *disk;
    const char *since;
    bool foreground, stop, no_wait, live_backup;
};

#define ALLOW(o) (1u << ((o) - O_NBD))

/* Returns 0 to go on, 1 after --help, -1 on a usage error. */
static int
parse_args(struct cli *cli, int argc, char **argv, unsigned allow, struct live_args *a,
           struct st_error **errp)
{
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", live_opts, NULL)) != -1) {
        if (c == 'h') {
            cli_command_help(cli);
            return 1;
        }
        if (c < O_NBD || !(allow & ALLOW(c)))
            return cli_usage(cli, errp, "unknown option '%s'", argv[optind - 1]);
        switch (c) {
        case O_NBD: a->nbd = optarg; break;
        case O_SNAPSHOT: a->snapshot = optarg; break;
        case O_DISK: a->disk = optarg; break;
        case O_FOREGROUND: a->foreground = true; break;
        case O_STOP: a->stop = true; break;
        case O_NO_WAIT: a->no_wait = true; break;
        case O_SINCE: a->since = optarg; break;
        case O_LIVE_BACKUP: a->live_backup = true; break;
        }
    }
    if (optind >= argc)
        return cli_usage(cli, errp, "missing domain name");
    a->dom = argv[optind++];
    if (optind < argc)
        return cli_usage(cli, errp, "unexpected argument '%s'", argv[optind]);
    return 0;
}

/* The store, with domain @dom known to exist. */
static struct st_store *
open_domain(struct cli *cli, const char *dom, struct st_error **errp)
{
    CLEANUP_STORE struct st_store *store = st_store_open(cli->state_dir, false, errp);
    struct st_domain *d;

    if (!store)
        return NULL;
    if (!(d = st_store_domain_load(store, dom, errp)))
        return NULL;
    st_domain_free(d);
    return ST_STEAL(&store);
}

int
cmd_start(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct live_args a = { 0 };
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_EXPORTER struct st_exporter *ex = NULL;
    CLEANUP_CLOSE int lock = -1;
    struct st_nbd_addr addr = { 0 };
    struct json_object *o, *arr;
    struct st_export *v;
    CLEANUP_FREE char *nbd = NULL;
    size_t n;
    int r = parse_args(cli, argc, argv, ALLOW(O_NBD) | ALLOW(O_NO_WAIT), &a, errp);

    if (r)
        return r < 0 ? -1 : 0;
    if (a.nbd && !st_nbd_addr_parse(a.nbd, &addr, errp))
        return -1;
    if (!(store = open_domain(cli, a.dom, errp)) ||
        (lock = st_store_lock(store, a.dom, !a.no_wait, errp)) < 0) {
        st_nbd_addr_clear(&addr);
        return -1;
    }
    ex = st_live_start(store, cli->run_dir, a.dom, a.nbd ? &addr : NULL, errp);
    st_nbd_addr_clear(&addr);
    if (!ex)
        return -1;
    nbd = st_nbd_addr_format(&ex->addr);
    o = json_object_new_object();
    arr = json_object_new_array();
    json_object_object_add(o, "domain", json_object_new_string(a.dom));
    json_object_object_add(o, "pid", json_object_new_int64(ex->sess->qsd->pid));
    json_object_object_add(o, "run-dir", json_object_new_string(ex->dir));
    json_object_object_add(o, "qmp-socket", json_object_new_string(ex->sess->qsd->sock_path));
    json_object_object_add(o, "nbd", json_object_new_string(nbd));
    fprintf(cli->out, "Domain '%s' started (QSD pid %d, NBD %s)\n", a.dom,
            (int) ex->sess->qsd->pid, nbd);
    v = st_exporter_list(ex, &n);
    for (size_t i = 0; i < n; i++) {
        fprintf(cli->out, "%s %s\n", v[i].disk, v[i].uri);
        json_object_array_add(arr, st_export_to_json(&v[i]));
        st_export_clear(&v[i]);
    }
    free(v);
    json_object_object_add(o, "exports", arr);
    cli_set_result(cli, o);
    return 0;
}

int
cmd_stop(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct live_args a = { 0 };
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;
    struct json_object *o;
    int pid;
    int r = parse_args(cli, argc, argv, ALLOW(O_NO_WAIT), &a, errp);

    if (r)
        return r < 0 ? -1 : 0;
    if (!(store = open_domain(cli, a.dom, errp)) ||
        (lock = st_store_lock(store, a.dom, !a.no_wait, errp)) < 0)
        return -1;
    if ((pid = st_live_stop(cli->run_dir, a.dom, errp)) < 0)
        return -1;
    fprintf(cli->out, "Domain '%s' stopped (QSD pid %d)\n", a.dom, pid);
    o = json_object_new_object();
    json_object_object_add(o, "domain", json_object_new_string(a.dom));
    json_object_object_add(o, "pid", json_object_new_int64(pid));
    json_object_object_add(o, "running", json_object_new_boolean(false));
    cli_set_result(cli, o);
    return 0;
}

static void
print_status(FILE *out, struct json_object *s)
{
    struct json_object *exports = st_json_get_array(s, "exports");
    struct json_object *jobs = st_json_get_array(s, "jobs");
    int64_t pid = 0;

    st_json_get_int64(s, "pid", &pid);
    fprintf(out, "Domain:       %s\n", st_json_get_string(s, "domain"));
    fprintf(out, "State:        running\n");
    fprintf(out, "QSD pid:      %lld\n", (long long) pid);
    fprintf(out, "QMP socket:   %s\n", st_json_get_string(s, "qmp-socket"));
    fprintf(out, "NBD server:   %s\n", st_json_get_string(s, "nbd"));
    fprintf(out, "Exports:      %zu\n", json_object_array_length(exports));
    for (size_t i = 0; i < json_object_array_length(exports); i++) {
        struct json_object *e = json_object_array_get_idx(exports, i);
        const char *name = st_json_get_string(e, "name");
        const char *uri = st_json_get_string(e, "uri");
        bool w = false;

        st_json_get_bool(e, "writable", &w);
        if (name)
            fprintf(out, "  %-16s %-10s %s\n", name, w ? "writable" : "read-only", uri);
        else
            fprintf(out, "  %-16s %-10s node %s\n", st_json_get_string(e, "id"), "(unknown)",
                    st_json_get_string(e, "node"));
    }
    fprintf(out, "Jobs:         %zu\n", json_object_array_length(jobs));
    for (size_t i = 0; i < json_object_array_length(jobs); i++) {
        struct json_object *j = json_object_array_get_idx(jobs, i);
        int64_t cur = 0, total = 0;

        st_json_get_int64(j, "current-progress", &cur);
        st_json_get_int64(j, "total-progress", &total);
        fprintf(out, "  %-16s %-8s %-10s %lld/%lld\n", st_json_get_string(j, "id"),
                st_json_get_string(j, "type"), st_json_get_string(j, "status"),
                (long long) cur, (long long) total);
    }
}

/* A domain that is not live may still have an export-only QSD
 * ('strata export' without --foreground): say so, with its exports. */
static void
add_export_qsd(struct cli *cli, const char *dom, struct json_object *s)
{
    CLEANUP_FREE char *exp_dir = st_exporter_export_dir(cli->run_dir, dom);
    CLEANUP_EXPORTER struct st_exporter *ex = NULL;
    CLEANUP_FREE char *nbd = NULL;
    struct json_object *o, *arr;
    struct st_export *v;
    size_t n;

    if (!st_exporter_clean_stale(exp_dir) ||
        !(ex = st_exporter_open(cli->run_dir, dom, ST_EXPORTER_NEED_EXISTING, NULL, NULL)))
        return;
    nbd = st_nbd_addr_format(&ex->addr);
    fprintf(cli->out, "Export-only QSD: pid %d, NBD %s\n", (int) ex->sess->qsd->pid, nbd);
    o = json_object_new_object();
    arr = json_object_new_array();
    json_object_object_add(o, "pid", json_object_new_int64(ex->sess->qsd->pid));
    json_object_object_add(o, "nbd", json_object_new_string(nbd));
    v = st_exporter_list(ex, &n);
    for (size_t i = 0; i < n; i++) {
        fprintf(cli->out, "  %-16s %-10s %s\n", v[i].name, "read-only", v[i].uri);
        json_object_array_add(arr, st_export_to_json(&v[i]));
        st_export_clear(&v[i]);
    }
    free(v);
    json_object_object_add(o, "exports", arr);
    json_object_object_add(s, "export-qsd", o);
}

/* Exit status: 0 live, 2 not running (a "no", as 'systemctl is-active'
 * answers), 1 an error (unknown domain, QSD not answering). */
int
cmd_status(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct live_args a = { 0 };
    CLEANUP_STORE struct st_store *store = NULL;
    struct st_error *err = NULL;
    struct json_object *s;
    bool stale = false;
    int r = parse_args(cli, argc, argv, 0, &a, errp);

    if (r)
        return r < 0 ? -1 : 0;
    if (!(store = open_domain(cli, a.dom, errp)))
        return -1;
    if (!(s = st_live_status(cli->run_dir, a.dom, &stale, &err))) {
        if (err->code != ST_E_NOT_FOUND) {
            st_error_propagate(errp, err);
            return -1;
        }
        st_error_free(err);
        fprintf(cli->out, "Domain '%s' is not running%s\n", a.dom,
                stale ? " (removed the pid file and sockets its dead QSD left)" : "");
        s = json_object_new_object();
        json_object_object_add(s, "domain", json_object_new_string(a.dom));
        json_object_object_add(s, "running", json_object_new_boolean(false));
        json_object_object_add(s, "stale-files-removed", json_object_new_boolean(stale));
        add_export_qsd(cli, a.dom, s);
        cli_set_result(cli, s);
        return 2;
    }
    print_status(cli->out, s);
    cli_set_result(cli, s);
    return 0;
}

/* --foreground: serve until SIGINT, SIGTERM or SIGHUP, or until QSD
 * dies.  The QMP connection is dropped meanwhile: QSD's monitor serves
 * one client at a time, and 'status' or 'export --stop' need it. */
static bool
serve_until_signal(struct st_exporter *ex, struct st_error **errp)
{
    struct st_qsd *qsd = ex->sess->qsd;
    sigset_t set;
    int sfd, pfd;
    bool ok = true;

    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    if ((sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
        st_error_set_errno(errp, errno, ST_E_INTERNAL, "signalfd");
        return false;
    }
    pfd = (int) syscall(SYS_pidfd_open, qsd->pid, 0);
    st_qmp_free(qsd->qmp);
    qsd->qmp = NULL;
    for (;;) {
        struct pollfd fds[2] = { { .fd = sfd, .events = POLLIN }, { .fd = pfd, .events = POLLIN } };
        int n = poll(fds, pfd >= 0 ? 2 : 1, -1);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || (fds[0].revents & POLLIN))
            break;
        if (pfd >= 0 && fds[1].revents) {
            st_error_set(errp, ST_E_QMP, "QSD (pid %d) ended while exporting", (int) qsd->pid);
            st_error_hint(errp, "its log is %s", qsd->log_path);
            ok = false;
            break;
        }
    }
    close(sfd);
    if (pfd >= 0)
        close(pfd);
    if (ok && !(qsd->qmp = st_qmp_connect(qsd->sock_path, 10 * 1000, errp)))
        ok = false;
    if (!ok) {
        qsd->pid = -1;
        st_exporter_clean_stale(ex->dir);
    }
    return ok;
}

static int
export_stop(struct cli *cli, const struct live_args *a, struct st_error **errp)
{
    CLEANUP_STRV char **removed = NULL;
    struct json_object *o, *arr = json_object_new_array();
    bool qsd_stopped;
    bool ok = st_op_export_stop(cli->run_dir, a->dom, a->snapshot, a->disk, &removed,
                                &qsd_stopped, errp);

    for (size_t i = 0; removed && removed[i]; i++) {
        fprintf(cli->out, "Removed export %s\n", removed[i]);
        json_object_array_add(arr, json_object_new_string(removed[i]));
    }
    if (qsd_stopped)
        fprintf(cli->out, "Export QSD of domain '%s' stopped\n", a->dom);
    o = json_object_new_object();
    json_object_object_add(o, "domain", json_object_new_string(a->dom));
    json_object_object_add(o, "removed", arr);
    cli_set_result(cli, o);
    return ok ? 0 : -1;
}

int
cmd_export(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct live_args a = { 0 };
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_VIEWS struct st_views views = { 0 };
    CLEANUP_EXPORTER struct st_exporter *ex = NULL;
    CLEANUP_CLOSE int lock = -1;
    struct st_nbd_addr addr = { 0 };
    struct st_export *added;
    struct json_object *o, *arr;
    bool ok = true;
    int r = parse_args(cli, argc, argv,
                       ALLOW(O_NBD) | ALLOW(O_SNAPSHOT) | ALLOW(O_DISK) | ALLOW(O_FOREGROUND) |
                       ALLOW(O_STOP) | ALLOW(O_NO_WAIT) | ALLOW(O_SINCE) | ALLOW(O_LIVE_BACKUP),
                       &a, errp);

    if (r)
        return r < 0 ? -1 : 0;
    if (a.stop && (a.foreground || a.nbd || a.since || a.live_backup))
        return cli_usage(cli, errp, "--stop goes with --snapshot and --disk only");
    if (a.live_backup && (a.snapshot || a.since || a.nbd || a.foreground))
        return cli_usage(cli, errp, "--live-backup goes with --disk only: it freezes the "
                         "running disks of a live domain, on its QSD");
    /* The current state of a live domain changes under the export, so a
     * bitmap of it would be stale at once: the newer point is a
     * snapshot. */
    if (a.since && !a.snapshot)
        return cli_usage(cli, errp, "--since needs --snapshot S2 (the newer point; 'strata "
                         "snapshot-create-as' makes one of the current state)");
    if (!(store = open_domain(cli, a.dom, errp)))
        return -1;
    /* Short: the lock orders exports.json updates and QSD start/stop. */
    if ((lock = st_store_lock(store, a.dom, !a.no_wait, errp)) < 0)
        return -1;
    if (a.stop)
        return export_stop(cli, &a, errp);
    if (a.nbd && !st_nbd_addr_parse(a.nbd, &addr, errp))
        return -1;
    if (!st_views_resolve(store, a.dom, a.snapshot, a.disk, &views, errp)) {
        st_nbd_addr_clear(&addr);
        return -1;
    }
    if (a.live_backup) {
        /* Never start an export-only QSD for it: refuse instead. */
        struct st_error *err = NULL;

        if (!(ex = st_exporter_open(cli->run_dir, a.dom, ST_EXPORTER_NEED_EXISTING, NULL,
                                    &err)) && err->code != ST_E_NOT_FOUND) {
            st_error_propagate(errp, err);
            return -1;
        }
        st_error_free(err);
        if (!ex || ex->kind != ST_EXPORTER_LIVE) {
            st_error_set(errp, ST_E_CONFLICT, "domain '%s' is not live: --live-backup "
                         "freezes a running disk", a.dom);
            st_error_hint(errp, "start it with 'strata start %s', or export a snapshot with "
                          "--snapshot", a.dom);
            return -1;
        }
    } else {
        ex = st_exporter_open(cli->run_dir, a.dom,
                              a.foreground ? ST_EXPORTER_NEED_FOREGROUND : ST_EXPORTER_NEED_EXPORT,
                              a.nbd ? &addr : NULL, errp);
    }
    st_nbd_addr_clear(&addr);
    if (!ex)
        return -1;
    if (a.live_backup ? !st_op_live_backup_add(ex, a.dom, &views, &added, errp)
        : a.since ? !st_op_export_add_since(ex, store, a.dom, &views, a.since, &added, errp)
                  : !st_op_export_add(ex, &views, &added, errp))
        return -1;
    arr = json_object_new_array();
    for (size_t i = 0; i < views.n; i++) {
        FILE *out = a.foreground && !cli->json ? stdout : cli->out;

        if (added[i].since)
            fprintf(out, "%s %s qemu:dirty-bitmap:%s\n", added[i].name, added[i].uri,
                    added[i].bitmap);
        else
            fprintf(out, "%s %s\n", added[i].name, added[i].uri);
        json_object_array_add(arr, st_export_to_json(&added[i]));
    }
    o = json_object_new_object();
    json_object_object_add(o, "domain", json_object_new_string(a.dom));
    json_object_object_add(o, "exports", arr);
    if (a.foreground) {
        /* The URIs are the point: print them now, not at exit. */
        if (cli->json) {
            CLEANUP_FREE char *text = st_json_pretty(o);

            fputs(text, stdout);
        }
        fflush(stdout);
        close(lock);
        lock = -1;
        ok = serve_until_signal(ex, errp);
        json_object_put(o);
        o = NULL;
        /* Undo what this run added (the QSD, our child, goes next). */
        st_op_export_undo(ex, added, views.n);
    }
    for (size_t i = 0; i < views.n; i++)
        st_export_clear(&added[i]);
    free(added);
    if (o)
        cli_set_result(cli, o);
    return ok ? 0 : -1;
}
