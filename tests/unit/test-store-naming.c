/* tests/unit/test-store-naming.c: default overlay names, revert names
 * that never collide, and --diskspec parsing with its comma escape. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/strv.h"
#include "ops/diskspec.h"
#include "store/naming.h"

static void
test_default_name_replaces_the_extension(void **state)
{
    static const struct { const char *active, *snap, *want; } cases[] = {
        { "/img/vda.qcow2", "s1", "/img/vda.s1" },
        { "/img/vda.s1", "s2", "/img/vda.s2" },
        { "/img/vda", "s1", "/img/vda.s1" },
        { "/img.d/vda", "s1", "/img.d/vda.s1" },
        { "/img/.hidden", "s1", "/img/.hidden.s1" },
        { "/img/a.b.c", "nightly 1", "/img/a.b.nightly 1" },
        { "/img/vda.", "s1", "/img/vda.s1" },
    };

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CLEANUP_FREE char *got = st_naming_overlay_default(cases[i].active, cases[i].snap);

        assert_string_equal(got, cases[i].want);
    }
}

static bool
in_list(const char *path, void *opaque)
{
    return st_strv_contains(opaque, path);
}

static void
test_revert_name_skips_taken_names(void **state)
{
    CLEANUP_STRV char **taken = NULL;
    CLEANUP_FREE char *first = NULL;
    CLEANUP_FREE char *third = NULL;

    (void) state;
    first = st_naming_revert_overlay("/img/vda.qcow2", "s1", in_list, taken);
    assert_string_equal(first, "/img/vda.s1-1");
    st_strv_add(&taken, "/img/vda.s1-1");
    st_strv_add(&taken, "/img/vda.s1-2");
    third = st_naming_revert_overlay("/img/vda.qcow2", "s1", in_list, taken);
    assert_string_equal(third, "/img/vda.s1-3");
}

static void
test_diskspec_full_form(void **state)
{
    struct st_diskspec s;

    (void) state;
    assert_true(st_diskspec_parse("vda,snapshot=external,driver=qcow2,file=/img/a,,b.qcow2", &s,
                                  NULL));
    assert_string_equal(s.dev, "vda");
    assert_string_equal(s.snapshot, "external");
    assert_string_equal(s.driver, "qcow2");
    assert_string_equal(s.file, "/img/a,b.qcow2");
    st_diskspec_clear(&s);
    assert_true(st_diskspec_parse("vdb,snapshot=no", &s, NULL));
    assert_string_equal(s.snapshot, "no");
    assert_null(s.file);
    st_diskspec_clear(&s);
    assert_true(st_diskspec_parse("vdc", &s, NULL));
    assert_null(s.snapshot);
    st_diskspec_clear(&s);
}

static void
bad_diskspec(const char *arg, const char *why)
{
    CLEANUP_ERROR struct st_error *err = NULL;
    struct st_diskspec s;

    if (st_diskspec_parse(arg, &s, &err))
        fail_msg("diskspec '%s' was accepted", arg);
    assert_int_equal(err->code, ST_E_USAGE);
    if (!strstr(err->msg, why))
        fail_msg("message '%s' does not say '%s'", err->msg, why);
    assert_null(s.dev);
}

static void
test_diskspec_errors(void **state)
{
    (void) state;
    bad_diskspec("", "does not start with a disk name");
    bad_diskspec(",file=x", "does not start with a disk name");
    bad_diskspec("vda,file", "is not KEY=VALUE");
    bad_diskspec("vda,color=red", "unknown key 'color'");
    bad_diskspec("vda,file=a,file=b", "gives 'file' twice");
    bad_diskspec("vda,file=", "empty 'file'");
    bad_diskspec("vda,snapshot=internal", "snapshot='internal' is not supported");
    bad_diskspec("vda,driver=raw", "driver='raw' is not supported");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_name_replaces_the_extension),
        cmocka_unit_test(test_revert_name_skips_taken_names),
        cmocka_unit_test(test_diskspec_full_form),
        cmocka_unit_test(test_diskspec_errors),
    };
    return cmocka_run_group_tests_name("store/naming", tests, NULL, NULL);
}
