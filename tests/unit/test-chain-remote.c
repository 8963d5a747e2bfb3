/* tests/unit/test-chain-remote.c: which backing strings name an NBD
 * base (chain/remote.c, st_remote_parse_uri). */
#include "config.h"
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "chain/remote.h"

static void
check(const char *uri, const char *name, const char *sock)
{
    char *n, *s;

    if (!name) {
        assert_false(st_remote_parse_uri(uri, &n, &s));
        assert_null(n);
        assert_null(s);
        return;
    }
    assert_true(st_remote_parse_uri(uri, &n, &s));
    assert_string_equal(n, name);
    assert_string_equal(s, sock);
    free(n);
    free(s);
}

static void
test_unix_uris_give_export_name_and_socket(void **state)
{
    (void) state;
    check("nbd+unix:///?socket=/run/kit.sock", "", "/run/kit.sock");
    check("nbd+unix:///base?socket=/run/kit.sock", "base", "/run/kit.sock");
    check("nbd+unix:///a%20b%40c?socket=/r/x%20y.sock", "a b@c", "/r/x y.sock");
}

static void
test_other_strings_are_not_remote_bases(void **state)
{
    (void) state;
    check("/img/base.qcow2", NULL, NULL);
    check("nbd://host:10809/base", NULL, NULL);
    check("nbd+unix:///base", NULL, NULL);
    check("nbd+unix:///base?socket=", NULL, NULL);
    check("nbd+unix:///base?socket=rel.sock", NULL, NULL);
    check("nbd+unix:///base?socket=/s&tls=on", NULL, NULL);
    check("nbd+unix:///a%2?socket=/s", NULL, NULL);
    check("nbd+unix:///a%00?socket=/s", NULL, NULL);
    check("json:{\"driver\":\"nbd\"}", NULL, NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unix_uris_give_export_name_and_socket),
        cmocka_unit_test(test_other_strings_are_not_remote_bases),
    };
    return cmocka_run_group_tests_name("chain/remote", tests, NULL, NULL);
}
