/* nbd/ranges.c: sort, align and merge byte ranges. */
#include "config.h"

#include <stdlib.h>

#include "common/xalloc.h"
#include "nbd/ranges.h"

void
st_nbd_ranges_add(struct st_nbd_ranges *r, uint64_t offset, uint64_t length)
{
    if (length == 0)
        return;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->v = st_xreallocarray(r->v, r->cap, sizeof *r->v);
    }
    r->v[r->n++] = (struct st_nbd_range) { .offset = offset, .length = length };
}

void
st_nbd_ranges_extend(struct st_nbd_ranges *dst, const struct st_nbd_ranges *src)
{
    for (size_t i = 0; i < src->n; i++)
        st_nbd_ranges_add(dst, src->v[i].offset, src->v[i].length);
}

static int
cmp_offset(const void *a, const void *b)
{
    const struct st_nbd_range *x = a, *y = b;

    return (x->offset > y->offset) - (x->offset < y->offset);
}

void
st_nbd_ranges_normalize(struct st_nbd_ranges *r, uint64_t granularity,
                        uint64_t limit)
{
    size_t out = 0;

    if (granularity == 0)
        granularity = 1;
    for (size_t i = 0; i < r->n; i++) {
        uint64_t start = r->v[i].offset & ~(granularity - 1);
        uint64_t end = r->v[i].offset + r->v[i].length;

        /* Round the end up without overflowing near UINT64_MAX. */
        if (end & (granularity - 1))
            end = (end | (granularity - 1)) < UINT64_MAX
                ? (end | (granularity - 1)) + 1 : UINT64_MAX;
        if (end > limit)
            end = limit;
        r->v[i].offset = start;
        r->v[i].length = end > start ? end - start : 0;
    }
    if (r->n == 0)
        return;     /* qsort's array must not be NULL, even when empty */
    qsort(r->v, r->n, sizeof *r->v, cmp_offset);
    for (size_t i = 0; i < r->n; i++) {
        struct st_nbd_range *cur = &r->v[i];

        if (cur->length == 0)
            continue;
        if (out > 0) {
            struct st_nbd_range *prev = &r->v[out - 1];
            uint64_t prev_end = prev->offset + prev->length;

            if (cur->offset <= prev_end) {
                uint64_t cur_end = cur->offset + cur->length;

                if (cur_end > prev_end)
                    prev->length = cur_end - prev->offset;
                continue;
            }
        }
        r->v[out++] = *cur;
    }
    r->n = out;
}

uint64_t
st_nbd_ranges_bytes(const struct st_nbd_ranges *r)
{
    uint64_t sum = 0;

    for (size_t i = 0; i < r->n; i++)
        sum += r->v[i].length;
    return sum;
}

void
st_nbd_ranges_clear(struct st_nbd_ranges *r)
{
    free(r->v);
    r->v = NULL;
    r->n = r->cap = 0;
}

struct st_nbd_ranges *
st_nbd_ranges_new(void)
{
    return st_xcalloc(1, sizeof(struct st_nbd_ranges));
}

void
st_nbd_ranges_free(struct st_nbd_ranges *r)
{
    if (!r)
        return;
    st_nbd_ranges_clear(r);
    free(r);
}
