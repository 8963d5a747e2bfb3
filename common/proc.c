/* common/proc.c: spawn, wait with a deadline, stop, and clean up
 * children on a fatal signal. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "common/path.h"
#include "common/proc.h"
#include "common/xalloc.h"

ST_LOG_INIT("common.proc");

extern char **environ;

enum { MAX_REGISTERED = 64 };

/* Children to end if strata is killed.  Written only outside the
 * handler with the signals blocked, read in the handler. */
static volatile pid_t registered[MAX_REGISTERED];

static void
register_pid(pid_t pid)
{
    for (size_t i = 0; i < MAX_REGISTERED; i++) {
        if (registered[i] == 0) {
            registered[i] = pid;
            return;
        }
    }
    st_warn(st_log_subsys, "too many children to track; pid %d will not be stopped on a signal",
            (int) pid);
}

static void
unregister_pid(pid_t pid)
{
    for (size_t i = 0; i < MAX_REGISTERED; i++)
        if (registered[i] == pid)
            registered[i] = 0;
}

static void
on_fatal_signal(int sig)
{
    /* Only async-signal-safe calls here. */
    for (size_t i = 0; i < MAX_REGISTERED; i++)
        if (registered[i] > 0)
            kill(registered[i], SIGTERM);
    signal(sig, SIG_DFL);
    raise(sig);
}

void
st_proc_install_signal_handlers(void)
{
    static bool installed;
    struct sigaction sa;

    if (installed)
        return;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* A closed pipe on stdout ('strata ... | head') ends strata like
     * the others: its children must not outlive it. */
    sigaction(SIGPIPE, &sa, NULL);
    installed = true;
}

/* The child, between fork() and exec: only async-signal-safe calls.
 * An exec failure's errno goes up @errfd (close-on-exec, so a
 * successful exec closes it with nothing written). */
static _Noreturn void
child(char *const argv[], const char *log, const struct st_proc_opts *opts, pid_t parent,
      int errfd)
{
    static const int dfl[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
    sigset_t none;
    int fd, e;

    for (size_t i = 0; i < sizeof dfl / sizeof dfl[0]; i++)
        signal(dfl[i], SIG_DFL);
    if (opts && opts->new_session)
        setsid();
    /* Ended with strata, however it dies (SIGKILL included): the
     * kernel sends SIGTERM when the parent goes.  A parent already
     * gone before prctl() took effect is seen by getppid(). */
    if (opts && opts->die_with_parent &&
        (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent))
        _exit(127);
    if ((fd = open("/dev/null", O_RDONLY)) < 0 || dup2(fd, STDIN_FILENO) < 0 ||
        (fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600)) < 0 ||
        dup2(fd, STDOUT_FILENO) < 0 || dup2(STDOUT_FILENO, STDERR_FILENO) < 0)
        goto fail;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execvp(argv[0], argv);
fail:
    e = errno;
    if (write(errfd, &e, sizeof e) < 0) {
        /* nothing more to say */
    }
    _exit(127);
}

pid_t
st_proc_pid_file_read(const char *path)
{
    CLEANUP_FREE char *text = st_path_read(path, 64, NULL, NULL);
    char *end;
    long v;

    if (!text)
        return 0;
    errno = 0;
    v = strtol(text, &end, 10);
    if (errno || end == text || v <= 1 || v > 0x3fffffff)
        return 0;
    return (pid_t) v;
}

bool
st_proc_pid_alive(pid_t pid)
{
    return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH);
}

bool
st_proc_cmdline_has(pid_t pid, const char *needle)
{
    CLEANUP_FREE char *proc = NULL;
    CLEANUP_FREE char *cmd = NULL;
    size_t len;

    if (!st_proc_pid_alive(pid))
        return false;
    proc = st_xasprintf("/proc/%d/cmdline", (int) pid);
    if (!(cmd = st_path_read(proc, 1 << 20, &len, NULL)))
        return false;
    for (size_t i = 0; i < len; i++)
        if (cmd[i] == '\0')
            cmd[i] = ' ';
    return strstr(cmd, needle) != NULL;
}

int
st_proc_test_crash_signal(void)
{
    const char *s = getenv("STRATA_TEST_CRASH_SIGNAL");

    if (s && strcmp(s, "PIPE") == 0)
        return SIGPIPE;
    if (s && strcmp(s, "TERM") == 0)
        return SIGTERM;
    return SIGKILL;
}

bool
st_proc_spawn(struct st_proc *proc, char *const argv[], const struct st_proc_opts *opts,
              struct st_error **errp)
{
    const char *log = opts && opts->log_path ? opts->log_path : "/dev/null";
    pid_t parent = getpid();
    sigset_t all, old;
    int pipefd[2], e = 0;
    ssize_t n;
    pid_t pid;

    proc->pid = -1;
    proc->status = 0;
    proc->kill_on_signal = opts && opts->kill_on_signal;
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot run '%s': pipe", argv[0]);
        return false;
    }
    /* Block signals so the handler never sees a child forked but not
     * yet registered (the child unblocks them before exec). */
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    pid = fork();
    if (pid == 0)
        child(argv, log, opts, parent, pipefd[1]);
    if (pid > 0 && proc->kill_on_signal)
        register_pid(pid);
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(pipefd[1]);
    if (pid < 0) {
        e = errno;
        close(pipefd[0]);
        st_error_set_errno(errp, e, ST_E_IO, "cannot run '%s': fork", argv[0]);
        return false;
    }
    do
        n = read(pipefd[0], &e, sizeof e);
    while (n < 0 && errno == EINTR);
    close(pipefd[0]);
    proc->pid = pid;
    if (n == (ssize_t) sizeof e) {
        /* exec failed: reap the child, report its errno */
        st_proc_stop(proc, 0);
        st_error_set_errno(errp, e, ST_E_IO, "cannot run '%s'", argv[0]);
        st_error_hint(errp, "is it installed? (scripts/install-deps installs what strata needs)");
        return false;
    }
    st_debug("started %s as pid %d", argv[0], (int) pid);
    return true;
}

static void
reaped(struct st_proc *proc, int status)
{
    sigset_t all, old;

    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    if (proc->kill_on_signal)
        unregister_pid(proc->pid);
    sigprocmask(SIG_SETMASK, &old, NULL);
    st_debug("pid %d ended (status 0x%x)", (int) proc->pid, status);
    proc->status = status;
    proc->pid = -1;
}

bool
st_proc_exited(struct st_proc *proc)
{
    int status;
    pid_t r;

    if (proc->pid <= 0)
        return true;
    do
        r = waitpid(proc->pid, &status, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == proc->pid || (r < 0 && errno == ECHILD)) {
        reaped(proc, r == proc->pid ? status : 0);
        return true;
    }
    return false;
}

bool
st_proc_wait(struct st_proc *proc, const struct st_deadline *dl, struct st_error **errp)
{
    int pidfd;

    if (st_proc_exited(proc))
        return true;
    /* A pidfd becomes readable when the child exits: a wait without
     * polling.  Fall back to short naps where pidfd_open is missing. */
    pidfd = (int) syscall(SYS_pidfd_open, proc->pid, 0);
    for (;;) {
        if (st_proc_exited(proc)) {
            if (pidfd >= 0)
                close(pidfd);
            return true;
        }
        if (st_deadline_expired(dl))
            break;
        if (pidfd >= 0) {
            struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
            int ms = st_deadline_poll_ms(dl);

            if (poll(&pfd, 1, ms < 0 || ms > 1000 ? 1000 : ms) < 0 && errno != EINTR)
                break;
        } else {
            struct timespec ts = { 0, 5 * 1000 * 1000 };

            nanosleep(&ts, NULL);
        }
    }
    if (pidfd >= 0)
        close(pidfd);
    st_error_set(errp, ST_E_TIMEOUT, "process %d did not exit in time", (int) proc->pid);
    return false;
}

void
st_proc_stop(struct st_proc *proc, int term_ms)
{
    struct st_deadline dl;

    if (proc->pid <= 0 || st_proc_exited(proc))
        return;
    kill(proc->pid, SIGTERM);
    dl = st_deadline_in_ms(term_ms);
    if (st_proc_wait(proc, &dl, NULL))
        return;
    st_debug("pid %d ignored SIGTERM; sending SIGKILL", (int) proc->pid);
    kill(proc->pid, SIGKILL);
    dl = st_deadline_in_ms(10000);
    st_proc_wait(proc, &dl, NULL);
}

char *
st_proc_status_string(int status)
{
    if (WIFEXITED(status))
        return st_xasprintf("exited with status %d", WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return st_xasprintf("was killed by signal %d (%s)", WTERMSIG(status),
                            strsignal(WTERMSIG(status)));
    return st_xasprintf("ended with wait status 0x%x", status);
}

/* Read everything from @fd until EOF or the deadline; owned result. */
static char *
drain(int fd, const struct st_deadline *dl, size_t max)
{
    size_t len = 0, cap = 4096;
    char *buf = st_xmalloc(cap);

    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        ssize_t r;

        if (poll(&pfd, 1, st_deadline_poll_ms(dl)) <= 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (len + 1 >= cap) {
            cap *= 2;
            buf = st_xrealloc(buf, cap);
        }
        r = read(fd, buf + len, cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (len + (size_t) r <= max)
            len += (size_t) r;
    }
    buf[len] = '\0';
    return buf;
}

bool
st_proc_run(char *const argv[], int timeout_ms, char **outp, struct st_error **errp)
{
    struct st_deadline dl = st_deadline_in_ms(timeout_ms);
    posix_spawn_file_actions_t fa;
    CLEANUP_FREE char *out = NULL;
    CLEANUP_FREE char *errtext = NULL;
    CLEANUP_FREE char *how = NULL;
    char tmpl[] = "/tmp/strata-stderr-XXXXXX";
    struct st_proc proc = { .pid = -1 };
    int pipefd[2];
    int errfd;
    pid_t pid;
    int r;

    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot create a pipe");
        return false;
    }
    if ((errfd = mkostemp(tmpl, O_CLOEXEC)) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot create a temporary file");
        close(pipefd[0]);
        close(pipefd[1]);
        return false;
    }
    unlink(tmpl);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, errfd, STDERR_FILENO);
    r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (r != 0) {
        close(pipefd[0]);
        close(errfd);
        st_error_set_errno(errp, r, ST_E_IO, "cannot run '%s'", argv[0]);
        return false;
    }
    proc.pid = pid;
    out = drain(pipefd[0], &dl, 64 << 20);
    close(pipefd[0]);
    if (!st_proc_wait(&proc, &dl, NULL)) {
        st_proc_stop(&proc, 1000);
        close(errfd);
        st_error_set(errp, ST_E_TIMEOUT, "'%s' did not finish within %d ms", argv[0], timeout_ms);
        return false;
    }
    lseek(errfd, 0, SEEK_SET);
    {
        struct st_deadline now = st_deadline_in_ms(0);

        errtext = drain(errfd, &now, 64 << 10);
    }
    close(errfd);
    if (!WIFEXITED(proc.status) || WEXITSTATUS(proc.status) != 0) {
        size_t n = strlen(errtext);

        while (n && (errtext[n - 1] == '\n' || errtext[n - 1] == ' '))
            errtext[--n] = '\0';
        how = st_proc_status_string(proc.status);
        st_error_set(errp, ST_E_IO, "'%s' %s%s%s", argv[0], how, *errtext ? ": " : "",
                     errtext);
        return false;
    }
    if (outp)
        *outp = ST_STEAL(&out);
    return true;
}
