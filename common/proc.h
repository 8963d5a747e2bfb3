/* common/proc.h: child processes with deadlines.  Children get
 * O_CLOEXEC hygiene, their output goes to a log file (a pipe left open
 * by a daemon would hang us: qmp-notes "Faults"), any child marked
 * kill_on_signal is sent SIGTERM if strata itself dies of SIGINT,
 * SIGTERM, SIGHUP or SIGPIPE, and one marked die_with_parent gets
 * SIGTERM from the kernel when strata dies of anything (SIGKILL
 * included). */
#ifndef ST_COMMON_PROC_H
#define ST_COMMON_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/deadline.h"
#include "common/error.h"

struct st_proc {
    pid_t pid;              /* -1 once reaped */
    int status;             /* wait status, valid once reaped */
    bool kill_on_signal;    /* registered with the signal handler */
};

struct st_proc_opts {
    const char *log_path;   /* stdout+stderr appended here; NULL: /dev/null */
    bool new_session;       /* setsid(): not killed by the terminal's ^C */
    bool kill_on_signal;    /* SIGTERM it when strata gets SIGINT/SIGTERM/SIGHUP/SIGPIPE */
    bool die_with_parent;   /* PR_SET_PDEATHSIG: SIGTERM when strata dies, however */
};

/* Install the SIGINT/SIGTERM/SIGHUP/SIGPIPE handler that ends
 * registered children and then re-raises the signal.  Idempotent. */
void st_proc_install_signal_handlers(void);

/* The pid a pid file holds, or 0 when @path is missing or holds no
 * plausible pid (2 .. 2^30-1). */
pid_t st_proc_pid_file_read(const char *path);
/* Whether process @pid exists (only ESRCH says no; EPERM is alive). */
bool st_proc_pid_alive(pid_t pid);
/* Whether process @pid is alive and its command line contains
 * @needle: that program (a QSD given a path of its run directory), not
 * a process that reused its pid. */
bool st_proc_cmdline_has(pid_t pid, const char *needle);

/* The signal strata's test crash points die of: $STRATA_TEST_CRASH_SIGNAL
 * (PIPE, TERM or KILL; default KILL), so that the tests see what each
 * way of dying leaves behind. */
int st_proc_test_crash_signal(void);

/* Start argv[0] (searched in PATH).  Returns false if it cannot start. */
bool st_proc_spawn(struct st_proc *proc, char *const argv[], const struct st_proc_opts *opts,
                   struct st_error **errp);

/* Wait until the child exits or @dl passes.  Returns true once reaped
 * (proc->status set), false with ST_E_TIMEOUT at the deadline. */
bool st_proc_wait(struct st_proc *proc, const struct st_deadline *dl, struct st_error **errp);

/* True if the child has exited (reaping it); never blocks. */
bool st_proc_exited(struct st_proc *proc);

/* SIGTERM, wait up to @term_ms, then SIGKILL and reap.  Safe on a
 * reaped or never-started proc (pid -1). */
void st_proc_stop(struct st_proc *proc, int term_ms);

/* "exited with status 3", "killed by signal 9": for messages; owned. */
char *st_proc_status_string(int status);

/**
 * st_proc_run:
 * @argv: command to run
 * @timeout_ms: deadline for the whole run
 * @outp: out, the command's stdout (owned), or NULL to discard it
 *
 * Run a command to completion.  stderr is captured into the error
 * message on failure.  Returns true only on exit status 0.
 */
bool st_proc_run(char *const argv[], int timeout_ms, char **outp, struct st_error **errp);

#endif
