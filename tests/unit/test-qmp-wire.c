/* tests/unit/test-qmp-wire.c: QMP framing and client behaviour against
 * a scripted fake server (a forked child on a unix socket), for the
 * edge cases a real QSD will not produce on demand: replies split into
 * single bytes, replies larger than one read, a line over the size
 * limit, events between replies, stray replies and a peer that hangs
 * up mid-command. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/error.h"
#include "common/json.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "qmp/client.h"
#include "qmp/wire.h"
#include "tests/unit/testutil.h"

static const char greeting[] =
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
    "\"package\": \"\"}, \"capabilities\": [\"oob\"]}}\n";

/* Write @len bytes, @step at a time (1 = byte by byte). */
static void
put(int fd, const char *s, size_t len, size_t step)
{
    for (size_t off = 0; off < len;) {
        size_t n = len - off < step ? len - off : step;
        ssize_t r = write(fd, s + off, n);

        if (r <= 0)
            _exit(9);
        off += (size_t) r;
    }
}

static void
puts_fd(int fd, const char *s)
{
    put(fd, s, strlen(s), 1 << 20);
}

static void
reply(int fd, const char *id, const char *ret)
{
    char *s = st_xasprintf("{\"return\": %s, \"id\": \"%s\"}\n", ret, id);

    puts_fd(fd, s);
    free(s);
}

/* The fake server: greets, then answers each command by name. */
static void
serve(int lfd)
{
    int fd = accept(lfd, NULL, NULL);
    FILE *in;
    char *line = NULL;
    size_t cap = 0;

    if (fd < 0)
        _exit(8);
    in = fdopen(dup(fd), "r");
    put(fd, greeting, strlen(greeting), 1);     /* split into single bytes */
    while (getline(&line, &cap, in) > 0) {
        struct json_object *req = json_tokener_parse(line);
        const char *cmd = st_json_get_string(req, "execute");
        const char *id = st_json_get_string(req, "id");

        if (!cmd || !id)
            _exit(7);
        if (strcmp(cmd, "qmp_capabilities") == 0) {
            reply(fd, id, "{}");
        } else if (strcmp(cmd, "events") == 0) {
            puts_fd(fd, "{\"event\": \"JOB_STATUS_CHANGE\", \"data\": {\"id\": \"j1\", "
                        "\"status\": \"running\"}, \"timestamp\": {}}\n");
            puts_fd(fd, "{\"return\": {\"stale\": true}, \"id\": \"not-ours\"}\n");
            puts_fd(fd, "\n{\"event\": \"BLOCK_EXPORT_DELETED\", \"data\": {\"id\": \"e1\"}, "
                        "\"timestamp\": {}}\n");
            reply(fd, id, "{\"answer\": 42}");
        } else if (strcmp(cmd, "big") == 0 || strcmp(cmd, "huge") == 0) {
            size_t n = strcmp(cmd, "big") == 0 ? 3 << 20 : ST_QMP_WIRE_MAX_MSG + 10;
            char *s = st_xmalloc(n + 1);

            memset(s, 'x', n);
            s[n] = '\0';
            put(fd, "{\"return\": \"", 12, 12);
            put(fd, s, n, 100000);
            free(s);
            puts_fd(fd, "\", \"id\": \"");
            puts_fd(fd, id);
            puts_fd(fd, "\"}\n");
        } else if (strcmp(cmd, "fail") == 0) {
            char *s = st_xasprintf("{\"error\": {\"class\": \"GenericError\", \"desc\": "
                                   "\"Node 'x' is busy\"}, \"id\": \"%s\"}\n", id);
            puts_fd(fd, s);
            free(s);
        } else if (strcmp(cmd, "array") == 0) {
            puts_fd(fd, "[1, 2]\n");
        } else if (strcmp(cmd, "hangup") == 0) {
            _exit(0);
        } else if (strcmp(cmd, "silence") == 0) {
            /* never answer */
        }
        json_object_put(req);
    }
    _exit(0);
}

struct fake {
    char *dir;
    char *sock;
    pid_t pid;
};

static struct fake *
fake_start(void)
{
    struct fake *f = st_xcalloc(1, sizeof *f);
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int lfd;

    f->dir = st_test_mkdtemp();
    f->sock = st_path_join(f->dir, "qmp.sock");
    strcpy(sun.sun_path, f->sock);
    lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(lfd >= 0);
    assert_int_equal(bind(lfd, (struct sockaddr *) &sun, sizeof sun), 0);
    assert_int_equal(listen(lfd, 1), 0);
    f->pid = fork();
    assert_true(f->pid >= 0);
    if (f->pid == 0)
        serve(lfd);
    close(lfd);
    return f;
}

static void
fake_stop(struct fake *f)
{
    int status;

    kill(f->pid, SIGKILL);
    waitpid(f->pid, &status, 0);
    st_test_rmtree(f->dir);
    free(f->dir);
    free(f->sock);
    free(f);
}

static void
test_greeting_split_into_bytes_gives_the_version(void **state)
{
    struct fake *f = fake_start();
    CLEANUP_ERROR struct st_error *err = NULL;
    struct st_qmp *qmp = st_qmp_connect(f->sock, 5000, &err);

    (void) state;
    assert_non_null(qmp);
    assert_int_equal(st_qmp_qemu_version(qmp), 70222);
    assert_string_equal(st_qmp_qemu_version_string(qmp), "7.2.22");
    st_qmp_free(qmp);
    fake_stop(f);
}

static bool
is_export_deleted(struct json_object *ev, void *opaque)
{
    return st_qmp_event_is(ev, "BLOCK_EXPORT_DELETED", opaque);
}

static void
test_events_between_replies_are_queued(void **state)
{
    struct fake *f = fake_start();
    CLEANUP_ERROR struct st_error *err = NULL;
    struct st_qmp *qmp = st_qmp_connect(f->sock, 5000, &err);
    CLEANUP_JSON struct json_object *ret = NULL;
    struct json_object *ev;
    int64_t answer;
    struct st_deadline dl = st_deadline_in_ms(1000);

    (void) state;
    assert_non_null(qmp);
    ret = st_qmp_execute(qmp, "events", NULL, &err);
    assert_non_null(ret);
    /* The stray reply with another id was skipped, not taken as ours. */
    assert_true(st_json_get_int64(ret, "answer", &answer));
    assert_int_equal(answer, 42);
    /* Taken by predicate, out of arrival order. */
    ev = st_qmp_wait_event(qmp, is_export_deleted, "e1", "export", &dl, &err);
    assert_non_null(ev);
    json_object_put(ev);
    ev = st_qmp_take_event(qmp, NULL, NULL);
    assert_non_null(ev);
    assert_true(st_qmp_event_is(ev, "JOB_STATUS_CHANGE", "j1"));
    json_object_put(ev);
    assert_null(st_qmp_take_event(qmp, NULL, NULL));
    /* Nothing more arrives: a timeout naming what was awaited. */
    dl = st_deadline_in_ms(50);
    assert_null(st_qmp_wait_event(qmp, is_export_deleted, "e2", "export e2", &dl, &err));
    assert_int_equal(err->code, ST_E_TIMEOUT);
    assert_string_equal(err->msg, "timed out waiting for export e2");
    st_qmp_free(qmp);
    fake_stop(f);
}

static void
test_reply_larger_than_one_read(void **state)
{
    struct fake *f = fake_start();
    CLEANUP_ERROR struct st_error *err = NULL;
    struct st_qmp *qmp = st_qmp_connect(f->sock, 5000, &err);
    CLEANUP_JSON struct json_object *ret = NULL;

    (void) state;
    assert_non_null(qmp);
    ret = st_qmp_execute(qmp, "big", NULL, &err);
    assert_non_null(ret);
    assert_int_equal(json_object_get_string_len(ret), 3 << 20);
    st_qmp_free(qmp);
    fake_stop(f);
}

static void
test_message_over_the_limit_is_refused(void **state)
{
    struct fake *f = fake_start();
    CLEANUP_ERROR struct st_error *err = NULL;
    struct st_qmp *qmp = st_qmp_connect(f->sock, 5000, &err);

    (void) state;
    assert_non_null(qmp);
    assert_null(st_qmp_execute(qmp, "huge", NULL, &err));
    assert_int_equal(err->code, ST_E_QMP);
    assert_int_equal(err->errnum, EMSGSIZE);
    assert_string_equal(err->msg, "huge: QMP message longer than 10485760 bytes");
    /* The framing is lost: later commands fail at once. */
    st_error_free(err);
    err = NULL;
    assert_null(st_qmp_execute(qmp, "events", NULL, &err));
    assert_int_equal(err->code, ST_E_QMP);
    st_qmp_free(qmp);
    fake_stop(f);
}

static void
test_error_reply_names_the_command(void **state)
{
    struct fake *f = fake_start();
    CLEANUP_ERROR struct st_error *err = NULL;
    struct st_qmp *qmp = st_qmp_connect(f->sock, 5000, &err);

    (void) state;
    assert_non_null(qmp);
    assert_null(st_qmp_execute(qmp, "fail", NULL, &err));
    assert_int_equal(err->code, ST_E_QMP);
    assert_string_equal(err->msg, "fail: Node 'x' is busy");
    st_error_free(err);
    err = NULL;
    assert_null(st_qmp_execute(qmp, "array", NULL, &err));
    assert_string_equal(err->msg, "array: QMP message is not a JSON object");
    st_qmp_free(qmp);
    fake_stop(f);
}

static char *
explain(void *opaque)
{
    return st_xstrdup(opaque);
}

static void
test_hangup_mid_command_is_explained(void **state)
{
    struct fake *f = fake_start();
    CLEANUP_ERROR struct st_error *err = NULL;
    struct st_qmp *qmp = st_qmp_connect(f->sock, 5000, &err);

    (void) state;
    assert_non_null(qmp);
    st_qmp_set_hangup_fn(qmp, explain, "the fake died");
    assert_null(st_qmp_execute(qmp, "hangup", NULL, &err));
    assert_int_equal(err->code, ST_E_QMP);
    assert_string_equal(err->msg, "hangup: QSD went away (the fake died)");
    assert_true(st_qmp_is_closed(qmp));
    st_qmp_free(qmp);
    fake_stop(f);
}

static void
test_no_reply_times_out_naming_the_command(void **state)
{
    struct fake *f = fake_start();
    CLEANUP_ERROR struct st_error *err = NULL;
    struct st_qmp *qmp = st_qmp_connect(f->sock, 5000, &err);

    (void) state;
    assert_non_null(qmp);
    st_qmp_set_timeout(qmp, 100);
    assert_null(st_qmp_execute(qmp, "silence", NULL, &err));
    assert_int_equal(err->code, ST_E_TIMEOUT);
    assert_string_equal(err->msg, "silence: no reply from QSD within 100 ms");
    st_qmp_free(qmp);
    fake_stop(f);
}

static void
test_connect_to_missing_socket_fails(void **state)
{
    CLEANUP_ERROR struct st_error *err = NULL;
    CLEANUP_FREE char *dir = st_test_mkdtemp();
    CLEANUP_FREE char *sock = st_path_join(dir, "none.sock");

    (void) state;
    assert_null(st_qmp_connect(sock, 1000, &err));
    assert_int_equal(err->code, ST_E_QMP);
    assert_int_equal(err->errnum, ENOENT);
    st_test_rmtree(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_greeting_split_into_bytes_gives_the_version),
        cmocka_unit_test(test_events_between_replies_are_queued),
        cmocka_unit_test(test_reply_larger_than_one_read),
        cmocka_unit_test(test_message_over_the_limit_is_refused),
        cmocka_unit_test(test_error_reply_names_the_command),
        cmocka_unit_test(test_hangup_mid_command_is_explained),
        cmocka_unit_test(test_no_reply_times_out_naming_the_command),
        cmocka_unit_test(test_connect_to_missing_socket_fails),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests_name("qmp/wire", tests, NULL, NULL);
}
