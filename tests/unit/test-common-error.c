/* tests/unit/test-common-error.c: the error type: set once, amend,
 * propagate, code names. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "common/error.h"

static void
test_set_fills_code_message_and_errno(void **state)
{
    CLEANUP_ERROR struct st_error *err = NULL;

    (void) state;
    st_error_set_errno(&err, ENOENT, ST_E_CHAIN, "backing file '%s' does not exist", "/x");
    assert_non_null(err);
    assert_int_equal(err->code, ST_E_CHAIN);
    assert_int_equal(err->errnum, ENOENT);
    assert_string_equal(err->msg, "backing file '/x' does not exist");
    assert_null(err->path);
    assert_null(err->hint);
}

static void
test_amending_adds_path_hint_and_context(void **state)
{
    CLEANUP_ERROR struct st_error *err = NULL;

    (void) state;
    st_error_set(&err, ST_E_QCOW2, "bad magic");
    st_error_set_path(&err, "/img/a.qcow2");
    st_error_hint(&err, "is '%s' really qcow2?", "a.qcow2");
    st_error_prepend(&err, "disk '%s': ", "vda");
    assert_string_equal(err->msg, "disk 'vda': bad magic");
    assert_string_equal(err->path, "/img/a.qcow2");
    assert_string_equal(err->hint, "is 'a.qcow2' really qcow2?");
}

static void
test_null_errp_is_ignored(void **state)
{
    (void) state;
    st_error_set(NULL, ST_E_IO, "nobody listens");
    st_error_prepend(NULL, "x");
    st_error_hint(NULL, "y");
    st_error_set_path(NULL, "z");
}

static void
test_propagate_keeps_the_first_error(void **state)
{
    CLEANUP_ERROR struct st_error *dst = NULL;
    struct st_error *a = NULL, *b = NULL;

    (void) state;
    st_error_set(&a, ST_E_IO, "first");
    st_error_set(&b, ST_E_QMP, "second");
    st_error_propagate(&dst, a);
    st_error_propagate(&dst, b);
    assert_string_equal(dst->msg, "first");
    st_error_propagate(NULL, NULL);
}

static void
test_every_code_has_a_stable_name(void **state)
{
    (void) state;
    assert_string_equal(st_errcode_name(ST_E_NOT_FOUND), "not-found");
    assert_string_equal(st_errcode_name(ST_E_USAGE), "usage");
    assert_string_equal(st_errcode_name(ST_E_TIMEOUT), "timeout");
    for (int c = ST_E_INTERNAL; c < ST_E__LAST; c++)
        assert_string_not_equal(st_errcode_name((enum st_errcode) c), "unknown");
    assert_string_equal(st_errcode_name(ST_E__LAST), "unknown");
}

static void
test_setting_twice_aborts(void **state)
{
    (void) state;
    /* An error set twice is a bug; the second set aborts.  cmocka
     * cannot catch abort() portably, so check the precondition only. */
    struct st_error *err = NULL;

    st_error_set(&err, ST_E_IO, "once");
    assert_non_null(err);
    st_error_free(err);
    st_error_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_fills_code_message_and_errno),
        cmocka_unit_test(test_amending_adds_path_hint_and_context),
        cmocka_unit_test(test_null_errp_is_ignored),
        cmocka_unit_test(test_propagate_keeps_the_first_error),
        cmocka_unit_test(test_every_code_has_a_stable_name),
        cmocka_unit_test(test_setting_twice_aborts),
    };
    return cmocka_run_group_tests_name("common/error", tests, NULL, NULL);
}
