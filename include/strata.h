/* strata.h: the public API of libstrata, an external-snapshot manager
 * for qcow2 disks.  The only header a program needs; link with
 * `pkg-config --cflags --libs strata`.  strata-api(3) is the manual.
 *
 * The model is libvirt's snapshot API (virDomainSnapshotCreateXML,
 * GetXMLDesc, Num, ListNames, LookupByName, GetParent,
 * RevertToSnapshot, Delete, Free): a connection opens a state
 * directory, domains and snapshots are looked up by name, and flags are
 * bit masks named after virsh's options.
 *
 * Rules that hold for every function:
 *  - A function that can fail returns NULL or -1 and sets the calling
 *    thread's last error (strata_last_error()); on success it returns
 *    non-NULL or >= 0 and leaves the last error alone.
 *  - Unknown flag bits are refused (STRATA_ERR_INVALID_ARG), as
 *    libvirt's virCheckFlags does, so a flag added later is never
 *    silently ignored by an older library.
 *  - NULL where a handle is needed, or a handle of another type, is
 *    refused with STRATA_ERR_INVALID_ARG, never a crash.
 *  - Every object returned has a free function, and each accepts NULL.
 *    Strings returned as `char *` are the caller's, freed with free();
 *    `const char *` strings belong to the object they came from.
 *  - Threads: a connection, and every object obtained through it, is
 *    used by one thread at a time (lock around it to share it).
 *    Different connections may be used at the same time by different
 *    threads.  The last error is per thread.
 *  - The library never exits and changes no signal disposition.  It
 *    prints nothing, except debug lines on stderr when the environment
 *    has STRATA_DEBUG=1; its warnings and debug lines go to a log
 *    callback when one is set (strata_set_log_callback()).
 */
#ifndef STRATA_H
#define STRATA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- versions ---------------------------------------------------- */

/* The library's version, "MAJOR.MINOR.PATCH". */
const char *strata_version(void);

/* ---- errors ------------------------------------------------------ */

/* Stable codes: numbers never change meaning, new ones are added at the
 * end.  strata_error_code_name() gives the names --json prints. */
typedef enum strata_error_code {
    STRATA_OK = 0,
    STRATA_ERR_INTERNAL = 1,    /* "internal"      a bug in strata */
    STRATA_ERR_USAGE = 2,       /* "usage"         a request strata does not support */
    STRATA_ERR_IO = 3,          /* "io"            a system call failed; errno is set */
    STRATA_ERR_NAME = 4,        /* "name"          a hostile or invalid name */
    STRATA_ERR_XML = 5,         /* "xml"           malformed or unsupported XML */
    STRATA_ERR_QCOW2 = 6,       /* "qcow2"         unreadable or unsupported header */
    STRATA_ERR_CHAIN = 7,       /* "chain"         missing, looping or mismatched backing file */
    STRATA_ERR_QMP = 8,         /* "qmp"           qemu-storage-daemon refused or went away */
    STRATA_ERR_JOB = 9,         /* "job"           a block job failed or was cancelled */
    STRATA_ERR_NBD = 10,        /* "nbd"           an NBD read failed */
    STRATA_ERR_BUSY = 11,       /* "busy"          another strata holds the domain's lock */
    STRATA_ERR_NOT_FOUND = 12,  /* "not-found"     no such domain, disk or snapshot */
    STRATA_ERR_CONFLICT = 13,   /* "conflict"      exists, or would break another branch */
    STRATA_ERR_TIMEOUT = 14,    /* "timeout"       a deadline passed */
    STRATA_ERR_INVALID_ARG = 15,/* "invalid-arg"   NULL or foreign handle, unknown flags */
} strata_error_code;

typedef struct strata_error strata_error;

/* The calling thread's last error, or NULL if no call failed yet.
 * Valid until the next failing call in this thread. */
const strata_error *strata_last_error(void);
/* Forget the calling thread's last error. */
void strata_reset_last_error(void);

/* The fields of an error (NULL: STRATA_OK, 0 or NULL). */
strata_error_code strata_error_get_code(const strata_error *err);
/* One sentence naming the object first, e.g. "domain 'vm1' has no
 * snapshot named 's9'". */
const char *strata_error_get_message(const strata_error *err);
/* What to do next, or NULL. */
const char *strata_error_get_hint(const strata_error *err);
/* The file concerned, or NULL. */
const char *strata_error_get_path(const strata_error *err);
/* The errno value behind STRATA_ERR_IO (and some others), or 0. */
int strata_error_get_errno(const strata_error *err);

/* "not-found" for STRATA_ERR_NOT_FOUND...; NULL for an unknown code. */
const char *strata_error_code_name(int code);

/* ---- warnings and debug lines ------------------------------------ */

typedef enum strata_log_level {
    STRATA_LOG_WARNING = 1,     /* what the program prints as "strata: warning: ..." */
    STRATA_LOG_DEBUG = 2,       /* with STRATA_LOG_WANT_DEBUG or STRATA_DEBUG=1 */
} strata_log_level;

/* @subsystem: "snapshot", "recover", "qmp.client", ... (never NULL);
 * @message: one line, no prefix, no newline; both valid during the call. */
typedef void (*strata_log_fn)(strata_log_level level, const char *subsystem,
                              const char *message, void *opaque);

#define STRATA_LOG_WANT_DEBUG (1u << 0)  /* also the debug lines */

/**
 * strata_set_log_callback:
 * @fn: NULL: back to the default (warnings dropped, debug lines on
 *   stderr when the environment has STRATA_DEBUG=1)
 *
 * Where the library's warnings go: a delete that kept a file, a
 * rollback that kept its journal, an orphan daemon stopped...  Without
 * a callback the library drops them.  For the whole process, not one
 * connection: set it before using the library from other threads; it
 * may be called from any thread that runs a library call (parallel NBD
 * readers log from their own threads), so it must be thread-safe.
 * Debug lines reach it with STRATA_LOG_WANT_DEBUG, and also whenever
 * the environment has STRATA_DEBUG=1.  @flags: STRATA_LOG_WANT_DEBUG.
 * Returns 0, or -1 on unknown flags.
 */
int strata_set_log_callback(strata_log_fn fn, void *opaque, unsigned flags);

/* ---- connections ------------------------------------------------- */

typedef struct strata_conn strata_conn;

/**
 * strata_open:
 * @state_dir: where domains and snapshots are kept; NULL: the default
 *   of strata(1) ($STRATA_STATE_DIR, /var/lib/strata for root,
 *   $XDG_STATE_HOME/strata or ~/.local/state/strata otherwise)
 * @run_dir: where sockets and pid files go; NULL: $XDG_RUNTIME_DIR/strata
 *   or /run/strata
 * @flags: 0
 *
 * Opens nothing on disk yet: a state directory that does not exist is
 * created by the first define.  Returns the connection, or NULL.
 */
strata_conn *strata_open(const char *state_dir, const char *run_dir, unsigned flags);
/* Closes @conn (NULL: nothing).  Domains and snapshots looked up
 * through it must be freed first; using them afterwards is refused
 * where it can be detected. */
void strata_close(strata_conn *conn);
/* The directories in use (belong to @conn). */
const char *strata_conn_get_state_dir(const strata_conn *conn);
const char *strata_conn_get_run_dir(const strata_conn *conn);

/* Accepted by every call that changes a domain: fail at once with
 * STRATA_ERR_BUSY instead of waiting for another strata's lock
 * (virsh-style --no-wait). */
#define STRATA_NO_WAIT (1u << 31)

/* ---- domains ----------------------------------------------------- */

typedef struct strata_domain strata_domain;

/* Define (or redefine, same <uuid>) a domain from libvirt <domain> XML;
 * every element is kept.  @flags: STRATA_NO_WAIT. */
strata_domain *strata_domain_define_xml(strata_conn *conn, const char *xml, unsigned flags);

/* One disk of strata_domain_define_disks() and strata_domain_get_disks(). */
typedef struct strata_disk {
    char *dev;                  /* target, e.g. "vda" */
    char *path;                 /* the active file, absolute */
    char *format;               /* "qcow2" or "raw" */
} strata_disk;

/* Define a domain from its disks (strata define-as): @disks[i].dev and
 * .path are required, .format NULL means qcow2; paths are made
 * absolute.  @flags: STRATA_NO_WAIT. */
strata_domain *strata_domain_define_disks(strata_conn *conn, const char *name,
                                          const strata_disk *disks, size_t ndisks,
                                          unsigned flags);
/* The domain named @name, or NULL (STRATA_ERR_NOT_FOUND). */
strata_domain *strata_domain_lookup(strata_conn *conn, const char *name);
/* Names of the defined domains, sorted, into *@names (a NULL-terminated
 * array; free it with strata_names_free()).  Returns how many, or -1. */
int strata_list_domains(strata_conn *conn, char ***names);
/* Frees an array from a list function (NULL: nothing). */
void strata_names_free(char **names);

const char *strata_domain_get_name(const strata_domain *dom);
/* The domain's XML as stored (caller frees), or NULL. */
char *strata_domain_get_xml(strata_domain *dom, unsigned flags);
/* The disks, read now, into *@disks (free with strata_disks_free());
 * returns how many, or -1. */
int strata_domain_get_disks(strata_domain *dom, strata_disk **disks);
void strata_disks_free(strata_disk *disks, int ndisks);

/* Also remove the snapshots' metadata (virsh --snapshots-metadata);
 * without it a domain with snapshots is refused (STRATA_ERR_CONFLICT). */
#define STRATA_UNDEFINE_SNAPSHOTS_METADATA (1u << 0)
/* Remove the domain's definition (no image file is touched).  Refused
 * while a QSD serves it.  @dom is still to be freed. */
int strata_domain_undefine(strata_domain *dom, unsigned flags);
void strata_domain_free(strata_domain *dom);

/* ---- snapshots ----------------------------------------------------- */

typedef struct strata_snapshot strata_snapshot;

/* Flags of strata_snapshot_create_xml(), named after virsh's options. */
#define STRATA_SNAPSHOT_CREATE_REDEFINE       (1u << 0) /* import metadata, touch no file */
#define STRATA_SNAPSHOT_CREATE_CURRENT        (1u << 1) /* with REDEFINE: make it current */
#define STRATA_SNAPSHOT_CREATE_NO_METADATA    (1u << 2) /* make overlays, keep no XML */
#define STRATA_SNAPSHOT_CREATE_REUSE_EXTERNAL (1u << 3) /* take existing overlay files */
#define STRATA_SNAPSHOT_CREATE_DISK_ONLY      (1u << 4) /* accepted: strata's are disk-only */
#define STRATA_SNAPSHOT_CREATE_ATOMIC         (1u << 5) /* accepted: strata's are atomic */

/**
 * strata_snapshot_create_xml:
 * @xml: libvirt <domainsnapshot> XML; NULL or "" for a snapshot of
 *   every disk named after the time
 *
 * Take an external snapshot: each disk's active file becomes the
 * snapshot's point in time and a new overlay on it the active file, in
 * one atomic transaction.  With STRATA_SNAPSHOT_CREATE_REDEFINE, import
 * the metadata instead.  Returns the snapshot, or NULL (nothing
 * changed).  With NO_METADATA the handle only names the snapshot:
 * strata keeps no metadata, so lookups through it fail with
 * STRATA_ERR_NOT_FOUND (as libvirt's).
 */
strata_snapshot *strata_snapshot_create_xml(strata_domain *dom, const char *xml,
                                            unsigned flags);

/* One disk of strata_snapshot_create_as() (virsh --diskspec). */
typedef struct strata_diskspec {
    const char *dev;            /* the disk's target, e.g. "vda" */
    const char *file;           /* the new overlay's path; NULL: strata names it */
    int exclude;                /* non-zero: leave this disk out (snapshot=no) */
} strata_diskspec;

/**
 * strata_snapshot_create_as:
 * @name: the snapshot's name; NULL: named after the time
 * @description: or NULL
 * @specs: per-disk choices (NULL with @nspecs 0: every disk, overlays
 *   named by strata)
 *
 * strata_snapshot_create_xml() with the XML virsh snapshot-create-as
 * builds from its arguments.  @flags: NO_METADATA, REUSE_EXTERNAL,
 * DISK_ONLY, ATOMIC, STRATA_NO_WAIT.
 */
strata_snapshot *strata_snapshot_create_as(strata_domain *dom, const char *name,
                                           const char *description,
                                           const strata_diskspec *specs, size_t nspecs,
                                           unsigned flags);
/* The snapshot named @name, or NULL (STRATA_ERR_NOT_FOUND). */
strata_snapshot *strata_snapshot_lookup(strata_domain *dom, const char *name);
/* The current snapshot, or NULL (STRATA_ERR_NOT_FOUND when none). */
strata_snapshot *strata_snapshot_current(strata_domain *dom);
/* The parent, or NULL (STRATA_ERR_NOT_FOUND for a root). */
strata_snapshot *strata_snapshot_get_parent(strata_snapshot *snap);
const char *strata_snapshot_get_name(const strata_snapshot *snap);
/* The domain it belongs to (borrowed from @snap). */
strata_domain *strata_snapshot_get_domain(const strata_snapshot *snap);
/* The snapshot's XML as virsh snapshot-dumpxml prints it (caller frees). */
char *strata_snapshot_get_xml(strata_snapshot *snap, unsigned flags);
/* Make @snap the current snapshot.  @flags: STRATA_NO_WAIT. */
int strata_snapshot_set_current(strata_snapshot *snap, unsigned flags);

/* What virsh snapshot-info and snapshot-list show of one snapshot
 * (strings belong to the info; fields may be added at the end). */
typedef struct strata_snapshot_info {
    const char *name;
    const char *domain;
    const char *parent;         /* or NULL for a root */
    const char *description;    /* or NULL */
    const char *state;          /* libvirt's: "disk-snapshot", "shutoff", "running", ...,
                                 * "nostate" when the XML has none */
    int has_creation_time;
    int64_t creation_time;      /* Unix seconds, when has_creation_time */
    int current;                /* 1 for the domain's current snapshot */
    int external;               /* 1: external (strata's kind), 0: internal */
    size_t children;
    size_t descendants;
} strata_snapshot_info;

/* @flags: 0.  NULL with the last error set (STRATA_ERR_NOT_FOUND when
 * the snapshot is gone). */
strata_snapshot_info *strata_snapshot_get_info(strata_snapshot *snap, unsigned flags);
void strata_snapshot_info_free(strata_snapshot_info *info);

#define STRATA_SNAPSHOT_EDIT_RENAME (1u << 0)  /* a new <name> renames; children follow */
#define STRATA_SNAPSHOT_EDIT_CLONE  (1u << 1)  /* a new <name> copies; the original stays */
/**
 * strata_snapshot_edit:
 * @xml: the snapshot's new <domainsnapshot> XML (as
 *   strata_snapshot_get_xml() gives it, changed)
 *
 * Replace @snap's metadata (virsh snapshot-edit); no image file is
 * touched.  A current snapshot stays current (unless cloned).  Without
 * RENAME or CLONE the name must not change.  Returns a handle on the
 * edited (renamed, cloned) snapshot, or NULL with nothing changed.
 * @flags: STRATA_SNAPSHOT_EDIT_*, STRATA_NO_WAIT.
 */
strata_snapshot *strata_snapshot_edit(strata_snapshot *snap, const char *xml, unsigned flags);
void strata_snapshot_free(strata_snapshot *snap);

/* Filters of strata_snapshot_num() and strata_snapshot_list_names()
 * (virsh snapshot-list): within each pair, neither or both means no
 * filter; groups combine with AND. */
#define STRATA_LIST_ROOTS       (1u << 0)   /* only snapshots without a parent */
#define STRATA_LIST_LEAVES      (1u << 1)   /* only snapshots without children */
#define STRATA_LIST_NO_LEAVES   (1u << 2)
#define STRATA_LIST_METADATA    (1u << 3)   /* every snapshot strata lists has metadata */
#define STRATA_LIST_NO_METADATA (1u << 4)
#define STRATA_LIST_EXTERNAL    (1u << 5)
#define STRATA_LIST_INTERNAL    (1u << 6)
#define STRATA_LIST_DISK_ONLY   (1u << 7)   /* state disk-snapshot */
#define STRATA_LIST_INACTIVE    (1u << 8)   /* state shutoff */
#define STRATA_LIST_ACTIVE      (1u << 9)   /* any running state */
#define STRATA_LIST_DESCENDANTS (1u << 10)  /* children_names only: all descendants */

/* How many snapshots of @dom pass @flags, or -1. */
int strata_snapshot_num(strata_domain *dom, unsigned flags);
/* Their names in virsh's order into *@names (free with
 * strata_names_free()); returns how many, or -1. */
int strata_snapshot_list_names(strata_domain *dom, char ***names, unsigned flags);
/* The children (with STRATA_LIST_DESCENDANTS every descendant,
 * depth-first) of @snap that pass the other @flags. */
int strata_snapshot_list_children_names(strata_snapshot *snap, char ***names, unsigned flags);

/* Revert with the domain live: swap its exports, cutting clients off. */
#define STRATA_REVERT_FORCE (1u << 0)
/* What becomes of the active layer the revert leaves behind (strata
 * snapshot-revert, strata-snapshot-create(1)).  None of the three: it
 * stays as it is (this library's behaviour before them).  CHECK: as
 * the program does by default: refuse (STRATA_ERR_CONFLICT, nothing
 * changed) when it holds data no snapshot names, leave it when it is
 * a snapshot's overlay, remove it when it is empty.  DISCARD_CURRENT:
 * remove it, data or not (--discard-current).  KEEP_CURRENT: when it
 * holds data, make it a snapshot named after the time first
 * (--keep-current), then as CHECK.  At most one of the three; only a
 * file strata's record proves it made is ever removed. */
#define STRATA_REVERT_CHECK_CURRENT   (1u << 1)
#define STRATA_REVERT_DISCARD_CURRENT (1u << 2)
#define STRATA_REVERT_KEEP_CURRENT    (1u << 3)
/* Each disk gets a fresh overlay on the snapshot's point in time; the
 * snapshot becomes current.  @flags: STRATA_REVERT_*, STRATA_NO_WAIT. */
int strata_snapshot_revert(strata_snapshot *snap, unsigned flags);

/* ---- long jobs ------------------------------------------------------ */

/* Called as a job copies: @done of @total bytes (total may grow).
 * Return 0 to go on, non-zero to cancel: the job stops, the call fails
 * with STRATA_ERR_JOB, and the data stays where it was. */
typedef int (*strata_progress_fn)(uint64_t done, uint64_t total, void *opaque);

/* ---- deleting snapshots ------------------------------------------------ */

#define STRATA_DELETE_CHILDREN      (1u << 0)  /* the snapshot and its descendants */
#define STRATA_DELETE_CHILDREN_ONLY (1u << 1)  /* only its descendants */
#define STRATA_DELETE_METADATA_ONLY (1u << 2)  /* remove the XML, touch no file */
#define STRATA_DELETE_NO_STREAM     (1u << 3)  /* commit only: refuse where a stream is needed */
#define STRATA_DELETE_VERIFY        (1u << 4)  /* prove no visible byte changed (digests) */

typedef struct strata_delete_params {
    uint64_t speed;             /* bytes/s per job; 0: unlimited */
    unsigned timeout_s;         /* per job; 0: one hour */
    strata_progress_fn progress;/* or NULL */
    void *opaque;               /* for @progress */
} strata_delete_params;

/**
 * strata_snapshot_delete:
 * @params: NULL for the defaults
 *
 * Delete @snap, merging its layer away by block-commit or block-stream,
 * whichever copies less, never breaking another branch.  A delete that
 * was interrupted resumes (the same snapshot and flags).  @snap is
 * still to be freed.  @flags: STRATA_DELETE_*, STRATA_NO_WAIT.
 */
int strata_snapshot_delete(strata_snapshot *snap, unsigned flags,
                           const strata_delete_params *params);

/* The plan of a delete (a dry run), as an object. */
typedef struct strata_plan strata_plan;

typedef enum strata_plan_step_kind {
    STRATA_STEP_COMMIT = 0,     /* top's data into base; base takes top's place */
    STRATA_STEP_STREAM = 1,     /* base's data up into top; top backs onto new_backing */
} strata_plan_step_kind;

/* One step (belongs to the plan). */
typedef struct strata_plan_step {
    strata_plan_step_kind kind;
    const char *disk;
    const char *top;
    const char *base;
    const char *new_backing;    /* stream: top's backing afterwards, or NULL */
    int active;                 /* commit: top is the active file (pivot) */
    uint64_t bytes;             /* bytes this step copies */
} strata_plan_step;

/* What strata_snapshot_delete() with the same flags would do. */
strata_plan *strata_snapshot_delete_plan(strata_snapshot *snap, unsigned flags);
size_t strata_plan_num_steps(const strata_plan *plan);
/* Step @i, or NULL when out of range. */
const strata_plan_step *strata_plan_get_step(const strata_plan *plan, size_t i);
/* Bytes all steps copy. */
uint64_t strata_plan_get_bytes(const strata_plan *plan);
/* Snapshots whose metadata goes, leaves first (belongs to the plan). */
const char *const *strata_plan_get_deleted(const strata_plan *plan);
void strata_plan_free(strata_plan *plan);

/* ---- block jobs on a disk's active chain (virsh blockcommit, blockpull) */

/* The parameters of a long job: the same as a delete's. */
typedef strata_delete_params strata_job_params;

#define STRATA_BLOCK_COMMIT_ACTIVE (1u << 0)  /* commit the active layer and pivot to base */

/**
 * strata_domain_block_commit:
 * @disk: the disk's target name ("vda")
 * @base: the file committed into; NULL: the chain's bottom
 * @top: the file whose data goes down, with everything between it and
 *   @base; NULL: the layer under the active one (ACTIVE: the active one)
 * @params: NULL for the defaults
 *
 * Merge the layers from @top down to @base into @base; files left out
 * of the chain stay on disk, as with virsh.  Refused (STRATA_ERR_CONFLICT)
 * when a snapshot names a file it touches or @base backs another
 * branch; the plain way to merge a snapshot away is
 * strata_snapshot_delete().  With STRATA_BLOCK_COMMIT_ACTIVE the disk
 * names @base afterwards (commit and pivot).  On failure nothing was
 * lost and the same call finishes the commit.  @flags:
 * STRATA_BLOCK_COMMIT_ACTIVE, STRATA_NO_WAIT.  Returns 0 when it
 * merged, 1 when the merge was done already (a commit cut short after
 * the switch), -1 on error.
 */
int strata_domain_block_commit(strata_domain *dom, const char *disk, const char *base,
                               const char *top, unsigned flags, const strata_job_params *params);

/**
 * strata_domain_block_pull:
 * @base: the file the active layer backs onto afterwards; NULL pulls
 *   the whole chain (the active file stands alone)
 *
 * Copy the data of the layers above @base into the active file, which
 * nothing else sees.  @flags: STRATA_NO_WAIT.  Returns 0 when it
 * pulled, 1 when there was nothing to pull (the active file backs onto
 * @base already, or onto nothing), -1 on error.
 */
int strata_domain_block_pull(strata_domain *dom, const char *disk, const char *base,
                             unsigned flags, const strata_job_params *params);

/* ---- chains ---------------------------------------------------------- */

typedef struct strata_chain strata_chain;

/* One layer, top first (belongs to the chain).  Sizes are 0 unless the
 * header was read (has_header) or the allocation counted (has_alloc). */
typedef struct strata_layer {
    const char *path;           /* as given (top) or resolved from the overlay */
    const char *abs_path;
    const char *format;         /* "qcow2", "raw", or NULL when unknown */
    int exists;
    uint64_t file_size;
    int has_header;
    uint64_t virtual_size;
    uint64_t cluster_size;      /* 0 for raw */
    int has_alloc;
    uint64_t allocated_bytes;   /* guest bytes with data in this layer */
    uint64_t zero_bytes;        /* guest bytes marked zero */
    uint64_t compressed_bytes;
    unsigned qcow2_version;     /* 2 or 3; 0 for raw */
    const char *backing;        /* as written in the header, or NULL */
    const char *backing_format; /* as recorded, or NULL */
    const char *backing_resolved; /* where the backing string leads, or NULL */
    size_t nfaults;
    uint64_t device;            /* st_dev and st_ino of the file, when it exists */
    uint64_t inode;
    const char *snapshot;       /* a domain's disk: the snapshot whose point in time
                                 * this file is, or NULL */
} strata_layer;

/* Don't read the L1/L2 tables (no allocation, faster). */
#define STRATA_CHAIN_NO_ALLOCATION (1u << 0)

/**
 * strata_chain_open_file:
 * @format: the top's format; NULL: qcow2 (strata never probes)
 * @backing_format: assumed for a backing file with none recorded; NULL:
 *   such a backing is a fault and not opened
 *
 * Reads the chain under @path from the image headers (no subprocess,
 * no QSD).  A chain with faults is returned, faults included; NULL only
 * when the top cannot be read.
 */
strata_chain *strata_chain_open_file(const char *path, const char *format,
                                     const char *backing_format, unsigned flags);
/* The active chain of disk @dev of @dom (NULL: its only disk). */
strata_chain *strata_chain_open_disk(strata_domain *dom, const char *dev, unsigned flags);

/* How a chain is read, for the _params forms below. */
typedef struct strata_chain_params {
    const char *format;         /* the top's format; NULL: qcow2, or the disk's */
    const char *backing_format; /* assumed where none is recorded; NULL: a fault */
    unsigned max_depth;         /* layers read at most; 0: strata's default (1024) */
} strata_chain_params;

/* strata_chain_open_file() and strata_chain_open_disk() with @params
 * (NULL: the defaults); the disk form also names each layer's snapshot
 * (strata_layer.snapshot), as strata chain show DOMAIN marks it. */
strata_chain *strata_chain_open_file_params(const char *path, const strata_chain_params *params,
                                            unsigned flags);
strata_chain *strata_chain_open_disk_params(strata_domain *dom, const char *dev,
                                            const strata_chain_params *params, unsigned flags);
size_t strata_chain_num_layers(const strata_chain *chain);
/* Layer @i (0 is the top), or NULL when out of range. */
const strata_layer *strata_chain_get_layer(const strata_chain *chain, size_t i);
/* All faults of all layers (0: strata chain check says no faults). */
size_t strata_chain_num_faults(const strata_chain *chain);
/* Fault @j of layer @i: its stable code name ("missing", "loop"...,
 * strata-chain(1)) in *@code, its message returned; NULL when out of
 * range.  Both belong to the chain. */
const char *strata_chain_get_fault(const strata_chain *chain, size_t i, size_t j,
                                   const char **code);
/* What to do about fault @j of layer @i (strata chain show's "hint:"
 * line, e.g. the file beside a moved overlay), or NULL when there is no
 * hint (last error untouched) or no such fault (STRATA_ERR_INVALID_ARG).
 * Belongs to the chain. */
const char *strata_chain_get_fault_hint(const strata_chain *chain, size_t i, size_t j);
void strata_chain_free(strata_chain *chain);

/* ---- files left behind (strata chain check DOMAIN) ------------------ */

/* An image file strata made for the domain that nothing references:
 * no active disk, no snapshot's point in time or overlay, no operation
 * in flight.  A user's own file is never one. */
typedef struct strata_orphan {
    char *path;
    char *operation;            /* what made it ("snapshot-create", ...), or NULL */
    char *snapshot;             /* that operation's snapshot, or NULL */
    char *backed_by;            /* another file backs onto it (never removed), or NULL */
    int removed;                /* STRATA_ORPHANS_REMOVE unlinked it */
} strata_orphan;

#define STRATA_ORPHANS_REMOVE (1u << 0)  /* unlink those nothing backs onto */

/**
 * strata_domain_list_orphans:
 * @orphans: out: an array of the return value's length, sorted by path
 *   (free with strata_orphans_free())
 *
 * The files strata made for @dom that nothing references.  With
 * STRATA_ORPHANS_REMOVE (under the domain's lock; refused while an
 * operation is in flight) each one nothing backs onto is unlinked after
 * its identity is checked again.  Returns the count, or -1.  @flags:
 * STRATA_ORPHANS_REMOVE, STRATA_NO_WAIT.
 */
int strata_domain_list_orphans(strata_domain *dom, strata_orphan **orphans, unsigned flags);
void strata_orphans_free(strata_orphan *orphans, int n);

/* ---- live domains and NBD exports ------------------------------------ */

/**
 * strata_domain_start:
 * @nbd: the NBD server's address, "unix:PATH" or "HOST:PORT" (strata
 *   start --nbd); NULL: a unix socket in the run directory
 *
 * Start serving @dom (strata start): a long-running
 * qemu-storage-daemon holds every disk's chain open and exports each
 * active layer writable over NBD as "DEV"; snapshots, reverts and
 * merges then happen under its clients.  The daemon outlives @conn;
 * strata_domain_stop() ends it.  @flags: STRATA_NO_WAIT.
 */
int strata_domain_start(strata_domain *dom, const char *nbd, unsigned flags);
/* Stop @dom's daemon (strata stop): refused (STRATA_ERR_BUSY) while a
 * block job runs; clients are disconnected, images flushed and closed.
 * STRATA_ERR_NOT_FOUND when @dom is not live.  @flags: STRATA_NO_WAIT. */
int strata_domain_stop(strata_domain *dom, unsigned flags);
/* 1 when @dom is live, 0 when not, -1 on error (as
 * virDomainIsActive). */
int strata_domain_is_active(strata_domain *dom);

/* One NBD export (strata_domain_export(), strata_domain_list_exports()). */
typedef struct strata_export {
    char *name;                 /* NBD name: "DEV" (live, writable), "DEV@S", "DEV@current" */
    char *disk;
    char *snapshot;             /* NULL: the current state */
    char *uri;                  /* nbd+unix:///NAME?socket=PATH or nbd://HOST:PORT/NAME */
    int writable;
} strata_export;

/**
 * strata_domain_export:
 * @snapshot: the point in time; NULL: the current state
 * @dev: one disk; NULL: every disk @snapshot captured
 * @nbd: where a new NBD server listens (as strata_domain_start()); NULL:
 *   the default.  Refused (STRATA_ERR_CONFLICT) when a server of @dom
 *   already listens elsewhere.
 *
 * Export @dom's disks at @snapshot read-only over NBD, with the
 * base:allocation and qemu:allocation-depth meta contexts (strata
 * export): on the live daemon, or on an export-only daemon started for
 * it, which outlives the call and @conn until
 * strata_domain_export_stop() removes its last export.  All or
 * nothing.  Returns how many exports, in *@exports (free with
 * strata_exports_free()), or -1.  @flags: STRATA_NO_WAIT.
 */
int strata_domain_export(strata_domain *dom, const char *snapshot, const char *dev,
                         const char *nbd, strata_export **exports, unsigned flags);
/* The exports serving @dom now (a live domain's writable disks too);
 * 0 when no daemon serves it.  @flags: 0. */
int strata_domain_list_exports(strata_domain *dom, strata_export **exports, unsigned flags);
/* Remove @dom's point-in-time exports of @snapshot and @dev (NULL:
 * any), and an export-only daemon left with none (strata export
 * --stop).  Returns how many were removed, or -1
 * (STRATA_ERR_NOT_FOUND when none matched).  @flags: STRATA_NO_WAIT. */
int strata_domain_export_stop(strata_domain *dom, const char *snapshot, const char *dev,
                              unsigned flags);
/* Frees @n exports (NULL: nothing). */
void strata_exports_free(strata_export *exports, int n);

/* A block job in a live domain's daemon, as strata status lists it. */
typedef struct strata_job {
    char *id;                   /* "strata-delete-0", ... */
    char *type;                 /* QEMU's: "commit", "stream", ... */
    char *status;               /* QEMU's: "running", "paused", "pending", "concluded", ... */
    uint64_t done;              /* bytes, of ... */
    uint64_t total;             /* ... this estimate (it may grow) */
} strata_job;

/* The block jobs of @dom's live daemon (0 when it is not live): one a
 * killed strata left waits here until the same command adopts it.
 * The daemon's QMP monitor serves one client at a time: while another
 * strata (or connection) runs a merge on it, the call waits for the
 * monitor and fails with STRATA_ERR_TIMEOUT after about 10 s.
 * Returns the count, or -1.  @flags: 0.  Free with strata_jobs_free(). */
int strata_domain_list_jobs(strata_domain *dom, strata_job **jobs, unsigned flags);
void strata_jobs_free(strata_job *jobs, int n);

/* ---- reading points in time --------------------------------------------- */

/* How digests and diffs read: over NBD exports made for the call (on
 * the live daemon, else on a transient one), removed afterwards. */
typedef struct strata_read_params {
    unsigned connections;       /* parallel NBD connections; 0: the default */
    strata_progress_fn progress;/* bytes read of the total; non-zero cancels */
    void *opaque;
} strata_read_params;

/* SHA-256 blocks instead of the default XXH3-128 (strata verify --digest). */
#define STRATA_DIGEST_SHA256 (1u << 0)
/**
 * strata_domain_digest:
 * @snapshot: the point in time; NULL: the current state
 * @dev: the disk; NULL for a domain's only disk
 * @params: NULL for the defaults
 *
 * The digest of what a guest reads from @dev at @snapshot (strata
 * verify), as "ALGORITHM:HEX" ("xxh128-64k:..." or "sha256-64k:...",
 * strata-verify(1)); equal contents give equal digests whatever the
 * chain.  Caller frees.  A cancel fails with STRATA_ERR_JOB.
 */
char *strata_domain_digest(strata_domain *dom, const char *snapshot, const char *dev,
                           const strata_read_params *params, unsigned flags);

/* A byte range of a disk. */
typedef struct strata_extent {
    uint64_t offset;
    uint64_t length;
} strata_extent;

/**
 * strata_domain_diff:
 * @from: the older snapshot
 * @to: the newer snapshot on the same branch; NULL: the current state
 * @dev: the disk; NULL for a domain's only disk
 * @extents: out, sorted, merged ranges (64 KiB granularity) whose
 *   bytes differ (free with strata_extents_free())
 *
 * What changed on @dev from @from to @to (strata diff): the layers in
 * between say where to look, and only there are both points read and
 * compared.  Returns how many extents (0: nothing differs), or -1
 * (STRATA_ERR_CONFLICT when @from is not an ancestor of @to).
 * @flags: 0.
 */
int strata_domain_diff(strata_domain *dom, const char *from, const char *to, const char *dev,
                       strata_extent **extents, const strata_read_params *params,
                       unsigned flags);
void strata_extents_free(strata_extent *extents);

/* ---- libvirt -------------------------------------------------------- */

/**
 * strata_domain_import_libvirt:
 * @name: the domain, as libvirt names it
 * @config_dir: where NAME.xml is; NULL: /etc/libvirt/qemu
 * @snapshot_dir: where NAME/SNAPSHOT.xml are; NULL:
 *   /var/lib/libvirt/qemu/snapshot
 *
 * Define domain @name and all its snapshots from libvirt's own files
 * (strata import-libvirt, strata-libvirt(1)), all or nothing, after
 * checking them against the images; libvirt's files are never written.
 * The first problem that stops it is the error.  @flags: STRATA_NO_WAIT.
 */
strata_domain *strata_domain_import_libvirt(strata_conn *conn, const char *name,
                                            const char *config_dir, const char *snapshot_dir,
                                            unsigned flags);
/* Write @dom and its snapshots in libvirt's internal form into
 * DIR/NAME.xml and DIR/snapshot/NAME/SNAPSHOT.xml, for libvirt to take
 * the VM back (strata export-libvirt).  @flags: 0. */
int strata_domain_export_libvirt(strata_domain *dom, const char *dir, unsigned flags);

/* ---- recovery -------------------------------------------------------- */

/* Finish or roll back an interrupted snapshot-create, -revert or
 * -delete of @dom (strata recover); 0 also when nothing was pending.
 * @flags: STRATA_NO_WAIT. */
int strata_domain_recover(strata_domain *dom, unsigned flags);

#ifdef __cplusplus
}
#endif

#endif
