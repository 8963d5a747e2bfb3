/* chain/chain.c: walk a backing chain top-down, reading only headers
 * and allocation tables, and record every fault on the layer it
 * concerns.  Formats are never probed: the top is qcow2 unless told,
 * and a backing file is opened with the format its overlay records. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/errname.h"
#include "common/error.h"
#include "common/log.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "chain/backing.h"
#include "chain/chain.h"
#include "chain/qcow2.h"

ST_LOG_INIT("chain.chain");

static const char *const fault_names[] = {
    [ST_FAULT_MISSING] = "missing",
    [ST_FAULT_UNREADABLE] = "unreadable",
    [ST_FAULT_BAD_HEADER] = "bad-header",
    [ST_FAULT_BAD_TABLE] = "bad-table",
    [ST_FAULT_LOOP] = "loop",
    [ST_FAULT_NO_BACKING_FORMAT] = "no-backing-format",
    [ST_FAULT_FORMAT_MISMATCH] = "format-mismatch",
    [ST_FAULT_UNSUPPORTED_FORMAT] = "unsupported-format",
    [ST_FAULT_UNSUPPORTED_BACKING] = "unsupported-backing",
    [ST_FAULT_BACKING_SMALLER] = "backing-smaller",
    [ST_FAULT_BACKING_LARGER] = "backing-larger",
    [ST_FAULT_UNKNOWN_FEATURE] = "unknown-feature",
    [ST_FAULT_CORRUPT] = "corrupt",
    [ST_FAULT_DIRTY] = "dirty",
    [ST_FAULT_ENCRYPTED] = "encrypted",
    [ST_FAULT_DATA_FILE] = "data-file",
    [ST_FAULT_TOO_DEEP] = "too-deep",
};
ST_STATIC_ASSERT(sizeof(fault_names) / sizeof(fault_names[0]) == ST_FAULT__LAST,
                 "a fault code has no name");

const char *
st_fault_code_name(enum st_fault_code code)
{
    if ((unsigned) code >= ST_FAULT__LAST)
        return "unknown";
    return fault_names[code];
}

static void add_fault(struct st_chain *chain, struct st_layer *layer, enum st_fault_code code,
                      const char *fmt, ...) ST_PRINTF(4, 5);

/* A moved chain's usual state: the backing string names the old
 * directory, the file itself sits beside the overlay.  When a file of
 * that name is there, reads as @format and has the overlay's virtual
 * size, say so in @f's hint, with the command that points the overlay
 * at it: 'strata chain rebase --map', which checks the file's own chain
 * before it writes anything (only a hint: the walk here reads one
 * header of the candidate, not its chain). */
static void
hint_candidate(struct st_fault *f, const char *missing, const struct st_layer *overlay,
               const char *format)
{
    CLEANUP_FREE char *dir = st_path_dirname(overlay->abs_path);
    CLEANUP_FREE char *base = st_path_basename(missing);
    CLEANUP_FREE char *cand = st_path_join(dir, base);
    struct st_chain_opts copts = { .format = format, .skip_allocation = true, .max_depth = 1 };
    CLEANUP_CHAIN struct st_chain *c = NULL;

    if (strcmp(cand, missing) == 0 || !st_path_exists(cand) ||
        !(c = st_chain_load(cand, &copts, NULL)) || !c->layers[0].has_header ||
        !overlay->has_header || c->layers[0].virtual_size != overlay->virtual_size)
        return;
    /* Its own header must be sound; what lies below it is not walked. */
    for (size_t i = 0; i < c->layers[0].n_faults; i++)
        if (c->layers[0].faults[i].code != ST_FAULT_TOO_DEEP)
            return;
    CLEANUP_FREE char *old_dir = st_path_dirname(missing);

    f->hint = st_xasprintf("'%s' beside the overlay has that name, format (%s) and size; if it "
                           "is the file meant, 'strata chain rebase %s --map %s=%s' points the "
                           "overlay at it", cand, format ? format : "qcow2", overlay->abs_path,
                           old_dir, dir);
}

static void
add_fault(struct st_chain *chain, struct st_layer *layer, enum st_fault_code code,
          const char *fmt, ...)
{
    va_list ap;
    struct st_fault *f;

    layer->faults = st_xreallocarray(layer->faults, layer->n_faults + 1, sizeof(*layer->faults));
    f = &layer->faults[layer->n_faults++];
    f->code = code;
    f->hint = NULL;
    va_start(ap, fmt);
    f->message = st_xvasprintf(fmt, ap);
    va_end(ap);
    chain->n_faults++;
    st_debug("%s: %s: %s", layer->path, fault_names[code], f->message);
}

/* The layers' strings, packed one after another in blocks that go
 * with the chain: six malloc'd strings per layer were a fifth of a deep
 * walk's instructions (malloc, free and their copies) and, at depth
 * 256, a dozen pages of heap.  Only fault messages, rare, are malloc'd
 * each on its own. */
struct st_chain_strings {
    struct st_chain_strings *next;  /* owned; the blocks filled before */
    size_t used, size;              /* bytes of data[] */
    char data[];
};

enum { STRING_BLOCK = 4096 - 64 };  /* data bytes of a block; with its header, under a page */

/* Room for @n bytes among the chain's strings.  A string larger than a
 * block gets a block of its own. */
static char *
chain_alloc(struct st_chain *chain, size_t n)
{
    struct st_chain_strings *b = chain->strings;

    if (!b || b->size - b->used < n) {
        size_t size = n > STRING_BLOCK ? n : STRING_BLOCK;

        /* @n is the length of a string already in memory, so the header
         * cannot overflow it, but say so. */
        if (size > SIZE_MAX - sizeof(*b))
            abort();
        b = st_xmalloc(sizeof(*b) + size);
        b->next = chain->strings;
        b->used = 0;
        b->size = size;
        chain->strings = b;
    }
    b->used += n;
    return b->data + b->used - n;
}

static char *
chain_strdup(struct st_chain *chain, const char *s)
{
    size_t n = strlen(s) + 1;

    return memcpy(chain_alloc(chain, n), s, n);
}

/* st_path_join_into() among the chain's strings; @name alone when
 * @n is 0. */
static char *
chain_path_join(struct st_chain *chain, const char *dir, size_t n, const char *name)
{
    if (n == 0)
        return chain_strdup(chain, name);
    return st_path_join_into(chain_alloc(chain, st_path_join_size(dir, n, name)), dir, n, name);
}

static void
layer_clear(struct st_layer *l)
{
    /* Its strings are the chain's (st_chain_free()). */
    for (size_t i = 0; i < l->n_faults; i++) {
        free(l->faults[i].message);
        free(l->faults[i].hint);
    }
    free(l->faults);
}

void
st_chain_free(struct st_chain *chain)
{
    if (!chain)
        return;
    for (size_t i = 0; i < chain->n_layers; i++)
        layer_clear(&chain->layers[i]);
    free(chain->layers);
    while (chain->strings) {
        struct st_chain_strings *next = chain->strings->next;

        free(chain->strings);
        chain->strings = next;
    }
    free(chain);
}

static bool
known_format(const char *f)
{
    return strcmp(f, "qcow2") == 0 || strcmp(f, "raw") == 0;
}

/* Bytes from offset 0, short only at EOF. */
static ssize_t
read_head(int fd, void *buf, size_t n)
{
    size_t done = 0;

    while (done < n) {
        ssize_t r = pread(fd, (char *) buf + done, n - done, (off_t) done);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        done += (size_t) r;
    }
    return (ssize_t) done;
}

/* The faults a header's feature bits call for. */
static void
feature_faults(struct st_chain *chain, struct st_layer *l, const struct st_qcow2_header *h)
{
    uint64_t unknown = h->incompatible & ~(uint64_t) ST_QCOW2_INCOMPAT_KNOWN;

    if (h->incompatible & ST_QCOW2_INCOMPAT_CORRUPT)
        add_fault(chain, l, ST_FAULT_CORRUPT, "'%s' is marked corrupt: QEMU opens it read-only only; run 'qemu-img check -r all'",
                  l->path);
    if (h->incompatible & ST_QCOW2_INCOMPAT_DIRTY)
        add_fault(chain, l, ST_FAULT_DIRTY, "'%s' has the dirty bit set (refcounts not flushed); run 'qemu-img check -r all'",
                  l->path);
    /* Up to the highest unknown bit only: most images have none, and 64
     * idle turns per layer showed in a deep walk's profile. */
    for (unsigned bit = 0; bit < 64 && unknown >> bit; bit++) {
        char buf[ST_QCOW2_FEATURE_NAME_LEN + 1];
        const char *name;

        if (!(unknown & (UINT64_C(1) << bit)))
            continue;
        name = st_qcow2_incompat_name(h, bit, buf);
        if (name)
            add_fault(chain, l, ST_FAULT_UNKNOWN_FEATURE, "'%s' uses unknown incompatible feature bit %u ('%s')",
                      l->path, bit, name);
        else
            add_fault(chain, l, ST_FAULT_UNKNOWN_FEATURE, "'%s' uses unknown incompatible feature bit %u",
                      l->path, bit);
    }
    if (h->crypt_method != 0)
        add_fault(chain, l, ST_FAULT_ENCRYPTED, "'%s' is encrypted (method %" PRIu32 "); strata does not manage encrypted images",
                  l->path, h->crypt_method);
    if (h->incompatible & ST_QCOW2_INCOMPAT_DATA_FILE)
        add_fault(chain, l, ST_FAULT_DATA_FILE, "'%s' keeps its data in external file '%s'; strata does not manage external data files",
                  l->path, h->data_file ? h->data_file : "(not named)");
}

/* Files of layers already read are closed in batches: close_range()
 * over each run of consecutive descriptors is one syscall where close()
 * was one per layer (a syscall costs microseconds on a VM). */
enum { DONE_FDS = 128 };

enum { SEEN_BITS = 4096 };      /* 512 bytes: an eighth of a page */

/* What the walk reuses from layer to layer: buffers (allocating and
 * faulting in fresh clusters per layer was most of the cost of a deep
 * chain), the current directory, the files seen (for loops) and the
 * descriptors waiting to be closed. */
struct walk_ctx {
    unsigned char *head;        /* owned; the first cluster */
    size_t head_len;
    struct st_qcow2_scratch scratch;
    char *cwd;                  /* owned, or NULL */
    uint64_t seen[SEEN_BITS / 64];  /* filter of the layers' files (seen_before()) */
    int done_fds[DONE_FDS];     /* owned; read layers' files, closed in batches */
    size_t n_done_fds;
};

/* Whether the file @dev/@ino is a layer of @chain already (a loop); if
 * not, it is noted.  The filter (SEEN_BITS bits, one per hash of a file)
 * says "no" for nearly every new file at once; only when its bit is set
 * are the layers compared one by one.  Comparing every layer each time
 * was quadratic (a tenth of a 256-deep walk's instructions); a hash set
 * of the files grew to 6 pages there, each a page fault (~11 us here). */
static bool
seen_before(struct walk_ctx *ctx, const struct st_chain *chain, dev_t dev, ino_t ino)
{
    uint64_t h = ((uint64_t) ino * UINT64_C(0x9e3779b97f4a7c15)) ^ (uint64_t) dev;
    size_t bit = (size_t) (h ^ (h >> 29)) % SEEN_BITS;

    if (ctx->seen[bit / 64] & (UINT64_C(1) << (bit % 64))) {
        for (size_t i = 0; i < chain->n_layers; i++)
            if (chain->layers[i].exists && chain->layers[i].dev == dev &&
                chain->layers[i].ino == ino)
                return true;
    }
    ctx->seen[bit / 64] |= UINT64_C(1) << (bit % 64);
    return false;
}

enum { HEAD_READ = 4096 };  /* holds the header, extensions and backing name of most images */

static unsigned char *
head_buf(struct walk_ctx *ctx, size_t want)
{
    if (ctx->head_len < want) {
        free(ctx->head);
        ctx->head = st_xmalloc(want);
        ctx->head_len = want;
    }
    return ctx->head;
}

static int
cmp_int(const void *a, const void *b)
{
    int x = *(const int *) a, y = *(const int *) b;

    return (x > y) - (x < y);
}

/* Close the batch.  Only runs of descriptors that are all ours are
 * passed to close_range(): a number in such a run cannot belong to
 * anyone else, since we have not closed it yet. */
static void
close_done_fds(struct walk_ctx *ctx)
{
    size_t i = 0;
    bool sorted = true;

    /* Usually sorted already (each open() takes the lowest free number,
     * and none is closed in between), and qsort() with its callback
     * cost ten times this check on such a batch. */
    for (size_t j = 1; j < ctx->n_done_fds && sorted; j++)
        sorted = ctx->done_fds[j - 1] < ctx->done_fds[j];
    if (!sorted)
        qsort(ctx->done_fds, ctx->n_done_fds, sizeof(int), cmp_int);
    while (i < ctx->n_done_fds) {
        size_t j = i;

        while (j + 1 < ctx->n_done_fds && ctx->done_fds[j + 1] == ctx->done_fds[j] + 1)
            j++;
        /* The raw syscall: glibc 2.36 has a close_range() wrapper but
         * older C libraries do not.  On a kernel without it (before
         * 5.9) this fails and close() does it. */
        if (j > i && syscall(SYS_close_range, (unsigned) ctx->done_fds[i],
                             (unsigned) ctx->done_fds[j], 0u) == 0) {
            i = j + 1;
            continue;
        }
        for (; i <= j; i++)
            close(ctx->done_fds[i]);
    }
    ctx->n_done_fds = 0;
}

/* Hand a read layer's descriptor to the batch (ownership included). */
static void
done_with_fd(struct walk_ctx *ctx, int fd)
{
    if (fd < 0)
        return;
    if (ctx->n_done_fds == DONE_FDS)
        close_done_fds(ctx);
    ctx->done_fds[ctx->n_done_fds++] = fd;
}

static void
walk_ctx_clear(struct walk_ctx *ctx)
{
    close_done_fds(ctx);
    free(ctx->head);
    free(ctx->cwd);
    st_qcow2_scratch_clear(&ctx->scratch);
}
#define CLEANUP_WALK_CTX ST_CLEANUP(walk_ctx_clear)

/* Open a layer's file, close-on-exec: the openat syscall itself, as
 * some C libraries' open() follows an O_CLOEXEC open with an fcntl()
 * for old kernels.  O_LARGEFILE as open() adds it (implied on 64-bit
 * kernels). */
static int
open_layer(const char *path)
{
    return (int) syscall(SYS_openat, AT_FDCWD, path,
                         O_RDONLY | O_CLOEXEC | O_NOCTTY | O_LARGEFILE);
}

/* Read a qcow2 layer.  Returns false when the walk cannot go below it. */
static bool
read_qcow2(struct st_chain *chain, struct st_layer *l, int fd, bool is_top,
           const struct st_chain_opts *opts, struct walk_ctx *ctx)
{
    CLEANUP_ERROR struct st_error *err = NULL;
    unsigned char *buf = head_buf(ctx, HEAD_READ);
    struct st_qcow2_header h;
    struct st_qcow2_alloc a;
    size_t want;
    ssize_t got;

    if ((got = read_head(fd, buf, HEAD_READ)) < 0) {
        add_fault(chain, l, ST_FAULT_UNREADABLE, "cannot read '%s': %s", l->path, strerror(errno));
        return false;
    }
    if (!st_qcow2_has_magic(buf, (size_t) got)) {
        if (is_top)
            add_fault(chain, l, ST_FAULT_BAD_HEADER, "'%s' is not a qcow2 image; if it is raw, say so with --format raw",
                      l->path);
        else
            add_fault(chain, l, ST_FAULT_FORMAT_MISMATCH, "'%s' is recorded as qcow2 but is not a qcow2 image",
                      l->path);
        return false;
    }
    want = st_qcow2_header_span(buf, (size_t) got);
    if (want > l->file_size)
        want = (size_t) l->file_size;
    if (want > (size_t) got && (size_t) got == HEAD_READ) {
        buf = head_buf(ctx, want);
        if ((got = read_head(fd, buf, want)) < 0) {
            add_fault(chain, l, ST_FAULT_UNREADABLE, "cannot read '%s': %s", l->path, strerror(errno));
            return false;
        }
    }
    if (!st_qcow2_parse(buf, (size_t) got, l->file_size, &h, &err)) {
        add_fault(chain, l, ST_FAULT_BAD_HEADER, "'%s': %s", l->path, err->msg);
        return false;
    }
    l->has_header = true;
    l->qcow2_version = h.version;
    l->virtual_size = h.virtual_size;
    l->cluster_size = h.cluster_size;
    l->backing = st_qcow2_backing(&h) ? chain_strdup(chain, h.backing) : NULL;
    l->backing_format = st_qcow2_backing_format(&h) ? chain_strdup(chain, h.backing_format) : NULL;
    feature_faults(chain, l, &h);
    if (!opts->skip_allocation) {
        if (st_qcow2_alloc_read(fd, &h, l->file_size, &ctx->scratch, &a, &err)) {
            l->has_alloc = true;
            l->allocated_bytes = a.data_bytes;
            l->zero_bytes = a.zero_bytes;
            l->compressed_bytes = a.compressed_bytes;
        } else {
            add_fault(chain, l, err->code == ST_E_IO ? ST_FAULT_UNREADABLE : ST_FAULT_BAD_TABLE,
                      "'%s': %s", l->path, err->msg);
        }
    }
    st_qcow2_header_clear(&h);
    return true;
}

/* A raw layer: all of the file is the disk; allocation from the
 * filesystem's holes, as qemu-img map reports it. */
static void
read_raw(struct st_chain *chain, struct st_layer *l, int fd, const struct st_chain_opts *opts)
{
    unsigned char probe[8];
    ssize_t got = read_head(fd, probe, sizeof(probe));
    off_t pos = 0, end = (off_t) l->file_size;

    if (got > 0 && st_qcow2_has_magic(probe, (size_t) got))
        add_fault(chain, l, ST_FAULT_FORMAT_MISMATCH, "'%s' is used as raw but is a qcow2 image: the guest would see its metadata",
                  l->path);
    l->has_header = true;
    l->virtual_size = l->file_size;
    if (opts->skip_allocation)
        return;
    while (pos < end) {
        off_t data = lseek(fd, pos, SEEK_DATA);
        off_t hole;

        if (data < 0) {
            if (errno != ENXIO)
                goto unsupported;
            l->zero_bytes += (uint64_t) (end - pos);
            break;
        }
        if ((hole = lseek(fd, data, SEEK_HOLE)) < 0)
            goto unsupported;
        if (hole > end)
            hole = end;
        l->zero_bytes += (uint64_t) (data - pos);
        l->allocated_bytes += (uint64_t) (hole - data);
        pos = hole;
    }
    l->has_alloc = true;
    return;

 unsupported:
    /* No SEEK_DATA here: the whole file counts as data, as QEMU says. */
    l->allocated_bytes = l->file_size;
    l->zero_bytes = 0;
    l->has_alloc = true;
}

enum { RESERVE_LAYERS = 1024 };   /* the default max depth */

/* @path is the chain's already (see st_chain_load()). */
static struct st_layer *
new_layer(struct st_chain *chain, char *path, const char *format, unsigned max_depth,
          struct walk_ctx *ctx)
{
    struct st_layer *l;

    /* Room for the whole walk at once (up to RESERVE_LAYERS), then
     * doubling.  Growing by doubling from 16 copied the array four times
     * at depth 256. */
    if (chain->n_layers == chain->cap_layers) {
        if (chain->cap_layers)
            chain->cap_layers *= 2;
        else
            chain->cap_layers = max_depth < RESERVE_LAYERS ? max_depth : RESERVE_LAYERS;
        chain->layers = st_xreallocarray(chain->layers, chain->cap_layers, sizeof(*chain->layers));
    }
    l = &chain->layers[chain->n_layers++];
    memset(l, 0, sizeof(*l));
    l->path = path;
    if (path[0] == '/' || !ctx->cwd)
        l->abs_path = path;
    else
        l->abs_path = chain_path_join(chain, ctx->cwd, strlen(ctx->cwd), path);
    /* A copy: @format may be the caller's (opts). */
    l->format = format ? chain_strdup(chain, format) : NULL;
    return l;
}

/* Faults on @over that depend on its backing layer @back. */
static void
compare_sizes(struct st_chain *chain, struct st_layer *over, const struct st_layer *back)
{
    if (!over->has_header || !back->has_header)
        return;
    if (back->virtual_size < over->virtual_size)
        add_fault(chain, over, ST_FAULT_BACKING_SMALLER, "backing file '%s' (%" PRIu64 " bytes) is smaller than '%s' (%" PRIu64 " bytes)",
                  back->path, back->virtual_size, over->path, over->virtual_size);
    else if (back->virtual_size > over->virtual_size)
        add_fault(chain, over, ST_FAULT_BACKING_LARGER, "backing file '%s' (%" PRIu64 " bytes) is larger than '%s' (%" PRIu64 " bytes)",
                  back->path, back->virtual_size, over->path, over->virtual_size);
}

/* Where the walk goes below @l: the resolved path and the format, or
 * false (with a fault on @l when that is a problem). */
static bool
next_step(struct st_chain *chain, struct st_layer *l, const struct st_chain_opts *opts,
          char **pathp, const char **formatp)
{
    CLEANUP_ERROR struct st_error *err = NULL;
    const char *dir;
    size_t dir_len;

    if (!l->backing)
        return false;
    if (!st_backing_locate(l->path, l->backing, &dir, &dir_len, &err)) {
        add_fault(chain, l, ST_FAULT_UNSUPPORTED_BACKING, "'%s': %s", l->path, err->msg);
        return false;
    }
    /* st_backing_resolve()'s path, made among the chain's strings. */
    l->backing_resolved = chain_path_join(chain, dir, dir_len, l->backing);
    if (l->backing_format) {
        *formatp = l->backing_format;
    } else if (opts->backing_format) {
        *formatp = opts->backing_format;
    } else {
        add_fault(chain, l, ST_FAULT_NO_BACKING_FORMAT, "'%s' does not record the format of its backing file '%s'; strata does not probe formats: name it with --backing-format, or record it with 'qemu-img rebase -u -F FORMAT'",
                  l->path, l->backing);
        return false;
    }
    /* One string for both: the chain owns it. */
    *pathp = l->backing_resolved;
    return true;
}

struct st_chain *
st_chain_load(const char *path, const struct st_chain_opts *opts, struct st_error **errp)
{
    static const struct st_chain_opts defaults = { 0 };
    struct st_chain *chain = NULL;
    char *cur;                  /* the chain's: the next layer's path */
    const char *format;         /* the next layer's; the caller's or the chain's */
    unsigned max_depth;
    CLEANUP_WALK_CTX struct walk_ctx ctx = { 0 };
    int fd = -1;                /* the current layer's; owned until handed to ctx */

    if (!opts)
        opts = &defaults;
    format = opts->format ? opts->format : "qcow2";
    max_depth = opts->max_depth ? opts->max_depth : ST_CHAIN_DEFAULT_MAX_DEPTH;
    if (!known_format(format)) {
        st_error_set(errp, ST_E_USAGE, "unsupported format '%s' (strata handles qcow2 and raw)", format);
        return NULL;
    }
    if (opts->backing_format && !known_format(opts->backing_format)) {
        st_error_set(errp, ST_E_USAGE, "unsupported backing format '%s' (strata handles qcow2 and raw)",
                     opts->backing_format);
        return NULL;
    }

    chain = st_xcalloc(1, sizeof(*chain));
    cur = chain_strdup(chain, path);
    ctx.cwd = getcwd(NULL, 0);
    for (;; done_with_fd(&ctx, fd), fd = -1) {
        bool is_top = chain->n_layers == 0;
        struct st_layer *l, *prev = is_top ? NULL : &chain->layers[chain->n_layers - 1];
        struct stat st;
        const char *next_format = NULL;
        char *next = NULL;

        if (prev && chain->n_layers >= max_depth) {
            add_fault(chain, prev, ST_FAULT_TOO_DEEP, "the chain is deeper than %u layers; not followed below '%s' (see --max-depth)",
                      max_depth, prev->path);
            break;
        }
        if ((fd = open_layer(cur)) < 0 && errno == EMFILE &&
            ctx.n_done_fds) {
            close_done_fds(&ctx);
            fd = open_layer(cur);
        }
        if (fd >= 0 && fstat(fd, &st) < 0) {
            int e = errno;

            close(fd);
            fd = -1;
            errno = e;
        }
        if (fd < 0 && is_top) {
            st_error_set_errno(errp, errno, errno == ENOENT ? ST_E_NOT_FOUND : ST_E_IO,
                               "cannot open '%s'", cur);
            st_error_set_path(errp, cur);
            st_chain_free(chain);
            return NULL;
        }
        if (fd >= 0 && seen_before(&ctx, chain, st.st_dev, st.st_ino)) {
            /* The top cannot be in the set yet, so prev is set. */
            add_fault(chain, prev, ST_FAULT_LOOP, "backing file '%s' of '%s' is already in the chain (a loop)",
                      cur, prev->path);
            break;
        }
        l = new_layer(chain, cur, format, max_depth, &ctx);
        /* new_layer() moved the array. */
        prev = is_top ? NULL : &chain->layers[chain->n_layers - 2];
        if (fd < 0) {
            if (errno == ENOENT) {
                add_fault(chain, l, ST_FAULT_MISSING, "backing file '%s' of '%s' does not exist",
                          l->path, prev->path);
                hint_candidate(&l->faults[l->n_faults - 1], l->path, prev, format);
            }
            else
                add_fault(chain, l, ST_FAULT_UNREADABLE, "cannot open backing file '%s' of '%s': %s",
                          l->path, prev->path, strerror(errno));
            break;
        }
        l->exists = true;
        l->dev = st.st_dev;
        l->ino = st.st_ino;
        l->file_size = S_ISREG(st.st_mode) ? (uint64_t) st.st_size : 0;
        if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
            add_fault(chain, l, ST_FAULT_UNREADABLE, "'%s' is not a regular file or block device", l->path);
            break;
        }
        if (S_ISBLK(st.st_mode)) {
            off_t end = lseek(fd, 0, SEEK_END);

            l->file_size = end > 0 ? (uint64_t) end : 0;
        }

        if (strcmp(format, "raw") == 0) {
            read_raw(chain, l, fd, opts);
        } else if (strcmp(format, "qcow2") == 0) {
            if (!read_qcow2(chain, l, fd, is_top, opts, &ctx))
                break;
        } else {
            add_fault(chain, l, ST_FAULT_UNSUPPORTED_FORMAT, "'%s' is recorded as '%s', a format strata does not read (only qcow2 and raw)",
                      l->path, format);
            break;
        }
        if (prev)
            compare_sizes(chain, prev, l);
        if (!next_step(chain, l, opts, &next, &next_format))
            break;
        cur = next;
        format = next_format;
    }
    done_with_fd(&ctx, fd);
    return chain;
}

bool
st_chain_layer_is_file(const struct st_layer *layer, const char *path)
{
    struct stat st;

    if (!layer->exists || stat(path, &st) < 0)
        return false;
    return st.st_dev == layer->dev && st.st_ino == layer->ino;
}
