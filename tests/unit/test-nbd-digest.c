/* tests/unit/test-nbd-digest.c: SHA-256 against the FIPS 180-2 vectors,
 * XXH3-128 against values printed by 'xxhsum -H2' (xxhash 0.8.1), the
 * "xxh128-64k" and "sha256-64k" definitions of nbd/digest.h on memory
 * buffers (values from the shell references in digest.h), and the
 * parsing of user-given digests. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/xalloc.h"
#include "nbd/digest.h"
#include "nbd/sha256.h"
#include "nbd/xxh128.h"

static void
check_sha(const void *buf, size_t len, const char *want)
{
    CLEANUP_SHA256 struct st_sha256 *s = st_sha256_new();
    uint8_t d[ST_SHA256_LEN];
    char hex[2 * ST_SHA256_LEN + 1];

    st_sha256_oneshot(s, buf, len, d);
    st_hex(d, sizeof d, hex);
    assert_string_equal(hex, want);
}

static void
test_sha256_matches_known_vectors(void **state)
{
    CLEANUP_FREE char *million = st_xmalloc(1000000);

    (void) state;
    check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    check_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    memset(million, 'a', 1000000);
    check_sha(million, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void
test_sha256_incremental_equals_oneshot(void **state)
{
    CLEANUP_SHA256 struct st_sha256 *s = st_sha256_new();
    uint8_t a[ST_SHA256_LEN], b[ST_SHA256_LEN];

    (void) state;
    st_sha256_oneshot(s, "hello world", 11, a);
    st_sha256_init(s);
    st_sha256_update(s, "hello", 5);
    st_sha256_update(s, " world", 6);
    st_sha256_final(s, b);
    assert_memory_equal(a, b, sizeof a);
}

static void
check_xxh(const void *buf, size_t len, const char *want)
{
    CLEANUP_XXH128 struct st_xxh128 *s = st_xxh128_new();
    uint8_t d[ST_XXH128_LEN], e[ST_XXH128_LEN];
    char hex[2 * ST_XXH128_LEN + 1];

    st_xxh128_oneshot(buf, len, d);
    st_hex(d, sizeof d, hex);
    assert_string_equal(hex, want);
    /* The incremental state agrees, fed in two pieces. */
    st_xxh128_init(s);
    st_xxh128_update(s, buf, len / 3);
    st_xxh128_update(s, (const char *) buf + len / 3, len - len / 3);
    st_xxh128_final(s, e);
    assert_memory_equal(d, e, sizeof d);
}

static void
test_xxh128_matches_xxhsum(void **state)
{
    CLEANUP_FREE char *million = st_xmalloc(1000000);

    (void) state;
    /* printf '' | xxhsum -H2, printf abc | ..., 1000000 times 'a'. */
    check_xxh("", 0, "99aa06d3014798d86001c324468d497f");
    check_xxh("abc", 3, "06b05ab6733a618578af5f94892f3950");
    memset(million, 'a', 1000000);
    check_xxh(million, 1000000, "a545df8e384a9579b1fd6fae5285c4eb");
}

static void
check_digest(enum st_nbd_digest_alg alg, const void *buf, uint64_t size, const char *want)
{
    uint8_t d[ST_NBD_DIGEST_MAX_LEN];
    char hex[2 * ST_NBD_DIGEST_MAX_LEN + 1];

    st_nbd_digest_buffer(alg, buf, size, d);
    st_hex(d, st_nbd_digest_alg_len(alg), hex);
    assert_string_equal(hex, want);
}

static void
test_digest_of_empty_export_hashes_only_the_size(void **state)
{
    (void) state;
    /* The hash of eight zero bytes (be64(0)). */
    check_digest(ST_NBD_DIGEST_SHA256_64K, "", 0,
                 "af5570f5a1810b7af78caf4bc70a660f0df51e42baf91d4de5b2328de0e83dfc");
    check_digest(ST_NBD_DIGEST_XXH128_64K, "", 0, "2c0a8a99dc147d5445c3b49d035665b2");
}

static void
test_digest_of_short_last_block_follows_definition(void **state)
{
    /* Two full zero blocks and a 100-byte tail: values computed
     * independently (python3 hashlib; the xxhsum reference of digest.h)
     * from the definition. */
    uint64_t size = 2 * ST_NBD_BLOCK_SIZE + 100;
    CLEANUP_FREE uint8_t *buf = st_xcalloc(1, size);

    (void) state;
    check_digest(ST_NBD_DIGEST_SHA256_64K, buf, size,
                 "aa8a33d26ba1dca75da4a015732e9457b0965554ca6ac3895e876dbbe583a91c");
    check_digest(ST_NBD_DIGEST_XXH128_64K, buf, size, "e60f4c78f1937eae2817ddc630d719be");
}

static void
test_digest_of_patterned_buffer_follows_definition(void **state)
{
    /* Byte i = (7i + i / 65536) mod 251, 3 blocks and 12345 bytes: each
     * block differs, so block order and the leaf encoding matter.
     * Values from the shell references in digest.h (xxhsum -H2,
     * sha256sum) over the same bytes written to a file. */
    uint64_t size = 3 * ST_NBD_BLOCK_SIZE + 12345;
    CLEANUP_FREE uint8_t *buf = st_xmalloc(size);

    (void) state;
    for (uint64_t i = 0; i < size; i++)
        buf[i] = (uint8_t) ((i * 7 + i / 65536) % 251);
    check_digest(ST_NBD_DIGEST_SHA256_64K, buf, size,
                 "81b0cb7267848e4e867d7cc81f451f733f8bfeb0338c45ec93105612388a2a8e");
    check_digest(ST_NBD_DIGEST_XXH128_64K, buf, size, "2d75903d4913880dca3fe3628fa7dda7");
}

static void
test_digest_changes_with_one_byte_and_with_size(void **state)
{
    uint64_t size = 3 * ST_NBD_BLOCK_SIZE;
    CLEANUP_FREE uint8_t *buf = st_xcalloc(1, size + 1);

    (void) state;
    for (int alg = 0; alg < ST_NBD_DIGEST__LAST; alg++) {
        uint8_t a[ST_NBD_DIGEST_MAX_LEN], b[ST_NBD_DIGEST_MAX_LEN], c[ST_NBD_DIGEST_MAX_LEN];
        size_t len = st_nbd_digest_alg_len((enum st_nbd_digest_alg) alg);

        st_nbd_digest_buffer((enum st_nbd_digest_alg) alg, buf, size, a);
        buf[size - 1] = 1;
        st_nbd_digest_buffer((enum st_nbd_digest_alg) alg, buf, size, b);
        buf[size - 1] = 0;
        st_nbd_digest_buffer((enum st_nbd_digest_alg) alg, buf, size + 1, c);
        assert_memory_not_equal(a, b, len);
        assert_memory_not_equal(a, c, len);
    }
}

static void
test_algorithm_names(void **state)
{
    enum st_nbd_digest_alg alg = ST_NBD_DIGEST__LAST;

    (void) state;
    assert_int_equal(ST_NBD_DIGEST_DEFAULT, ST_NBD_DIGEST_XXH128_64K);
    assert_string_equal(st_nbd_digest_alg_name(ST_NBD_DIGEST_XXH128_64K), "xxh128-64k");
    assert_string_equal(st_nbd_digest_alg_name(ST_NBD_DIGEST_SHA256_64K), "sha256-64k");
    assert_true(st_nbd_digest_alg_from_name("sha256-64k", &alg));
    assert_int_equal(alg, ST_NBD_DIGEST_SHA256_64K);
    assert_true(st_nbd_digest_alg_from_name("xxh128-64k", &alg));
    assert_int_equal(alg, ST_NBD_DIGEST_XXH128_64K);
    assert_false(st_nbd_digest_alg_from_name("sha256", &alg));
    assert_false(st_nbd_digest_alg_from_name("", &alg));
}

/* parse TEXT with @alg given: true and the result, or false and the
 * error message. */
static void
parse_ok(const char *text, enum st_nbd_digest_alg in, enum st_nbd_digest_alg want,
         const char *want_hex)
{
    CLEANUP_ERROR struct st_error *err = NULL;
    char hex[2 * ST_NBD_DIGEST_MAX_LEN + 1];
    enum st_nbd_digest_alg alg = in;

    assert_true(st_nbd_digest_parse(text, &alg, hex, &err));
    assert_null(err);
    assert_int_equal(alg, want);
    assert_string_equal(hex, want_hex);
}

static void
parse_bad(const char *text, enum st_nbd_digest_alg in, const char *want_msg)
{
    CLEANUP_ERROR struct st_error *err = NULL;
    char hex[2 * ST_NBD_DIGEST_MAX_LEN + 1];
    enum st_nbd_digest_alg alg = in;

    assert_false(st_nbd_digest_parse(text, &alg, hex, &err));
    assert_non_null(err);
    assert_int_equal(err->code, ST_E_USAGE);
    if (!strstr(err->msg, want_msg))
        fail_msg("'%s': message '%s' lacks '%s'", text, err->msg, want_msg);
    assert_int_equal(alg, in);
}

static void
test_parse_digest(void **state)
{
    const char *x = "2C0A8A99DC147D5445C3B49D035665B2";
    const char *xl = "2c0a8a99dc147d5445c3b49d035665b2";
    const char *s = "af5570f5a1810b7af78caf4bc70a660f0df51e42baf91d4de5b2328de0e83dfc";
    CLEANUP_FREE char *xp = st_xasprintf("xxh128-64k:%s", x);
    CLEANUP_FREE char *sp = st_xasprintf("sha256-64k:%s", s);
    const enum st_nbd_digest_alg any = ST_NBD_DIGEST__LAST;
    const enum st_nbd_digest_alg xxh = ST_NBD_DIGEST_XXH128_64K;
    const enum st_nbd_digest_alg sha = ST_NBD_DIGEST_SHA256_64K;

    (void) state;
    /* The length picks the algorithm; the prefix names it; case folds. */
    parse_ok(x, any, xxh, xl);
    parse_ok(s, any, sha, s);
    parse_ok(xp, any, xxh, xl);
    parse_ok(sp, any, sha, s);
    parse_ok(xp, xxh, xxh, xl);
    parse_ok(s, sha, sha, s);
    /* Wrong length for the algorithm asked, or for any. */
    parse_bad(s, xxh, "is not 32 hex digits (xxh128-64k)");
    parse_bad(x, sha, "is not 64 hex digits (sha256-64k)");
    parse_bad("abc", any, "has 3 hex digits: xxh128-64k has 32, sha256-64k 64");
    parse_bad("", any, "has 0 hex digits");
    parse_bad("xxh128-64k:abc", any, "is not 32 hex digits");
    parse_bad("xxh128-64k:", any, "is not 32 hex digits");
    /* A prefix that contradicts --digest, an unknown one, a non-hex digit. */
    parse_bad(sp, xxh, "is sha256-64k, not xxh128-64k");
    parse_bad("md5:d41d8cd98f00b204e9800998ecf8427e", any, "unknown digest algorithm 'md5'");
    parse_bad("2c0a8a99dc147d5445c3b49d035665bg", any, "is not 32 hex digits");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_matches_known_vectors),
        cmocka_unit_test(test_sha256_incremental_equals_oneshot),
        cmocka_unit_test(test_xxh128_matches_xxhsum),
        cmocka_unit_test(test_digest_of_empty_export_hashes_only_the_size),
        cmocka_unit_test(test_digest_of_short_last_block_follows_definition),
        cmocka_unit_test(test_digest_of_patterned_buffer_follows_definition),
        cmocka_unit_test(test_digest_changes_with_one_byte_and_with_size),
        cmocka_unit_test(test_algorithm_names),
        cmocka_unit_test(test_parse_digest),
    };
    return cmocka_run_group_tests_name("nbd/digest", tests, NULL, NULL);
}
