/* nbd/xxh128.c: a thin wrapper over xxHash's XXH3-128, compiled in
 * here from the header alone (XXH_INLINE_ALL): the only file that
 * includes xxhash.h, so its static functions stay out of every other
 * object. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "nbd/xxh128.h"

struct st_xxh128 {
    XXH3_state_t *state;
};

static void
die(const char *what)
{
    fprintf(stderr, "strata: internal error: XXH3-128: %s failed\n", what);
    abort();
}

struct st_xxh128 *
st_xxh128_new(void)
{
    struct st_xxh128 *s = malloc(sizeof *s);

    if (!s || !(s->state = XXH3_createState())) {
        fprintf(stderr, "strata: out of memory\n");
        abort();
    }
    return s;
}

void
st_xxh128_free(struct st_xxh128 *s)
{
    if (!s)
        return;
    XXH3_freeState(s->state);
    free(s);
}

void
st_xxh128_init(struct st_xxh128 *s)
{
    if (XXH3_128bits_reset(s->state) != XXH_OK)
        die("XXH3_128bits_reset");
}

void
st_xxh128_update(struct st_xxh128 *s, const void *buf, size_t len)
{
    if (XXH3_128bits_update(s->state, buf, len) != XXH_OK)
        die("XXH3_128bits_update");
}

static void
canonical(XXH128_hash_t h, uint8_t out[ST_XXH128_LEN])
{
    XXH128_canonical_t c;

    _Static_assert(sizeof c.digest == ST_XXH128_LEN, "XXH128 canonical size");
    XXH128_canonicalFromHash(&c, h);
    memcpy(out, c.digest, ST_XXH128_LEN);
}

void
st_xxh128_final(struct st_xxh128 *s, uint8_t out[ST_XXH128_LEN])
{
    canonical(XXH3_128bits_digest(s->state), out);
}

void
st_xxh128_oneshot(const void *buf, size_t len, uint8_t out[ST_XXH128_LEN])
{
    canonical(XXH3_128bits(buf, len), out);
}
