/* nbd/digest.h: a content digest of an NBD export, read with several
 * connections in parallel, zero extents hashed without reading.
 *
 * Definition (algorithms "xxh128-64k" and "sha256-64k", version 1):
 *
 *   Let S be the export size in bytes and B = 65536.  Cut the visible
 *   bytes into n = ceil(S / B) blocks, block i being bytes
 *   [i*B, min((i+1)*B, S)) (so only the last block may be short, and
 *   n = 0 when S = 0).  With H the algorithm's hash, let d_i = H(block i).
 *   The digest is
 *
 *       H( be64(S) || d_0 || d_1 || ... || d_{n-1} )
 *
 *   where be64(S) is S as 8 bytes, big-endian, and || concatenates.
 *
 *   xxh128-64k (the default): H is XXH3_128bits (xxHash 0.8) taken in
 *     its canonical form, 16 bytes big-endian (XXH128_canonicalFromHash,
 *     what 'xxhsum -H2' prints); the digest is 32 lower-case hex digits.
 *   sha256-64k: H is SHA-256; the digest is 64 lower-case hex digits.
 *
 * The digest depends only on the bytes a reader sees, never on how
 * they are stored: a hole, a zero cluster and a data cluster full of
 * zeros hash alike, and so do two chains that read the same.  It is
 * made to detect accidental change (bit rot, a wrong merge, a lost
 * write): xxh128-64k does that at memory speed, but anyone can craft
 * two disks with the same xxh128-64k digest.  Where an adversary may
 * choose the content, use sha256-64k.
 *
 * Shell references (what tests/func/nbd-digest.sh does), from a raw copy:
 *
 *   qemu-img convert -O raw IMG raw
 *   split -b 65536 -a 8 -d raw blk.
 *   # xxh128-64k
 *   { printf '%016X' "$(stat -c %s raw)" | basenc --base16 -d
 *     xxhsum -H2 blk.* | cut -c1-32 | tr a-f A-F | tr -d '\n' | basenc --base16 -d
 *   } | xxhsum -H2 | cut -c1-32
 *   # sha256-64k
 *   { printf '%016X' "$(stat -c %s raw)" | basenc --base16 -d
 *     sha256sum blk.* | cut -c1-64 | tr a-f A-F | tr -d '\n' | basenc --base16 -d
 *   } | sha256sum | cut -c1-64
 */
#ifndef ST_NBD_DIGEST_H
#define ST_NBD_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "nbd/conn.h"
#include "nbd/sha256.h"
#include "nbd/xxh128.h"

enum st_nbd_digest_alg {
    ST_NBD_DIGEST_XXH128_64K,
    ST_NBD_DIGEST_SHA256_64K,
    ST_NBD_DIGEST__LAST
};
#define ST_NBD_DIGEST_DEFAULT ST_NBD_DIGEST_XXH128_64K
/* Bytes of the longest digest (sha256-64k). */
#define ST_NBD_DIGEST_MAX_LEN ST_SHA256_LEN

#define ST_NBD_BLOCK_SIZE       UINT64_C(65536)
/* Unit of ordering and progress: 64 blocks. */
#define ST_NBD_CHUNK_SIZE       (64 * ST_NBD_BLOCK_SIZE)

/* "xxh128-64k" / "sha256-64k". */
const char *st_nbd_digest_alg_name(enum st_nbd_digest_alg alg);
/* Bytes of a digest and of each block's hash: 16 / 32. */
size_t st_nbd_digest_alg_len(enum st_nbd_digest_alg alg);
/* The algorithm called @name; false when there is none. */
bool st_nbd_digest_alg_from_name(const char *name, enum st_nbd_digest_alg *alg);

/**
 * st_nbd_digest_parse:
 * @text: a digest as the user gives it: "ALG:HEX" or bare HEX, any case
 * @alg: in: the algorithm @text must be in, or ST_NBD_DIGEST__LAST for
 *   any; out: the algorithm (from the prefix, else from the number of
 *   digits: 32 is xxh128-64k, 64 is sha256-64k)
 * @hex: out: the digits in lower case (2 * ST_NBD_DIGEST_MAX_LEN + 1 bytes)
 * @errp: error out
 *
 * Pure.  Returns: true, or false with @errp set (ST_E_USAGE: an unknown
 * algorithm, a non-hex digit, a length no algorithm has, or a length or
 * prefix other than @alg's).
 */
bool st_nbd_digest_parse(const char *text, enum st_nbd_digest_alg *alg, char *hex,
                         struct st_error **errp);

struct st_nbd_digest {
    enum st_nbd_digest_alg alg;
    size_t len;                 /* bytes in digest[] */
    uint8_t digest[ST_NBD_DIGEST_MAX_LEN];
    char hex[2 * ST_NBD_DIGEST_MAX_LEN + 1];
    uint64_t size;              /* export size */
    uint64_t bytes_read;        /* bytes actually read (not zero extents) */
    unsigned connections;       /* connections used */
};

/**
 * st_nbd_digest_uri:
 * @uri: NBD URI of the export (see st_nbd_open())
 * @alg: the algorithm
 * @opts: connections and progress; NULL for the defaults
 * @out: filled on success
 * @errp: error out
 *
 * Compute the digest defined above over the whole export.  Extents that
 * base:allocation marks zero are not read.  Several connections read in
 * parallel (st_nbd_connections() decides how many), each with several
 * reads in flight while it hashes what has arrived; memory is bounded
 * whatever the size.
 *
 * Returns: true, or false with @errp set (ST_E_NBD, naming @uri; a
 * server that goes away mid-read fails the call, one that stops
 * answering fails it with ST_E_TIMEOUT; neither hangs).
 */
bool st_nbd_digest_uri(const char *uri, enum st_nbd_digest_alg alg,
                       const struct st_nbd_read_opts *opts,
                       struct st_nbd_digest *out, struct st_error **errp);

/**
 * st_nbd_digest_buffer:
 * The same digest over @size bytes in memory, into @out
 * (st_nbd_digest_alg_len(@alg) bytes): the reference the unit tests
 * hold the NBD reader to.  Pure.
 */
void st_nbd_digest_buffer(enum st_nbd_digest_alg alg, const void *buf, uint64_t size,
                          uint8_t *out);

#endif
