/* tests/unit/test-common-errname.c: st_errno_name() gives glibc's
 * strerrorname_np() name for every errno value glibc knows, and NULL
 * for 0 and negative numbers (glibc says "0" for 0). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "common/errname.h"

static void
test_names_match_glibc(void **state)
{
    int known = 0;

    (void) state;
    for (int e = 1; e < 4096; e++) {
        const char *want = strerrorname_np(e);
        const char *got = st_errno_name(e);

        if (!want) {
            if (got)
                fail_msg("errno %d: glibc has no name, strata says '%s'", e, got);
            continue;
        }
        known++;
        if (!got || strcmp(got, want) != 0)
            fail_msg("errno %d: glibc says '%s', strata '%s'", e, want, got ? got : "(null)");
    }
    /* Linux has some 130; fewer means the loop tested nothing. */
    assert_true(known > 120);
}

static void
test_zero_and_out_of_range(void **state)
{
    (void) state;
    assert_null(st_errno_name(0));
    assert_null(st_errno_name(-1));
    assert_null(st_errno_name(100000));
    assert_string_equal(st_errno_name(ENOENT), "ENOENT");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_match_glibc),
        cmocka_unit_test(test_zero_and_out_of_range),
    };
    return cmocka_run_group_tests_name("common/errname", tests, NULL, NULL);
}
