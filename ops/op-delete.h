/* ops/op-delete.h: run a snapshot-delete plan (ops/plan.h).
 *
 *   journal  DOMAIN/journal gets the plan before any job: from then on
 *            S is being deleted, and only the same delete may run
 *   data     each step a commit or stream job in the domain's QSD (live
 *            or transient); the journal counts the steps done
 *   metadata references renamed to survivors, children reparented,
 *            current moved, snapshot files removed (each write atomic)
 *   verify   with --verify: every view the jobs touched reads as before,
 *            else stop here (phase "verify-failed"; no file unlinked)
 *   unlink   files that went, last, and only if nothing names or
 *            backs onto them; then the journal is removed
 *
 * Every phase can run again: a step checks its own effect (a stream is
 * done when the top no longer backs onto the base) or is harmless to
 * repeat (a commit copies the same clusters again).  So an interrupted
 * delete is finished by running it again, never undone: a commit into F
 * leaves F a mixture that only the finished commit makes whole. */
#ifndef ST_OPS_OP_DELETE_H
#define ST_OPS_OP_DELETE_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "common/error.h"
#include "qmp/job.h"
#include "ops/plan.h"
#include "store/store.h"

/* What the merges of one st_delete_execute() left in their targets,
 * from the targets' qcow2 tables before and after each job: bytes that
 * became data clusters, and bytes that became zero clusters (written
 * zeros kept sparse, ops/op-delete.c's reopen with detect-zeroes). */
struct st_delete_stats {
    uint64_t data;
    uint64_t zeroed;
};

struct st_delete_opts {
    const char *run_root;           /* --run-dir */
    int64_t speed;                  /* job rate limit, bytes/s; 0: none */
    bool verify;                    /* --verify: digests before and after (delete-verify.h) */
    int timeout_ms;                 /* each job; 0: qmp/job.h's default (1 hour) */
    /* Called before each step (i of n) and with each job's progress. */
    void (*step_begin)(const struct st_plan_step *step, size_t i, size_t n, void *opaque);
    void (*step_end)(const struct st_plan_step *step, void *opaque);
    st_qmp_progress_fn progress;
    /* Called when a job waits for space to write (its target's file
     * system is full; the job is paused, and resumed until the
     * timeout) with the line also printed as a warning, and with NULL
     * when it copies again.  Or NULL. */
    void (*nospace)(const char *msg, void *opaque);
    void *opaque;
    const volatile sig_atomic_t *abort_flag;   /* non-zero: cancel the running job; or NULL */
    struct st_delete_stats *stats;  /* out (added to), or NULL */
};

struct st_delete_request {
    const char *snapshot;           /* NULL: the current one */
    enum st_plan_mode mode;
    bool no_stream;                 /* --no-stream */
};

/**
 * st_delete_prepare:
 * @journal: out: the domain's journal when the plan resumes an
 *   interrupted delete (owned; pass it to st_delete_execute()), else NULL
 *
 * The plan of the delete @req asks for: the interrupted delete's when
 * the journal holds one (any other request is refused, ST_E_CONFLICT,
 * naming the command that finishes it), else a new plan (ST_E_NOT_FOUND
 * for no such snapshot, or a file of its layer that is gone).  Reads
 * only; the caller holds the lock if it will execute the plan.
 */
struct st_plan *st_delete_prepare(const struct st_store *store, const char *dom,
                                  const struct st_delete_request *req,
                                  struct json_object **journal, struct st_error **errp);

/* The journal's operation name. */
#define ST_DELETE_OPERATION "snapshot-delete"

/**
 * st_delete_journal_plan:
 * @journal: a domain journal (borrowed)
 *
 * The plan an interrupted snapshot-delete journalled, or NULL: with
 * @errp unset when @journal is another operation's, set when the plan
 * in it cannot be read.
 */
struct st_plan *st_delete_journal_plan(struct json_object *journal, struct st_error **errp);

/**
 * st_delete_execute:
 * @store: the state directory; the caller holds the domain lock
 * @dom: domain name
 * @plan: what to do (borrowed)
 * @journal: the journal of an interrupted run of the same plan, to
 *   resume (borrowed), or NULL for a new run
 *
 * Run @plan's phases as described above.  On failure the journal stays
 * (naming the phase reached) and @errp says what failed; running the
 * same delete again finishes it.
 */
bool st_delete_execute(const struct st_store *store, const char *dom, const struct st_plan *plan,
                       struct json_object *journal, const struct st_delete_opts *opts,
                       struct st_error **errp);

/**
 * st_delete_run_merge:
 *
 * Run one commit or stream @step in domain @dom's QSD (live or
 * transient), for blockcommit and blockpull; no journal, no metadata,
 * no file removed.  A commit's head is the chain top QMP calls
 * "device"; a stream's new_backing is its base (NULL flattens).  A job
 * of the same kind left in a live QSD by a killed run is adopted; a live
 * active commit whose pivot QSD already made is not run again.  On
 * failure nothing was lost and the same merge can run again.
 */
bool st_delete_run_merge(const char *dom, const struct st_plan_step *step,
                         const struct st_delete_opts *opts, struct st_error **errp);

/**
 * st_delete_confirm_merged:
 * @step: a merge already done on disk: a stream's @top (and @head) is
 *   the file streamed into; a commit's @base the file committed into,
 *   below @head
 *
 * For a blockcommit or blockpull run again after its QSD or strata was
 * killed once the chain had switched: a concluded job of it left in a
 * live QSD is dismissed (one still running is refused: the caller runs
 * the merge, which adopts it), and what the merge wrote is flushed by
 * this QSD, as st_delete_run_merge() would have, before the caller
 * reports it done.
 */
bool st_delete_confirm_merged(const char *dom, const struct st_plan_step *step,
                              const char *run_root, struct st_error **errp);

#endif
