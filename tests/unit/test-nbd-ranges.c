/* tests/unit/test-nbd-ranges.c: the pure parts of nbd/: range lists
 * (sort, align, merge, clip), extent lists (merging neighbours) and
 * the zero-block map that lets digest and diff skip reads. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "nbd/extents.h"
#include "nbd/ranges.h"

#define K UINT64_C(1024)

static void
test_ranges_are_aligned_sorted_and_merged(void **state)
{
    struct st_nbd_ranges r = { 0 };

    (void) state;
    st_nbd_ranges_add(&r, 200 * K, 1);          /* -> [192K, 256K) */
    st_nbd_ranges_add(&r, 0, 10);               /* -> [0, 64K) */
    st_nbd_ranges_add(&r, 64 * K, 64 * K);      /* touches [0, 64K) */
    st_nbd_ranges_add(&r, 250 * K, 20 * K);     /* overlaps after alignment */
    st_nbd_ranges_add(&r, 5, 0);                /* empty: ignored */
    st_nbd_ranges_normalize(&r, 64 * K, 1024 * K);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.v[0].offset, 0);
    assert_int_equal(r.v[0].length, 128 * K);
    assert_int_equal(r.v[1].offset, 192 * K);
    assert_int_equal(r.v[1].length, 128 * K);
    assert_int_equal(st_nbd_ranges_bytes(&r), 256 * K);
    st_nbd_ranges_clear(&r);
}

static void
test_ranges_are_clipped_to_the_export_size(void **state)
{
    struct st_nbd_ranges r = { 0 };

    (void) state;
    /* An export of 100K: the last block is short and stays short. */
    st_nbd_ranges_add(&r, 90 * K, 1);
    st_nbd_ranges_add(&r, 200 * K, 5);          /* wholly past the end */
    st_nbd_ranges_normalize(&r, 64 * K, 100 * K);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.v[0].offset, 64 * K);
    assert_int_equal(r.v[0].length, 36 * K);
    st_nbd_ranges_clear(&r);
}

static void
test_ranges_near_the_top_of_the_offset_space_do_not_overflow(void **state)
{
    struct st_nbd_ranges r = { 0 };

    (void) state;
    st_nbd_ranges_add(&r, UINT64_MAX - 10, 10);
    st_nbd_ranges_normalize(&r, 64 * K, UINT64_MAX);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.v[0].offset, UINT64_MAX & ~(64 * K - 1));
    assert_int_equal(r.v[0].offset + r.v[0].length, UINT64_MAX);
    st_nbd_ranges_clear(&r);
}

static void
test_an_empty_list_normalizes_to_empty(void **state)
{
    struct st_nbd_ranges r = { 0 };

    (void) state;
    st_nbd_ranges_normalize(&r, 64 * K, 1024 * K);
    assert_int_equal(r.n, 0);
    assert_int_equal(st_nbd_ranges_bytes(&r), 0);
    st_nbd_ranges_clear(&r);
}

static void
test_extents_merge_neighbours_with_equal_flags(void **state)
{
    struct st_nbd_extents e = { 0 };

    (void) state;
    st_nbd_extents_add(&e, 0, 4096, 0);
    st_nbd_extents_add(&e, 4096, 4096, 0);      /* fragment: merged */
    st_nbd_extents_add(&e, 8192, 0, 3);         /* empty: ignored */
    st_nbd_extents_add(&e, 8192, 4096, 3);
    st_nbd_extents_add(&e, 12288, 4096, 2);
    assert_int_equal(e.n, 3);
    assert_int_equal(e.v[0].length, 8192);
    assert_int_equal(e.v[1].flags, 3);
    assert_int_equal(e.v[2].offset, 12288);
    st_nbd_extents_clear(&e);
    assert_int_equal(e.n, 0);
}

static void
test_zero_blocks_need_the_whole_block_zero(void **state)
{
    struct st_nbd_extents e = { 0 };
    bool zero[4];

    (void) state;
    /* data [0, 10K), hole+zero [10K, 100K), zero [100K, 192K),
     * data [192K, 200K), zero [200K, 232K) (short last block). */
    st_nbd_extents_add(&e, 0, 10 * K, 0);
    st_nbd_extents_add(&e, 10 * K, 90 * K, LIBNBD_STATE_HOLE | LIBNBD_STATE_ZERO);
    st_nbd_extents_add(&e, 100 * K, 92 * K, LIBNBD_STATE_ZERO);
    st_nbd_extents_add(&e, 192 * K, 8 * K, 0);
    st_nbd_extents_add(&e, 200 * K, 32 * K, LIBNBD_STATE_ZERO);
    st_nbd_extents_zero_blocks(&e, 0, 232 * K, 64 * K, zero);
    assert_false(zero[0]);      /* 10K of data */
    assert_true(zero[1]);       /* [64K, 128K): two zero extents together */
    assert_true(zero[2]);       /* [128K, 192K) */
    assert_false(zero[3]);      /* [192K, 232K): 8K of data */
    st_nbd_extents_clear(&e);
}

static void
test_zero_blocks_of_a_range_inside_the_extents(void **state)
{
    struct st_nbd_extents e = { 0 };
    bool zero[2];

    (void) state;
    /* One zero extent larger than the range; the range's short last
     * block counts as zero too. */
    st_nbd_extents_add(&e, 0, 1024 * K, LIBNBD_STATE_ZERO);
    st_nbd_extents_zero_blocks(&e, 128 * K, 100 * K, 64 * K, zero);
    assert_true(zero[0]);
    assert_true(zero[1]);
    st_nbd_extents_clear(&e);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranges_are_aligned_sorted_and_merged),
        cmocka_unit_test(test_ranges_are_clipped_to_the_export_size),
        cmocka_unit_test(test_ranges_near_the_top_of_the_offset_space_do_not_overflow),
        cmocka_unit_test(test_an_empty_list_normalizes_to_empty),
        cmocka_unit_test(test_extents_merge_neighbours_with_equal_flags),
        cmocka_unit_test(test_zero_blocks_need_the_whole_block_zero),
        cmocka_unit_test(test_zero_blocks_of_a_range_inside_the_extents),
    };
    return cmocka_run_group_tests_name("nbd/ranges", tests, NULL, NULL);
}
