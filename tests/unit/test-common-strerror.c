/* tests/unit/test-common-strerror.c: the front end's st_strerror() (a
 * table cli/gen-strerror.c makes from glibc; this test links that table,
 * not common/strerror.c) says what glibc's strerror() says, for every
 * errno value and for numbers that have no message. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "common/errname.h"

static void
test_table_says_what_glibc_says(void **state)
{
    (void) state;
    for (int e = -2; e <= 5000; e++) {
        char want[128];

        /* Copied: strerror() may reuse its buffer for unknown numbers. */
        strncpy(want, strerror(e), sizeof want - 1);
        want[sizeof want - 1] = '\0';
        if (strcmp(st_strerror(e), want) != 0)
            fail_msg("errno %d: glibc says '%s', the table '%s'", e, want, st_strerror(e));
    }
    assert_string_equal(st_strerror(EIO), "Input/output error");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_says_what_glibc_says),
    };
    return cmocka_run_group_tests_name("common/strerror", tests, NULL, NULL);
}
