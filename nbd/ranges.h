/* nbd/ranges.h: lists of byte ranges (what diff returns): collected in
 * any order, then sorted, aligned and merged.  Pure logic. */
#ifndef ST_NBD_RANGES_H
#define ST_NBD_RANGES_H

#include <stddef.h>
#include <stdint.h>

#include "common/cleanup.h"

struct st_nbd_range {
    uint64_t offset;
    uint64_t length;
};

struct st_nbd_ranges {
    struct st_nbd_range *v;     /* owned */
    size_t n;
    size_t cap;
};

/* Append a range (length 0 is ignored); no ordering required. */
void st_nbd_ranges_add(struct st_nbd_ranges *r, uint64_t offset, uint64_t length);
/* Append every range of @src to @dst. */
void st_nbd_ranges_extend(struct st_nbd_ranges *dst, const struct st_nbd_ranges *src);

/**
 * st_nbd_ranges_normalize:
 * Widen every range to multiples of @granularity (a power of two, or 1
 * for none), clip it to @limit, sort by offset, and merge ranges that
 * overlap or touch.  Afterwards the list is sorted, disjoint and
 * non-adjacent.
 */
void st_nbd_ranges_normalize(struct st_nbd_ranges *r, uint64_t granularity,
                             uint64_t limit);

/* Sum of the lengths. */
uint64_t st_nbd_ranges_bytes(const struct st_nbd_ranges *r);

/* Free the array; @r itself stays usable (empty). */
void st_nbd_ranges_clear(struct st_nbd_ranges *r);

/* A heap-allocated list, for functions that return one. */
struct st_nbd_ranges *st_nbd_ranges_new(void);
void st_nbd_ranges_free(struct st_nbd_ranges *r);
ST_DEFINE_CLEANUP(st_cleanup_nbd_ranges, struct st_nbd_ranges *, st_nbd_ranges_free)
#define CLEANUP_NBD_RANGES ST_CLEANUP(st_cleanup_nbd_ranges)

#endif
