/* nbd/xxh128.h: XXH3-128 for digests (xxHash's XXH3_128bits, used
 * header-only from libxxhash-dev, so no runtime library).  A
 * non-cryptographic hash: it detects accidental change at memory
 * speed (over 10 GB/s per core here), but anyone can craft two inputs
 * with the same value; sha256.h is for that. */
#ifndef ST_NBD_XXH128_H
#define ST_NBD_XXH128_H

#include <stddef.h>
#include <stdint.h>

#include "common/cleanup.h"

#define ST_XXH128_LEN 16

/* An incremental XXH3-128 state; one per thread. */
struct st_xxh128;

struct st_xxh128 *st_xxh128_new(void);      /* aborts on OOM */
void st_xxh128_free(struct st_xxh128 *s);
ST_DEFINE_CLEANUP(st_cleanup_xxh128, struct st_xxh128 *, st_xxh128_free)
#define CLEANUP_XXH128 ST_CLEANUP(st_cleanup_xxh128)

void st_xxh128_init(struct st_xxh128 *s);
void st_xxh128_update(struct st_xxh128 *s, const void *buf, size_t len);
/* The canonical form: the 128-bit value big-endian, high half first
 * (XXH128_canonicalFromHash; what 'xxhsum -H2' prints in hex). */
void st_xxh128_final(struct st_xxh128 *s, uint8_t out[ST_XXH128_LEN]);
/* XXH3_128bits(@buf) in canonical form; needs no state. */
void st_xxh128_oneshot(const void *buf, size_t len, uint8_t out[ST_XXH128_LEN]);

#endif
