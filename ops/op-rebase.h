/* ops/op-rebase.h: 'chain rebase FILE': rewrite the backing strings of
 * a chain without moving data, only where the new string provably
 * names the file the old one meant (issue 15).
 *
 *   plan   walk the chain top-down, each backing string mapped or
 *          rewritten and the file it leads to proven (same file, or a
 *          candidate whose format, size and own chain fit); nothing is
 *          written, so a refusal anywhere leaves every file as it was
 *   run    one layer at a time, top-down, through a transient QSD:
 *          header rewritten, flushed and closed, then read back */
#ifndef ST_OPS_OP_REBASE_H
#define ST_OPS_OP_REBASE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/cleanup.h"
#include "common/error.h"

enum st_rebase_mode {
    ST_REBASE_RELATIVE = 0,     /* every string relative to its overlay's directory */
    ST_REBASE_ABSOLUTE,         /* every string an absolute path */
    ST_REBASE_MAP,              /* OLD=NEW prefixes replaced; other strings kept */
};

struct st_rebase_map {
    const char *old_prefix;     /* a directory (or file) the old strings lead into */
    const char *new_prefix;     /* where it is now */
};

struct st_rebase_opts {
    enum st_rebase_mode mode;
    const struct st_rebase_map *maps;   /* mode MAP: @n_maps of them, first match wins */
    size_t n_maps;
    const char *format;         /* of the top; NULL: qcow2 */
    const char *backing_format; /* for a backing whose overlay records none; NULL: refused */
    unsigned max_depth;         /* 0: ST_CHAIN_DEFAULT_MAX_DEPTH */
};

/* How the file a new string names was shown to be the one meant. */
enum st_rebase_proof {
    ST_REBASE_SAME_FILE = 0,    /* the old string still leads to it (same device and inode) */
    ST_REBASE_CANDIDATE,        /* the old file is gone; format, size and own chain fit */
};

struct st_rebase_layer {
    char *path;                 /* owned; the overlay, absolute */
    char *old_backing;          /* owned; as written */
    char *old_format;           /* owned; as recorded, or NULL */
    char *new_backing;          /* owned */
    char *new_format;           /* owned; always set: the backing's format */
    char *target;               /* owned; the backing file, absolute */
    enum st_rebase_proof proof;
    bool change;                /* the header differs from the new strings */
};

struct st_rebase_plan {
    struct st_rebase_layer *layers;     /* owned; top-down, every layer with a backing */
    size_t n;
};

/* Stable names for --json: "same-file", "candidate". */
const char *st_rebase_proof_name(enum st_rebase_proof proof);

/**
 * st_rebase_plan_file:
 * @top: the chain's top image
 *
 * Walk the chain and decide every layer's new strings; write nothing.
 * Refuses (ST_E_CHAIN, naming the overlay, the old string, the file
 * tried and why) a new string whose file is not provably the old one: a
 * file other than the one the old string still names, a missing file,
 * a candidate of another format or virtual size, one with a faulty
 * header, or one whose own chain does not continue soundly.
 * Returns: an owned plan, or NULL with @errp set.
 */
struct st_rebase_plan *st_rebase_plan_file(const char *top, const struct st_rebase_opts *opts,
                                           struct st_error **errp);

/**
 * st_rebase_run:
 * @run_root: the run directory (--run-dir), for the transient QSD
 *
 * Rewrite each changed layer's header, top-down, in a transient QSD:
 * the backing file opened read-only with no backing of its own, the
 * overlay read-write on it, then block-stream with the backing as
 * base-node (there is nothing between them, so nothing is copied) and
 * the new string as backing-file.  QEMU 7.2 then writes the backing's
 * own format ("raw" for a raw file), where change-backing-file would
 * write the overlay's ("qcow2") whatever the backing is (verified
 * here).  Each overlay is flushed and closed before the next layer is
 * touched, and its header read back.  No journal: a crash between
 * layers leaves each header with either its old or its new strings,
 * and both name the same file (or the old one a file that is gone), so
 * every state on the way is a chain at least as sound as before, and
 * the same command run again finishes the rest.  Returns false with
 * @errp set, naming the layer it stopped at.
 */
bool st_rebase_run(const char *run_root, const struct st_rebase_plan *plan,
                   struct st_error **errp);

/* Where --map sends the absolute path @resolved: NEW + the rest, for the
 * first OLD that is @resolved or a directory above it; NULL (and @errp
 * unset) when none is. */
char *st_rebase_map_path(const struct st_rebase_opts *opts, const char *resolved,
                         struct st_error **errp);

void st_rebase_plan_free(struct st_rebase_plan *plan);
ST_DEFINE_CLEANUP(st_cleanup_rebase_plan, struct st_rebase_plan *, st_rebase_plan_free)
#define CLEANUP_REBASE_PLAN ST_CLEANUP(st_cleanup_rebase_plan)

#endif
