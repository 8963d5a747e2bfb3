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
    installed = true;
}

bool
st_proc_spawn(struct st_proc *proc, char *const argv[], const struct st_proc_opts *opts,
              struct st_error **errp)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    const char *log = opts && opts->log_path ? opts->log_path : "/dev/null";
    sigset_t all, old;
    pid_t pid;
    int r;

    proc->pid = -1;
    proc->status = 0;
    proc->kill_on_signal = opts && opts->kill_on_signal;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log,
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    posix_spawnattr_init(&attr);
    /* The child starts with default signal handling and no mask. */
    {
        sigset_t none, dfl;

        sigemptyset(&none);
        sigemptyset(&dfl);
        sigaddset(&dfl, SIGINT);
        sigaddset(&dfl, SIGTERM);
        sigaddset(&dfl, SIGHUP);
        sigaddset(&dfl, SIGPIPE);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &dfl);
    }
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
                                        (opts && opts->new_session ? POSIX_SPAWN_SETSID : 0));

    /* Block signals so the handler never sees a child spawned but not
     * yet registered. */
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    r = posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
    if (r == 0 && proc->kill_on_signal)
        register_pid(pid);
    sigprocmask(SIG_SETMASK, &old, NULL);

    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (r != 0) {
        st_error_set_errno(errp, r, ST_E_IO, "cannot run '%s'", argv[0]);
        st_error_hint(errp, "is it installed? (scripts/install-deps installs what strata needs)");
        return false;
    }
    proc->pid = pid;
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
