/* chain/qcow2.c: parse a qcow2 header from bytes and count what a layer
 * allocates from its L1/L2 tables.  Files may be hostile: every field
 * is bounded before use, with the limits QEMU applies when it opens an
 * image, so that what strata accepts QEMU accepts too. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/overflow.h"
#include "common/xalloc.h"
#include "chain/qcow2.h"

enum {
    EXTL2_MIN_CLUSTER_BITS = 14,        /* QEMU: extended L2 needs >= 16 KiB */
    MAX_REFCOUNT_ORDER = 6,
};

#define OFFSET_MASK UINT64_C(0x00fffffffffffe00)
#define OFLAG_COPIED (UINT64_C(1) << 63)
#define OFLAG_COMPRESSED (UINT64_C(1) << 62)
#define OFLAG_ZERO UINT64_C(1)

static uint32_t
be32(const unsigned char *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static uint64_t
be64(const unsigned char *p)
{
    return (uint64_t) be32(p) << 32 | be32(p + 4);
}

bool
st_qcow2_has_magic(const void *buf, size_t len)
{
    return len >= 4 && be32(buf) == ST_QCOW2_MAGIC;
}

size_t
st_qcow2_first_cluster_len(const void *buf, size_t len)
{
    const unsigned char *p = buf;
    uint32_t bits;

    if (len < 24 || !st_qcow2_has_magic(buf, len))
        return 0;
    bits = be32(p + 20);
    if (bits < ST_QCOW2_MIN_CLUSTER_BITS || bits > ST_QCOW2_MAX_CLUSTER_BITS)
        return 0;
    return (size_t) 1 << bits;
}

size_t
st_qcow2_header_span(const void *buf, size_t len)
{
    const unsigned char *p = buf;
    size_t cluster = st_qcow2_first_cluster_len(buf, len);
    uint64_t header_length, boff, bsize, end, off, need;

    if (cluster == 0)
        return len;
    if (len < ST_QCOW2_V3_HEADER_LEN)
        return cluster;
    header_length = be32(p + 4) == 2 ? ST_QCOW2_V2_HEADER_LEN : be32(p + 100);
    if (header_length > cluster)
        return len;             /* refused whatever follows */
    need = header_length;
    boff = be64(p + 8);
    bsize = be32(p + 16);
    if (boff) {
        if (bsize > ST_QCOW2_MAX_BACKING_LEN || boff > cluster || cluster - boff < bsize)
            return cluster;     /* refused; let the parser see it all */
        if (boff + bsize > need)
            need = boff + bsize;
    }
    /* Walk the extension headers as parse_extensions() will. */
    end = boff && boff < cluster ? boff : cluster;
    off = header_length;
    while (off < end) {
        uint32_t type, n;

        if (off + 8 > len)
            return cluster;
        type = be32(p + off);
        n = be32(p + off + 4);
        off += 8;
        if (off > need)
            need = off;
        if (type == ST_QCOW2_EXT_END || off > end || n > end - off)
            break;              /* the end, or an error the parser finds here */
        off += ((uint64_t) n + 7) & ~(uint64_t) 7;
        if (off > need)
            need = off;
        if (off > len)
            return cluster;
    }
    return need < cluster ? (size_t) need : cluster;
}

void
st_qcow2_header_clear(struct st_qcow2_header *hdr)
{
    if (!hdr)
        return;
    free(hdr->data_file);
    hdr->data_file = NULL;
    hdr->backing[0] = '\0';
    hdr->has_backing_format = false;
    hdr->features = NULL;
    hdr->n_features = 0;
}

/* A NUL-terminated copy of a field that may hold a NUL earlier: QEMU
 * keeps what comes before it. */
static char *
copy_string(const unsigned char *p, size_t n)
{
    return st_xstrndup((const char *) p, strnlen((const char *) p, n));
}

/* The same into @out, which has room for @n bytes and a NUL. */
static void
copy_string_to(char *out, const unsigned char *p, size_t n)
{
    size_t k = strnlen((const char *) p, n);

    memcpy(out, p, k);
    out[k] = '\0';
}

/* The fixed part: magic to header_length; the limits are QEMU's
 * (block/qcow2.c qcow2_do_open) so strata refuses what QEMU refuses. */
static bool
parse_fixed(const unsigned char *p, size_t len, struct st_qcow2_header *h,
            struct st_error **errp)
{
    if (len < ST_QCOW2_V2_HEADER_LEN) {
        st_error_set(errp, ST_E_QCOW2, "truncated header: %zu bytes, a qcow2 header needs at least %d",
                     len, ST_QCOW2_V2_HEADER_LEN);
        return false;
    }
    if (be32(p) != ST_QCOW2_MAGIC) {
        st_error_set(errp, ST_E_QCOW2, "not a qcow2 image (no 'QFI\\xfb' magic)");
        return false;
    }
    h->version = be32(p + 4);
    if (h->version != 2 && h->version != 3) {
        st_error_set(errp, ST_E_QCOW2, "unsupported qcow2 version %" PRIu32 " (only 2 and 3 exist)",
                     h->version);
        return false;
    }
    h->backing_offset = be64(p + 8);
    h->backing_size = be32(p + 16);
    h->cluster_bits = be32(p + 20);
    if (h->cluster_bits < ST_QCOW2_MIN_CLUSTER_BITS || h->cluster_bits > ST_QCOW2_MAX_CLUSTER_BITS) {
        st_error_set(errp, ST_E_QCOW2, "cluster bits %" PRIu32 " out of range (%d to %d)",
                     h->cluster_bits, ST_QCOW2_MIN_CLUSTER_BITS, ST_QCOW2_MAX_CLUSTER_BITS);
        return false;
    }
    h->cluster_size = UINT64_C(1) << h->cluster_bits;
    h->virtual_size = be64(p + 24);
    h->crypt_method = be32(p + 32);
    h->l1_size = be32(p + 36);
    h->l1_offset = be64(p + 40);

    if (h->version == 2) {
        h->header_length = ST_QCOW2_V2_HEADER_LEN;
        h->refcount_order = 4;
        return true;
    }
    if (len < ST_QCOW2_V3_HEADER_LEN) {
        st_error_set(errp, ST_E_QCOW2, "truncated header: %zu bytes, a version 3 header needs at least %d",
                     len, ST_QCOW2_V3_HEADER_LEN);
        return false;
    }
    h->incompatible = be64(p + 72);
    h->compatible = be64(p + 80);
    h->autoclear = be64(p + 88);
    h->refcount_order = be32(p + 96);
    h->header_length = be32(p + 100);
    if (h->header_length < ST_QCOW2_V3_HEADER_LEN) {
        st_error_set(errp, ST_E_QCOW2, "header length %" PRIu32 " is too short (at least %d)",
                     h->header_length, ST_QCOW2_V3_HEADER_LEN);
        return false;
    }
    if (h->header_length > h->cluster_size) {
        st_error_set(errp, ST_E_QCOW2, "header length %" PRIu32 " exceeds the cluster size %" PRIu64,
                     h->header_length, h->cluster_size);
        return false;
    }
    if (h->header_length > len) {
        st_error_set(errp, ST_E_QCOW2, "truncated header: %zu bytes, header length says %" PRIu32,
                     len, h->header_length);
        return false;
    }
    if (h->refcount_order > MAX_REFCOUNT_ORDER) {
        st_error_set(errp, ST_E_QCOW2, "refcount order %" PRIu32 " out of range (0 to %d)",
                     h->refcount_order, MAX_REFCOUNT_ORDER);
        return false;
    }
    /* qcow2.txt: byte 104 exists when header_length > 104. */
    if (h->header_length > ST_QCOW2_V3_HEADER_LEN)
        h->compression_type = p[104];
    if (h->incompatible & ST_QCOW2_INCOMPAT_COMPRESSION) {
        if (h->compression_type > 1) {
            st_error_set(errp, ST_E_QCOW2, "unknown compression type %u", h->compression_type);
            return false;
        }
    } else if (h->compression_type != 0) {
        st_error_set(errp, ST_E_QCOW2, "compression type %u set without the compression type feature bit",
                     h->compression_type);
        return false;
    }
    if ((h->incompatible & ST_QCOW2_INCOMPAT_EXTL2) && h->cluster_bits < EXTL2_MIN_CLUSTER_BITS) {
        st_error_set(errp, ST_E_QCOW2, "extended L2 entries need clusters of at least 16384 bytes, not %" PRIu64,
                     h->cluster_size);
        return false;
    }
    return true;
}

/* L1 entries the virtual size needs, as QEMU's size_to_l1(). */
static bool
check_l1(struct st_qcow2_header *h, struct st_error **errp)
{
    unsigned l2_bits = h->cluster_bits - ((h->incompatible & ST_QCOW2_INCOMPAT_EXTL2) ? 4 : 3);
    unsigned shift = h->cluster_bits + l2_bits;     /* <= 39: no overflow */
    uint64_t needed = (h->virtual_size >> shift) +
        ((h->virtual_size & ((UINT64_C(1) << shift) - 1)) != 0);
    uint64_t l1_bytes, l1_end;

    if ((uint64_t) h->l1_size > ST_QCOW2_MAX_L1_BYTES / 8) {
        st_error_set(errp, ST_E_QCOW2, "L1 table of %" PRIu32 " entries is too large (at most %d)",
                     h->l1_size, ST_QCOW2_MAX_L1_BYTES / 8);
        return false;
    }
    if (needed > h->l1_size) {
        st_error_set(errp, ST_E_QCOW2, "L1 table of %" PRIu32 " entries is too small for virtual size %" PRIu64 " (needs %" PRIu64 ")",
                     h->l1_size, h->virtual_size, needed);
        return false;
    }
    if (h->l1_size == 0)
        return true;
    if (h->l1_offset & (h->cluster_size - 1)) {
        st_error_set(errp, ST_E_QCOW2, "L1 table offset %" PRIu64 " is not cluster aligned",
                     h->l1_offset);
        return false;
    }
    l1_bytes = (uint64_t) h->l1_size * 8;
    if (st_add_overflow(h->l1_offset, l1_bytes, &l1_end) || l1_end > (UINT64_C(1) << 62)) {
        st_error_set(errp, ST_E_QCOW2, "L1 table offset %" PRIu64 " overflows", h->l1_offset);
        return false;
    }
    return true;
}

static bool
parse_backing(const unsigned char *p, size_t len, uint64_t file_size,
              struct st_qcow2_header *h, struct st_error **errp)
{
    uint64_t end;

    if (h->backing_offset == 0)
        return true;
    if (h->backing_size > ST_QCOW2_MAX_BACKING_LEN) {
        st_error_set(errp, ST_E_QCOW2, "backing file name of %" PRIu32 " bytes is too long (QEMU's limit is %d)",
                     h->backing_size, ST_QCOW2_MAX_BACKING_LEN);
        return false;
    }
    if (st_add_overflow(h->backing_offset, (uint64_t) h->backing_size, &end) || end > file_size) {
        st_error_set(errp, ST_E_QCOW2, "backing file name at offset %" PRIu64 " (%" PRIu32 " bytes) is past the end of the file (%" PRIu64 " bytes)",
                     h->backing_offset, h->backing_size, file_size);
        return false;
    }
    /* QEMU reads the name only from the first cluster. */
    if (end > h->cluster_size || end > len) {
        st_error_set(errp, ST_E_QCOW2, "backing file name at offset %" PRIu64 " (%" PRIu32 " bytes) is outside the first cluster",
                     h->backing_offset, h->backing_size);
        return false;
    }
    if (h->backing_size > 0 && p[h->backing_offset] != '\0')
        copy_string_to(h->backing, p + h->backing_offset, h->backing_size);
    return true;
}

static bool
parse_extension(uint32_t type, const unsigned char *d, uint32_t n,
                struct st_qcow2_header *h, struct st_error **errp)
{
    switch (type) {
    case ST_QCOW2_EXT_BACKING_FORMAT:
        if (n > ST_QCOW2_MAX_FORMAT_LEN) {
            st_error_set(errp, ST_E_QCOW2, "backing format extension of %" PRIu32 " bytes is too long (at most %d)",
                         n, ST_QCOW2_MAX_FORMAT_LEN);
            return false;
        }
        copy_string_to(h->backing_format, d, n);
        h->has_backing_format = true;
        return true;
    case ST_QCOW2_EXT_DATA_FILE:
        free(h->data_file);
        h->data_file = copy_string(d, n);
        return true;
    case ST_QCOW2_EXT_FEATURE_TABLE:
        /* Only read when a bit needs its name (st_qcow2_incompat_name()). */
        h->features = d;
        h->n_features = n / ST_QCOW2_FEATURE_ROW_LEN;
        return true;
    default:
        return true;        /* bitmaps, encryption...: not needed here */
    }
}

/* Extensions run from header_length to the backing name (or the end
 * of the first cluster), as QEMU reads them. */
static bool
parse_extensions(const unsigned char *p, size_t len, struct st_qcow2_header *h,
                 struct st_error **errp)
{
    uint64_t off = h->header_length;
    uint64_t end = h->backing_offset ? h->backing_offset : h->cluster_size;

    if (end > h->cluster_size)
        end = h->cluster_size;
    while (off < end) {
        uint32_t type, n;

        if (off + 8 > len) {
            /* Past EOF QEMU reads zeros: the end marker. */
            return true;
        }
        type = be32(p + off);
        n = be32(p + off + 4);
        off += 8;
        if (off > end || n > end - off) {
            st_error_set(errp, ST_E_QCOW2, "header extension 0x%08" PRIx32 " of %" PRIu32 " bytes at offset %" PRIu64 " is too large",
                         type, n, off - 8);
            return false;
        }
        if (type == ST_QCOW2_EXT_END)
            return true;
        if (off + n > len) {
            st_error_set(errp, ST_E_QCOW2, "header extension 0x%08" PRIx32 " at offset %" PRIu64 " is past the end of the file",
                         type, off - 8);
            return false;
        }
        if (!parse_extension(type, p + off, n, h, errp))
            return false;
        off += ((uint64_t) n + 7) & ~(uint64_t) 7;
    }
    return true;
}

bool
st_qcow2_parse(const void *buf, size_t len, uint64_t file_size,
               struct st_qcow2_header *hdr, struct st_error **errp)
{
    const unsigned char *p = buf;
    struct st_qcow2_header h = { 0 };

    if (len > file_size)
        len = file_size;
    if (!parse_fixed(p, len, &h, errp) ||
        !check_l1(&h, errp) ||
        !parse_backing(p, len, file_size, &h, errp) ||
        !parse_extensions(p, len, &h, errp)) {
        st_qcow2_header_clear(&h);
        return false;
    }
    *hdr = h;
    return true;
}

const char *
st_qcow2_incompat_name(const struct st_qcow2_header *hdr, unsigned bit,
                       char name[ST_QCOW2_FEATURE_NAME_LEN + 1])
{
    static const char *const known[] = {
        "dirty bit", "corrupt bit", "external data file", "compression type", "extended L2 entries",
    };

    for (size_t i = 0; i < hdr->n_features; i++) {
        const unsigned char *r = hdr->features + i * ST_QCOW2_FEATURE_ROW_LEN;

        if (r[0] == 0 && r[1] == bit && r[2] != '\0') {
            copy_string_to(name, r + 2, ST_QCOW2_FEATURE_NAME_LEN);
            return name;
        }
    }
    if (bit < sizeof(known) / sizeof(known[0]))
        return known[bit];
    return NULL;
}

static bool
pread_all(int fd, void *buf, size_t n, uint64_t off, struct st_error **errp)
{
    size_t done = 0;

    while (done < n) {
        ssize_t r = pread(fd, (char *) buf + done, n - done, (off_t) (off + done));

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot read %zu bytes at offset %" PRIu64, n, off);
            return false;
        }
        if (r == 0) {
            st_error_set(errp, ST_E_QCOW2, "unexpected end of file reading offset %" PRIu64, off + done);
            return false;
        }
        done += (size_t) r;
    }
    return true;
}

struct walk {
    const struct st_qcow2_header *h;
    struct st_qcow2_alloc *a;
    bool extl2;
    bool data_file;
};

/* One guest cluster at @guest (its bytes capped at the virtual size). */
static bool
count_entry(struct walk *w, const unsigned char *e, uint64_t guest, struct st_error **errp)
{
    const struct st_qcow2_header *h = w->h;
    uint64_t entry = be64(e);
    uint64_t bytes = h->virtual_size - guest;
    uint64_t host = entry & OFFSET_MASK;
    bool has_host = host != 0 || (w->data_file && (entry & OFLAG_COPIED));
    uint32_t alloc_bits, zero_bits;
    uint64_t sub;

    if (bytes > h->cluster_size)
        bytes = h->cluster_size;
    if (entry & OFLAG_COMPRESSED) {
        w->a->data_bytes += bytes;
        w->a->compressed_bytes += bytes;
        return true;
    }
    if (!w->extl2) {
        if (entry & OFLAG_ZERO)
            w->a->zero_bytes += bytes;
        else if (has_host)
            w->a->data_bytes += bytes;
        return true;
    }
    /* Extended L2: 32 subclusters; bitmap low half allocated, high half zero. */
    alloc_bits = be32(e + 12);
    zero_bits = be32(e + 8);
    if (alloc_bits & zero_bits) {
        st_error_set(errp, ST_E_QCOW2, "invalid extended L2 entry for guest offset %" PRIu64 ": subclusters both allocated and zero",
                     guest);
        return false;
    }
    if (alloc_bits && !has_host) {
        st_error_set(errp, ST_E_QCOW2, "invalid extended L2 entry for guest offset %" PRIu64 ": allocated subclusters without a host cluster",
                     guest);
        return false;
    }
    sub = h->cluster_size / 32;
    for (unsigned k = 0; k < 32; k++) {
        uint64_t start = (uint64_t) k * sub;
        uint64_t n;

        if (start >= bytes)
            break;
        n = bytes - start < sub ? bytes - start : sub;
        if (alloc_bits & (UINT32_C(1) << k))
            w->a->data_bytes += n;
        else if (zero_bits & (UINT32_C(1) << k))
            w->a->zero_bytes += n;
    }
    return true;
}

void
st_qcow2_scratch_clear(struct st_qcow2_scratch *s)
{
    if (!s)
        return;
    free(s->l1);
    free(s->l2);
    memset(s, 0, sizeof(*s));
}

static unsigned char *
scratch_get(unsigned char **buf, size_t *len, size_t want)
{
    if (*len < want) {
        free(*buf);
        *buf = st_xmalloc(want);
        *len = want;
    }
    return *buf;
}

enum { ZERO_GROUP = 64 };   /* L2 entries tested at once for all-zero */

/* Whether the @n bytes at @p (a multiple of 64) are all zero: ORs of
 * 16-byte vectors (GCC's vector extension; SSE2, which every x86-64
 * has), four at a time: GCC 12 at -O2 does not vectorise a plain
 * loop. */
typedef uint64_t zero_vec __attribute__((vector_size(16)));

static zero_vec
vec_at(const unsigned char *p)
{
    zero_vec v;

    memcpy(&v, p, sizeof v);
    return v;
}

static bool
all_zero(const unsigned char *p, size_t n)
{
    zero_vec a = { 0, 0 }, b = a, c = a, d = a;

    for (size_t i = 0; i < n; i += 4 * sizeof(zero_vec)) {
        a |= vec_at(p + i);
        b |= vec_at(p + i + sizeof(zero_vec));
        c |= vec_at(p + i + 2 * sizeof(zero_vec));
        d |= vec_at(p + i + 3 * sizeof(zero_vec));
    }
    a |= b | c | d;
    return (a[0] | a[1]) == 0;
}

/* A table word as it is in memory, for comparing with zero (byte order
 * does not matter): one load, where a memcmp() call per entry cost
 * more than the whole test. */
static uint64_t
word(const unsigned char *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof v);
    return v;
}

static bool
alloc_read(int fd, const struct st_qcow2_header *hdr, uint64_t file_size,
           struct st_qcow2_scratch *scratch, struct st_qcow2_alloc *alloc,
           struct st_error **errp)
{
    struct walk w = {
        .h = hdr, .a = alloc,
        .extl2 = (hdr->incompatible & ST_QCOW2_INCOMPAT_EXTL2) != 0,
        .data_file = (hdr->incompatible & ST_QCOW2_INCOMPAT_DATA_FILE) != 0,
    };
    size_t entry_len = w.extl2 ? 16 : 8;
    uint64_t per_l2 = hdr->cluster_size / entry_len;
    uint64_t span = per_l2 * hdr->cluster_size;     /* guest bytes per L1 entry */
    uint64_t n_l1 = hdr->virtual_size / span + (hdr->virtual_size % span != 0);
    unsigned char *l1, *l2;

    memset(alloc, 0, sizeof(*alloc));
    /* Entries past the virtual size hold VM state, not disk data. */
    if (n_l1 > hdr->l1_size)
        n_l1 = hdr->l1_size;        /* cannot happen after st_qcow2_parse() */
    if (n_l1 == 0)
        return true;
    if (hdr->l1_offset + n_l1 * 8 > file_size) {
        st_error_set(errp, ST_E_QCOW2, "L1 table at offset %" PRIu64 " is past the end of the file",
                     hdr->l1_offset);
        return false;
    }
    l1 = scratch_get(&scratch->l1, &scratch->l1_len, n_l1 * 8);
    if (!pread_all(fd, l1, n_l1 * 8, hdr->l1_offset, errp))
        return false;
    l2 = scratch_get(&scratch->l2, &scratch->l2_len, hdr->cluster_size);
    for (uint64_t i = 0; i < n_l1; i++) {
        uint64_t l2_off = be64(l1 + i * 8) & OFFSET_MASK;
        uint64_t base = i * span;
        uint64_t used;

        if (l2_off == 0)
            continue;
        if (l2_off & (hdr->cluster_size - 1)) {
            st_error_set(errp, ST_E_QCOW2, "L2 table offset %" PRIu64 " (L1 entry %" PRIu64 ") is not cluster aligned",
                         l2_off, i);
            return false;
        }
        if (l2_off > file_size || file_size - l2_off < hdr->cluster_size) {
            st_error_set(errp, ST_E_QCOW2, "L2 table at offset %" PRIu64 " (L1 entry %" PRIu64 ") is past the end of the file",
                         l2_off, i);
            return false;
        }
        /* Read only the entries that map guest bytes: the last table of
         * a small disk is mostly unused, and these reads are most of a
         * chain walk's time. */
        used = (hdr->virtual_size - base + hdr->cluster_size - 1) / hdr->cluster_size;
        if (used > per_l2)
            used = per_l2;
        if (!pread_all(fd, l2, used * entry_len, l2_off, errp))
            return false;
        /* All-zero entries are unallocated clusters: nothing to count.
         * Most of a table is such entries, so skip them a group at a
         * time (this loop was a third of a chain walk's instructions). */
        for (uint64_t g = 0; g < used; g += ZERO_GROUP) {
            uint64_t end = used - g < ZERO_GROUP ? used : g + ZERO_GROUP;

            if (end - g == ZERO_GROUP && all_zero(l2 + g * entry_len, ZERO_GROUP * entry_len))
                continue;
            for (uint64_t j = g; j < end; j++) {
                const unsigned char *e = l2 + j * entry_len;

                if (word(e) == 0 && (entry_len == 8 || word(e + 8) == 0))
                    continue;
                if (!count_entry(&w, e, base + j * hdr->cluster_size, errp))
                    return false;
            }
        }
    }
    return true;
}

bool
st_qcow2_alloc_read(int fd, const struct st_qcow2_header *hdr, uint64_t file_size,
                    struct st_qcow2_scratch *scratch, struct st_qcow2_alloc *alloc,
                    struct st_error **errp)
{
    struct st_qcow2_scratch own = { 0 };
    bool ok;

    if (!scratch)
        scratch = &own;
    ok = alloc_read(fd, hdr, file_size, scratch, alloc, errp);
    st_qcow2_scratch_clear(&own);
    return ok;
}
