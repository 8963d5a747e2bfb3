/* nbd/digest.c: the "sha256-64k" digest of an export (definition in
 * digest.h), computed by N reader threads, one libnbd handle each.
 *
 *   chunk:    0    1    2    3    4  ...     (64 blocks of 64 KiB each)
 *   readers:  take the next chunk, find its zero blocks (block status),
 *             read the rest, hash each block into the chunk's slot
 *   main:     feeds the slots' block digests, in chunk order, into the
 *             final hash, and frees the slot
 *
 * A ring of slots bounds memory whatever the export size: a reader
 * that runs a whole ring ahead of the combiner waits. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "nbd/digest.h"
#include "nbd/extents.h"

ST_LOG_INIT("nbd.digest");

#define BLOCKS_PER_CHUNK (ST_NBD_CHUNK_SIZE / ST_NBD_BLOCK_SIZE)
#define RING_SLOTS 64

struct slot {
    bool ready;
    uint64_t bytes_read;
    uint8_t d[BLOCKS_PER_CHUNK][ST_SHA256_LEN];
};

struct job {
    const char *uri;
    uint64_t size;
    uint64_t nchunks;
    const struct st_nbd_read_opts *opts;
    uint8_t zero_digest[ST_SHA256_LEN];     /* SHA-256 of a full zero block */

    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint64_t next;          /* next chunk to hand out */
    uint64_t consumed;      /* chunks fed to the final hash */
    bool failed;
    struct st_error *err;   /* the first failure, owned */
    struct slot *ring;      /* RING_SLOTS */
};

struct reader {
    struct job *job;
    struct nbd_handle *h;   /* borrowed */
    uint64_t max_request;
};

static void
fail_job(struct job *job, struct st_error *err)
{
    pthread_mutex_lock(&job->lock);
    if (!job->failed) {
        job->failed = true;
        job->err = err;
        err = NULL;
    }
    pthread_cond_broadcast(&job->cond);
    pthread_mutex_unlock(&job->lock);
    st_error_free(err);
}

static bool
hash_chunk(struct reader *r, struct st_sha256 *sha, uint8_t *buf, uint64_t c,
           struct slot *slot, struct st_error **errp)
{
    struct job *job = r->job;
    uint64_t off = c * ST_NBD_CHUNK_SIZE;
    uint64_t len = job->size - off < ST_NBD_CHUNK_SIZE ? job->size - off : ST_NBD_CHUNK_SIZE;
    uint64_t nblocks = (len + ST_NBD_BLOCK_SIZE - 1) / ST_NBD_BLOCK_SIZE;
    bool zero[BLOCKS_PER_CHUNK];

    slot->bytes_read = 0;
    if (!st_nbd_zero_blocks(r->h, job->uri, off, len, ST_NBD_BLOCK_SIZE, zero, errp))
        return false;
    /* Read each run of non-zero blocks with as few requests as allowed. */
    for (uint64_t b = 0; b < nblocks;) {
        uint64_t e = b, roff, rend;

        if (zero[b]) {
            b++;
            continue;
        }
        while (e < nblocks && !zero[e])
            e++;
        roff = b * ST_NBD_BLOCK_SIZE;
        rend = e * ST_NBD_BLOCK_SIZE < len ? e * ST_NBD_BLOCK_SIZE : len;
        if (!st_nbd_pread(r->h, job->uri, buf + roff, off + roff, rend - roff,
                          r->max_request, errp))
            return false;
        slot->bytes_read += rend - roff;
        b = e;
    }
    for (uint64_t b = 0; b < nblocks; b++) {
        uint64_t boff = b * ST_NBD_BLOCK_SIZE;
        uint64_t blen = len - boff < ST_NBD_BLOCK_SIZE ? len - boff : ST_NBD_BLOCK_SIZE;

        if (zero[b] && blen == ST_NBD_BLOCK_SIZE) {
            memcpy(slot->d[b], job->zero_digest, ST_SHA256_LEN);
            continue;
        }
        if (zero[b])
            memset(buf + boff, 0, blen);    /* a short last block */
        st_sha256_oneshot(sha, buf + boff, blen, slot->d[b]);
    }
    return true;
}

static void *
reader_main(void *opaque)
{
    struct reader *r = opaque;
    struct job *job = r->job;
    CLEANUP_SHA256 struct st_sha256 *sha = st_sha256_new();
    CLEANUP_FREE uint8_t *buf = st_xmalloc(ST_NBD_CHUNK_SIZE);

    for (;;) {
        struct st_error *err = NULL;
        uint64_t c;
        struct slot *slot;

        pthread_mutex_lock(&job->lock);
        while (!job->failed && job->next < job->nchunks &&
               job->next >= job->consumed + RING_SLOTS)
            pthread_cond_wait(&job->cond, &job->lock);
        if (job->failed || job->next >= job->nchunks) {
            pthread_mutex_unlock(&job->lock);
            return NULL;
        }
        c = job->next++;
        slot = &job->ring[c % RING_SLOTS];
        pthread_mutex_unlock(&job->lock);

        /* The slot is ours until we mark it ready: chunk c - RING_SLOTS,
         * its previous user, was consumed before c was handed out. */
        if (!hash_chunk(r, sha, buf, c, slot, &err)) {
            fail_job(job, err);
            return NULL;
        }
        pthread_mutex_lock(&job->lock);
        slot->ready = true;
        pthread_cond_broadcast(&job->cond);
        pthread_mutex_unlock(&job->lock);
    }
}

/* The combiner: runs on the calling thread while the readers work. */
static bool
combine(struct job *job, struct st_sha256 *final, uint64_t *bytes_read)
{
    uint8_t be[8];
    bool ok;

    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t) (job->size >> (56 - 8 * i));
    st_sha256_init(final);
    st_sha256_update(final, be, sizeof be);

    pthread_mutex_lock(&job->lock);
    while (job->consumed < job->nchunks) {
        struct slot *slot = &job->ring[job->consumed % RING_SLOTS];
        uint64_t off = job->consumed * ST_NBD_CHUNK_SIZE;
        uint64_t len = job->size - off < ST_NBD_CHUNK_SIZE ? job->size - off : ST_NBD_CHUNK_SIZE;
        uint64_t nblocks = (len + ST_NBD_BLOCK_SIZE - 1) / ST_NBD_BLOCK_SIZE;

        while (!slot->ready && !job->failed)
            pthread_cond_wait(&job->cond, &job->lock);
        if (job->failed)
            break;
        st_sha256_update(final, slot->d, nblocks * ST_SHA256_LEN);
        *bytes_read += slot->bytes_read;
        slot->ready = false;
        job->consumed++;
        pthread_cond_broadcast(&job->cond);
        if (job->opts && job->opts->progress) {
            /* Unlocked: the callback may be slow (a tty). */
            pthread_mutex_unlock(&job->lock);
            job->opts->progress(off + len, job->size, job->opts->opaque);
            pthread_mutex_lock(&job->lock);
        }
    }
    ok = !job->failed;
    pthread_mutex_unlock(&job->lock);
    return ok;
}

static void
close_all(struct nbd_handle **hs, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        nbd_close(hs[i]);
}

bool
st_nbd_digest_uri(const char *uri, const struct st_nbd_read_opts *opts,
                  struct st_nbd_digest *out, struct st_error **errp)
{
    struct nbd_handle *hs[ST_NBD_MAX_CONNECTIONS] = { NULL };
    struct reader readers[ST_NBD_MAX_CONNECTIONS];
    pthread_t threads[ST_NBD_MAX_CONNECTIONS];
    CLEANUP_SHA256 struct st_sha256 *final = st_sha256_new();
    CLEANUP_FREE uint8_t *zeros = NULL;
    struct job job = { .uri = uri, .opts = opts };
    unsigned nconn, started = 0;
    int64_t size;
    uint64_t bytes_read = 0;
    bool ok;

    if (!(hs[0] = st_nbd_open(uri, ST_NBD_WANT_ALLOCATION, errp)))
        return false;
    if ((size = st_nbd_size(hs[0], uri, errp)) < 0) {
        close_all(hs, 1);
        return false;
    }
    job.size = (uint64_t) size;
    job.nchunks = (job.size + ST_NBD_CHUNK_SIZE - 1) / ST_NBD_CHUNK_SIZE;
    nconn = st_nbd_connections(hs[0], opts ? opts->connections : 0);
    if (nconn > job.nchunks)
        nconn = job.nchunks ? (unsigned) job.nchunks : 1;
    for (unsigned i = 1; i < nconn; i++) {
        if (!(hs[i] = st_nbd_open(uri, ST_NBD_WANT_ALLOCATION, errp))) {
            close_all(hs, i);
            return false;
        }
    }
    st_debug("digest of %s: %" PRIu64 " bytes, %u connections", uri, job.size, nconn);

    zeros = st_xcalloc(1, ST_NBD_BLOCK_SIZE);
    st_sha256_oneshot(final, zeros, ST_NBD_BLOCK_SIZE, job.zero_digest);
    job.ring = st_xcalloc(RING_SLOTS, sizeof *job.ring);
    pthread_mutex_init(&job.lock, NULL);
    pthread_cond_init(&job.cond, NULL);

    for (unsigned i = 0; i < nconn; i++) {
        int rc;

        readers[i] = (struct reader) {
            .job = &job, .h = hs[i],
            .max_request = st_nbd_max_request(hs[i], ST_NBD_READ_SIZE),
        };
        if ((rc = pthread_create(&threads[i], NULL, reader_main, &readers[i])) != 0) {
            struct st_error *err = NULL;

            st_error_set_errno(&err, rc, ST_E_IO, "cannot start a reader thread");
            fail_job(&job, err);
            break;
        }
        started++;
    }
    ok = started > 0 && combine(&job, final, &bytes_read);
    for (unsigned i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    close_all(hs, nconn);
    pthread_cond_destroy(&job.cond);
    pthread_mutex_destroy(&job.lock);
    free(job.ring);

    if (!ok || job.failed) {
        if (job.err)
            st_error_propagate(errp, job.err);
        else
            st_error_set(errp, ST_E_INTERNAL, "digest of '%s' failed", uri);
        return false;
    }
    st_sha256_final(final, out->digest);
    st_hex(out->digest, ST_SHA256_LEN, out->hex);
    out->size = job.size;
    out->bytes_read = bytes_read;
    out->connections = nconn;
    return true;
}

void
st_nbd_digest_buffer(const void *buf, uint64_t size, uint8_t out[ST_SHA256_LEN])
{
    CLEANUP_SHA256 struct st_sha256 *final = st_sha256_new();
    CLEANUP_SHA256 struct st_sha256 *block = st_sha256_new();
    const uint8_t *p = buf;
    uint8_t be[8], d[ST_SHA256_LEN];

    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t) (size >> (56 - 8 * i));
    st_sha256_init(final);
    st_sha256_update(final, be, sizeof be);
    for (uint64_t off = 0; off < size; off += ST_NBD_BLOCK_SIZE) {
        uint64_t len = size - off < ST_NBD_BLOCK_SIZE ? size - off : ST_NBD_BLOCK_SIZE;

        st_sha256_oneshot(block, p + off, len, d);
        st_sha256_update(final, d, sizeof d);
    }
    st_sha256_final(final, out);
}
