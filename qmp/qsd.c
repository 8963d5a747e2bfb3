/* qmp/qsd.c: start, find, watch and stop qemu-storage-daemon. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "qmp/qsd.h"

ST_LOG_INIT("qmp.qsd");

enum {
    DEFAULT_START_MS = 30 * 1000,
    DEFAULT_STOP_MS = 10 * 1000,
    HANGUP_GRACE_MS = 2000,     /* time for a QSD that closed its socket to finish dying */
    POLL_MS = 10,               /* pid-file poll interval inside a deadline loop */
    /* The same while a QSD we spawned starts: it is ready ~20 ms after
     * exec here, and every command that starts one (verify, diff,
     * export) waits for it, so 10 ms naps cost 5 ms on average. */
    READY_POLL_MS = 1,
    LOG_TAIL_BYTES = 2048,
};

static char *
log_tail(const char *path)
{
    /* Only the end: a QSD that logged a flood before failing must still
     * say why it failed (reading the whole log, capped, read nothing). */
    CLEANUP_FREE char *text = st_path_read_tail(path, LOG_TAIL_BYTES, NULL);
    char *out, *p;

    if (!text || !*text)
        return st_xstrdup("(QSD wrote nothing)");
    out = st_xstrdup(text);
    for (p = out + strlen(out); p > out && (p[-1] == '\n' || p[-1] == ' '); p--)
        p[-1] = '\0';
    for (p = out; *p; p++)
        if (*p == '\n')
            *p = ' ';
    return out;
}

static bool
check_run_dir(const char *dir, struct st_error **errp)
{
    struct stat st;

    if (!st_path_mkdir_p(dir, 0700, errp))
        return false;
    if (lstat(dir, &st) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot stat run directory '%s'", dir);
        return false;
    }
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
        st_error_set(errp, ST_E_IO,
                     "run directory '%s' must be a directory owned by you with mode 0700", dir);
        st_error_set_path(errp, dir);
        st_error_hint(errp, "chmod 0700 '%s', or choose another --run-dir", dir);
        return false;
    }
    return true;
}

static struct st_qsd *
qsd_new(const char *run_dir)
{
    struct st_qsd *qsd = st_xcalloc(1, sizeof *qsd);

    qsd->run_dir = st_xstrdup(run_dir);
    qsd->sock_path = st_path_join(run_dir, "qmp.sock");
    qsd->pid_path = st_path_join(run_dir, "qsd.pid");
    qsd->log_path = st_path_join(run_dir, "qsd.log");
    qsd->pid = -1;
    qsd->proc.pid = -1;
    qsd->stop_timeout_ms = DEFAULT_STOP_MS;
    return qsd;
}

static void
remove_files(struct st_qsd *qsd)
{
    unlink(qsd->pid_path);
    unlink(qsd->sock_path);
}

/* Wait until @pid is gone or @dl passes.  Works for a child (reaped
 * through qsd->proc) and for a detached QSD (pidfd poll). */
static bool
wait_gone(struct st_qsd *qsd, const struct st_deadline *dl)
{
    int pidfd;
    bool gone = false;

    if (qsd->pid <= 0)
        return true;
    if (qsd->proc.pid > 0) {
        if (st_proc_wait(&qsd->proc, dl, NULL)) {
            qsd->pid = -1;
            return true;
        }
        return false;
    }
    pidfd = (int) syscall(SYS_pidfd_open, qsd->pid, 0);
    if (pidfd < 0)
        gone = errno == ESRCH;
    /* No pidfd (old kernel, seccomp): short naps inside the deadline. */
    while (!gone && pidfd < 0 && !st_deadline_expired(dl)) {
        struct timespec ts = { 0, POLL_MS * 1000 * 1000 };

        if (kill(qsd->pid, 0) < 0 && errno == ESRCH)
            gone = true;
        else
            nanosleep(&ts, NULL);
    }
    while (!gone && pidfd >= 0) {
        struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
        int ms = st_deadline_poll_ms(dl);
        int r = poll(&pfd, 1, ms);

        if (r > 0)
            gone = true;
        else if (r == 0 || (r < 0 && errno != EINTR))
            break;
    }
    if (pidfd >= 0)
        close(pidfd);
    if (gone)
        qsd->pid = -1;
    return gone;
}

char *
st_qsd_describe_end(struct st_qsd *qsd)
{
    pid_t pid = qsd->known_pid;
    struct st_deadline dl = st_deadline_in_ms(HANGUP_GRACE_MS);
    CLEANUP_FREE char *how = NULL;

    if (qsd->proc.pid > 0 || (!qsd->long_running && qsd->pid <= 0)) {
        /* A child: its exit status says how it ended. */
        pid_t cpid = qsd->proc.pid;

        if (cpid > 0 && !st_proc_wait(&qsd->proc, &dl, NULL))
            return st_xasprintf("QSD (pid %d) closed its QMP connection but is still running",
                                (int) cpid);
        qsd->pid = -1;
        how = st_proc_status_string(qsd->proc.status);
        return st_xasprintf("QSD %s", how);
    }
    /* Not strata's child: how it ended is not ours to see. */
    if (wait_gone(qsd, &dl))
        return st_xasprintf("QSD (pid %d) has exited; its log may say why: '%s'", (int) pid,
                            qsd->log_path);
    return st_xasprintf("QSD (pid %d) closed its QMP connection but is still running", (int) pid);
}

static char *
hangup_cb(void *opaque)
{
    return st_qsd_describe_end(opaque);
}

/* Whether @step matches the kill point @want ("STEP", "STEP#N" or
 * "job-progress>=P"); counts hits of a plain step in *@hits. */
static bool
kill_point_matches(unsigned *hits, const char *want, const char *step, uint64_t done,
                   uint64_t total)
{
    const char *hash = strchr(want, '#');
    size_t len = hash ? (size_t) (hash - want) : strlen(want);
    unsigned long nth = hash ? strtoul(hash + 1, NULL, 10) : 1;

    if (strncmp(want, "job-progress>=", 14) == 0) {
        unsigned long pct = strtoul(want + 14, NULL, 10);

        return strcmp(step, "job-progress") == 0 && total > 0 && done > 0 &&
               done * 100 >= pct * total;
    }
    if (strlen(step) != len || strncmp(step, want, len) != 0)
        return false;
    return ++*hits == (nth ? nth : 1);
}

/* $STRATA_TEST_CRASH=after:STEP[#N]: the crash point of strata itself
 * after a QMP step, named as for $STRATA_TEST_KILL_QSD. */
static const char *
test_crash_after(void)
{
    const char *want = getenv("STRATA_TEST_CRASH");

    return want && strncmp(want, "after:", 6) == 0 ? want + 6 : NULL;
}

static void
test_kill_step(const char *step, uint64_t done, uint64_t total, void *opaque)
{
    struct st_qsd *qsd = opaque;
    const char *want = getenv("STRATA_TEST_KILL_QSD");
    const char *crash = test_crash_after();
    struct st_deadline dl = st_deadline_in_ms(10 * 1000);
    pid_t pid = qsd->pid;

    if (crash && kill_point_matches(&qsd->test_crash_hits, crash, step, done, total)) {
        st_debug("STRATA_TEST_CRASH: dying after '%s'", step);
        raise(st_proc_test_crash_signal());
    }
    if (!want || pid <= 0 || !kill_point_matches(&qsd->test_kill_hits, want, step, done, total))
        return;
    st_debug("STRATA_TEST_KILL_QSD: killing QSD pid %d after '%s'", (int) pid, step);
    kill(pid, SIGKILL);
    if (!wait_gone(qsd, &dl))
        st_debug("STRATA_TEST_KILL_QSD: QSD pid %d is still there", (int) pid);
}

/* Callbacks on a new connection: the hang-up explainer, and the test
 * kill points when asked for. */
static void
watch(struct st_qsd *qsd)
{
    st_qmp_set_hangup_fn(qsd->qmp, hangup_cb, qsd);
    if (getenv("STRATA_TEST_KILL_QSD") || test_crash_after())
        st_qmp_set_step_fn(qsd->qmp, test_kill_step, qsd);
}

/* QEMU option values double a comma to keep it literal. */
static char *
qemu_opt_escape(const char *s)
{
    size_t n = 0;
    char *out, *p;

    for (const char *q = s; *q; q++)
        n += *q == ',' ? 2 : 1;
    out = p = st_xmalloc(n + 1);
    for (const char *q = s; *q; q++) {
        *p++ = *q;
        if (*q == ',')
            *p++ = ',';
    }
    *p = '\0';
    return out;
}

/* Kill whatever a failed start left running. */
/* A QSD of ours is recognised by its pid file's path in its command
 * line (st_proc_cmdline_has()): QSD gets it verbatim (--pidfile PATH),
 * while the socket path is comma-escaped inside --chardev, so a run dir
 * with a comma in it would never match that. */

static void
abandon(struct st_qsd *qsd)
{
    if (qsd->proc.pid > 0)
        st_proc_stop(&qsd->proc, 2000);
    /* A daemonized QSD may have written its pid file before the
     * deadline passed for its parent. */
    if (qsd->pid <= 0)
        qsd->pid = st_proc_pid_file_read(qsd->pid_path);
    if (qsd->pid > 0 && st_proc_cmdline_has(qsd->pid, qsd->pid_path)) {
        struct st_deadline dl = st_deadline_in_ms(2000);

        kill(qsd->pid, SIGTERM);
        if (!wait_gone(qsd, &dl)) {
            kill(qsd->pid, SIGKILL);
            dl = st_deadline_in_ms(5000);
            wait_gone(qsd, &dl);
        }
    }
    qsd->pid = -1;
    remove_files(qsd);
}

static bool
clear_stale(struct st_qsd *qsd, struct st_error **errp)
{
    pid_t old = st_proc_pid_file_read(qsd->pid_path);

    if (old && st_proc_cmdline_has(old, qsd->pid_path)) {
        st_error_set(errp, ST_E_BUSY, "a QSD (pid %d) already runs in '%s'", (int) old,
                     qsd->run_dir);
        st_error_hint(errp, "stop it first, or use another run directory");
        return false;
    }
    if (old || st_path_exists(qsd->sock_path))
        st_debug("removing stale pid file and socket in %s", qsd->run_dir);
    remove_files(qsd);
    return true;
}

static bool
spawn(struct st_qsd *qsd, const struct st_qsd_opts *opts, const struct st_deadline *dl,
      struct st_error **errp)
{
    const char *bin = opts && opts->binary ? opts->binary : getenv("STRATA_QSD");
    CLEANUP_FREE char *esc = qemu_opt_escape(qsd->sock_path);
    CLEANUP_STRV char **argv = NULL;
    struct st_proc_opts popts = {
        .log_path = qsd->log_path,
        .new_session = qsd->long_running,
        .kill_on_signal = !qsd->long_running,
        /* A transient QSD never outlives its strata (a kill -9 of
         * strata left one holding the images' write locks, so that
         * the re-run and recover both failed). */
        .die_with_parent = !qsd->long_running,
    };

    st_strv_add(&argv, bin && *bin ? bin : STRATA_QSD_DEFAULT);
    st_strv_add(&argv, "--chardev");
    st_strv_add_owned(&argv, st_xasprintf("socket,path=%s,server=on,wait=off,id=mon0", esc));
    st_strv_add(&argv, "--monitor");
    st_strv_add(&argv, "chardev=mon0");
    st_strv_add(&argv, "--pidfile");
    st_strv_add(&argv, qsd->pid_path);
    if (qsd->long_running)
        st_strv_add(&argv, "--daemonize");
    for (size_t i = 0; opts && opts->extra_args && opts->extra_args[i]; i++)
        st_strv_add(&argv, opts->extra_args[i]);

    if (!st_proc_spawn(&qsd->proc, argv, &popts, errp))
        return false;
    if (qsd->long_running) {
        /* --daemonize: the first process exits once the daemon is ready
         * (pid file written), with a non-zero status if it failed. */
        if (!st_proc_wait(&qsd->proc, dl, NULL)) {
            st_error_set(errp, ST_E_TIMEOUT, "QSD did not become ready in time");
            return false;
        }
        if (!WIFEXITED(qsd->proc.status) || WEXITSTATUS(qsd->proc.status) != 0) {
            CLEANUP_FREE char *how = st_proc_status_string(qsd->proc.status);
            CLEANUP_FREE char *tail = log_tail(qsd->log_path);

            st_error_set(errp, ST_E_QMP, "QSD failed to start: it %s: %s", how, tail);
            st_error_set_path(errp, qsd->log_path);
            return false;
        }
        if (!(qsd->pid = st_proc_pid_file_read(qsd->pid_path))) {
            st_error_set(errp, ST_E_QMP, "QSD started but wrote no pid file '%s'",
                         qsd->pid_path);
            qsd->pid = -1;
            return false;
        }
        qsd->known_pid = qsd->pid;
        return true;
    }
    qsd->pid = qsd->known_pid = qsd->proc.pid;
    /* QSD writes its pid file after its monitor and exports are set up. */
    while (!st_proc_pid_file_read(qsd->pid_path)) {
        struct timespec ts = { 0, READY_POLL_MS * 1000 * 1000 };

        if (st_proc_exited(&qsd->proc)) {
            CLEANUP_FREE char *how = st_proc_status_string(qsd->proc.status);
            CLEANUP_FREE char *tail = log_tail(qsd->log_path);

            qsd->pid = -1;
            st_error_set(errp, ST_E_QMP, "QSD failed to start: it %s: %s", how, tail);
            st_error_set_path(errp, qsd->log_path);
            return false;
        }
        if (st_deadline_expired(dl)) {
            st_error_set(errp, ST_E_TIMEOUT, "QSD did not write its pid file '%s' in time",
                         qsd->pid_path);
            return false;
        }
        nanosleep(&ts, NULL);   /* a poll interval inside a deadline loop */
    }
    return true;
}

struct st_qsd *
st_qsd_start(const char *run_dir, const struct st_qsd_opts *opts, struct st_error **errp)
{
    int start_ms = opts && opts->start_timeout_ms ? opts->start_timeout_ms : DEFAULT_START_MS;
    struct st_deadline dl = st_deadline_in_ms(start_ms);
    struct st_qsd *qsd;
    int left;

    if (!check_run_dir(run_dir, errp))
        return NULL;
    qsd = qsd_new(run_dir);
    qsd->long_running = opts && opts->long_running;
    if (opts && opts->stop_timeout_ms)
        qsd->stop_timeout_ms = opts->stop_timeout_ms;
    if (!clear_stale(qsd, errp)) {
        st_qsd_free(qsd);
        return NULL;
    }
    if (!spawn(qsd, opts, &dl, errp)) {
        abandon(qsd);
        st_qsd_free(qsd);
        return NULL;
    }
    left = st_deadline_poll_ms(&dl);
    if (!(qsd->qmp = st_qmp_connect(qsd->sock_path, left < 1 ? 1 : left, errp))) {
        abandon(qsd);
        st_qsd_free(qsd);
        return NULL;
    }
    watch(qsd);
    st_debug("QSD pid %d ready in %s (%s)", (int) qsd->pid, run_dir,
             qsd->long_running ? "long-running" : "transient");
    return qsd;
}

struct st_qsd *
st_qsd_attach(const char *run_dir, int timeout_ms, struct st_error **errp)
{
    struct st_qsd *qsd = qsd_new(run_dir);
    pid_t pid = st_proc_pid_file_read(qsd->pid_path);

    qsd->long_running = true;
    if (!pid || !st_proc_cmdline_has(pid, qsd->pid_path)) {
        if (pid || st_path_exists(qsd->sock_path)) {
            st_error_set(errp, ST_E_NOT_FOUND,
                         "no QSD runs in '%s' (removed the stale pid file and socket of pid %d)",
                         run_dir, (int) pid);
            remove_files(qsd);
        } else {
            st_error_set(errp, ST_E_NOT_FOUND, "no QSD runs in '%s'", run_dir);
        }
        st_qsd_free(qsd);
        return NULL;
    }
    qsd->pid = qsd->known_pid = pid;
    if (!(qsd->qmp = st_qmp_connect(qsd->sock_path, timeout_ms, errp))) {
        st_error_prepend(errp, "QSD pid %d in '%s': ", (int) pid, run_dir);
        st_error_hint(errp, "QSD serves one QMP client at a time: is another strata using it?");
        st_qsd_free(qsd);
        return NULL;
    }
    watch(qsd);
    return qsd;
}

struct st_qmp *
st_qsd_qmp(struct st_qsd *qsd)
{
    return qsd->qmp;
}

bool
st_qsd_stop(struct st_qsd *qsd, struct st_error **errp)
{
    struct st_deadline dl;
    bool was_alive = qsd->pid > 0;
    bool needed_signal = false;
    bool quit_answered = false;
    bool child = qsd->proc.pid > 0;
    pid_t pid = qsd->pid;
    CLEANUP_FREE char *quit_error = NULL;

    if (qsd->qmp && !st_qmp_is_closed(qsd->qmp)) {
        struct st_error *err = NULL;

        st_qmp_set_timeout(qsd->qmp, qsd->stop_timeout_ms);
        /* Do not explain the hang-up that quit itself causes. */
        st_qmp_set_hangup_fn(qsd->qmp, NULL, NULL);
        quit_answered = st_qmp_run(qsd->qmp, "quit", NULL, &err);
        if (!quit_answered) {
            st_debug("quit: %s", err->msg);
            quit_error = st_xstrdup(err->msg);
            st_error_free(err);
        }
    }
    st_qmp_free(qsd->qmp);
    qsd->qmp = NULL;
    if (qsd->pid > 0) {
        dl = st_deadline_in_ms(qsd->stop_timeout_ms);
        if (!wait_gone(qsd, &dl)) {
            needed_signal = true;
            st_debug("QSD pid %d ignored quit; sending SIGTERM", (int) qsd->pid);
            kill(qsd->pid, SIGTERM);
            dl = st_deadline_in_ms(qsd->stop_timeout_ms);
            if (!wait_gone(qsd, &dl)) {
                st_debug("QSD pid %d ignored SIGTERM; sending SIGKILL", (int) qsd->pid);
                kill(qsd->pid, SIGKILL);
                dl = st_deadline_in_ms(qsd->stop_timeout_ms);
                wait_gone(qsd, &dl);
            }
        }
    }
    remove_files(qsd);
    if (qsd->pid > 0) {
        st_error_set(errp, ST_E_QMP, "QSD (pid %d) survived SIGKILL", (int) qsd->pid);
        return false;
    }
    if (needed_signal) {
        st_error_set(errp, ST_E_QMP, "QSD (pid %d) did not quit and had to be killed", (int) pid);
        return false;
    }
    if (!was_alive) {
        CLEANUP_FREE char *how = child || !qsd->long_running
                                 ? st_proc_status_string(qsd->proc.status) : NULL;

        st_error_set(errp, ST_E_QMP, "QSD had already ended%s%s", how ? ": it " : "",
                     how ? how : "");
        return false;
    }
    /* Only a child's exit status says whether it closed its images
     * cleanly; a detached QSD that answered quit and went is taken at
     * its word. */
    if (child && (!WIFEXITED(qsd->proc.status) || WEXITSTATUS(qsd->proc.status) != 0)) {
        CLEANUP_FREE char *how = st_proc_status_string(qsd->proc.status);

        st_error_set(errp, ST_E_QMP, "QSD (pid %d) did not end cleanly: it %s", (int) pid, how);
        return false;
    }
    if (!quit_answered) {
        st_error_set(errp, ST_E_QMP, "QSD (pid %d) ended without answering quit (%s)", (int) pid,
                     quit_error ? quit_error : "connection closed");
        return false;
    }
    return true;
}

void
st_qsd_free(struct st_qsd *qsd)
{
    if (!qsd)
        return;
    if (!qsd->long_running && (qsd->pid > 0 || qsd->proc.pid > 0)) {
        struct st_error *err = NULL;

        if (!st_qsd_stop(qsd, &err)) {
            st_debug("stopping QSD: %s", err->msg);
            st_error_free(err);
        }
    }
    st_qmp_free(qsd->qmp);
    free(qsd->run_dir);
    free(qsd->sock_path);
    free(qsd->pid_path);
    free(qsd->log_path);
    free(qsd);
}
