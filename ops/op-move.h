/* ops/op-move.h: 'strata move DOMAIN --to DIR' (issue 15): every file of
 * a domain's chains and snapshots into one directory, backing strings
 * rewritten relative (so the next move needs nothing) and every
 * metadata path with them, as one journalled operation.
 *
 *   plan     walk every chain metadata names (the active disks, each
 *            snapshot's point-in-time files and embedded domain); decide
 *            per file: already there, hard link (same file system), or
 *            copy; refuse a name clash in DIR before anything is written
 *   journal  phase "planned": the files, their methods and identities
 *   stage    each new name claimed (O_EXCL) and its identity journalled,
 *            then linked or copied (holes kept) and fsynced; "staged"
 *   rebase   the new headers rewritten by ops/op-rebase.c's machinery
 *   commit   domain XML and every snapshot XML name the new files;
 *            "committed"
 *   clean    the old names unlinked (not with --copy), journal removed
 *
 * A rename(2) is not used even on one file system: between it and the
 * metadata commit, metadata would name a file that is gone.  A hard
 * link gives the file both names until the commit, and unlinking the old
 * one afterwards is what a rename would have done.  A layer is linked
 * only when its new (relative) backing string also names its backing
 * file from the old directory, since the header is shared by both names
 * until the old one goes; other layers are copied.
 *
 * Recovery (st_move_recover): "planned" rolls back (removes only the new
 * names whose identity is the one journalled); "staged" and "committed"
 * roll forward (rebase again, metadata, unlink), every step idempotent. */
#ifndef ST_OPS_OP_MOVE_H
#define ST_OPS_OP_MOVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "store/journal.h"
#include "store/store.h"

#define ST_MOVE_OPERATION "move"

enum st_move_method {
    ST_MOVE_NONE = 0,           /* already in DIR: only its header may change */
    ST_MOVE_LINK,               /* same file system: link now, old name unlinked at the end */
    ST_MOVE_COPY,               /* copied, holes kept; old one unlinked unless --copy */
};

struct st_move_file {
    char *from;                 /* owned; absolute, as the chain walk found it */
    char *to;                   /* owned; DIR/basename */
    char *format;               /* owned; "qcow2" or "raw" */
    long backing;               /* index of its backing file in the plan, or -1 */
    enum st_move_method method;
    uint64_t size;              /* bytes of the file (st_size) */
    uint64_t allocated;         /* bytes the file occupies (st_blocks) */
    bool recorded;              /* DOMAIN/created holds the original */
    struct st_file_id from_id;
};

struct st_move_plan {
    char *dom;                  /* owned */
    char *dir;                  /* owned; canonical */
    bool keep_originals;        /* --copy */
    struct st_move_file *files; /* owned; every file once, in walk order */
    size_t n;
    uint64_t copy_bytes;        /* sum of the sizes of the files copied */
    uint64_t copy_allocated;    /* sum of the bytes they occupy: what DIR needs free */
    uint64_t dir_free;          /* bytes free for us in DIR's file system at the plan */
};

/* Progress of the copies: @done of @total bytes, @file being copied. */
typedef void (*st_move_progress_fn)(const char *file, uint64_t done, uint64_t total,
                                    void *opaque);

struct st_move_opts {
    const char *dir;            /* --to */
    const char *disk;           /* --disk, or NULL for every disk */
    bool copy;                  /* --copy: keep the originals */
    const char *run_root;       /* the run directory, for the live check and QSD */
    st_move_progress_fn progress;
    void *opaque;
};

/* Stable names for --json: "none", "rename", "copy". */
const char *st_move_method_name(enum st_move_method m);

/**
 * st_move_plan_new:
 * @dom: the domain; the caller holds its lock
 *
 * Validate and plan; writes nothing.  Refuses a live domain (ST_E_BUSY,
 * hint 'strata stop'), an interrupted operation, a DIR that is missing
 * or not a directory, a file of DIR's name already there (naming it),
 * two files of one name, a chain that cannot be walked (a missing file,
 * an unrecorded backing format, a remote base).
 */
struct st_move_plan *st_move_plan_new(const struct st_store *store, const char *dom,
                                      const struct st_move_opts *opts, struct st_error **errp);

/**
 * st_move_run:
 *
 * Journal, stage, rebase, commit, clean (see above).  A failure before
 * the files are staged (ENOSPC during a copy, say) rolls back: the new
 * names removed, journal cleared, nothing else touched.  A failure after
 * keeps the journal and says to run 'strata recover'.
 */
bool st_move_run(const struct st_store *store, const struct st_move_plan *plan,
                 const struct st_move_opts *opts, struct st_error **errp);

/**
 * st_move_recover:
 * @journal: the domain's journal, of ST_MOVE_OPERATION
 * @report: filled like st_op_recover's ("action", "removed-files")
 *
 * Finish or undo an interrupted move (see above); clears the journal.
 */
bool st_move_recover(const struct st_store *store, const char *dom, const char *run_root,
                     struct json_object *journal, struct json_object *report,
                     struct st_error **errp);

/* Refuse (ST_E_BUSY, false) while a QSD holds the domain's images open:
 * its live QSD (hint 'strata stop') or an export-only one.  For the
 * operations that rename or rewrite them offline (move, chain rebase). */
bool st_move_refuse_served(const char *run_root, const char *dom, struct st_error **errp);

void st_move_plan_free(struct st_move_plan *plan);
ST_DEFINE_CLEANUP(st_cleanup_move_plan, struct st_move_plan *, st_move_plan_free)
#define CLEANUP_MOVE_PLAN ST_CLEANUP(st_cleanup_move_plan)

#endif
