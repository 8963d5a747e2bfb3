/* tests/unit/test-live-nbdaddr.c: --nbd parsing and NBD URIs
 * (live/nbdaddr.c). */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/error.h"
#include "live/nbdaddr.h"

static void
test_unix_address_round_trips_and_gives_a_unix_uri(void **state)
{
    struct st_nbd_addr a;
    CLEANUP_ERROR struct st_error *err = NULL;
    char *s;

    (void) state;
    assert_true(st_nbd_addr_parse("unix:/run/strata/web/nbd.sock", &a, &err));
    assert_false(a.tcp);
    assert_string_equal(a.path, "/run/strata/web/nbd.sock");
    s = st_nbd_addr_format(&a);
    assert_string_equal(s, "unix:/run/strata/web/nbd.sock");
    free(s);
    s = st_nbd_addr_uri(&a, "vda");
    assert_string_equal(s, "nbd+unix:///vda?socket=/run/strata/web/nbd.sock");
    free(s);
    st_nbd_addr_clear(&a);
}

static void
test_relative_unix_path_is_made_absolute(void **state)
{
    struct st_nbd_addr a;
    CLEANUP_ERROR struct st_error *err = NULL;
    char cwd[4096];

    (void) state;
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_true(st_nbd_addr_parse("unix:x.sock", &a, &err));
    assert_int_equal(a.path[0], '/');
    assert_non_null(strstr(a.path, "x.sock"));
    st_nbd_addr_clear(&a);
}

static void
test_tcp_addresses_with_ipv4_ipv6_and_names(void **state)
{
    struct st_nbd_addr a, b;
    CLEANUP_ERROR struct st_error *err = NULL;
    char *s;

    (void) state;
    assert_true(st_nbd_addr_parse("tcp:127.0.0.1:10809", &a, &err));
    assert_true(a.tcp);
    assert_string_equal(a.host, "127.0.0.1");
    assert_string_equal(a.port, "10809");
    s = st_nbd_addr_uri(&a, "vda@s1");
    assert_string_equal(s, "nbd://127.0.0.1:10809/vda@s1");
    free(s);
    assert_true(st_nbd_addr_parse("tcp:[::1]:10809", &b, &err));
    assert_string_equal(b.host, "::1");
    s = st_nbd_addr_format(&b);
    assert_string_equal(s, "tcp:[::1]:10809");
    free(s);
    s = st_nbd_addr_uri(&b, "vda");
    assert_string_equal(s, "nbd://[::1]:10809/vda");
    free(s);
    assert_false(st_nbd_addr_equal(&a, &b));
    st_nbd_addr_copy(&b, &a);
    assert_true(st_nbd_addr_equal(&a, &b));
    st_nbd_addr_clear(&a);
    st_nbd_addr_clear(&b);
}

static void
test_reserved_characters_in_names_are_percent_encoded(void **state)
{
    struct st_nbd_addr a = { 0 };
    char *s;

    (void) state;
    st_nbd_addr_set_unix(&a, "/r/a b/nbd.sock");
    s = st_nbd_addr_uri(&a, "vda@snap ?#&%");
    assert_string_equal(s, "nbd+unix:///vda@snap%20%3F%23%26%25?socket=/r/a%20b/nbd.sock");
    free(s);
    st_nbd_addr_clear(&a);
}

static void
check_refused(const char *spec, const char *needle)
{
    struct st_nbd_addr a;
    CLEANUP_ERROR struct st_error *err = NULL;

    assert_false(st_nbd_addr_parse(spec, &a, &err));
    assert_non_null(err);
    assert_int_equal(err->code, ST_E_USAGE);
    if (!strstr(err->msg, needle))
        fail_msg("'%s': message '%s' lacks '%s'", spec, err->msg, needle);
    assert_null(a.path);
    assert_null(a.host);
}

static void
test_bad_addresses_are_refused_with_what_is_wrong(void **state)
{
    (void) state;
    check_refused("unix:", "empty path");
    check_refused("tcp:127.0.0.1", "no port");
    check_refused("tcp:127.0.0.1:0", "not a number 1..65535");
    check_refused("tcp:127.0.0.1:65536", "not a number 1..65535");
    check_refused("tcp:127.0.0.1:80x", "not a number 1..65535");
    check_refused("tcp::10809", "empty host");
    check_refused("tcp:::1:10809", "in brackets");
    check_refused("tcp:[::1:10809", "missing ']:'");
    check_refused("vsock:3:10809", "expected unix:PATH or tcp:HOST:PORT");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unix_address_round_trips_and_gives_a_unix_uri),
        cmocka_unit_test(test_relative_unix_path_is_made_absolute),
        cmocka_unit_test(test_tcp_addresses_with_ipv4_ipv6_and_names),
        cmocka_unit_test(test_reserved_characters_in_names_are_percent_encoded),
        cmocka_unit_test(test_bad_addresses_are_refused_with_what_is_wrong),
    };
    return cmocka_run_group_tests_name("live/nbdaddr", tests, NULL, NULL);
}
