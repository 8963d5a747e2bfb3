/* qmp/qsd.h: the qemu-storage-daemon supervisor.  A QSD runs with one
 * QMP monitor socket in a private (0700) run directory:
 *
 *   RUN/qmp.sock   the QMP monitor
 *   RUN/qsd.pid    written by QSD once its monitor is ready
 *   RUN/qsd.log    QSD's stdout and stderr
 *
 * Transient: QSD is strata's child (killed if strata gets SIGINT,
 * SIGTERM or SIGHUP) and st_qsd_free() stops it, so it ends with the
 * operation, on error paths too.  Long-running: QSD is detached
 * (--daemonize) and later commands find it again with st_qsd_attach()
 * through the run directory.
 *
 * Fault injection for tests: with $STRATA_TEST_KILL_QSD=STEP[#N] strata
 * kills its QSD with SIGKILL right after the Nth (default first) QMP
 * step named STEP (st_qmp_step_fn: a command name such as
 * "job-finalize", "blockdev-reopen", "blockdev-del" or "quit", or a job
 * status such as "job-pending" or "job-concluded", or "flush" once
 * st_qmp_blockdev_flush() has seen a node written back), and waits until it
 * is gone, so the next step meets a dead QSD exactly as a crash there
 * would leave it.  STEP "job-progress>=P" kills once a job's progress
 * reaches P percent.  $STRATA_TEST_CRASH=after:STEP[#N] (same names)
 * kills strata itself there instead, as a power cut would. */
#ifndef ST_QMP_QSD_H
#define ST_QMP_QSD_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/proc.h"
#include "qmp/client.h"

struct st_qsd_opts {
    const char *binary;         /* NULL: $STRATA_QSD, else the configured default */
    bool long_running;          /* detach; survives this process */
    int start_timeout_ms;       /* 0: 30 s; readiness (pid file + greeting) */
    int stop_timeout_ms;        /* 0: 10 s; for each of quit and SIGTERM */
    char *const *extra_args;    /* more QSD arguments, or NULL (tests) */
};

struct st_qsd {
    char *run_dir;              /* owned */
    char *sock_path;            /* owned, RUN/qmp.sock */
    char *pid_path;             /* owned, RUN/qsd.pid */
    char *log_path;             /* owned, RUN/qsd.log */
    bool long_running;
    pid_t pid;                  /* QSD's pid; -1 once it is known to be gone */
    pid_t known_pid;            /* the pid it had, for messages once it is gone */
    struct st_proc proc;        /* the child (transient only; pid -1 otherwise) */
    int stop_timeout_ms;
    struct st_qmp *qmp;         /* owned connection */
    unsigned test_kill_hits;    /* $STRATA_TEST_KILL_QSD: matching steps seen */
    unsigned test_crash_hits;   /* $STRATA_TEST_CRASH=after:STEP: matching steps seen */
};

/**
 * st_qsd_start:
 * @run_dir: directory for socket, pid file and log; created 0700 if
 *   missing, refused if group or others can access it
 * @opts: may be NULL (transient, default deadlines)
 *
 * Start a QSD and connect to it.  A long-running start is refused with
 * ST_E_BUSY if a live QSD already serves @run_dir; stale pid and socket
 * files of a dead one are removed first.
 *
 * Returns: an owned supervisor, or NULL with @errp set (the log's tail
 * is in the message when QSD fails to start).  No process is left
 * behind on failure.
 */
struct st_qsd *st_qsd_start(const char *run_dir, const struct st_qsd_opts *opts,
                            struct st_error **errp);

/**
 * st_qsd_attach:
 * @run_dir: run directory of a long-running QSD
 *
 * Find and connect to the QSD serving @run_dir.  Returns: an owned
 * supervisor (st_qsd_free() only disconnects), or NULL with @errp set:
 * ST_E_NOT_FOUND when none runs there (stale files are removed),
 * ST_E_TIMEOUT when QSD does not greet: its monitor serves one client
 * at a time, so callers serialise access (the store lock).
 */
struct st_qsd *st_qsd_attach(const char *run_dir, int timeout_ms, struct st_error **errp);

/* The QMP connection (borrowed). */
struct st_qmp *st_qsd_qmp(struct st_qsd *qsd);

/**
 * st_qsd_stop:
 *
 * Stop QSD: `quit`, then SIGTERM, then SIGKILL, each with a deadline;
 * always reaps a child and removes the pid file and socket.  Returns
 * true only for a clean end: QSD answered `quit` and, for a child,
 * exited with status 0 (QSD flushes and closes every node on the way,
 * so a clean end confirms that what it wrote is in the files).  Returns
 * false with @errp set (ST_E_QMP; the message says how it ended) if QSD
 * had already died, did not answer `quit`, had to be killed, or exited
 * otherwise; it is gone either way.
 */
bool st_qsd_stop(struct st_qsd *qsd, struct st_error **errp);

/* Transient: stop (errors only logged) and free.  Long-running:
 * disconnect and free; QSD keeps running.  NULL is a no-op. */
void st_qsd_free(struct st_qsd *qsd);
ST_DEFINE_CLEANUP(st_cleanup_qsd, struct st_qsd *, st_qsd_free)
#define CLEANUP_QSD ST_CLEANUP(st_cleanup_qsd)

/* "QSD (pid N) was killed by signal 9 (Killed)", "... is running": for
 * messages; owned. */
char *st_qsd_describe_end(struct st_qsd *qsd);

#endif
