/* nbd/digest.h: a content digest of an NBD export, read with several
 * connections in parallel, zero extents hashed without reading.
 *
 * Definition (algorithm "sha256-64k", version 1):
 *
 *   Let S be the export size in bytes and B = 65536.  Cut the visible
 *   bytes into n = ceil(S / B) blocks, block i being bytes
 *   [i*B, min((i+1)*B, S)) (so only the last block may be short, and
 *   n = 0 when S = 0).  Let d_i = SHA-256(block i).  The digest is
 *
 *       SHA-256( be64(S) || d_0 || d_1 || ... || d_{n-1} )
 *
 *   where be64(S) is S as 8 bytes, big-endian, and || concatenates.
 *   It is printed as 64 lower-case hex digits.
 *
 * The digest depends only on the bytes a reader sees, never on how
 * they are stored: a hole, a zero cluster and a data cluster full of
 * zeros hash alike, and so do two chains that read the same.  A shell
 * reference (what tests/func/nbd-digest.sh does):
 *
 *   qemu-img convert -O raw IMG raw
 *   split -b 65536 -a 8 -d raw blk.
 *   { printf '%016X' "$(stat -c %s raw)" | basenc --base16 -d
 *     sha256sum blk.* | cut -c1-64 | tr a-f A-F | tr -d '\n' | basenc --base16 -d
 *   } | sha256sum
 */
#ifndef ST_NBD_DIGEST_H
#define ST_NBD_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "nbd/conn.h"
#include "nbd/sha256.h"

#define ST_NBD_DIGEST_ALGORITHM "sha256-64k"
#define ST_NBD_BLOCK_SIZE       UINT64_C(65536)
/* Unit of work of one reader thread: 64 blocks. */
#define ST_NBD_CHUNK_SIZE       (64 * ST_NBD_BLOCK_SIZE)

struct st_nbd_digest {
    uint8_t digest[ST_SHA256_LEN];
    char hex[2 * ST_SHA256_LEN + 1];
    uint64_t size;              /* export size */
    uint64_t bytes_read;        /* bytes actually read (not zero extents) */
    unsigned connections;       /* connections used */
};

/**
 * st_nbd_digest_uri:
 * @uri: NBD URI of the export (see st_nbd_open())
 * @opts: connections and progress; NULL for the defaults
 * @out: filled on success
 * @errp: error out
 *
 * Compute the digest defined above over the whole export.  Extents that
 * base:allocation marks zero are not read.  Several connections read in
 * parallel (st_nbd_connections() decides how many).
 *
 * Returns: true, or false with @errp set (ST_E_NBD, naming @uri; a
 * server that goes away mid-read fails the call, it does not hang).
 */
bool st_nbd_digest_uri(const char *uri, const struct st_nbd_read_opts *opts,
                       struct st_nbd_digest *out, struct st_error **errp);

/**
 * st_nbd_digest_buffer:
 * The same digest over @size bytes in memory: the reference the unit
 * tests hold the NBD reader to.  Pure.
 */
void st_nbd_digest_buffer(const void *buf, uint64_t size, uint8_t out[ST_SHA256_LEN]);

#endif
