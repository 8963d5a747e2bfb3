/* tests/unit/test-nbd-digest.c: SHA-256 against the FIPS 180-2 vectors,
 * and the "sha256-64k" definition of nbd/digest.h on memory buffers. */
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
test_digest_of_empty_export_hashes_only_the_size(void **state)
{
    uint8_t d[ST_SHA256_LEN];
    char hex[2 * ST_SHA256_LEN + 1];

    (void) state;
    st_nbd_digest_buffer("", 0, d);
    st_hex(d, sizeof d, hex);
    /* SHA-256 of eight zero bytes (be64(0)). */
    assert_string_equal(hex, "af5570f5a1810b7af78caf4bc70a660f0df51e42baf91d4de5b2328de0e83dfc");
}

static void
test_digest_of_short_last_block_follows_definition(void **state)
{
    /* Two full zero blocks and a 100-byte tail: value computed
     * independently (python3 hashlib) from the definition in digest.h. */
    uint64_t size = 2 * ST_NBD_BLOCK_SIZE + 100;
    CLEANUP_FREE uint8_t *buf = st_xcalloc(1, size);
    uint8_t d[ST_SHA256_LEN];
    char hex[2 * ST_SHA256_LEN + 1];

    (void) state;
    st_nbd_digest_buffer(buf, size, d);
    st_hex(d, sizeof d, hex);
    assert_string_equal(hex, "aa8a33d26ba1dca75da4a015732e9457b0965554ca6ac3895e876dbbe583a91c");
}

static void
test_digest_changes_with_one_byte_and_with_size(void **state)
{
    uint64_t size = 3 * ST_NBD_BLOCK_SIZE;
    CLEANUP_FREE uint8_t *buf = st_xcalloc(1, size + 1);
    uint8_t a[ST_SHA256_LEN], b[ST_SHA256_LEN], c[ST_SHA256_LEN];

    (void) state;
    st_nbd_digest_buffer(buf, size, a);
    buf[size - 1] = 1;
    st_nbd_digest_buffer(buf, size, b);
    buf[size - 1] = 0;
    st_nbd_digest_buffer(buf, size + 1, c);
    assert_memory_not_equal(a, b, sizeof a);
    assert_memory_not_equal(a, c, sizeof a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_matches_known_vectors),
        cmocka_unit_test(test_sha256_incremental_equals_oneshot),
        cmocka_unit_test(test_digest_of_empty_export_hashes_only_the_size),
        cmocka_unit_test(test_digest_of_short_last_block_follows_definition),
        cmocka_unit_test(test_digest_changes_with_one_byte_and_with_size),
    };
    return cmocka_run_group_tests_name("nbd/digest", tests, NULL, NULL);
}
