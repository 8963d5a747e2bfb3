/* nbd/digest.c: the "xxh128-64k" and "sha256-64k" digests of an export
 * (definitions in digest.h), computed by N reader threads, one libnbd
 * handle each.
 *
 *   chunk:    0    1    2    3    4  ...     (64 blocks of 64 KiB each)
 *   readers:  take the next chunk, ask for its zero blocks (block
 *             status), read the rest, hash each block into the chunk's
 *             slot; all asynchronous, so that while a reader hashes
 *             what has arrived, its next requests are already queued
 *             on the server
 *   main:     feeds the slots' block hashes, in chunk order, into the
 *             final hash, and frees the slot
 *
 * A reader holds up to READER_CHUNKS chunks and READS_IN_FLIGHT read
 * buffers of READ_SIZE bytes (whole blocks), allocated once (page
 * faults are not free); a ring of slots bounds what the readers may run
 * ahead of the combiner.  So memory is bounded whatever the export size. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "nbd/digest.h"
#include "nbd/extents.h"

ST_LOG_INIT("nbd.digest");

#define BLOCKS_PER_CHUNK (ST_NBD_CHUNK_SIZE / ST_NBD_BLOCK_SIZE)
#define RING_SLOTS 64
/* Bytes per read, and reads in flight per connection.  QSD 7.2 serves
 * a connection's requests one after the other and allocates a bounce
 * buffer per request, so a few mid-sized reads keep it busiest while
 * the reader hashes what has arrived.  Medians of 9 interleaved runs
 * over 2 GiB half allocated, 2 connections (busy 2-CPU VM, nbdcopy
 * 1.26 s): 128 KiB x 8 0.99 s, 256 KiB x 4 0.80 s, 256 KiB x 8 0.85 s,
 * 512 KiB x 4 0.68 s, 512 KiB x 8 0.73 s; 2 MiB x 2 1.1 s. */
#define READ_SIZE (UINT64_C(512) * 1024)
#define READS_IN_FLIGHT 4
/* Chunks a reader holds: one being read, the next one's block status
 * already asked, one finishing. */
#define READER_CHUNKS 3
/* Connections when the caller does not say.  QSD serves all of an
 * export's connections on one thread, so once each has reads queued
 * more connections add little (same runs, 1 to 4 connections: 0.74,
 * 0.71, 0.68, 0.66 s, all within the noise); two let one reader hash
 * while the other's replies arrive, without a thread per core. */
#define DEFAULT_CONNECTIONS 2

static const struct {
    const char *name;
    size_t len;
} algs[ST_NBD_DIGEST__LAST] = {
    [ST_NBD_DIGEST_XXH128_64K] = { "xxh128-64k", ST_XXH128_LEN },
    [ST_NBD_DIGEST_SHA256_64K] = { "sha256-64k", ST_SHA256_LEN },
};

const char *
st_nbd_digest_alg_name(enum st_nbd_digest_alg alg)
{
    return algs[alg].name;
}

size_t
st_nbd_digest_alg_len(enum st_nbd_digest_alg alg)
{
    return algs[alg].len;
}

bool
st_nbd_digest_alg_from_name(const char *name, enum st_nbd_digest_alg *alg)
{
    for (int i = 0; i < ST_NBD_DIGEST__LAST; i++) {
        if (strcasecmp(name, algs[i].name) == 0) {     /* "XXH128-64K:..." too */
            *alg = (enum st_nbd_digest_alg) i;
            return true;
        }
    }
    return false;
}

bool
st_nbd_digest_parse(const char *text, enum st_nbd_digest_alg *alg, char *hex,
                    struct st_error **errp)
{
    const char *colon = strchr(text, ':');
    const char *digits = colon ? colon + 1 : text;
    size_t n = strlen(digits);
    enum st_nbd_digest_alg got = ST_NBD_DIGEST__LAST;

    if (colon) {
        CLEANUP_FREE char *name = st_xstrndup(text, (size_t) (colon - text));

        if (!st_nbd_digest_alg_from_name(name, &got)) {
            st_error_set(errp, ST_E_USAGE, "unknown digest algorithm '%s'", name);
            st_error_hint(errp, "the algorithms are %s and %s", algs[0].name, algs[1].name);
            return false;
        }
        if (*alg != ST_NBD_DIGEST__LAST && got != *alg) {
            st_error_set(errp, ST_E_USAGE, "digest '%s' is %s, not %s", text,
                         algs[got].name, algs[*alg].name);
            return false;
        }
    } else if (*alg != ST_NBD_DIGEST__LAST) {
        got = *alg;
    } else {
        for (int i = 0; i < ST_NBD_DIGEST__LAST; i++)
            if (n == 2 * algs[i].len)
                got = (enum st_nbd_digest_alg) i;
        if (got == ST_NBD_DIGEST__LAST) {
            st_error_set(errp, ST_E_USAGE,
                         "digest '%s' has %zu hex digits: %s has %zu, %s %zu", text, n,
                         algs[0].name, 2 * algs[0].len, algs[1].name, 2 * algs[1].len);
            return false;
        }
    }
    if (n != 2 * algs[got].len || strspn(digits, "0123456789abcdefABCDEF") != n) {
        st_error_set(errp, ST_E_USAGE, "digest '%s' is not %zu hex digits (%s)",
                     text, 2 * algs[got].len, algs[got].name);
        return false;
    }
    for (size_t i = 0; i <= n; i++)
        hex[i] = (char) (digits[i] >= 'A' && digits[i] <= 'F' ? digits[i] - 'A' + 'a' : digits[i]);
    *alg = got;
    return true;
}

/* The hash of one algorithm: a block at a time, and incrementally for
 * the final combination. */
struct hasher {
    enum st_nbd_digest_alg alg;
    struct st_sha256 *sha;
    struct st_xxh128 *xxh;
};

static void
hasher_init(struct hasher *hs, enum st_nbd_digest_alg alg)
{
    *hs = (struct hasher) { .alg = alg };
    if (alg == ST_NBD_DIGEST_SHA256_64K)
        hs->sha = st_sha256_new();
    else
        hs->xxh = st_xxh128_new();
}

static void
hasher_free(struct hasher *hs)
{
    st_sha256_free(hs->sha);
    st_xxh128_free(hs->xxh);
    hs->sha = NULL;
    hs->xxh = NULL;
}

static void
hash_block(struct hasher *hs, const void *buf, size_t len, uint8_t *out)
{
    if (hs->sha)
        st_sha256_oneshot(hs->sha, buf, len, out);
    else
        st_xxh128_oneshot(buf, len, out);
}

/* The final hash starts with be64(size). */
static void
final_begin(struct hasher *hs, uint64_t size)
{
    uint8_t be[8];

    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t) (size >> (56 - 8 * i));
    if (hs->sha) {
        st_sha256_init(hs->sha);
        st_sha256_update(hs->sha, be, sizeof be);
    } else {
        st_xxh128_init(hs->xxh);
        st_xxh128_update(hs->xxh, be, sizeof be);
    }
}

static void
final_update(struct hasher *hs, const void *buf, size_t len)
{
    if (hs->sha)
        st_sha256_update(hs->sha, buf, len);
    else
        st_xxh128_update(hs->xxh, buf, len);
}

static void
final_end(struct hasher *hs, uint8_t *out)
{
    if (hs->sha)
        st_sha256_final(hs->sha, out);
    else
        st_xxh128_final(hs->xxh, out);
}

struct slot {
    bool ready;
    uint64_t bytes_read;
    uint8_t d[BLOCKS_PER_CHUNK * ST_NBD_DIGEST_MAX_LEN];   /* block i at i * len */
};

struct job {
    const char *uri;
    uint64_t size;
    uint64_t nchunks;
    size_t len;                             /* bytes per block hash */
    const struct st_nbd_read_opts *opts;
    const uint8_t *zeros;                   /* a zero block */
    uint8_t zero_digest[ST_NBD_DIGEST_MAX_LEN];   /* hash of a full zero block */

    pthread_mutex_t lock;
    pthread_cond_t cond;
    uint64_t next;          /* next chunk to hand out */
    uint64_t consumed;      /* chunks fed to the final hash */
    bool failed;
    struct st_error *err;   /* the first failure, owned */
    struct slot *ring;      /* RING_SLOTS */
};

/* A chunk a reader works on. */
struct rchunk {
    bool used;
    uint64_t c;                 /* chunk number */
    uint64_t off, len, nblocks; /* its range in the export */
    struct slot *slot;
    /* Block status: asked from walk.pos to the end of the chunk. */
    struct st_nbd_extents ext;
    struct st_nbd_walk walk;
    uint64_t bs_from;           /* walk.pos when the last request was sent */
    bool bs_busy;               /* a request in flight */
    int bs_err;                 /* its error, 0 if none */
    bool known;                 /* zero[] is set */
    bool zero[BLOCKS_PER_CHUNK];
    uint64_t next_block;        /* first block not yet read nor skipped */
    unsigned reads;             /* reads in flight */
};

/* A read buffer and the read in flight into it. */
struct rread {
    bool used;
    unsigned pending;           /* requests in flight (a read may be split) */
    int err;                    /* the first request's error, 0 if none */
    struct rchunk *chunk;
    uint64_t block;             /* first block of the chunk it holds */
    uint64_t off, bytes;        /* in the export */
    uint8_t *buf;               /* READ_SIZE bytes of reader->bufs */
};

struct reader {
    struct job *job;
    struct nbd_handle *h;       /* borrowed */
    bool has_allocation;        /* the server gives base:allocation */
    uint64_t max_request;       /* largest single request */
    uint64_t read_size;         /* bytes per buffer, whole blocks */
    uint8_t *bufs;              /* READS_IN_FLIGHT * read_size, owned; freed
                                 * after the handle is closed */
    bool done;                  /* no chunk left to take */
    struct hasher hs;
    struct rchunk chunks[READER_CHUNKS];
    struct rread reads[READS_IN_FLIGHT];
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
job_failed(struct job *job)
{
    bool failed;

    pthread_mutex_lock(&job->lock);
    failed = job->failed;
    pthread_mutex_unlock(&job->lock);
    return failed;
}

static size_t
nchunks_used(const struct reader *r)
{
    size_t n = 0;

    for (size_t i = 0; i < READER_CHUNKS; i++)
        n += r->chunks[i].used;
    return n;
}

/* Take chunks while there is room, waiting for the ring only when the
 * reader holds nothing (a reader with work must not wait on others). */
static void
take_chunks(struct reader *r)
{
    struct job *job = r->job;
    size_t held = nchunks_used(r);

    pthread_mutex_lock(&job->lock);
    while (held < READER_CHUNKS && !job->failed) {
        struct rchunk *ch = NULL;
        uint64_t c;

        if (job->next >= job->nchunks) {
            r->done = true;
            break;
        }
        if (job->next >= job->consumed + RING_SLOTS) {
            if (held > 0)
                break;
            pthread_cond_wait(&job->cond, &job->lock);
            continue;
        }
        c = job->next++;
        for (size_t i = 0; i < READER_CHUNKS; i++)
            if (!r->chunks[i].used)
                ch = &r->chunks[i];
        /* The slot is ours until we mark it ready: chunk c - RING_SLOTS,
         * its previous user, was consumed before c was handed out. */
        st_nbd_extents_clear(&ch->ext);
        *ch = (struct rchunk) {
            .used = true, .c = c, .off = c * ST_NBD_CHUNK_SIZE,
            .slot = &job->ring[c % RING_SLOTS],
        };
        ch->len = job->size - ch->off < ST_NBD_CHUNK_SIZE ? job->size - ch->off
                                                          : ST_NBD_CHUNK_SIZE;
        ch->nblocks = (ch->len + ST_NBD_BLOCK_SIZE - 1) / ST_NBD_BLOCK_SIZE;
        ch->walk = (struct st_nbd_walk) {
            .context = ST_NBD_CTX_ALLOCATION, .pos = ch->off, .out = &ch->ext,
        };
        ch->bs_from = UINT64_MAX;
        ch->slot->bytes_read = 0;
        held++;
    }
    pthread_mutex_unlock(&job->lock);
}

static int
bs_done(void *opaque, int *error)
{
    struct rchunk *ch = opaque;

    ch->bs_busy = false;
    if (*error && !ch->bs_err)
        ch->bs_err = *error;
    return 1;       /* retire the command */
}

static int
read_done(void *opaque, int *error)
{
    struct rread *rr = opaque;

    rr->pending--;
    if (*error && !rr->err)
        rr->err = *error;
    return 1;
}

/* Ask for the rest of @ch's block status, or settle its zero blocks
 * once all of it is described. */
static bool
advance_block_status(struct reader *r, struct rchunk *ch, struct st_error **errp)
{
    const char *uri = r->job->uri;
    uint64_t end = ch->off + ch->len;
    uint64_t before = ch->walk.pos;

    if (ch->bs_err) {
        st_error_set_errno(errp, ch->bs_err, ST_E_NBD,
                           "NBD export '%s': block status for '%s' at offset %" PRIu64,
                           uri, ST_NBD_CTX_ALLOCATION, ch->walk.pos);
        return false;
    }
    if (!r->has_allocation || ch->walk.pos >= end) {
        if (r->has_allocation)
            st_nbd_extents_zero_blocks(&ch->ext, ch->off, ch->len, ST_NBD_BLOCK_SIZE, ch->zero);
        else
            memset(ch->zero, 0, sizeof ch->zero);
        st_nbd_extents_clear(&ch->ext);
        ch->known = true;
        return true;
    }
    if (ch->bs_from == before) {
        /* The last request was answered and left pos where it was. */
        st_error_set_errno(errp, EPROTO, ST_E_NBD,
                           "NBD export '%s': block status for '%s' at offset %" PRIu64 " described no bytes",
                           uri, ST_NBD_CTX_ALLOCATION, before);
        return false;
    }
    ch->walk.end = end;
    ch->bs_from = before;
    ch->bs_busy = true;
    if (nbd_aio_block_status(r->h, end - before, before,
                             (nbd_extent_callback) { .callback = st_nbd_extents_walk_cb,
                                                     .user_data = &ch->walk },
                             (nbd_completion_callback) { .callback = bs_done, .user_data = ch },
                             0) == -1) {
        ch->bs_busy = false;
        st_nbd_set_error(errp, uri, "block status for '%s' at offset %" PRIu64,
                         ST_NBD_CTX_ALLOCATION, before);
        return false;
    }
    return true;
}

/* Queue reads of @ch's next non-zero blocks while buffers are free. */
static bool
issue_reads(struct reader *r, struct rchunk *ch, struct st_error **errp)
{
    uint64_t per_buf = r->read_size / ST_NBD_BLOCK_SIZE;

    while (ch->next_block < ch->nblocks) {
        struct rread *rr = NULL;
        uint64_t b = ch->next_block, e = b, roff, rend;

        if (ch->zero[b]) {
            ch->next_block++;
            continue;
        }
        for (size_t i = 0; i < READS_IN_FLIGHT && !rr; i++)
            if (!r->reads[i].used)
                rr = &r->reads[i];
        if (!rr)
            return true;
        while (e < ch->nblocks && e - b < per_buf && !ch->zero[e])
            e++;
        roff = b * ST_NBD_BLOCK_SIZE;
        rend = e * ST_NBD_BLOCK_SIZE < ch->len ? e * ST_NBD_BLOCK_SIZE : ch->len;
        *rr = (struct rread) {
            .used = true, .chunk = ch, .block = b, .off = ch->off + roff,
            .bytes = rend - roff, .buf = rr->buf,
        };
        ch->next_block = e;
        ch->reads++;
        for (uint64_t done = 0; done < rr->bytes;) {
            uint64_t count = rr->bytes - done < r->max_request ? rr->bytes - done
                                                               : r->max_request;

            rr->pending++;
            if (nbd_aio_pread(r->h, rr->buf + done, count, rr->off + done,
                              (nbd_completion_callback) { .callback = read_done,
                                                          .user_data = rr },
                              0) == -1) {
                rr->pending--;
                st_nbd_set_error(errp, r->job->uri, "read at offset %" PRIu64, rr->off + done);
                return false;
            }
            done += count;
        }
    }
    return true;
}

/* All of @ch is read and hashed: fill in its zero blocks and hand the
 * slot to the combiner. */
static void
finish_chunk(struct reader *r, struct rchunk *ch)
{
    struct job *job = r->job;

    for (uint64_t b = 0; b < ch->nblocks; b++) {
        uint64_t boff = b * ST_NBD_BLOCK_SIZE;
        uint64_t blen = ch->len - boff < ST_NBD_BLOCK_SIZE ? ch->len - boff : ST_NBD_BLOCK_SIZE;

        if (!ch->zero[b])
            continue;
        if (blen == ST_NBD_BLOCK_SIZE)
            memcpy(ch->slot->d + b * job->len, job->zero_digest, job->len);
        else
            hash_block(&r->hs, job->zeros, blen, ch->slot->d + b * job->len);
    }
    pthread_mutex_lock(&job->lock);
    ch->slot->ready = true;
    pthread_cond_broadcast(&job->cond);
    pthread_mutex_unlock(&job->lock);
    ch->used = false;
}

/* Hash the reads that have arrived. */
static bool
harvest(struct reader *r, struct st_error **errp)
{
    struct job *job = r->job;

    for (size_t i = 0; i < READS_IN_FLIGHT; i++) {
        struct rread *rr = &r->reads[i];
        struct rchunk *ch = rr->chunk;

        if (!rr->used || rr->pending)
            continue;
        if (rr->err) {
            st_error_set_errno(errp, rr->err, ST_E_NBD,
                               "NBD export '%s': read at offset %" PRIu64 " failed",
                               job->uri, rr->off);
            return false;
        }
        for (uint64_t done = 0, b = rr->block; done < rr->bytes; done += ST_NBD_BLOCK_SIZE, b++) {
            uint64_t blen = rr->bytes - done < ST_NBD_BLOCK_SIZE ? rr->bytes - done
                                                                 : ST_NBD_BLOCK_SIZE;

            hash_block(&r->hs, rr->buf + done, blen, ch->slot->d + b * job->len);
        }
        ch->slot->bytes_read += rr->bytes;
        ch->reads--;
        rr->used = false;
    }
    return true;
}

/* The offset of the oldest request in flight, for error messages;
 * true when it is a read, false when it is a block-status request. */
static bool
oldest_in_flight(const struct reader *r, uint64_t *off)
{
    bool is_read = true;

    *off = UINT64_MAX;
    for (size_t i = 0; i < READS_IN_FLIGHT; i++)
        if (r->reads[i].used && r->reads[i].pending && r->reads[i].off < *off)
            *off = r->reads[i].off;
    for (size_t i = 0; i < READER_CHUNKS; i++) {
        if (r->chunks[i].used && r->chunks[i].bs_busy && r->chunks[i].walk.pos < *off) {
            *off = r->chunks[i].walk.pos;
            is_read = false;
        }
    }
    if (*off == UINT64_MAX)
        *off = 0;
    return is_read;
}

static bool
run_reader(struct reader *r, struct st_error **errp)
{
    struct job *job = r->job;

    for (;;) {
        struct rchunk *order[READER_CHUNKS];
        size_t n;
        uint64_t off;
        bool is_read;
        int rc;

        if (job_failed(job))
            return true;    /* another reader's error is reported */
        if (!r->done)
            take_chunks(r);
        if (!harvest(r, errp))
            return false;
        /* Work on the held chunks in file order, so that the one the
         * combiner waits for gets the buffers first. */
        n = 0;
        for (size_t i = 0, j; i < READER_CHUNKS; i++) {
            if (!r->chunks[i].used)
                continue;
            for (j = n++; j > 0 && order[j - 1]->c > r->chunks[i].c; j--)
                order[j] = order[j - 1];
            order[j] = &r->chunks[i];
        }
        for (size_t i = 0; i < n; i++) {
            struct rchunk *ch = order[i];

            if (ch->bs_busy)
                continue;
            if (!ch->known && !advance_block_status(r, ch, errp))
                return false;
            if (!ch->known)
                continue;
            if (!issue_reads(r, ch, errp))
                return false;
            if (ch->next_block == ch->nblocks && ch->reads == 0)
                finish_chunk(r, ch);
        }
        if (nbd_aio_in_flight(r->h) == 0) {
            if (r->done && nchunks_used(r) == 0)
                return true;
            continue;
        }
        /* Before polling: when the server dies, libnbd retires every
         * request inside nbd_poll(), and none is left to name. */
        is_read = oldest_in_flight(r, &off);
        rc = nbd_poll(r->h, st_nbd_stall_ms());
        if (rc == -1) {
            st_nbd_set_error(errp, job->uri, "%s at offset %" PRIu64,
                             is_read ? "read" : "block status", off);
            return false;
        }
        if (rc == 0) {
            CLEANUP_FREE char *what = st_xasprintf("%s at offset %" PRIu64,
                                                   is_read ? "a read" : "block status", off);

            st_nbd_set_stall_error(errp, job->uri, what, st_nbd_stall_ms());
            return false;
        }
    }
}

static void *
reader_main(void *opaque)
{
    struct reader *r = opaque;
    struct st_error *err = NULL;

    if (!run_reader(r, &err))
        fail_job(r->job, err);
    return NULL;
}

/* The combiner: runs on the calling thread while the readers work. */
static bool
combine(struct job *job, struct hasher *final, uint64_t *bytes_read)
{
    bool ok;

    final_begin(final, job->size);
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
        /* The slot is the combiner's until it clears ready. */
        pthread_mutex_unlock(&job->lock);
        final_update(final, slot->d, nblocks * job->len);
        *bytes_read += slot->bytes_read;
        if (job->opts && job->opts->progress &&
            !job->opts->progress(off + len, job->size, job->opts->opaque)) {
            struct st_error *err = NULL;

            st_error_set(&err, ST_E_JOB, "digest of %s cancelled", job->uri);
            fail_job(job, err);     /* the readers see it and stop */
        }
        pthread_mutex_lock(&job->lock);
        slot->ready = false;
        job->consumed++;
        pthread_cond_broadcast(&job->cond);
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
st_nbd_digest_uri(const char *uri, enum st_nbd_digest_alg alg,
                  const struct st_nbd_read_opts *opts,
                  struct st_nbd_digest *out, struct st_error **errp)
{
    struct nbd_handle *hs[ST_NBD_MAX_CONNECTIONS] = { NULL };
    struct reader *readers = NULL;
    pthread_t threads[ST_NBD_MAX_CONNECTIONS];
    struct hasher final;
    CLEANUP_FREE uint8_t *zeros = NULL;
    struct job job = { .uri = uri, .opts = opts, .len = algs[alg].len };
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
    nconn = st_nbd_connections(hs[0], opts && opts->connections ? opts->connections
                                                                : DEFAULT_CONNECTIONS);
    if (nconn > job.nchunks)
        nconn = job.nchunks ? (unsigned) job.nchunks : 1;
    /* Extra connections are an optimisation: go on with those we get. */
    for (unsigned i = 1; i < nconn; i++) {
        if (!(hs[i] = st_nbd_open_extra(uri, ST_NBD_WANT_ALLOCATION))) {
            nconn = i;
            break;
        }
    }
    st_debug("%s of %s: %" PRIu64 " bytes, %u connections", algs[alg].name, uri,
             job.size, nconn);

    hasher_init(&final, alg);
    zeros = st_xcalloc(1, ST_NBD_BLOCK_SIZE);
    job.zeros = zeros;
    hash_block(&final, zeros, ST_NBD_BLOCK_SIZE, job.zero_digest);
    job.ring = st_xcalloc(RING_SLOTS, sizeof *job.ring);
    pthread_mutex_init(&job.lock, NULL);
    pthread_cond_init(&job.cond, NULL);

    readers = st_xcalloc(nconn, sizeof *readers);
    for (unsigned i = 0; i < nconn; i++) {
        struct reader *r = &readers[i];
        int rc;

        r->job = &job;
        r->h = hs[i];
        r->has_allocation = st_nbd_has_context(hs[i], ST_NBD_CTX_ALLOCATION);
        r->max_request = st_nbd_max_request(hs[i], READ_SIZE);
        /* Whole blocks per buffer; a server whose requests are smaller
         * than a block gets each buffer in several requests. */
        r->read_size = READ_SIZE;
        r->bufs = st_xmalloc(READS_IN_FLIGHT * r->read_size);
        for (size_t k = 0; k < READS_IN_FLIGHT; k++)
            r->reads[k].buf = r->bufs + k * r->read_size;
        hasher_init(&r->hs, alg);
        if ((rc = pthread_create(&threads[i], NULL, reader_main, r)) != 0) {
            struct st_error *err = NULL;

            st_error_set_errno(&err, rc, ST_E_IO, "cannot start a reader thread");
            fail_job(&job, err);
            break;
        }
        started++;
    }
    ok = started > 0 && combine(&job, &final, &bytes_read);
    for (unsigned i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    /* Closing abandons whatever a failed reader left in flight; only
     * then are its buffers free to go. */
    close_all(hs, nconn);
    for (unsigned i = 0; i < nconn; i++) {
        free(readers[i].bufs);
        hasher_free(&readers[i].hs);
        for (size_t k = 0; k < READER_CHUNKS; k++)
            st_nbd_extents_clear(&readers[i].chunks[k].ext);
    }
    free(readers);
    pthread_cond_destroy(&job.cond);
    pthread_mutex_destroy(&job.lock);
    free(job.ring);

    if (!ok || job.failed) {
        hasher_free(&final);
        if (job.err)
            st_error_propagate(errp, job.err);
        else
            st_error_set(errp, ST_E_INTERNAL, "digest of '%s' failed", uri);
        return false;
    }
    out->alg = alg;
    out->len = algs[alg].len;
    final_end(&final, out->digest);
    hasher_free(&final);
    st_hex(out->digest, out->len, out->hex);
    out->size = job.size;
    out->bytes_read = bytes_read;
    out->connections = nconn;
    return true;
}

void
st_nbd_digest_buffer(enum st_nbd_digest_alg alg, const void *buf, uint64_t size,
                     uint8_t *out)
{
    struct hasher hs;
    const uint8_t *p = buf;
    uint8_t d[ST_NBD_DIGEST_MAX_LEN];
    CLEANUP_SHA256 struct st_sha256 *block = NULL;

    hasher_init(&hs, alg);
    if (alg == ST_NBD_DIGEST_SHA256_64K)
        block = st_sha256_new();
    final_begin(&hs, size);
    for (uint64_t off = 0; off < size; off += ST_NBD_BLOCK_SIZE) {
        uint64_t len = size - off < ST_NBD_BLOCK_SIZE ? size - off : ST_NBD_BLOCK_SIZE;

        /* The final state is in use: hash the blocks apart from it. */
        if (block)
            st_sha256_oneshot(block, p + off, len, d);
        else
            st_xxh128_oneshot(p + off, len, d);
        final_update(&hs, d, algs[alg].len);
    }
    final_end(&hs, out);
    hasher_free(&hs);
}
