/* nbd/sha256.h: SHA-256 for digests (OpenSSL's EVP implementation: it
 * uses the CPU's SHA extensions, about 1.8 GB/s per core here, which a
 * portable C version cannot approach; hashing is the cost of verify). */
#ifndef ST_NBD_SHA256_H
#define ST_NBD_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "common/cleanup.h"

#define ST_SHA256_LEN 32

/* An incremental SHA-256 state; one per thread. */
struct st_sha256;

struct st_sha256 *st_sha256_new(void);      /* aborts on OOM */
void st_sha256_free(struct st_sha256 *s);
ST_DEFINE_CLEANUP(st_cleanup_sha256, struct st_sha256 *, st_sha256_free)
#define CLEANUP_SHA256 ST_CLEANUP(st_cleanup_sha256)

void st_sha256_init(struct st_sha256 *s);
void st_sha256_update(struct st_sha256 *s, const void *buf, size_t len);
void st_sha256_final(struct st_sha256 *s, uint8_t out[ST_SHA256_LEN]);
/* init + update + final. */
void st_sha256_oneshot(struct st_sha256 *s, const void *buf, size_t len,
                       uint8_t out[ST_SHA256_LEN]);

/* Lower-case hex of @len bytes into @hex (2 * @len + 1 bytes). */
void st_hex(const uint8_t *bytes, size_t len, char *hex);

#endif
