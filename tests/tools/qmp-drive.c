/* tests/tools/qmp-drive.c: drive qmp/ against a real QSD from test
 * scripts.  One QSD per run; operations are separated by ",":
 *
 *   qmp-drive [-l|-a] [-t MS] [-j MS] RUNDIR OP ARGS... [, OP ARGS...]...
 *
 *   -l  start a long-running (detached) QSD; it stays after exit
 *   -a  attach to the long-running QSD of RUNDIR
 *   -t  QMP command and QSD stop deadline (ms); -j  job deadline (ms)
 *   -A N  raise the job's abort flag after N progress callbacks
 *
 * An OP prefixed with "?" is expected to fail: its error is printed as
 * "EXPECTED <code>: <message>" on stdout and the run goes on (it exits
 * 3 if the op succeeded).  Any other failure prints "ERROR <code>:
 * <message>" on stderr and exits 1; a transient QSD is stopped either
 * way.  Operations:
 *
 *   version                       print "qemu X.Y.Z"
 *   exec CMD [JSON]               print the reply
 *   open PREFIX SPEC...           SPEC = PATH:FMT[:nbd=EXPORT][:ro], top-down
 *   close NODE...                 blockdev-del layers top-down
 *   chain TOP                     print the live chain from TOP
 *   graph                         print every node
 *   overlay NODE PATH BACKING FMT SIZE
 *   snapshot NODE OVERLAY [NODE OVERLAY]...   one transaction
 *   txn JSON-ACTIONS              a generic transaction
 *   commit ID DEVICE TOP|- BASE [SPEED]       print progress and summary
 *   stream ID DEVICE BASE|- [SPEED]
 *   nbd-start SOCK | export-add ID NODE NAME ro|rw [depth] | export-del ID | exports
 *   signal SIG                    send SIG (e.g. STOP) to QSD
 *   mark FILE                     create FILE (a sync point for scripts)
 *   stop                          st_qsd_stop()
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/json.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "qmp/blockdev.h"
#include "qmp/client.h"
#include "qmp/export.h"
#include "qmp/job.h"
#include "qmp/qsd.h"
#include "qmp/transaction.h"

static int job_timeout_ms = 60000;
static unsigned long abort_after;          /* -A: raise the abort flag after N progress calls */
static volatile sig_atomic_t abort_flag;
static struct st_qsd *qsd;

static void
print_error(FILE *fp, const char *tag, const struct st_error *err)
{
    fprintf(fp, "%s %s: %s\n", tag, st_errcode_name(err->code), err->msg);
    fflush(fp);
}

struct progress_seen {
    unsigned long calls;
    uint64_t done, total;
};

static void
on_progress(uint64_t done, uint64_t total, void *opaque)
{
    struct progress_seen *p = opaque;

    p->calls++;
    p->done = done;
    p->total = total;
    printf("progress %llu %llu\n", (unsigned long long) done, (unsigned long long) total);
    if (abort_after && p->calls >= abort_after)
        abort_flag = 1;
    fflush(stdout);
}

static bool
op_job(struct st_qmp *qmp, enum st_qmp_job_type type, char **a, size_t n, struct st_error **errp)
{
    struct progress_seen seen = { 0 };
    struct st_qmp_job_opts o = {
        .type = type, .job_id = a[0], .device = a[1],
        .timeout_ms = job_timeout_ms, .progress = on_progress, .progress_opaque = &seen,
        .poll_ms = 50, .abort_flag = &abort_flag,
    };
    size_t speed_at = type == ST_QMP_JOB_COMMIT ? 4 : 3;

    if (type == ST_QMP_JOB_COMMIT) {
        o.top_node = strcmp(a[2], "-") ? a[2] : NULL;
        o.base_node = a[3];
    } else {
        o.base_node = strcmp(a[2], "-") ? a[2] : NULL;
    }
    if (n > speed_at)
        o.speed = strtoll(a[speed_at], NULL, 10);
    if (!st_qmp_job_run(qmp, &o, errp))
        return false;
    printf("job %s done progress-calls=%lu last=%llu/%llu\n", a[0], seen.calls,
           (unsigned long long) seen.done, (unsigned long long) seen.total);
    return true;
}

static bool
op_open(struct st_qmp *qmp, char **a, size_t n, struct st_error **errp)
{
    struct st_qmp_layer *layers = st_xcalloc(n, sizeof *layers);
    CLEANUP_STRV char **specs = NULL;
    CLEANUP_STRV char **nodes = NULL;

    for (size_t i = 1; i < n; i++) {
        char *s = st_xstrdup(a[i]), *tok, *save = NULL;

        st_strv_add_owned(&specs, s);
        layers[i - 1].path = strtok_r(s, ":", &save);
        layers[i - 1].format = strtok_r(NULL, ":", &save);
        while ((tok = strtok_r(NULL, ":", &save))) {
            if (strncmp(tok, "nbd=", 4) == 0)
                layers[i - 1].nbd_export = tok + 4;
            else if (strcmp(tok, "ro") == 0)
                layers[i - 1].read_only = true;
        }
    }
    nodes = st_qmp_blockdev_open_chain(qmp, layers, n - 1, a[0], errp);
    free(layers);
    if (!nodes)
        return false;
    for (size_t i = 0; nodes[i]; i++)
        printf("%s%s", i ? " " : "", nodes[i]);
    printf("\n");
    return true;
}

static bool
op_chain(struct st_qmp *qmp, const char *top, struct st_error **errp)
{
    CLEANUP_QMP_GRAPH struct st_qmp_graph *g = st_qmp_graph_read(qmp, errp);
    CLEANUP_STRV char **chain = NULL;

    if (!g || !(chain = st_qmp_graph_chain(g, top, errp)))
        return false;
    for (size_t i = 0; chain[i]; i++) {
        const struct st_qmp_node *node = st_qmp_graph_find(g, chain[i]);
        const struct st_qmp_node *file = node->file ? st_qmp_graph_find(g, node->file) : NULL;

        printf("%s %s %s%s\n", node->name, node->driver, file ? file->filename : node->filename,
               node->read_only ? " ro" : "");
    }
    return true;
}

static bool
op_graph(struct st_qmp *qmp, struct st_error **errp)
{
    CLEANUP_QMP_GRAPH struct st_qmp_graph *g = st_qmp_graph_read(qmp, errp);

    if (!g)
        return false;
    for (size_t i = 0; i < g->n; i++)
        printf("%s driver=%s backing=%s file=%s%s\n", g->nodes[i].name, g->nodes[i].driver,
               g->nodes[i].backing ? g->nodes[i].backing : "-",
               g->nodes[i].file ? g->nodes[i].file : "-", g->nodes[i].read_only ? " ro" : "");
    return true;
}

static bool
run_op(char **a, size_t n, struct st_error **errp)
{
    struct st_qmp *qmp = st_qsd_qmp(qsd);
    const char *op = a[0];

    a++;
    n--;
#define NEED(k)                                                             \
    do {                                                                    \
        if (n < (k)) {                                                      \
            st_error_set(errp, ST_E_USAGE, "%s needs %d arguments", op, k); \
            return false;                                                   \
        }                                                                   \
    } while (0)
    if (strcmp(op, "version") == 0) {
        printf("qemu %s\n", st_qmp_qemu_version_string(qmp));
        return true;
    }
    if (strcmp(op, "exec") == 0) {
        CLEANUP_JSON struct json_object *ret = NULL;
        struct json_object *args = NULL;

        NEED(1);
        if (n > 1 && !(args = st_json_parse(a[1], "arguments", errp)))
            return false;
        if (!(ret = st_qmp_execute(qmp, a[0], args, errp)))
            return false;
        printf("%s\n", st_json_plain(ret));
        return true;
    }
    if (strcmp(op, "open") == 0) {
        NEED(2);
        return op_open(qmp, a, n, errp);
    }
    if (strcmp(op, "close") == 0) {
        a[n] = NULL;
        return st_qmp_blockdev_close_chain(qmp, a, errp);
    }
    if (strcmp(op, "chain") == 0) {
        NEED(1);
        return op_chain(qmp, a[0], errp);
    }
    if (strcmp(op, "graph") == 0)
        return op_graph(qmp, errp);
    if (strcmp(op, "overlay") == 0) {
        struct st_qmp_overlay_opts o;

        NEED(5);
        o = (struct st_qmp_overlay_opts) {
            .node_name = a[0], .path = a[1], .backing_file = a[2], .backing_fmt = a[3],
            .size = strtoull(a[4], NULL, 10),
        };
        return st_qmp_overlay_create(qmp, &o, errp);
    }
    if (strcmp(op, "snapshot") == 0) {
        struct st_qmp_snapshot_pair pairs[16];

        NEED(2);
        if (n / 2 > 16)
            n = 32;
        for (size_t i = 0; i + 1 < n; i += 2)
            pairs[i / 2] = (struct st_qmp_snapshot_pair) { a[i], a[i + 1] };
        return st_qmp_transaction_snapshot(qmp, pairs, n / 2, errp);
    }
    if (strcmp(op, "txn") == 0) {
        CLEANUP_JSON struct json_object *acts = NULL;
        CLEANUP_QMP_TXN struct st_qmp_txn *txn = st_qmp_txn_new();

        NEED(1);
        if (!(acts = st_json_parse(a[0], "actions", errp)))
            return false;
        for (size_t i = 0; i < json_object_array_length(acts); i++) {
            struct json_object *act = json_object_array_get_idx(acts, i);

            st_qmp_txn_add(txn, st_json_get_string(act, "type"),
                           json_object_get(st_json_get(act, "data")));
        }
        return st_qmp_txn_run(qmp, txn, errp);
    }
    if (strcmp(op, "commit") == 0) {
        NEED(4);
        return op_job(qmp, ST_QMP_JOB_COMMIT, a, n, errp);
    }
    if (strcmp(op, "stream") == 0) {
        NEED(3);
        return op_job(qmp, ST_QMP_JOB_STREAM, a, n, errp);
    }
    if (strcmp(op, "nbd-start") == 0) {
        NEED(1);
        return st_qmp_nbd_server_start(qmp, a[0], errp);
    }
    if (strcmp(op, "export-add") == 0) {
        struct st_qmp_export_opts o;

        NEED(4);
        o = (struct st_qmp_export_opts) {
            .id = a[0], .node_name = a[1], .name = a[2], .writable = strcmp(a[3], "rw") == 0,
            .allocation_depth = n > 4 && strcmp(a[4], "depth") == 0,
        };
        return st_qmp_export_add(qmp, &o, errp);
    }
    if (strcmp(op, "export-del") == 0) {
        NEED(1);
        return st_qmp_export_del(qmp, a[0], false, 10000, errp);
    }
    if (strcmp(op, "exports") == 0) {
        CLEANUP_JSON struct json_object *list = st_qmp_export_list(qmp, errp);

        if (!list)
            return false;
        printf("%s\n", st_json_plain(list));
        return true;
    }
    if (strcmp(op, "signal") == 0) {
        int sig;

        NEED(1);
        sig = strcmp(a[0], "STOP") == 0 ? SIGSTOP : strcmp(a[0], "KILL") == 0 ? SIGKILL : SIGTERM;
        if (qsd->pid > 0)
            kill(qsd->pid, sig);
        return true;
    }
    if (strcmp(op, "mark") == 0) {
        FILE *fp;

        NEED(1);
        if ((fp = fopen(a[0], "w")))
            fclose(fp);
        return true;
    }
    if (strcmp(op, "stop") == 0)
        return st_qsd_stop(qsd, errp);
    st_error_set(errp, ST_E_USAGE, "unknown op '%s'", op);
    return false;
#undef NEED
}

int
main(int argc, char **argv)
{
    struct st_qsd_opts qopts = { 0 };
    CLEANUP_ERROR struct st_error *err = NULL;
    int timeout_ms = 0, c, status = 0;
    bool attach = false;
    int i;

    st_log_init_from_env();
    st_proc_install_signal_handlers();
    while ((c = getopt(argc, argv, "+lat:j:A:")) != -1) {
        switch (c) {
        case 'l': qopts.long_running = true; break;
        case 'a': attach = true; break;
        case 't': timeout_ms = atoi(optarg); break;
        case 'j': job_timeout_ms = atoi(optarg); break;
        case 'A': abort_after = strtoul(optarg, NULL, 10); break;
        default: return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "usage: qmp-drive [-l|-a] [-t MS] [-j MS] RUNDIR OP ARGS... [, OP...]\n");
        return 2;
    }
    qopts.stop_timeout_ms = timeout_ms;
    qsd = attach ? st_qsd_attach(argv[optind], timeout_ms ? timeout_ms : 10000, &err)
                 : st_qsd_start(argv[optind], &qopts, &err);
    if (!qsd) {
        print_error(stderr, "ERROR", err);
        return 1;
    }
    if (timeout_ms)
        st_qmp_set_timeout(st_qsd_qmp(qsd), timeout_ms);
    for (i = optind + 1; i < argc;) {
        int j = i;
        bool expect_fail;

        while (j < argc && strcmp(argv[j], ",") != 0)
            j++;
        argv[j < argc ? j : argc] = NULL;
        expect_fail = argv[i][0] == '?';
        if (expect_fail)
            argv[i]++;
        if (run_op(argv + i, (size_t) (j - i), &err)) {
            fflush(stdout);
            if (expect_fail) {
                fprintf(stderr, "ERROR op '%s' succeeded but was expected to fail\n", argv[i]);
                status = 3;
                break;
            }
        } else if (expect_fail) {
            print_error(stdout, "EXPECTED", err);
            st_error_free(err);
            err = NULL;
        } else {
            print_error(stderr, "ERROR", err);
            status = 1;
            break;
        }
        i = j + 1;
    }
    st_qsd_free(qsd);
    return status;
}
