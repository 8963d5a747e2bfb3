/* tests/unit/test-common-misc.c: the small helpers: json getters,
 * string vectors, overflow checks, cleanup and steal. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/overflow.h"
#include "common/strv.h"
#include "common/xalloc.h"

static void
test_json_getters_check_types(void **state)
{
    CLEANUP_JSON struct json_object *o = NULL;
    CLEANUP_ERROR struct st_error *err = NULL;
    int64_t n = 0;
    bool b = false;

    (void) state;
    o = st_json_parse("{\"a\": \"x\", \"n\": 5, \"b\": true, \"o\": {}, \"l\": []}", "test", &err);
    assert_non_null(o);
    assert_string_equal(st_json_get_string(o, "a"), "x");
    assert_null(st_json_get_string(o, "n"));
    assert_true(st_json_get_int64(o, "n", &n));
    assert_int_equal(n, 5);
    assert_false(st_json_get_int64(o, "a", &n));
    assert_true(st_json_get_bool(o, "b", &b));
    assert_true(b);
    assert_non_null(st_json_get_object(o, "o"));
    assert_non_null(st_json_get_array(o, "l"));
    assert_null(st_json_get_array(o, "o"));
    assert_null(st_json_get(o, "missing"));
}

static void
test_json_parse_errors_name_the_source(void **state)
{
    CLEANUP_ERROR struct st_error *err = NULL;

    (void) state;
    assert_null(st_json_parse("{\"a\": ", "greeting", &err));
    assert_non_null(strstr(err->msg, "greeting"));
}

static void
test_strv_grows_and_frees(void **state)
{
    CLEANUP_STRV char **v = NULL;

    (void) state;
    assert_int_equal(st_strv_len(v), 0);
    st_strv_add(&v, "a");
    st_strv_add_owned(&v, st_xstrdup("b"));
    assert_int_equal(st_strv_len(v), 2);
    assert_true(st_strv_contains(v, "b"));
    assert_false(st_strv_contains(v, "c"));
    assert_null(v[2]);
}

static void
test_overflow_checks_catch_wraps(void **state)
{
    uint64_t r;
    uint32_t s;

    (void) state;
    assert_true(st_add_overflow(UINT64_MAX, (uint64_t) 1, &r));
    assert_false(st_add_overflow((uint64_t) 1, (uint64_t) 2, &r));
    assert_int_equal(r, 3);
    assert_true(st_mul_overflow((uint32_t) 0x10000, (uint32_t) 0x10000, &s));
    assert_false(st_mul_overflow((uint64_t) 0x10000, (uint64_t) 0x10000, &r));
}

static char *
make_owned(void)
{
    CLEANUP_FREE char *p = st_xstrdup("kept");

    return ST_STEAL(&p);
}

static void
test_steal_hands_ownership_out(void **state)
{
    CLEANUP_FREE char *p = make_owned();

    (void) state;
    assert_string_equal(p, "kept");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_getters_check_types),
        cmocka_unit_test(test_json_parse_errors_name_the_source),
        cmocka_unit_test(test_strv_grows_and_frees),
        cmocka_unit_test(test_overflow_checks_catch_wraps),
        cmocka_unit_test(test_steal_hands_ownership_out),
    };
    return cmocka_run_group_tests_name("common/misc", tests, NULL, NULL);
}
