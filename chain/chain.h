/* chain/chain.h: a backing chain read straight from the files (headers
 * and L1/L2 tables with pread; no QEMU, no subprocess), top first:
 *
 *   layers[0] (top) -> layers[1] -> ... -> layers[n-1] (base)
 *
 * Problems are faults recorded on the layer they concern, so one walk
 * reports every problem of the chain instead of stopping at the first.
 * Used by 'chain show/check', and by the merge planner (allocated bytes
 * per layer) and snapshot code (does an overlay's backing resolve to a
 * given file: compare dev/ino). */
#ifndef ST_CHAIN_CHAIN_H
#define ST_CHAIN_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/cleanup.h"
#include "common/error.h"

enum st_fault_code {
    ST_FAULT_MISSING = 0,       /* "missing"            backing file does not exist */
    ST_FAULT_UNREADABLE,        /* "unreadable"         open/read failed (not ENOENT) */
    ST_FAULT_BAD_HEADER,        /* "bad-header"         qcow2 header refused */
    ST_FAULT_BAD_TABLE,         /* "bad-table"          L1/L2 table invalid or outside the file */
    ST_FAULT_LOOP,              /* "loop"               backing names a file already in the chain */
    ST_FAULT_NO_BACKING_FORMAT, /* "no-backing-format"  none recorded; strata never probes */
    ST_FAULT_FORMAT_MISMATCH,   /* "format-mismatch"    recorded format != the file's */
    ST_FAULT_UNSUPPORTED_FORMAT,/* "unsupported-format" neither qcow2 nor raw */
    ST_FAULT_UNSUPPORTED_BACKING, /* "unsupported-backing" json: or protocol string */
    ST_FAULT_BACKING_SMALLER,   /* "backing-smaller"    backing virtual size < this one */
    ST_FAULT_BACKING_LARGER,    /* "backing-larger"     backing virtual size > this one */
    ST_FAULT_UNKNOWN_FEATURE,   /* "unknown-feature"    unknown incompatible feature bit */
    ST_FAULT_CORRUPT,           /* "corrupt"            corrupt bit set */
    ST_FAULT_DIRTY,             /* "dirty"              dirty bit set (refcounts need repair) */
    ST_FAULT_ENCRYPTED,         /* "encrypted"          encrypted image */
    ST_FAULT_DATA_FILE,         /* "data-file"          external data file (allocation is there) */
    ST_FAULT_TOO_DEEP,          /* "too-deep"           more layers than --max-depth */
    ST_FAULT__LAST
};

/* Stable names for scripts and --json ("missing", "loop", ...). */
const char *st_fault_code_name(enum st_fault_code code);

struct st_fault {
    enum st_fault_code code;
    char *message;              /* owned; names the file(s) concerned */
    char *hint;                 /* owned; what to do, or NULL */
};

/* The strings of a layer (not its fault messages) belong to the chain:
 * they live as long as it does and are never freed one by one (see
 * st_chain.strings).  Two fields may be one string: a layer's path is
 * its overlay's backing_resolved, and abs_path is path when absolute. */
struct st_layer {
    char *path;                 /* chain's; as given (top) or as resolved from the overlay */
    char *abs_path;             /* chain's; absolute form of path (symlinks kept) */
    char *format;               /* chain's; "qcow2", "raw", or NULL when unknown */
    bool exists;                /* the file could be opened and read */
    uint64_t file_size;         /* bytes on the host, 0 when !exists */
    bool has_header;            /* header read: the sizes below are known */
    uint64_t virtual_size;      /* bytes */
    uint64_t cluster_size;      /* bytes; 0 for raw */
    bool has_alloc;             /* allocation counted (tables valid) */
    uint64_t allocated_bytes;   /* guest bytes with data in this layer */
    uint64_t zero_bytes;        /* guest bytes marked zero in this layer */
    uint64_t compressed_bytes;  /* part of allocated_bytes held compressed */
    uint32_t qcow2_version;     /* 2 or 3; 0 for raw */
    char *backing;              /* chain's; backing string as written, or NULL */
    char *backing_format;       /* chain's; backing format as recorded, or NULL */
    char *backing_resolved;     /* chain's; where the backing string leads, or NULL */
    dev_t dev;                  /* of the file, valid when exists */
    ino_t ino;
    struct st_fault *faults;    /* owned array */
    size_t n_faults;
};

struct st_chain_strings;

struct st_chain {
    struct st_layer *layers;    /* owned; [0] is the top */
    size_t n_layers;
    size_t cap_layers;          /* allocated; grown by doubling */
    size_t n_faults;            /* over all layers */
    struct st_chain_strings *strings; /* owned; the layers' strings, packed
                                 * in blocks (chain.c) */
};

enum { ST_CHAIN_DEFAULT_MAX_DEPTH = 1024 };

struct st_chain_opts {
    const char *format;         /* format of the top; NULL: qcow2 (never probed) */
    const char *backing_format; /* for backing files with no recorded format;
                                 * NULL: such a backing is a fault and not opened */
    unsigned max_depth;         /* most layers walked; 0: ST_CHAIN_DEFAULT_MAX_DEPTH */
    bool skip_allocation;       /* do not read L1/L2 tables */
};

/**
 * st_chain_load:
 * @path: the top image
 * @opts: options, or NULL for the defaults
 * @errp: error out
 *
 * Walk the chain from @path down, reading each header (and its L1/L2
 * tables unless opts->skip_allocation).  Faults do not stop the walk
 * unless the next layer cannot be found or trusted (missing, loop,
 * unrecorded format, depth); they are recorded on the layer concerned.
 *
 * Returns: an owned chain (st_chain_free()), or NULL with @errp set when
 * the top itself cannot be opened (ST_E_NOT_FOUND or ST_E_IO) or an
 * option is invalid (ST_E_USAGE: a format other than qcow2 or raw).
 */
struct st_chain *st_chain_load(const char *path, const struct st_chain_opts *opts,
                               struct st_error **errp);

void st_chain_free(struct st_chain *chain);
ST_DEFINE_CLEANUP(st_cleanup_chain, struct st_chain *, st_chain_free)
#define CLEANUP_CHAIN ST_CLEANUP(st_cleanup_chain)

/* True if @layer is the file at @path (same device and inode); false
 * also when either cannot be stat'ed.  For "does this overlay's
 * backing resolve to that file" checks. */
bool st_chain_layer_is_file(const struct st_layer *layer, const char *path);

#endif
