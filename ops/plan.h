/* ops/plan.h: the merge planner of snapshot-delete (SPEC §6).  Pure:
 * it reads no file and starts no process, so every tree shape can be
 * tested with cmocka.
 *
 *   base <- o1 <- o2 (active)      s1: point in time base, overlay o1
 *                                  s2: point in time o1,   overlay o2
 *   delete s2, F = o1, one child o2:
 *     commit o2 into o1 (copies o2's allocation), o2 goes, o1 survives
 *     stream o1 into o2 (copies o1's allocation), o1 goes, o2 survives
 *
 * The input is the file graph of each disk (which file backs which, the
 * bytes allocated in each) and, per snapshot and disk, the file that is
 * its point in time and the overlay made on top of it.  The output says
 * which jobs run, which metadata changes, and which files are unlinked
 * at the end.  chain/delete-input.c builds the input from the store and
 * the qcow2 headers; ops/op-delete.c runs a plan. */
#ifndef ST_OPS_PLAN_H
#define ST_OPS_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/error.h"

/* ---- input (all borrowed) ---- */

struct st_plan_file {
    const char *path;           /* absolute; one string per file (its identity) */
    int backing;                /* index in the disk's files, or -1 for a base */
    uint64_t allocated;         /* guest bytes allocated in this layer */
    const char *format;         /* "qcow2" or "raw"; NULL counts as qcow2 */
    bool made;                  /* strata made it (store/created.h): a single delete may
                                 * drop only such a file without copying it */
};

struct st_plan_disk {
    const char *target;         /* "vda" */
    const struct st_plan_file *files;
    size_t nfiles;
    int active;                 /* the domain's active file, or -1 */
};

struct st_plan_snap {
    const char *name;
    int parent;                 /* index in snaps, or -1 for a root */
    bool current;
    /* Per disk (ndisks entries), an index in that disk's files, or -1
     * (snapshot='no' for that disk, or not known). */
    const int *pit;             /* the disk content at the snapshot */
    const int *overlay;         /* <disks><disk><source>: the file made on top */
};

struct st_plan_input {
    const struct st_plan_snap *snaps;
    size_t nsnaps;
    const struct st_plan_disk *disks;
    size_t ndisks;
};

enum st_plan_mode {
    ST_PLAN_ONE = 0,            /* delete S, merging its point in time away */
    ST_PLAN_CHILDREN,           /* --children: S and its descendants */
    ST_PLAN_CHILDREN_ONLY,      /* --children-only: the descendants, S stays */
    ST_PLAN_METADATA,           /* --metadata: S only, no file touched */
    ST_PLAN_METADATA_CHILDREN,  /* --metadata --children */
    ST_PLAN_METADATA_CHILDREN_ONLY,
};

struct st_plan_opts {
    size_t target;              /* index of S in snaps */
    enum st_plan_mode mode;
    bool no_stream;             /* --no-stream: refuse rather than stream */
};

/* ---- output (all owned) ---- */

enum st_plan_step_kind {
    ST_PLAN_COMMIT,             /* top's data into base; top goes, base survives */
    ST_PLAN_STREAM,             /* base's data up into top; base goes, top survives */
};

struct st_plan_step {
    enum st_plan_step_kind kind;
    char *disk;
    char *top;                  /* commit: the layer committed; stream: the layer streamed into */
    char *base;                 /* commit: the target; stream: the layer streamed from */
    char *head;                 /* commit: top of a chain through top (QMP "device");
                                 * equal to top for a commit of a chain's top layer */
    char *new_backing;          /* stream: top's backing afterwards (base's backing), or NULL */
    bool active;                /* commit: top is the domain's active file: pivot to base */
    /* Commit: the bytes allocated in top, all of which it copies.
     * Stream: the bytes allocated in base, an upper bound: the job
     * copies only what top does not already hold, and the input has
     * per-file totals, not allocation maps, to subtract that. */
    uint64_t bytes;
};

struct st_plan_rename {         /* every metadata reference to @from names @to */
    char *disk;
    char *from;
    char *to;
    char *format;               /* @to's format, written with it ("raw" base); NULL: qcow2 */
};

struct st_plan_reparent {
    char *snapshot;
    char *parent;               /* NULL: becomes a root */
};

struct st_plan_unlink {
    char *disk;
    char *path;
    bool discard;               /* dropped without copying (--children) */
};

struct st_plan {
    char *snapshot;             /* S */
    enum st_plan_mode mode;
    struct st_plan_step *steps;
    size_t nsteps;
    struct st_plan_rename *renames;
    size_t nrenames;
    struct st_plan_reparent *reparents;
    size_t nreparents;
    char **deletes;             /* strv: snapshot metadata removed, leaves first */
    bool current_changes;       /* the current snapshot is deleted */
    char *new_current;          /* then the new one (NULL: none) */
    struct st_plan_unlink *unlinks;
    size_t nunlinks;
    uint64_t bytes;             /* sum of the steps */
    uint64_t bytes_always_commit;   /* had commit been chosen wherever it is allowed */
    uint64_t bytes_always_stream;   /* had stream been chosen everywhere */
};

void st_plan_free(struct st_plan *plan);
ST_DEFINE_CLEANUP(st_cleanup_plan, struct st_plan *, st_plan_free)
#define CLEANUP_PLAN ST_CLEANUP(st_cleanup_plan)

/**
 * st_plan_delete:
 * @in: snapshots and file graphs (borrowed)
 * @opts: which snapshot, which mode
 * @errp: error out
 *
 * Decide, per disk, how S's point in time F stops being a separate
 * layer (SPEC §6):
 *   - F still needed by something else (another snapshot's point in
 *     time, the domain's active file), or F backs nothing: no file step;
 *   - one child C: commit C into F (cost: C's allocation) or stream F
 *     into C (cost: F's allocation), the cheaper (a tie streams, which
 *     changes fewer names); commit only when C backs at most one file,
 *     since QEMU rewrites the header of one overlay only;
 *   - several children (branches): stream F into each, or fail with
 *     --no-stream; F is never committed into while it is shared.
 * --children/--children-only drop the files that only deleted
 * snapshots name, unless a remaining snapshot or the domain's active
 * chain needs them, without copying.  --metadata touches no file.
 * References to a file that goes are renamed to its survivor.
 *
 * Returns: an owned plan, or NULL with @errp set: ST_E_CONFLICT when
 * --no-stream leaves no safe direction, ST_E_USAGE on a bad target.
 */
struct st_plan *st_plan_delete(const struct st_plan_input *in, const struct st_plan_opts *opts,
                               struct st_error **errp);

/**
 * st_plan_check_commit:
 * @disk: index in @in->disks
 * @top, @base: file indices; @base must lie below @top
 *
 * For blockcommit: committing @top..above-@base into @base must change
 * no view but the chain's own.  Refused (ST_E_CONFLICT, naming the
 * snapshot or branch) when a snapshot names any of those files (its
 * point in time or overlay), or when @base or a file between backs
 * anything besides the next file up the chain; ST_E_USAGE when @base
 * is not below @top.
 */
bool st_plan_check_commit(const struct st_plan_input *in, size_t disk, int top, int base,
                          struct st_error **errp);

/* Whether a step's bytes, or a plan's total, is an upper bound rather
 * than the exact figure (a stream step: see struct st_plan_step). */
bool st_plan_step_bytes_upper_bound(const struct st_plan_step *s);
bool st_plan_bytes_upper_bound(const struct st_plan *p);

/* "one", "children", ... as written in the journal. */
const char *st_plan_mode_name(enum st_plan_mode mode);

/* The plan as JSON (--dry-run --json, the journal); new reference.
 * Keys: snapshot, mode, steps[{disk, action, top, base, head,
 * new-backing, active, bytes, bytes-upper-bound}], metadata{delete,
 * reparent[{snapshot, parent}], current-changes, new-current,
 * renames[{disk, from, to}]}, unlink[{disk, path, discard}], bytes,
 * bytes-upper-bound, bytes-always-commit, bytes-always-stream.  The
 * bytes-upper-bound keys are derived (from_json ignores them). */
struct json_object *st_plan_to_json(const struct st_plan *plan);

/* The inverse, for resuming from the journal; ST_E_INTERNAL when a key
 * is missing or has the wrong type. */
struct st_plan *st_plan_from_json(struct json_object *obj, struct st_error **errp);

#endif
