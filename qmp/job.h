/* qmp/job.h: the block job runner.  Jobs run with auto-finalize and
 * auto-dismiss off, so strata sees every step:
 *
 *   created -> running [-> ready -> job-complete] -> waiting -> pending
 *     -> job-finalize -> concluded -> job-dismiss -> null
 *
 * The runner waits on JOB_STATUS_CHANGE with a deadline, polls
 * query-jobs for progress on the same loop, reports QSD's error text
 * (query-jobs "error") and cancels the job on abort or at the deadline.
 *
 * A job started with on-error=enospc (@pause_on_nospace) pauses instead
 * of failing when a write returns ENOSPC.  Seen here (QEMU 7.2.22, an
 * intermediate block-commit whose base's file node is nbdkit's error
 * filter answering ENOSPC; tests/func/delete-enospc.sh): BLOCK_JOB_ERROR
 * {"operation": "write", "action": "stop"}, then JOB_STATUS_CHANGE
 * "paused"; query-jobs keeps current-progress where it stopped (its
 * total is the whole disk, so total - current is the span not yet
 * passed, not the data left) and has no "error".  job-resume makes the
 * job retry ("running", then "paused" again at once while there is no
 * space; copying on once there is), and job-cancel of the paused job
 * ends it as any cancel does (aborting, concluded).  Active commit and
 * stream were not tried.  The runner resumes the paused job every
 * ST_QMP_NOSPACE_RETRY_MS until the whole job's deadline, then cancels
 * it. */
#ifndef ST_QMP_JOB_H
#define ST_QMP_JOB_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "qmp/client.h"

enum st_qmp_job_type {
    ST_QMP_JOB_COMMIT,      /* block-commit: data of top..above-base into base */
    ST_QMP_JOB_STREAM,      /* block-stream: data of base..below-device into device */
};

/* Progress: @done of @total bytes (total may grow while a job runs). */
typedef void (*st_qmp_progress_fn)(uint64_t done, uint64_t total, void *opaque);

/* How often a job paused for lack of space is resumed to try again. */
#define ST_QMP_NOSPACE_RETRY_MS 500

/* A job of @pause_on_nospace: @stopped is true when it has paused for
 * lack of space (once per wait, not at each failed retry), with @left
 * bytes still to copy and @wait_ms until the job's deadline, when it
 * will be cancelled; false when it copies again after such a wait. */
typedef void (*st_qmp_nospace_fn)(bool stopped, uint64_t left, int64_t wait_ms, void *opaque);

struct st_qmp_job_opts {
    enum st_qmp_job_type type;
    const char *job_id;         /* required; unique among QSD's jobs */
    /* commit: the top node of the chain (active commit when top_node is
     * NULL or equal); stream: the node streamed INTO (any layer). */
    const char *device;
    const char *top_node;       /* commit only: layer committed; NULL = active commit */
    const char *base_node;      /* commit: required target; stream: NULL flattens */
    /* String written in the rewritten header (intermediate commit: the
     * layer above top; stream: device).  NULL: the filename of
     * base_node's protocol node, never QEMU's default, which can be a
     * json:{...} string.  Ignored for an active commit. */
    const char *backing_file;
    int64_t speed;              /* bytes/s rate limit; 0 = none */
    bool pause_on_nospace;      /* on-error=enospc: wait for space (above) */
    st_qmp_nospace_fn nospace;  /* or NULL */
    void *nospace_opaque;
    int timeout_ms;             /* whole job; negative = none; 0 = 1 hour */
    int poll_ms;                /* query-jobs interval for progress; 0 = 200 ms */
    st_qmp_progress_fn progress;    /* or NULL */
    void *progress_opaque;
    const volatile sig_atomic_t *abort_flag;    /* non-zero: cancel the job; or NULL */
    bool self_finalizing;       /* st_qmp_job_wait on a job started with auto-finalize
                                 * on (blockdev-create): never send job-finalize */
    /* Confirming the data (SPEC §4, STYLE §5).  QSD keeps qcow2's table
     * updates in memory, and job-finalize rewrites the overlay's header
     * (stream, intermediate commit) with a plain write: a QSD killed
     * after that but before the tables were written leaves a header
     * naming the new backing over tables that lack the copied data.
     * So @flush_pending (the nodes the job copies data into) are
     * flushed when the job is pending, before job-finalize, and every
     * node of @flush_pending and @flush_end (an overlay whose header
     * finalize rewrites) once the job is gone.  The job succeeds only
     * when every flush did.  NULL-terminated; either may be NULL. */
    char *const *flush_pending;
    char *const *flush_end;
    /* Called when the job is pending, after the flush of @flush_pending
     * and before job-finalize: the data is complete and on disk from
     * here (an active commit's caller records that its step is done,
     * since after the pivot clients write to the base).  false with
     * errp set cancels the job.  Or NULL. */
    bool (*on_pending)(void *opaque, struct st_error **errp);
    void *pending_opaque;
};

/* A st_qmp_progress_fn that draws @opaque, a struct st_progress
 * (common/progress.h) the caller began with st_progress_begin(). */
void st_qmp_job_progress_bar(uint64_t done, uint64_t total, void *opaque);

/**
 * st_qmp_job_run:
 *
 * Start a commit or stream job as @opts say and drive it to the end:
 * job-complete when ready (active commit), job-finalize when pending,
 * job-dismiss when concluded.  The job is never left behind in QSD
 * (unless QSD itself dies).
 *
 * Returns: true when the job completed and its flushes (above) were
 * confirmed; false with @errp set: ST_E_QMP
 * if QSD refused to start it ("block-commit: <desc>") or went away,
 * ST_E_JOB with QSD's error text if it failed ("job 'ID' failed:
 * <error>") or was cancelled by @abort_flag, ST_E_TIMEOUT if it was
 * cancelled at the deadline; ST_E_JOB with errnum ENOSPC if it was
 * cancelled at the deadline while paused for lack of space ("job 'ID'
 * had no space to write for N ms and was cancelled; B bytes still to
 * copy").
 */
bool st_qmp_job_run(struct st_qmp *qmp, const struct st_qmp_job_opts *opts,
                    struct st_error **errp);

/**
 * st_qmp_job_wait:
 * @job_id: a job already started with auto-finalize/auto-dismiss off
 *   (or a blockdev-create job, which has no READY phase)
 * @opts: deadline, progress and abort fields are used; may be NULL
 *
 * Drive an already started job to its end as st_qmp_job_run() does.
 */
bool st_qmp_job_wait(struct st_qmp *qmp, const char *job_id, const struct st_qmp_job_opts *opts,
                     struct st_error **errp);

/**
 * st_qmp_job_drop_events:
 *
 * Drop the events queued for @job_id.  For a caller that has just read
 * the job's status with query-jobs: every event queued before that
 * reply is older news, and a stale PENDING handled later would finalize
 * the job a second time.
 */
void st_qmp_job_drop_events(struct st_qmp *qmp, const char *job_id);

#endif
