/* ops/op-delete.c: run a snapshot-delete plan through QSD, then make
 * the metadata agree and unlink what went (phases in op-delete.h).
 *
 *   before:  base <- o1 <- o2 <- o3 (active)         delete s2 (@o1)
 *   commit:  base <- o1' <- o3                       (o2's clusters into o1)
 *   stream:  base <- o2' <- o3                       (o1's clusters up into o2)
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/compiler.h"
#include "common/json.h"
#include "common/log.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "qmp/blockdev.h"
#include "qmp/export.h"
#include "qmp/job.h"
#include "xml/snapshot.h"
#include "chain/chain.h"
#include "ops/delete-verify.h"
#include "live/exporter.h"
#include "store/created.h"
#include "store/journal.h"
#include "ops/op-delete.h"
#include "ops/op-util.h"
#include "live/session.h"
#include "store/tree.h"

ST_LOG_INIT("ops.delete");

/* ---- journal ---- */

struct st_plan *
st_delete_journal_plan(struct json_object *journal, struct st_error **errp)
{
    const char *op = st_json_get_string(journal, "operation");
    struct json_object *detail = st_json_get_object(journal, "detail");
    struct json_object *plan = detail ? st_json_get_object(detail, "plan") : NULL;

    if (!op || strcmp(op, ST_DELETE_OPERATION) != 0)
        return NULL;
    if (!plan) {
        st_error_set(errp, ST_E_INTERNAL, "the snapshot-delete journal holds no plan");
        return NULL;
    }
    return st_plan_from_json(plan, errp);
}

static int64_t
done_steps(struct json_object *journal)
{
    struct json_object *detail = st_json_get_object(journal, "detail");
    int64_t n = 0;

    if (!detail || !st_json_get_int64(detail, "done-steps", &n) || n < 0)
        return 0;
    return n;
}

static bool
set_done_steps(const struct st_store *store, const char *dom, struct json_object *journal,
               size_t n, struct st_error **errp)
{
    struct json_object *detail = st_json_get_object(journal, "detail");

    json_object_object_add(detail, "done-steps", json_object_new_int64((int64_t) n));
    return st_journal_write(store, dom, journal, errp);
}

/* ---- files ---- */

/* Same file: by identity when both exist, else by name. */
static bool
same_file(const char *a, const char *b)
{
    struct stat sa, sb;

    if (!a || !b)
        return false;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    return strcmp(a, b) == 0;
}

/* Whether the chain below @top contains @path (headers only). */
static bool
chain_has(const char *top, const char *path)
{
    struct st_chain_opts opts = { .skip_allocation = true };
    CLEANUP_CHAIN struct st_chain *chain = st_chain_load(top, &opts, NULL);

    for (size_t i = 0; chain && i < chain->n_layers; i++) {
        if (st_chain_layer_is_file(&chain->layers[i], path))
            return true;
    }
    return false;
}

/* A step whose effect is already on disk (a run interrupted after the
 * job ended but before the journal said so).  A commit of a chain's
 * top layer leaves no trace in the headers; repeating it is harmless. */
static bool
step_done(const struct st_plan_step *s)
{
    if (!st_path_exists(s->top) || !st_path_exists(s->base))
        return false;
    if (s->kind == ST_PLAN_STREAM)
        return !chain_has(s->top, s->base);
    if (strcmp(s->head, s->top) != 0)
        return !chain_has(s->head, s->top) && chain_has(s->head, s->base);
    return false;
}

/* ---- QSD ---- */

/* Make node @name (and its file node) writable with blockdev-reopen,
 * keeping its children: the session opens lower layers read-only, and
 * QSD 7.2 refuses a commit into a read-only base ("Block node is
 * read-only") and crashes finalizing an intermediate commit whose
 * overlay is read-only.  @target: the job writes into it, so zero
 * writes become unmaps (st_qmp_blockdev_reopen_target()), also when it
 * is writable already. */
static bool
reopen_rw(struct st_qmp *qmp, const char *name, bool target, struct st_error **errp)
{
    CLEANUP_QMP_GRAPH struct st_qmp_graph *g = NULL;
    const struct st_qmp_node *n, *f;

    if (!(g = st_qmp_graph_read(qmp, errp)))
        return false;
    if (!(n = st_qmp_graph_find(g, name))) {
        st_error_set(errp, ST_E_INTERNAL, "node '%s' is not in QSD", name);
        return false;
    }
    if (!n->read_only && !target)
        return true;
    f = n->file ? st_qmp_graph_find(g, n->file) : NULL;
    if (!f || !f->filename) {
        st_error_set(errp, ST_E_INTERNAL, "node '%s' has no file node", name);
        return false;
    }
    return target ? st_qmp_blockdev_reopen_target(qmp, n, f, errp)
                  : st_qmp_blockdev_reopen_rw(qmp, n, f, errp);
}

/* Whether format node @name sits on a "file" protocol node.  Not so
 * only under the test hook of live/session.c (an NBD server under a
 * layer); then QSD's filename of it is a URI, not the path a header
 * must name. */
static bool
on_file_node(struct st_qmp *qmp, const char *name)
{
    CLEANUP_QMP_GRAPH struct st_qmp_graph *g = st_qmp_graph_read(qmp, NULL);
    const struct st_qmp_node *n = g ? st_qmp_graph_find(g, name) : NULL;
    const struct st_qmp_node *f = n && n->file ? st_qmp_graph_find(g, n->file) : NULL;

    return !f || !f->driver || strcmp(f->driver, "file") == 0;
}

/* The format node whose live backing is @name (the overlay a commit
 * rewrites); owned, or NULL. */
static char *
overlay_of(struct st_qmp *qmp, const char *name, struct st_error **errp)
{
    CLEANUP_QMP_GRAPH struct st_qmp_graph *g = st_qmp_graph_read(qmp, errp);

    for (size_t i = 0; g && i < g->n; i++) {
        if (g->nodes[i].backing && strcmp(g->nodes[i].backing, name) == 0)
            return st_xstrdup(g->nodes[i].name);
    }
    return NULL;
}

static char *
node_of(struct st_session *sess, const char *path, struct st_error **errp)
{
    char *node = st_session_find_node(sess, path, errp);

    if (!node && errp && !*errp)
        st_error_set(errp, ST_E_INTERNAL, "'%s' is not open in QSD", path);
    return node;
}

/* The data and zero bytes of @path's own layer (0 when unreadable, or
 * for a raw file). */
static void
target_usage(const char *path, uint64_t *data, uint64_t *zero)
{
    struct st_chain_opts copts = { .max_depth = 1 };
    CLEANUP_CHAIN struct st_chain *chain = st_chain_load(path, &copts, NULL);

    *data = chain && chain->layers[0].has_alloc ? chain->layers[0].allocated_bytes : 0;
    *zero = chain && chain->layers[0].has_alloc ? chain->layers[0].zero_bytes : 0;
}

/* Progress goes to the caller; the crash point lets tests kill strata
 * while a job runs. */
static void
on_progress(uint64_t done, uint64_t total, void *opaque)
{
    const struct st_delete_opts *opts = opaque;

    st_op_crash_point("delete-job-running");
    if (opts->progress)
        opts->progress(done, total, opts->opaque);
}

/* A job that waits for space in its target's file system (on-error=
 * enospc, qmp/job.h): say so with the file and the wait, once per wait. */
struct nospace {
    const struct st_delete_opts *opts;
    const char *disk;
    const char *target;     /* the file the job writes */
};

static void
on_nospace(bool stopped, uint64_t left, int64_t wait_ms, void *opaque)
{
    const struct nospace *ns = opaque;
    CLEANUP_FREE char *msg = NULL;

    if (!stopped) {
        st_warn("snapshot", "disk '%s': space came back in '%s'; copying again", ns->disk,
                ns->target);
        if (ns->opts->nospace)
            ns->opts->nospace(NULL, ns->opts->opaque);
        return;
    }
    msg = st_xasprintf("disk '%s': no space left writing '%s'; %" PRIu64
                       " bytes still to copy; waiting up to %" PRId64 " s for space",
                       ns->disk, ns->target, left, (wait_ms + 999) / 1000);
    st_warn("snapshot", "%s", msg);
    if (ns->opts->nospace)
        ns->opts->nospace(msg, ns->opts->opaque);
}

/* st_qmp_job_run(), with a job cancelled for lack of space (its errnum
 * ENOSPC) told as the file it could not write and the space it needs.
 * The job was cancelled cleanly: the target holds part of the data, as
 * after any failed commit, and the journal's next run starts it again. */
static bool
run_job(struct st_qmp *qmp, const struct st_qmp_job_opts *job, const struct nospace *ns,
        struct st_error **errp)
{
    struct st_error *err = NULL;

    if (st_qmp_job_run(qmp, job, &err))
        return true;
    if (err->errnum == ENOSPC) {
        st_error_prepend(&err, "no space left writing '%s': ", ns->target);
        st_error_set_path(&err, ns->target);
        st_error_hint(&err, "free space on the file system of '%s' (about the bytes still to copy), "
                      "then run the same command again to finish it; nothing was lost", ns->target);
    }
    st_error_propagate(errp, err);
    return false;
}

static bool
job_cmd(struct st_qmp *qmp, const char *cmd, const char *id, struct st_error **errp)
{
    struct json_object *args = json_object_new_object();

    json_object_object_add(args, "id", json_object_new_string(id));
    return st_qmp_run(qmp, cmd, args, errp);
}

/* The hint of every failed run of a delete's data phase. */
#define AGAIN_HINT "nothing was lost; run the same snapshot-delete again to finish it"

/* Dismiss job @id, which QSD reports concluded with @error (or NULL):
 * false with @errp set when that failed or the job had failed. */
static bool
dismiss_concluded(struct st_qmp *qmp, const char *id, const char *error, struct st_error **errp)
{
    st_debug("dismissing job %s left concluded in QSD", id);
    if (!job_cmd(qmp, "job-dismiss", id, errp))
        return false;
    if (error) {
        st_error_set(errp, ST_E_JOB, "job '%s' failed: %s", id, error);
        return false;
    }
    return true;
}

/* A job of ours that a killed strata left in a live QSD (auto-finalize
 * and auto-dismiss are off, so it waits for us): drive it to its end
 * from whatever state it reached.  Returns 1 when it was there and
 * finished, 0 when there is none, -1 on error. */
static int
adopt_job(struct st_qmp *qmp, const struct st_qmp_job_opts *job, struct st_error **errp)
{
    CLEANUP_JSON struct json_object *jobs = st_qmp_execute(qmp, "query-jobs", NULL, errp);
    const char *status = NULL, *type = NULL, *error = NULL;
    const char *want = job->type == ST_QMP_JOB_STREAM ? "stream" : "commit";

    if (!jobs)
        return -1;
    for (size_t i = 0; i < json_object_array_length(jobs); i++) {
        struct json_object *j = json_object_array_get_idx(jobs, i);
        const char *id = st_json_get_string(j, "id");

        if (id && strcmp(id, job->job_id) == 0) {
            status = st_json_get_string(j, "status");
            type = st_json_get_string(j, "type");
            error = st_json_get_string(j, "error");
        }
    }
    if (!status)
        return 0;
    if (!type || strcmp(type, want) != 0) {
        /* Another merge's job (a blockpull run after a killed
         * blockcommit): finishing it is not what was asked. */
        st_error_set(errp, ST_E_BUSY, "job '%s' (%s) of an earlier run is still in QSD",
                     job->job_id, type ? type : "?");
        st_error_hint(errp, "run the command that started it again to finish it");
        return -1;
    }
    st_qmp_job_drop_events(qmp, job->job_id);
    st_debug("adopting job %s left in QSD (status %s)", job->job_id, status);
    if (strcmp(status, "running") == 0) {
        /* This run's rate limit (none unless --speed), not the dead one's. */
        struct json_object *args = json_object_new_object();

        json_object_object_add(args, "device", json_object_new_string(job->job_id));
        json_object_object_add(args, "speed", json_object_new_int64(job->speed));
        if (!st_qmp_run(qmp, "block-job-set-speed", args, errp))
            return -1;
    }
    if (strcmp(status, "concluded") == 0) {
        /* Ended since job_left() looked (a job that failed concludes
         * on its own) and sends no more events to wait for.  Its data
         * is confirmed only by flushes in this run. */
        if (!dismiss_concluded(qmp, job->job_id, error, errp))
            return -1;
        for (size_t i = 0; job->flush_pending && job->flush_pending[i]; i++)
            if (!st_qmp_blockdev_flush(qmp, job->flush_pending[i], errp))
                return -1;
        for (size_t i = 0; job->flush_end && job->flush_end[i]; i++)
            if (!st_qmp_blockdev_flush(qmp, job->flush_end[i], errp))
                return -1;
        return 1;
    }
    if (strcmp(status, "ready") == 0 && !job_cmd(qmp, "job-complete", job->job_id, errp))
        return -1;
    /* Paused for lack of space (on-error=enospc) when its run was
     * killed: try again, and wait for space as a new job would. */
    if (strcmp(status, "paused") == 0 && !job_cmd(qmp, "job-resume", job->job_id, errp))
        return -1;
    if (strcmp(status, "pending") == 0) {
        /* Pending: the flush before finalize that the dead run may not
         * have made, as st_qmp_job_wait() does for a job it sees
         * become pending. */
        for (size_t i = 0; job->flush_pending && job->flush_pending[i]; i++)
            if (!st_qmp_blockdev_flush(qmp, job->flush_pending[i], errp))
                return -1;
        if ((job->on_pending && !job->on_pending(job->pending_opaque, errp)) ||
            !job_cmd(qmp, "job-finalize", job->job_id, errp))
            return -1;
    }
    return st_qmp_job_wait(qmp, job->job_id, job, errp) ? 1 : -1;
}

/* Where an active commit records that its data is complete (its
 * on_pending): the journal of a snapshot-delete, or nothing for a
 * blockcommit. */
struct step_journal {
    const struct st_store *store;
    const char *dom;
    struct json_object *journal;
    size_t step;
};

/* The journal's "target-complete-step": the active commit whose data
 * was complete and flushed in its base when the run stopped, or -1. */
static int64_t
target_complete_step(struct json_object *journal)
{
    struct json_object *detail = st_json_get_object(journal, "detail");
    int64_t n = -1;

    if (!detail || !st_json_get_int64(detail, "target-complete-step", &n))
        return -1;
    return n;
}

/* An active commit is pending: top and base hold the same data, the
 * base is flushed, and after job-finalize (the pivot) clients of a live
 * disk write to the base.  From here a resumed run must count the step
 * as done: committing the old top again would overwrite those writes. */
static bool
mark_target_complete(void *opaque, struct st_error **errp)
{
    struct step_journal *sj = opaque;
    struct json_object *detail = st_json_get_object(sj->journal, "detail");

    json_object_object_add(detail, "target-complete-step", json_object_new_int64((int64_t) sj->step));
    if (!st_journal_write(sj->store, sj->dom, sj->journal, errp))
        return false;
    st_op_crash_point("delete-target-complete");
    return true;
}

static bool
run_step(struct st_session *sess, const struct st_plan_step *s, size_t i,
         const struct st_delete_opts *opts, struct step_journal *sj, struct st_error **errp)
{
    struct st_qmp *qmp = st_session_qmp(sess);
    CLEANUP_FREE char *job_id = st_xasprintf("strata-delete-%zu", i);
    CLEANUP_FREE char *head = NULL;
    CLEANUP_FREE char *top = NULL;
    CLEANUP_FREE char *base = NULL;
    CLEANUP_FREE char *over = NULL;
    CLEANUP_FREE char *below = NULL;
    char *written[2] = { NULL, NULL };     /* borrowed: the job's data target */
    char *rewritten[2] = { NULL, NULL };   /* borrowed: the overlay finalize rewrites */
    struct nospace ns = {
        .opts = opts, .disk = s->disk, .target = s->kind == ST_PLAN_COMMIT ? s->base : s->top,
    };
    struct st_qmp_job_opts job = {
        .job_id = job_id, .speed = opts->speed, .timeout_ms = opts->timeout_ms,
        .pause_on_nospace = true, .nospace = on_nospace, .nospace_opaque = &ns,
        .progress = on_progress, .progress_opaque = (void *) opts,
        .abort_flag = opts->abort_flag, .flush_pending = written, .flush_end = rewritten,
    };

    if (!(head = st_session_open_chain(sess, s->head, "qcow2", false, errp)) ||
        !(top = node_of(sess, s->top, errp)) || !(base = node_of(sess, s->base, errp)))
        return false;
    if (s->kind == ST_PLAN_STREAM) {
        /* QMP block-stream: "device" is the node streamed into. */
        job.type = ST_QMP_JOB_STREAM;
        job.device = top;
        written[0] = top;
    } else {
        job.type = ST_QMP_JOB_COMMIT;
        job.device = head;
        job.base_node = base;
        written[0] = base;
        if (s->active) {
            /* The mirror behind an active commit flushes its target
             * itself before it completes (QEMU's mirror_run), so the
             * base is flushed once the job is gone, not while pending:
             * a pending active commit loses writes of NBD clients that
             * connect meanwhile (QEMU 7.2: they are not quiesced by the
             * job's drain, and go to the top it drops at the pivot), so
             * the pivot follows as soon as the journal is written. */
            job.flush_pending = NULL;
            job.flush_end = written;
        }
        if (s->active && sj) {
            job.on_pending = mark_target_complete;
            job.pending_opaque = sj;
        }
    }
    if (sess->live) {
        int r = adopt_job(qmp, &job, errp);

        if (r != 0)
            return r > 0;
    }
    if (s->kind == ST_PLAN_STREAM) {
        if (!reopen_rw(qmp, top, true, errp))
            return false;
        /* The new backing is open already: it is below @top. */
        if (s->new_backing && !(below = node_of(sess, s->new_backing, errp)))
            return false;
        job.base_node = below;  /* NULL flattens */
        return run_job(qmp, &job, &ns, errp);
    }
    if (!reopen_rw(qmp, base, true, errp) || !reopen_rw(qmp, top, false, errp))
        return false;
    if (strcmp(head, top) != 0) {
        if (!(over = overlay_of(qmp, top, errp))) {
            if (errp && !*errp)
                st_error_set(errp, ST_E_INTERNAL, "no overlay of '%s' in QSD", s->top);
            return false;
        }
        if (!reopen_rw(qmp, over, false, errp))
            return false;
        job.top_node = top;
        rewritten[0] = over;
        /* Only the test hook puts a base on anything but a file node:
         * ask QSD only then (a graph read per commit otherwise). */
        if (getenv("STRATA_TEST_NBD_FILE") && !on_file_node(qmp, base))
            job.backing_file = s->base;
    }
    return run_job(qmp, &job, &ns, errp);
}

/* Close what the steps removed from the graph, so that a live QSD
 * does not keep unlinked files open (qmp-notes: removed nodes stay). */
static void
close_removed(struct st_session *sess, const struct st_plan *plan)
{
    for (size_t i = 0; i < plan->nunlinks; i++) {
        CLEANUP_ERROR struct st_error *err = NULL;
        CLEANUP_FREE char *node = st_session_find_node(sess, plan->unlinks[i].path, &err);

        if (node && !st_qmp_blockdev_del_layer(st_session_qmp(sess), node, &err))
            st_debug("'%s' stays open in QSD: %s", plan->unlinks[i].path, err->msg);
    }
}

/* An active commit of a live disk whose pivot already happened (the
 * run was cut short after the job): the disk's export serves the base
 * now, and clients may have written there since.  Committing the old
 * top again would overwrite those writes, so the step counts as done. */
static bool
live_pivot_done(struct st_session *sess, const struct st_plan_step *s)
{
    CLEANUP_FREE char *id = NULL;
    CLEANUP_FREE char *base = NULL;
    CLEANUP_JSON struct json_object *list = NULL;

    if (!sess->live || s->kind != ST_PLAN_COMMIT || !s->active)
        return false;
    id = st_session_disk_export_id(s->disk);
    if (!(base = st_session_find_node(sess, s->base, NULL)) ||
        !(list = st_qmp_export_list(st_session_qmp(sess), NULL)))
        return false;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        struct json_object *e = json_object_array_get_idx(list, i);
        const char *eid = st_json_get_string(e, "id");
        const char *node = st_json_get_string(e, "node-name");

        if (eid && node && strcmp(eid, id) == 0)
            return strcmp(node, base) == 0;
    }
    return false;
}

/* Whether step @i's job is still in a live QSD: 1 when it is running,
 * ready or pending (a strata killed while it ran leaves it there, not
 * yet finalized, so the step is not done until the job is adopted), 0
 * when there is none, -1 with @errp set.  A concluded job is dismissed
 * here, first: QSD 7.2 crashes on query-named-block-nodes while a
 * stream job that flattened its top is concluded and not dismissed
 * (seen here), and every later step looks nodes up that way.  Its
 * writes are then confirmed as a step found done (confirm_done). */
static int
job_left(struct st_session *sess, size_t i, struct st_error **errp)
{
    CLEANUP_FREE char *id = st_xasprintf("strata-delete-%zu", i);
    CLEANUP_JSON struct json_object *jobs = NULL;
    struct st_qmp *qmp = st_session_qmp(sess);

    if (!sess->live)
        return 0;
    if (!(jobs = st_qmp_execute(qmp, "query-jobs", NULL, errp)))
        return -1;
    for (size_t k = 0; k < json_object_array_length(jobs); k++) {
        struct json_object *j = json_object_array_get_idx(jobs, k);
        const char *jid = st_json_get_string(j, "id");
        const char *status = st_json_get_string(j, "status");
        const char *error = st_json_get_string(j, "error");

        if (!jid || strcmp(jid, id) != 0)
            continue;
        if (!status || strcmp(status, "concluded") != 0)
            return 1;
        return dismiss_concluded(qmp, id, error, errp) ? 0 : -1;
    }
    return 0;
}

/* A step found done on disk (its job ended in a run that was cut short)
 * counts as done only once this QSD has flushed what the job wrote: the
 * run that ended it may have died before its flushes, leaving the new
 * backing in a header that is not yet on disk.  A flush of a read-only
 * node is a no-op in QEMU, so each is made writable first. */
static bool
confirm_done(struct st_session *sess, const struct st_plan_step *s, struct st_error **errp)
{
    struct st_qmp *qmp = st_session_qmp(sess);
    CLEANUP_FREE char *head = NULL;
    CLEANUP_FREE char *written = NULL;
    CLEANUP_FREE char *over = NULL;

    if (!(head = st_session_open_chain(sess, s->head, "qcow2", false, errp)) ||
        !(written = node_of(sess, s->kind == ST_PLAN_STREAM ? s->top : s->base, errp)))
        return false;
    if (s->kind == ST_PLAN_COMMIT && !(over = overlay_of(qmp, written, errp)) && errp && *errp)
        return false;
    if (!reopen_rw(qmp, written, false, errp) || !st_qmp_blockdev_flush(qmp, written, errp))
        return false;
    return !over || (reopen_rw(qmp, over, false, errp) && st_qmp_blockdev_flush(qmp, over, errp));
}

static bool
run_data(const struct st_store *store, const char *dom, const struct st_plan *plan,
         struct json_object *journal, const struct st_delete_opts *opts, struct st_error **errp)
{
    CLEANUP_SESSION struct st_session *sess = NULL;
    size_t from = (size_t) done_steps(journal);

    if (from >= plan->nsteps)
        return true;
    if (!(sess = st_session_open(opts->run_root, dom, errp)))
        return false;
    for (size_t i = from; i < plan->nsteps; i++) {
        const struct st_plan_step *s = &plan->steps[i];
        struct step_journal sj = { .store = store, .dom = dom, .journal = journal, .step = i };
        /* A job of ours still in a live QSD is adopted (run_step),
         * whatever the files say: its flushes are not yet made. */
        int left = job_left(sess, i, errp);
        bool data_complete = s->kind == ST_PLAN_COMMIT && s->active &&
                             target_complete_step(journal) == (int64_t) i;

        if (left < 0) {
            st_error_prepend(errp, "disk '%s': ", s->disk);
            st_error_hint(errp, AGAIN_HINT);
            return false;
        }
        if (!left && (data_complete || live_pivot_done(sess, s))) {
            st_debug("step %zu (active commit into '%s') is already done", i, s->base);
        } else if (!left && step_done(s)) {
            st_debug("step %zu (%s into '%s') is already done; flushing it", i,
                     s->kind == ST_PLAN_COMMIT ? "commit" : "stream",
                     s->kind == ST_PLAN_COMMIT ? s->base : s->top);
            if (!confirm_done(sess, s, errp)) {
                st_error_prepend(errp, "disk '%s': flushing the merge into '%s': ", s->disk,
                                 s->kind == ST_PLAN_COMMIT ? s->base : s->top);
                st_error_hint(errp, AGAIN_HINT);
                return false;
            }
        } else {
            const char *target = s->kind == ST_PLAN_COMMIT ? s->base : s->top;
            uint64_t data0, zero0, data1, zero1;

            struct st_error *err = NULL;

            target_usage(target, &data0, &zero0);
            if (opts->step_begin)
                opts->step_begin(s, i, plan->nsteps, opts->opaque);
            if (!run_step(sess, s, i, opts, &sj, &err)) {
                if (opts->step_end)
                    opts->step_end(s, opts->opaque);
                st_error_prepend(&err, "disk '%s': %s '%s' into '%s': ", s->disk,
                                 s->kind == ST_PLAN_COMMIT ? "commit of" : "stream of",
                                 s->kind == ST_PLAN_COMMIT ? s->top : s->base,
                                 s->kind == ST_PLAN_COMMIT ? s->base : s->top);
                /* run_job()'s hint says which space to free first. */
                if (err->errnum != ENOSPC)
                    st_error_hint(&err, AGAIN_HINT);
                st_error_propagate(errp, err);
                return false;
            }
            if (opts->step_end)
                opts->step_end(s, opts->opaque);
            target_usage(target, &data1, &zero1);
            if (opts->stats) {
                opts->stats->data += data1 > data0 ? data1 - data0 : 0;
                opts->stats->zeroed += zero1 > zero0 ? zero1 - zero0 : 0;
            }
            st_op_crash_point("delete-job-done");
        }
        if (!set_done_steps(store, dom, journal, i + 1, errp))
            return false;
    }
    close_removed(sess, plan);
    /* Each job's data was confirmed by its flushes; a transient QSD
     * must also end cleanly (its quit closes every node) before any
     * file goes. */
    if (!st_session_close(&sess, errp)) {
        st_error_prepend(errp, "the merges are done, but ");
        st_error_hint(errp, AGAIN_HINT);
        return false;
    }
    return true;
}

/* A job of an earlier blockcommit or blockpull still in a live QSD. */
static bool
refuse_left_job(int left, const char *dom, struct st_error **errp)
{
    if (left == 0)
        return true;
    if (left > 0) {
        st_error_set(errp, ST_E_BUSY, "domain '%s': job 'strata-delete-0' of an earlier blockcommit "
                     "or blockpull is still in its QSD", dom);
        st_error_hint(errp, "run that command again to finish it ('strata status %s' shows the job)",
                      dom);
    }
    return false;
}

bool
st_delete_run_merge(const char *dom, const struct st_plan_step *step,
                    const struct st_delete_opts *opts, struct st_error **errp)
{
    CLEANUP_SESSION struct st_session *sess = NULL;
    int left;
    bool ok;

    if (!(sess = st_session_open(opts->run_root, dom, errp)))
        return false;
    /* As in a resumed delete (run_data): a job left by a killed run is
     * adopted, and an active commit whose pivot a live QSD made is never
     * redone (clients may have written to the base since). */
    if ((left = job_left(sess, 0, errp)) < 0)
        return false;
    if (!left && live_pivot_done(sess, step)) {
        st_debug("the live QSD made this pivot already; not committing again");
    } else {
        if (opts->step_begin)
            opts->step_begin(step, 0, 1, opts->opaque);
        ok = run_step(sess, step, 0, opts, NULL, errp);
        if (opts->step_end)
            opts->step_end(step, opts->opaque);
        if (!ok)
            return false;
    }
    if (!st_session_close(&sess, errp)) {
        st_error_prepend(errp, "the merge is done, but ");
        st_error_hint(errp, "the data is in place; run the same command again to make sure");
        return false;
    }
    return true;
}

bool
st_delete_confirm_merged(const char *dom, const struct st_plan_step *step, const char *run_root,
                         struct st_error **errp)
{
    CLEANUP_SESSION struct st_session *sess = NULL;

    if (!(sess = st_session_open(run_root, dom, errp)))
        return false;
    if (!refuse_left_job(job_left(sess, 0, errp), dom, errp) || !confirm_done(sess, step, errp))
        return false;
    return st_session_close(&sess, errp);
}

/* ---- metadata ---- */

static bool
plan_deletes(const struct st_plan *plan, const char *name)
{
    return plan->deletes && st_strv_contains(plan->deletes, name);
}

/* Apply @r to one snapshot; true in *changed when it named @r->from. */
static void
rename_in_snapshot(struct st_snapshot *snap, const struct st_plan_rename *r, bool *changed)
{
    struct st_snapshot_disk *sd = st_snapshot_find_disk(snap, r->disk);
    CLEANUP_DOMAIN struct st_domain *then = NULL;
    struct st_domain_disk *td;

    if (sd && sd->source && same_file(sd->source, r->from)) {
        free(sd->source);
        sd->source = st_xstrdup(r->to);
        if (sd->format && r->format) {
            free(sd->format);
            sd->format = st_xstrdup(r->format);
        }
        *changed = true;
    }
    if (!(then = st_snapshot_get_domain(snap, NULL)))
        return;
    td = st_domain_find_disk(then, r->disk);
    if (td && td->source && same_file(td->source, r->from) &&
        st_domain_disk_set_source(then, td, r->to, r->format, NULL)) {
        st_snapshot_set_domain(snap, then);
        *changed = true;
    }
}

static bool
run_metadata(const struct st_store *store, const char *dom_name, const struct st_plan *plan,
             struct st_error **errp)
{
    CLEANUP_DOMAIN struct st_domain *dom = NULL;
    CLEANUP_TREE struct st_tree *tree = NULL;
    bool dom_changed = false;

    if (!(dom = st_store_domain_load(store, dom_name, errp)) ||
        !(tree = st_store_tree_load(store, dom_name, 0, st_store_warn_log, NULL, errp)))
        return false;
    for (size_t i = 0; i < plan->nrenames; i++) {
        const struct st_plan_rename *r = &plan->renames[i];
        struct st_domain_disk *dd = st_domain_find_disk(dom, r->disk);

        if (dd && dd->source && same_file(dd->source, r->from)) {
            if (!st_domain_disk_set_source(dom, dd, r->to, r->format, errp))
                return false;
            dom_changed = true;
        }
    }
    if (dom_changed && !st_store_domain_save(store, dom, errp))
        return false;
    for (size_t t = 0; t < tree->n; t++) {
        struct st_snapshot *snap = tree->nodes[t]->snap;
        bool changed = false;

        if (plan_deletes(plan, snap->name))
            continue;
        for (size_t i = 0; i < plan->nrenames; i++)
            rename_in_snapshot(snap, &plan->renames[i], &changed);
        for (size_t i = 0; i < plan->nreparents; i++) {
            const struct st_plan_reparent *rp = &plan->reparents[i];

            if (strcmp(rp->snapshot, snap->name) != 0)
                continue;
            if ((snap->parent == NULL) != (rp->parent == NULL) ||
                (snap->parent && strcmp(snap->parent, rp->parent) != 0)) {
                free(snap->parent);
                snap->parent = rp->parent ? st_xstrdup(rp->parent) : NULL;
                changed = true;
            }
        }
        if (changed && !st_store_snapshot_save(store, dom_name, snap, errp))
            return false;
    }
    if (plan->current_changes) {
        struct st_tree_node *next =
            plan->new_current ? st_tree_find(tree, plan->new_current) : NULL;

        if (tree->current != next && !st_store_set_current(store, dom_name, tree, next, errp))
            return false;
    }
    /* Leaves first (the plan's order), so that a crash in between
     * leaves no snapshot whose parent is gone. */
    for (size_t i = 0; plan->deletes && plan->deletes[i]; i++) {
        if (st_tree_find(tree, plan->deletes[i]) &&
            !st_store_snapshot_delete(store, dom_name, plan->deletes[i], errp))
            return false;
    }
    return true;
}

/* ---- unlink ---- */

struct ident {
    dev_t dev;
    ino_t ino;
};

/* Add the identity of every file of the chain below @top.  Returns
 * false when the walk could not see the whole chain (a layer with no
 * recorded backing format, too deep, or the top unreadable): then files
 * below may be in use and nothing may be unlinked. */
static bool
add_chain_idents(const char *top, const char *format, struct ident **ids, size_t *n)
{
    struct st_chain_opts opts = { .format = format, .skip_allocation = true };
    CLEANUP_CHAIN struct st_chain *chain = NULL;
    const struct st_layer *bottom;

    if (!top)
        return true;
    if (!(chain = st_chain_load(top, &opts, NULL)))
        return !st_path_exists(top);
    for (size_t i = 0; i < chain->n_layers; i++) {
        if (!chain->layers[i].exists)
            continue;
        *ids = st_xreallocarray(*ids, *n + 1, sizeof **ids);
        (*ids)[*n].dev = chain->layers[i].dev;
        (*ids)[(*n)++].ino = chain->layers[i].ino;
    }
    bottom = &chain->layers[chain->n_layers - 1];
    for (size_t f = 0; f < bottom->n_faults; f++) {
        switch (bottom->faults[f].code) {
        case ST_FAULT_NO_BACKING_FORMAT:
        case ST_FAULT_TOO_DEEP:
        case ST_FAULT_LOOP:
        case ST_FAULT_UNREADABLE:
        case ST_FAULT_BAD_HEADER:
            return false;
        default:
            break;
        }
    }
    return true;
}

static void
count_skipped(const struct st_error *err, void *opaque)
{
    st_store_warn_log(err, NULL);
    (*(size_t *) opaque)++;
}

/* Every file the metadata names, and every file below those.  *complete
 * is false when some metadata or some chain could not be read whole:
 * the caller then keeps every file (fail closed). */
static bool
referenced_files(const struct st_store *store, const char *dom_name, struct ident **ids,
                 size_t *n, bool *complete, struct st_error **errp)
{
    CLEANUP_DOMAIN struct st_domain *dom = NULL;
    CLEANUP_TREE struct st_tree *tree = NULL;
    size_t skipped = 0;

    *complete = true;
    if (!(dom = st_store_domain_load(store, dom_name, errp)) ||
        !(tree = st_store_tree_load(store, dom_name, 0, count_skipped, &skipped, errp)))
        return false;
    if (skipped)
        *complete = false;
    for (size_t d = 0; d < dom->ndisks; d++)
        *complete &= add_chain_idents(dom->disks[d].source, dom->disks[d].format, ids, n);
    for (size_t t = 0; t < tree->n; t++) {
        const struct st_snapshot *snap = tree->nodes[t]->snap;
        CLEANUP_DOMAIN struct st_domain *then = st_snapshot_get_domain(snap, NULL);

        if (!then && snap->domain)
            *complete = false;
        for (size_t d = 0; d < snap->ndisks; d++)
            *complete &= add_chain_idents(snap->disks[d].source, snap->disks[d].format, ids, n);
        for (size_t d = 0; then && d < then->ndisks; d++)
            *complete &= add_chain_idents(then->disks[d].source, then->disks[d].format, ids, n);
    }
    return true;
}

/* The record of the files strata made (store/created.h) loses the
 * entries of the files this delete removed, by a run before a crash
 * too; a file kept above is still there and keeps its entry. */
static bool
forget_unlinked(const struct st_store *store, const char *dom, const struct st_plan *plan,
                struct st_error **errp)
{
    CLEANUP_STRV char **paths = NULL;

    for (size_t u = 0; u < plan->nunlinks; u++)
        st_strv_add(&paths, plan->unlinks[u].path);
    return !paths || st_created_forget(store, dom, paths, errp);
}

static bool
run_unlink(const struct st_store *store, const char *dom, const struct st_plan *plan,
           struct st_error **errp)
{
    CLEANUP_FREE struct ident *ids = NULL;
    size_t n = 0;
    bool complete;

    if (!referenced_files(store, dom, &ids, &n, &complete, errp))
        return false;
    if (!complete) {
        /* Unreadable metadata or a chain not seen whole might still use
         * any of these files: keep them all. */
        for (size_t u = 0; u < plan->nunlinks; u++)
            if (st_path_exists(plan->unlinks[u].path))
                st_warn("snapshot",
                        "'%s' is kept: some snapshot metadata or chain could not be read whole, so strata cannot prove nothing uses it",
                        plan->unlinks[u].path);
        return forget_unlinked(store, dom, plan, errp);
    }
    for (size_t u = 0; u < plan->nunlinks; u++) {
        const char *path = plan->unlinks[u].path;
        struct stat st;
        bool named = false;

        if (lstat(path, &st) < 0)
            continue;   /* already gone: a repeated run */
        if (stat(path, &st) == 0) {
            for (size_t i = 0; i < n && !named; i++)
                named = ids[i].dev == st.st_dev && ids[i].ino == st.st_ino;
        }
        if (named) {
            st_warn("snapshot", "'%s' is kept: the metadata still names it or a file backs onto it",
                    path);
            continue;
        }
        if (unlink(path) < 0) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot remove '%s'", path);
            st_error_set_path(errp, path);
            return false;
        }
        if (!st_path_fsync_dir(path, errp))
            return false;
        st_debug("removed '%s'", path);
        st_op_crash_point("delete-unlinking");
    }
    return forget_unlinked(store, dom, plan, errp);
}

/* ---- the phases ---- */

/* Refuse, before any journal or job, a plan whose files an export-only
 * QSD holds open, or which changes a file a point-in-time export of the
 * live QSD serves (live/exporter.h). */
static bool
check_unexported(const char *run_root, const char *dom, const struct st_plan *plan,
                 struct st_error **errp)
{
    CLEANUP_STRV char **paths = NULL;
    CLEANUP_STRV char **changed = NULL;

    for (size_t i = 0; i < plan->nsteps; i++) {
        st_strv_add(&paths, plan->steps[i].head);
        st_strv_add(&paths, plan->steps[i].top);
        st_strv_add(&paths, plan->steps[i].base);
        if (plan->steps[i].kind == ST_PLAN_COMMIT)
            st_strv_add(&changed, plan->steps[i].base);
    }
    for (size_t i = 0; i < plan->nunlinks; i++) {
        st_strv_add(&paths, plan->unlinks[i].path);
        st_strv_add(&changed, plan->unlinks[i].path);
    }
    return st_exporter_check_unheld(run_root, dom, paths, changed, errp);
}

bool
st_delete_execute(const struct st_store *store, const char *dom, const struct st_plan *plan,
                  struct json_object *journal_in, const struct st_delete_opts *opts,
                  struct st_error **errp)
{
    CLEANUP_JSON struct json_object *journal = NULL;
    CLEANUP_FREE char *phase = NULL;

    if (!check_unexported(opts->run_root, dom, plan, errp))
        return false;
    if (journal_in) {
        journal = json_object_get(journal_in);
    } else {
        struct json_object *detail;

        journal = st_journal_new(ST_DELETE_OPERATION, plan->snapshot);
        detail = st_json_get_object(journal, "detail");
        json_object_object_add(detail, "plan", st_plan_to_json(plan));
        json_object_object_add(detail, "done-steps", json_object_new_int64(0));
        if (opts->verify) {
            struct json_object *before = json_object_new_object();

            /* Kept in the journal, so that a resumed run compares
             * against the state before the first job. */
            json_object_object_add(detail, "verify-before", before);
            if (!st_delete_digest_views(store, dom, opts->run_root, plan, ST_NBD_DIGEST_DEFAULT,
                                        "delete-digest-before", before, errp))
                return false;
        }
        /* The mark: from here on S is being deleted. */
        if (!st_journal_write(store, dom, journal, errp))
            return false;
    }
    phase = st_xstrdup(st_json_get_string(journal, "phase") ? st_json_get_string(journal, "phase")
                                                             : "planned");
    if (strcmp(phase, "planned") == 0 || strcmp(phase, "data") == 0) {
        if (!st_journal_set_phase(store, dom, journal, "data", errp) ||
            !run_data(store, dom, plan, journal, opts, errp))
            return false;
        if (!st_journal_set_phase(store, dom, journal, "metadata", errp))
            return false;
        free(phase);
        phase = st_xstrdup("metadata");
    }
    if (strcmp(phase, "verify-failed") == 0) {
        st_error_set(errp, ST_E_CONFLICT,
                     "the delete of '%s' stopped because --verify found a view changed; its files are kept",
                     plan->snapshot);
        st_error_hint(errp, "inspect the files named in DOMAIN/journal, then remove the journal by hand");
        return false;
    }
    if (strcmp(phase, "metadata") == 0) {
        struct json_object *detail = st_json_get_object(journal, "detail");
        struct json_object *before = detail ? st_json_get_object(detail, "verify-before") : NULL;

        if (!run_metadata(store, dom, plan, errp))
            return false;
        st_op_crash_point("delete-metadata-done");
        if (opts->verify && !before)
            st_warn("snapshot", "cannot verify the delete of '%s': the interrupted run took no digests before it",
                    plan->snapshot);
        if (opts->verify && before) {
            CLEANUP_JSON struct json_object *after = json_object_new_object();

            if (!st_delete_digest_views(store, dom, opts->run_root, plan,
                                        st_delete_views_alg(before), "delete-digest-after", after,
                                        errp))
                return false;
            if (!st_delete_compare_views(before, after, errp)) {
                st_journal_set_phase(store, dom, journal, "verify-failed", NULL);
                return false;
            }
        }
        if (!st_journal_set_phase(store, dom, journal, "unlink", errp))
            return false;
    }
    if (!run_unlink(store, dom, plan, errp))
        return false;
    return st_journal_clear(store, dom, errp);
}
