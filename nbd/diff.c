/* nbd/diff.c: find candidates (allocation depth, or everything), then
 * confirm them by reading both sides with N pairs of connections.
 *
 *   candidates:  [----]     [--------------]   (64 KiB aligned)
 *   items:       [----]     [-4M-][-4M-][--]   (handed to readers)
 *   reader:      zero map of both sides, read what is not zero, compare
 *                block by block, keep differing blocks in its own list
 *   main:        joins, merges the lists */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "nbd/diff.h"
#include "nbd/digest.h"
#include "nbd/extents.h"

ST_LOG_INIT("nbd.diff");

#define BLOCK ST_NBD_DIFF_GRANULARITY
#define ITEM_SIZE ST_NBD_CHUNK_SIZE
#define ITEM_BLOCKS (ITEM_SIZE / BLOCK)

ST_STATIC_ASSERT(ST_NBD_DIFF_GRANULARITY == ST_NBD_BLOCK_SIZE,
                 "diff reports in digest blocks");

struct job {
    const char *new_uri, *old_uri;
    const struct st_nbd_read_opts *opts;
    struct st_nbd_range *items;     /* owned */
    size_t nitems;
    uint64_t total;

    pthread_mutex_t lock;
    size_t next;
    uint64_t done;
    bool failed;
    struct st_error *err;           /* first failure, owned */
};

struct reader {
    struct job *job;
    struct nbd_handle *hn, *ho;     /* borrowed */
    uint64_t max_n, max_o;
    struct st_nbd_ranges found;     /* owned */
    uint64_t bytes_read;
};

void
st_nbd_diff_clear(struct st_nbd_diff *d)
{
    st_nbd_ranges_clear(&d->ranges);
    *d = (struct st_nbd_diff) { 0 };
}

/* Read the blocks of [off, off+len) not marked zero; zero the others. */
static bool
read_side(struct nbd_handle *h, const char *uri, uint64_t max, uint8_t *buf,
          uint64_t off, uint64_t len, const bool *zero, uint64_t *bytes,
          struct st_error **errp)
{
    uint64_t nblocks = (len + BLOCK - 1) / BLOCK;

    for (uint64_t b = 0; b < nblocks;) {
        uint64_t e = b, start = b * BLOCK, end;

        if (zero[b]) {
            end = start + BLOCK < len ? start + BLOCK : len;
            memset(buf + start, 0, end - start);
            b++;
            continue;
        }
        while (e < nblocks && !zero[e])
            e++;
        end = e * BLOCK < len ? e * BLOCK : len;
        if (!st_nbd_pread(h, uri, buf + start, off + start, end - start, max, errp))
            return false;
        *bytes += end - start;
        b = e;
    }
    return true;
}

static bool
compare_item(struct reader *r, uint8_t *bn, uint8_t *bo,
             const struct st_nbd_range *it, struct st_error **errp)
{
    struct job *job = r->job;
    uint64_t nblocks = (it->length + BLOCK - 1) / BLOCK;
    bool zn[ITEM_BLOCKS], zo[ITEM_BLOCKS];

    if (!st_nbd_zero_blocks(r->hn, job->new_uri, it->offset, it->length, BLOCK, zn, errp) ||
        !st_nbd_zero_blocks(r->ho, job->old_uri, it->offset, it->length, BLOCK, zo, errp))
        return false;
    if (!read_side(r->hn, job->new_uri, r->max_n, bn, it->offset, it->length, zn,
                   &r->bytes_read, errp) ||
        !read_side(r->ho, job->old_uri, r->max_o, bo, it->offset, it->length, zo,
                   &r->bytes_read, errp))
        return false;
    for (uint64_t b = 0; b < nblocks; b++) {
        uint64_t start = b * BLOCK;
        uint64_t len = it->length - start < BLOCK ? it->length - start : BLOCK;

        if (zn[b] && zo[b])
            continue;
        if (memcmp(bn + start, bo + start, len) != 0)
            st_nbd_ranges_add(&r->found, it->offset + start, len);
    }
    return true;
}

static void *
reader_main(void *opaque)
{
    struct reader *r = opaque;
    struct job *job = r->job;
    CLEANUP_FREE uint8_t *bn = st_xmalloc(ITEM_SIZE);
    CLEANUP_FREE uint8_t *bo = st_xmalloc(ITEM_SIZE);

    for (;;) {
        struct st_error *err = NULL;
        const struct st_nbd_range *it;

        pthread_mutex_lock(&job->lock);
        if (job->failed || job->next >= job->nitems) {
            pthread_mutex_unlock(&job->lock);
            return NULL;
        }
        it = &job->items[job->next++];
        pthread_mutex_unlock(&job->lock);

        if (!compare_item(r, bn, bo, it, &err)) {
            pthread_mutex_lock(&job->lock);
            if (!job->failed) {
                job->failed = true;
                job->err = ST_STEAL(&err);
            }
            pthread_mutex_unlock(&job->lock);
            st_error_free(err);
            return NULL;
        }
        pthread_mutex_lock(&job->lock);
        job->done += it->length;
        /* Under the lock, so that calls never overlap (conn.h). */
        if (job->opts && job->opts->progress &&
            !job->opts->progress(job->done, job->total, job->opts->opaque) && !job->failed) {
            job->failed = true;
            st_error_set(&job->err, ST_E_JOB, "diff of %s cancelled", job->new_uri);
        }
        pthread_mutex_unlock(&job->lock);
    }
}

/* Candidates from allocation depth: bytes that a layer above the older
 * point's file allocates. */
static bool
depth_candidates(struct nbd_handle *hn, const char *uri, unsigned depth,
                 uint64_t limit, struct st_nbd_ranges *cand, struct st_error **errp)
{
    struct st_nbd_extents e = { 0 };

    if (!st_nbd_has_context(hn, ST_NBD_CTX_DEPTH)) {
        st_error_set(errp, ST_E_USAGE,
                     "NBD export '%s' does not provide '%s', needed to diff by allocation",
                     uri, ST_NBD_CTX_DEPTH);
        st_error_hint(errp, "export the newer point with allocation-depth, or compare everything (depth 0)");
        return false;
    }
    if (!st_nbd_extents_walk(hn, uri, ST_NBD_CTX_DEPTH, 0, limit, &e, errp))
        return false;
    for (size_t i = 0; i < e.n; i++) {
        if (e.v[i].flags >= 1 && e.v[i].flags <= depth)
            st_nbd_ranges_add(cand, e.v[i].offset, e.v[i].length);
    }
    st_nbd_extents_clear(&e);
    return true;
}

/* Cut the candidates into items of at most ITEM_SIZE. */
static void
make_items(struct job *job, const struct st_nbd_ranges *cand)
{
    size_t cap = 0;

    for (size_t i = 0; i < cand->n; i++)
        cap += (cand->v[i].length + ITEM_SIZE - 1) / ITEM_SIZE;
    job->items = st_xcalloc(cap ? cap : 1, sizeof *job->items);
    for (size_t i = 0; i < cand->n; i++) {
        for (uint64_t p = 0; p < cand->v[i].length; p += ITEM_SIZE) {
            uint64_t n = cand->v[i].length - p < ITEM_SIZE ? cand->v[i].length - p : ITEM_SIZE;

            job->items[job->nitems++] = (struct st_nbd_range) {
                .offset = cand->v[i].offset + p, .length = n,
            };
        }
    }
    job->total = st_nbd_ranges_bytes(cand);
}

/* Scope-bound cleanups for the locals of st_nbd_diff_uri(). */
static void
close_handles(struct nbd_handle *(*hs)[ST_NBD_MAX_CONNECTIONS])
{
    for (unsigned i = 0; i < ST_NBD_MAX_CONNECTIONS; i++)
        nbd_close((*hs)[i]);
}

static void
clear_diff(struct st_nbd_diff *d)
{
    st_nbd_diff_clear(d);
}

static bool
run_readers(struct job *job, struct nbd_handle **hn, struct nbd_handle **ho,
            unsigned nconn, struct st_nbd_diff *out)
{
    struct reader readers[ST_NBD_MAX_CONNECTIONS];
    pthread_t threads[ST_NBD_MAX_CONNECTIONS];
    unsigned started = 0;

    for (unsigned i = 0; i < nconn; i++) {
        int rc;

        readers[i] = (struct reader) {
            .job = job, .hn = hn[i], .ho = ho[i],
            .max_n = st_nbd_max_request(hn[i], ST_NBD_READ_SIZE),
            .max_o = st_nbd_max_request(ho[i], ST_NBD_READ_SIZE),
        };
        if ((rc = pthread_create(&threads[i], NULL, reader_main, &readers[i])) != 0) {
            pthread_mutex_lock(&job->lock);
            if (!job->failed) {
                job->failed = true;
                st_error_set_errno(&job->err, rc, ST_E_IO, "cannot start a reader thread");
            }
            pthread_mutex_unlock(&job->lock);
            break;
        }
        started++;
    }
    for (unsigned i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
        st_nbd_ranges_extend(&out->ranges, &readers[i].found);
        st_nbd_ranges_clear(&readers[i].found);
        out->bytes_read += readers[i].bytes_read;
    }
    return !job->failed;
}

bool
st_nbd_diff_uri(const char *new_uri, const char *old_uri, unsigned depth,
                const struct st_nbd_read_opts *opts, struct st_nbd_diff *out,
                struct st_error **errp)
{
    ST_CLEANUP(close_handles) struct nbd_handle *hn[ST_NBD_MAX_CONNECTIONS] = { NULL };
    ST_CLEANUP(close_handles) struct nbd_handle *ho[ST_NBD_MAX_CONNECTIONS] = { NULL };
    ST_CLEANUP(st_nbd_ranges_clear) struct st_nbd_ranges cand = { 0 };
    ST_CLEANUP(clear_diff) struct st_nbd_diff res = { 0 };
    struct job job = { .new_uri = new_uri, .old_uri = old_uri, .opts = opts };
    CLEANUP_FREE struct st_nbd_range *items = NULL;
    unsigned nconn = 1, want, wanted = opts ? opts->connections : 0;
    int64_t sn, so;
    uint64_t common, larger;
    bool ok;

    st_nbd_diff_clear(out);
    /* Depth is needed once, on the first handle to the newer point. */
    if (!(hn[0] = st_nbd_open(new_uri, depth ? ST_NBD_WANT_ALL : ST_NBD_WANT_ALLOCATION, errp)) ||
        !(ho[0] = st_nbd_open(old_uri, ST_NBD_WANT_ALLOCATION, errp)))
        return false;
    if ((sn = st_nbd_size(hn[0], new_uri, errp)) < 0 ||
        (so = st_nbd_size(ho[0], old_uri, errp)) < 0)
        return false;
    res.size_new = (uint64_t) sn;
    res.size_old = (uint64_t) so;
    common = sn < so ? (uint64_t) sn : (uint64_t) so;
    larger = sn > so ? (uint64_t) sn : (uint64_t) so;

    if (depth > 0) {
        if (!depth_candidates(hn[0], new_uri, depth, common, &cand, errp))
            return false;
    } else {
        st_nbd_ranges_add(&cand, 0, common);
    }
    st_nbd_ranges_normalize(&cand, BLOCK, common);
    make_items(&job, &cand);
    items = job.items;
    res.candidate_bytes = job.total;

    want = st_nbd_connections(hn[0], wanted);
    if (st_nbd_connections(ho[0], wanted) < want)
        want = st_nbd_connections(ho[0], wanted);
    if (want > job.nitems)
        want = job.nitems ? (unsigned) job.nitems : 1;
    /* Extra connection pairs are an optimisation: go on with those we get. */
    for (; nconn < want; nconn++) {
        if (!(hn[nconn] = st_nbd_open_extra(new_uri, ST_NBD_WANT_ALLOCATION)))
            break;
        if (!(ho[nconn] = st_nbd_open_extra(old_uri, ST_NBD_WANT_ALLOCATION))) {
            nbd_close(hn[nconn]);
            hn[nconn] = NULL;
            break;
        }
    }
    st_debug("diff %s against %s: depth %u, %" PRIu64 " candidate bytes in %zu items, "
             "%u connection pairs", new_uri, old_uri, depth, job.total, job.nitems, nconn);
    res.connections = nconn;

    pthread_mutex_init(&job.lock, NULL);
    ok = run_readers(&job, hn, ho, nconn, &res);
    pthread_mutex_destroy(&job.lock);
    if (!ok) {
        st_error_propagate(errp, ST_STEAL(&job.err));
        return false;
    }

    /* Bytes present on one side only differ by definition. */
    st_nbd_ranges_add(&res.ranges, common, larger - common);
    st_nbd_ranges_normalize(&res.ranges, BLOCK, larger);
    *out = res;
    res = (struct st_nbd_diff) { 0 };
    return true;
}
