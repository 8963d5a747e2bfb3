/* tests/unit/test-common-name.c: hostile names are refused with a
 * message that says why; ordinary ones pass. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/name.h"
#include "common/xalloc.h"

static void
refused(const char *name, const char *why)
{
    CLEANUP_ERROR struct st_error *err = NULL;

    if (st_name_check("snapshot", name, &err))
        fail_msg("name '%s' was accepted", name ? name : "(null)");
    assert_int_equal(err->code, ST_E_NAME);
    if (!strstr(err->msg, why))
        fail_msg("message '%s' does not say '%s'", err->msg, why);
}

static void
test_ordinary_names_pass(void **state)
{
    static const char *const good[] = {
        "s1", "before-upgrade", "2026-11-23 nightly", "a.b", "...", "x-", "名前", "snap_1+2",
    };

    (void) state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(st_name_check("snapshot", good[i], NULL));
}

static void
test_path_tricks_are_refused(void **state)
{
    (void) state;
    refused("..", "reserved");
    refused(".", "reserved");
    refused("a/b", "contains '/'");
    refused("../x", "contains '/'");
    refused("/etc/passwd", "contains '/'");
}

static void
test_empty_and_null_are_refused(void **state)
{
    (void) state;
    refused("", "empty");
    refused(NULL, "empty");
}

static void
test_long_names_are_refused(void **state)
{
    CLEANUP_FREE char *big = st_xmalloc(10 * 1024 + 1);
    CLEANUP_FREE char *max = st_xmalloc(ST_NAME_MAX + 1);

    (void) state;
    memset(big, 'a', 10 * 1024);
    big[10 * 1024] = '\0';
    refused(big, "longer than 255 bytes");
    memset(max, 'b', ST_NAME_MAX);
    max[ST_NAME_MAX] = '\0';
    assert_true(st_name_check("snapshot", max, NULL));
}

static void
test_control_characters_are_refused(void **state)
{
    (void) state;
    refused("a\nb", "control character");
    refused("tab\there", "control character");
    refused("esc\x1b[31m", "control character");
    refused("del\x7f", "control character");
    refused("c1\xc2\x85", "not printable UTF-8");
    refused("bad\xff", "not printable UTF-8");
    refused("overlong\xc0\xaf", "not printable UTF-8");
    refused("truncated\xe2\x82", "not printable UTF-8");
}

static void
test_leading_dash_is_refused(void **state)
{
    (void) state;
    refused("-rf", "starts with '-'");
    refused("--help", "starts with '-'");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ordinary_names_pass),
        cmocka_unit_test(test_path_tricks_are_refused),
        cmocka_unit_test(test_empty_and_null_are_refused),
        cmocka_unit_test(test_long_names_are_refused),
        cmocka_unit_test(test_control_characters_are_refused),
        cmocka_unit_test(test_leading_dash_is_refused),
    };
    return cmocka_run_group_tests_name("common/name", tests, NULL, NULL);
}
