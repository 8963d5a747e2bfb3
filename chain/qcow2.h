/* chain/qcow2.h: the qcow2 header (versions 2 and 3) read from bytes,
 * and the allocation map read from the L1/L2 tables with pread.  Every
 * number that comes from the file is bounded and overflow-checked
 * before it is used: these files may be hostile (the parser is fuzzed).
 * Layout facts come from QEMU's docs/interop/qcow2.txt. */
#ifndef ST_CHAIN_QCOW2_H
#define ST_CHAIN_QCOW2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

enum {
    ST_QCOW2_MAGIC = 0x514649fb,            /* "QFI\xfb" */
    ST_QCOW2_MIN_CLUSTER_BITS = 9,
    ST_QCOW2_MAX_CLUSTER_BITS = 21,         /* 2 MiB, as QEMU */
    ST_QCOW2_MAX_BACKING_LEN = 1023,        /* bytes; QEMU's limit */
    ST_QCOW2_MAX_FORMAT_LEN = 15,           /* bytes; QEMU's backing_format[16] */
    ST_QCOW2_V2_HEADER_LEN = 72,
    ST_QCOW2_V3_HEADER_LEN = 104,           /* without compression_type */
    ST_QCOW2_MAX_L1_BYTES = 32 * 1024 * 1024, /* QEMU's QCOW_MAX_L1_SIZE */
};

/* Incompatible feature bits (qcow2.txt, bytes 72-79). */
enum {
    ST_QCOW2_INCOMPAT_DIRTY = 1u << 0,
    ST_QCOW2_INCOMPAT_CORRUPT = 1u << 1,
    ST_QCOW2_INCOMPAT_DATA_FILE = 1u << 2,
    ST_QCOW2_INCOMPAT_COMPRESSION = 1u << 3,
    ST_QCOW2_INCOMPAT_EXTL2 = 1u << 4,
    ST_QCOW2_INCOMPAT_KNOWN = 0x1f,
};

/* Header extension types (qcow2.txt). */
enum {
    ST_QCOW2_EXT_END = 0x00000000,
    ST_QCOW2_EXT_BACKING_FORMAT = 0xe2792aca,
    ST_QCOW2_EXT_FEATURE_TABLE = 0x6803f857,
    ST_QCOW2_EXT_DATA_FILE = 0x44415441,
};

/* The feature name table extension: rows of a type (0 incompatible, 1
 * compatible, 2 autoclear), a bit number and a 46-byte name. */
enum { ST_QCOW2_FEATURE_ROW_LEN = 48, ST_QCOW2_FEATURE_NAME_LEN = 46 };

struct st_qcow2_header {
    uint32_t version;           /* 2 or 3 */
    uint32_t header_length;     /* 72 for v2 */
    uint32_t cluster_bits;      /* 9..21 */
    uint64_t cluster_size;
    uint64_t virtual_size;      /* bytes */
    uint32_t crypt_method;      /* 0 none, 1 AES, 2 LUKS */
    uint32_t l1_size;           /* entries; checked against virtual_size */
    uint64_t l1_offset;         /* cluster aligned */
    uint64_t incompatible;
    uint64_t compatible;
    uint64_t autoclear;
    uint32_t refcount_order;
    uint8_t compression_type;   /* 0 zlib, 1 zstd */
    uint64_t backing_offset;    /* 0: no backing file */
    uint32_t backing_size;
    /* The backing name and format are copied here, not allocated: a
     * chain walk parses a header per layer. */
    char backing[ST_QCOW2_MAX_BACKING_LEN + 1];  /* "" when none (or empty, as QEMU) */
    bool has_backing_format;                     /* the extension is there */
    char backing_format[ST_QCOW2_MAX_FORMAT_LEN + 1];
    char *data_file;            /* owned; external data file name, or NULL */
    /* The feature name table: borrowed from the buffer given to
     * st_qcow2_parse(), and valid as long as it is. */
    const unsigned char *features;
    size_t n_features;          /* rows */
};

/* The backing name, or NULL when there is none. */
static inline const char *
st_qcow2_backing(const struct st_qcow2_header *hdr)
{
    return hdr->backing[0] ? hdr->backing : NULL;
}

/* The backing format recorded, or NULL when there is no extension. */
static inline const char *
st_qcow2_backing_format(const struct st_qcow2_header *hdr)
{
    return hdr->has_backing_format ? hdr->backing_format : NULL;
}

/* Bytes to hand to st_qcow2_parse() so that it sees every field it
 * reads: the first cluster (QEMU reads the extensions and the backing
 * name only there).  Read first ST_QCOW2_PROBE_LEN bytes, then
 * st_qcow2_first_cluster_len() of them. */
enum { ST_QCOW2_PROBE_LEN = 512 };

/**
 * st_qcow2_first_cluster_len:
 * @buf: the first bytes of the file
 * @len: how many (at least 24 to learn anything)
 *
 * Returns: the cluster size the header claims, or 0 when @buf is not a
 * qcow2 header or the cluster bits are out of range (st_qcow2_parse()
 * then says why).
 */
size_t st_qcow2_first_cluster_len(const void *buf, size_t len);

/**
 * st_qcow2_header_span:
 * @buf: the first bytes of the file
 * @len: how many
 *
 * How many bytes from offset 0 st_qcow2_parse() must see to read every
 * field, extension and the backing name: usually a few hundred, at most
 * the first cluster.  When @buf is too short to tell, the first cluster
 * length; when it is not a qcow2 header at all, @len (the parser then
 * says why).  Lets the chain walk read 4 KiB per layer instead of a
 * whole cluster.
 */
size_t st_qcow2_header_span(const void *buf, size_t len);

/* True if @buf starts with the qcow2 magic (for format mismatch checks,
 * never to choose a format). */
bool st_qcow2_has_magic(const void *buf, size_t len);

/**
 * st_qcow2_parse:
 * @buf: the start of the file (the first cluster, or all of a shorter file)
 * @len: bytes in @buf
 * @file_size: size of the whole file, to bound table offsets
 * @hdr: filled on success (free it with st_qcow2_header_clear()); its
 *   feature table points into @buf
 * @errp: ST_E_QCOW2 with a message that names the bad field
 *
 * Parse and check a header.  Unknown incompatible features, the dirty
 * and corrupt bits are not errors here: they are recorded in @hdr and
 * the caller decides (the chain walk reports them as faults).
 */
bool st_qcow2_parse(const void *buf, size_t len, uint64_t file_size,
                    struct st_qcow2_header *hdr, struct st_error **errp);

void st_qcow2_header_clear(struct st_qcow2_header *hdr);

/* Name of an incompatible feature bit: the file's own table first (copied
 * into @name; the buffer parsed must still be there), then the bits this
 * program knows; NULL when unnamed. */
const char *st_qcow2_incompat_name(const struct st_qcow2_header *hdr, unsigned bit,
                                   char name[ST_QCOW2_FEATURE_NAME_LEN + 1]);

/* Buffers reused from one image to the next: a chain walk would
 * otherwise allocate, fault in and give back two clusters per layer. */
struct st_qcow2_scratch {
    unsigned char *l1;          /* owned */
    size_t l1_len;
    unsigned char *l2;          /* owned */
    size_t l2_len;
};

void st_qcow2_scratch_clear(struct st_qcow2_scratch *s);

struct st_qcow2_alloc {
    uint64_t data_bytes;        /* guest bytes whose data is in this layer */
    uint64_t zero_bytes;        /* guest bytes marked zero in this layer */
    uint64_t compressed_bytes;  /* part of data_bytes held compressed */
};

/**
 * st_qcow2_alloc_read:
 * @fd: the open image
 * @hdr: its parsed header
 * @file_size: size of the file, to bound L2 offsets
 * @scratch: buffers to reuse (grown as needed), or NULL
 * @alloc: filled on success
 * @errp: ST_E_QCOW2 for a table outside the file or an invalid entry,
 *        ST_E_IO for a failed read
 *
 * Walk the L1 table and every L2 table it names (pread only) and count,
 * cluster or subcluster (extended L2) at a time, what this layer holds:
 * the same split as 'qemu-img map' entries of depth 0 (data vs zero).
 */
bool st_qcow2_alloc_read(int fd, const struct st_qcow2_header *hdr, uint64_t file_size,
                         struct st_qcow2_scratch *scratch, struct st_qcow2_alloc *alloc,
                         struct st_error **errp);

#endif
