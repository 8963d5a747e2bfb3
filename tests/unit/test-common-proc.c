/* tests/unit/test-common-proc.c: children with deadlines: a run that
 * succeeds, fails, times out; a stop that escalates to SIGKILL. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/cleanup.h"
#include "common/deadline.h"
#include "common/error.h"
#include "common/path.h"
#include "common/proc.h"
#include "tests/unit/testutil.h"

static void
test_run_captures_stdout(void **state)
{
    char *const argv[] = { "sh", "-c", "echo out; echo err >&2", NULL };
    CLEANUP_FREE char *out = NULL;

    (void) state;
    assert_true(st_proc_run(argv, 10000, &out, NULL));
    assert_string_equal(out, "out\n");
}

static void
test_run_failure_carries_stderr(void **state)
{
    char *const argv[] = { "sh", "-c", "echo 'it broke' >&2; exit 3", NULL };
    CLEANUP_ERROR struct st_error *err = NULL;

    (void) state;
    assert_false(st_proc_run(argv, 10000, NULL, &err));
    assert_non_null(strstr(err->msg, "exited with status 3"));
    assert_non_null(strstr(err->msg, "it broke"));
}

static void
test_run_missing_program_is_an_error(void **state)
{
    char *const argv[] = { "strata-no-such-program", NULL };
    CLEANUP_ERROR struct st_error *err = NULL;

    (void) state;
    assert_false(st_proc_run(argv, 10000, NULL, &err));
    assert_int_equal(err->code, ST_E_IO);
}

static void
test_run_past_deadline_is_killed(void **state)
{
    char *const argv[] = { "sleep", "30", NULL };
    CLEANUP_ERROR struct st_error *err = NULL;
    int64_t t0 = st_now_ns();

    (void) state;
    assert_false(st_proc_run(argv, 200, NULL, &err));
    assert_int_equal(err->code, ST_E_TIMEOUT);
    assert_true(st_now_ns() - t0 < 5000000000LL);
}

static void
test_stop_escalates_to_sigkill(void **state)
{
    /* A child that ignores SIGTERM must still be gone after stop. */
    char *const argv[] = { "sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done",
                           NULL };
    CLEANUP_FREE char *dir = st_test_mkdtemp();
    CLEANUP_FREE char *log = st_path_join(dir, "log");
    struct st_proc_opts opts = { .log_path = log };
    struct st_deadline dl = st_deadline_in_ms(10000);
    struct st_proc p;
    struct stat st;
    pid_t pid;

    (void) state;
    assert_true(st_proc_spawn(&p, argv, &opts, NULL));
    pid = p.pid;
    /* The trap is set once "ready" is in the log: wait for it. */
    while (stat(log, &st) != 0 || st.st_size == 0) {
        struct timespec ts = { 0, 1000000 };

        assert_false(st_deadline_expired(&dl));
        nanosleep(&ts, NULL);
    }
    st_proc_stop(&p, 200);
    assert_int_equal(p.pid, -1);
    assert_true(WIFSIGNALED(p.status));
    assert_int_equal(WTERMSIG(p.status), SIGKILL);
    assert_int_equal(kill(pid, 0), -1);
    st_test_rmtree(dir);
}

/* A die_with_parent child gets SIGTERM from the kernel when its parent
 * dies, even of _exit() with no handler run (as of SIGKILL).  The test
 * is the subreaper, so the orphan's end is reaped, and seen, here. */
static void
test_die_with_parent(void **state)
{
    struct st_deadline dl = st_deadline_in_ms(10000);
    pid_t mid, grand = -1, r;
    int fds[2], status = 0;

    (void) state;
    assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    assert_int_equal(pipe(fds), 0);
    if ((mid = fork()) == 0) {
        char *const argv[] = { "sleep", "30", NULL };
        struct st_proc p;

        if (!st_proc_spawn(&p, argv, &(struct st_proc_opts){ .die_with_parent = true }, NULL) ||
            write(fds[1], &p.pid, sizeof p.pid) != sizeof p.pid)
            _exit(1);
        _exit(0);
    }
    assert_true(mid > 0);
    assert_int_equal(read(fds[0], &grand, sizeof grand), sizeof grand);
    assert_int_equal(waitpid(mid, &status, 0), mid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    while ((r = waitpid(grand, &status, WNOHANG)) == 0 && !st_deadline_expired(&dl)) {
        struct timespec ts = { 0, 1000000 };

        nanosleep(&ts, NULL);
    }
    if (r == 0)
        kill(grand, SIGKILL);
    assert_int_equal(r, grand);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGTERM);
    close(fds[0]);
    close(fds[1]);
    prctl(PR_SET_CHILD_SUBREAPER, 0);
}

static void
test_wait_reports_exit_status(void **state)
{
    char *const argv[] = { "sh", "-c", "exit 7", NULL };
    struct st_proc p;
    struct st_deadline dl = st_deadline_in_ms(10000);

    (void) state;
    assert_true(st_proc_spawn(&p, argv, &(struct st_proc_opts){ .kill_on_signal = true }, NULL));
    assert_true(st_proc_wait(&p, &dl, NULL));
    assert_true(WIFEXITED(p.status));
    assert_int_equal(WEXITSTATUS(p.status), 7);
}

static void
test_deadline_arithmetic(void **state)
{
    struct st_deadline never = st_deadline_in_ms(-1);
    struct st_deadline now = st_deadline_in_ms(0);
    struct st_deadline later = st_deadline_in_ms(60000);

    (void) state;
    assert_false(st_deadline_expired(&never));
    assert_int_equal(st_deadline_poll_ms(&never), -1);
    assert_true(st_deadline_expired(&now));
    assert_int_equal(st_deadline_poll_ms(&now), 0);
    assert_false(st_deadline_expired(&later));
    assert_in_range(st_deadline_poll_ms(&later), 59000, 60000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_captures_stdout),
        cmocka_unit_test(test_run_failure_carries_stderr),
        cmocka_unit_test(test_run_missing_program_is_an_error),
        cmocka_unit_test(test_run_past_deadline_is_killed),
        cmocka_unit_test(test_stop_escalates_to_sigkill),
        cmocka_unit_test(test_wait_reports_exit_status),
        cmocka_unit_test(test_die_with_parent),
        cmocka_unit_test(test_deadline_arithmetic),
    };
    return cmocka_run_group_tests_name("common/proc", tests, NULL, NULL);
}
