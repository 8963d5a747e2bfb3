/* qmp/job.c: start block jobs and drive them through their states. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "common/json.h"
#include "common/log.h"
#include "common/progress.h"
#include "common/xalloc.h"
#include "qmp/blockdev.h"
#include "qmp/job.h"

ST_LOG_INIT("qmp.job");

enum {
    DEFAULT_TIMEOUT_MS = 60 * 60 * 1000,
    DEFAULT_POLL_MS = 200,
    CANCEL_GRACE_MS = 30 * 1000,    /* time for a cancelled job to conclude */
};

struct job_state {
    const char *id;
    char *error;            /* owned; QSD's error text, first seen */
    char *status;           /* owned; last status seen */
    char *io_op;            /* owned; "read"/"write" of the first BLOCK_JOB_ERROR */
    /* on-error=enospc (job.h): */
    const struct st_qmp_job_opts *opts;     /* for ->nospace; or NULL */
    bool stopped;           /* BLOCK_JOB_ERROR "stop" seen, "paused" not yet */
    bool waiting;           /* paused for space; progress has not moved since */
    int64_t stopped_ns;     /* when the wait began */
    int64_t resume_ns;      /* when to send job-resume; 0 = not due */
    int64_t cur, total;     /* last progress from query-jobs; -1 before */
    int64_t wait_cur;       /* progress when the wait began */
};

static uint64_t
bytes_left(const struct job_state *js)
{
    return js->total > js->cur && js->cur >= 0 ? (uint64_t) (js->total - js->cur) : 0;
}

void
st_qmp_job_progress_bar(uint64_t done, uint64_t total, void *opaque)
{
    st_progress_update(opaque, done, total);
}

/* JOB_STATUS_CHANGE carries data.id; BLOCK_JOB_* carry data.device. */
static bool
is_our_event(struct json_object *ev, void *opaque)
{
    struct job_state *js = opaque;
    struct json_object *data = st_json_get_object(ev, "data");
    const char *name = st_json_get_string(ev, "event");
    const char *id = st_json_get_string(data, "id");
    const char *dev = st_json_get_string(data, "device");

    if (!name)
        return false;
    if (strcmp(name, "JOB_STATUS_CHANGE") == 0)
        return id && strcmp(id, js->id) == 0;
    return strncmp(name, "BLOCK_JOB_", 10) == 0 && dev && strcmp(dev, js->id) == 0;
}

void
st_qmp_job_drop_events(struct st_qmp *qmp, const char *job_id)
{
    struct job_state js = { .id = job_id };
    struct json_object *ev;

    while ((ev = st_qmp_take_event(qmp, is_our_event, &js)))
        json_object_put(ev);
}

/* Our entry of query-jobs (borrowed from @jobs), or NULL. */
static struct json_object *
find_job(struct json_object *jobs, const char *id)
{
    size_t n = jobs && json_object_is_type(jobs, json_type_array) ? json_object_array_length(jobs) : 0;

    for (size_t i = 0; i < n; i++) {
        struct json_object *j = json_object_array_get_idx(jobs, i);
        const char *jid = st_json_get_string(j, "id");

        if (jid && strcmp(jid, id) == 0)
            return j;
    }
    return NULL;
}

/* Flush each of @nodes (NULL-terminated, or NULL). */
static bool
flush_all(struct st_qmp *qmp, char *const *nodes, struct st_error **errp)
{
    for (size_t i = 0; nodes && nodes[i]; i++)
        if (!st_qmp_blockdev_flush(qmp, nodes[i], errp))
            return false;
    return true;
}

static bool
simple(struct st_qmp *qmp, const char *cmd, const char *id, struct st_error **errp)
{
    struct json_object *args = json_object_new_object();

    json_object_object_add(args, "id", json_object_new_string(id));
    return st_qmp_run(qmp, cmd, args, errp);
}

/* Poll query-jobs: progress, and QSD's error text once it has one. */
static bool
poll_job(struct st_qmp *qmp, struct job_state *js, const struct st_qmp_job_opts *o,
         struct st_error **errp)
{
    CLEANUP_JSON struct json_object *jobs = st_qmp_execute(qmp, "query-jobs", NULL, errp);
    struct json_object *j;
    int64_t cur, total;
    const char *err;

    if (!jobs)
        return false;
    if (!(j = find_job(jobs, js->id)))
        return true;
    if ((err = st_json_get_string(j, "error")) && !js->error)
        js->error = st_xstrdup(err);
    if (!st_json_get_int64(j, "current-progress", &cur) ||
        !st_json_get_int64(j, "total-progress", &total) || cur < 0 || total < 0)
        return true;
    js->cur = cur;
    js->total = total;
    if (js->waiting && cur > js->wait_cur) {
        /* Copying again: the space came back. */
        js->waiting = false;
        st_debug("job %s copies again after waiting for space", js->id);
        if (js->opts && js->opts->nospace)
            js->opts->nospace(false, bytes_left(js), 0, js->opts->nospace_opaque);
    }
    if (o && o->progress) {
        o->progress((uint64_t) cur, (uint64_t) total, o->progress_opaque);
        st_qmp_step(qmp, "job-progress", (uint64_t) cur, (uint64_t) total);
    }
    return true;
}

/* The job paused for lack of space: tell the caller when this begins a
 * wait, and resume it shortly (job.h).  A drain also pauses a job for a
 * moment; only a pause after a "stop" action comes here. */
static bool
nospace_paused(struct st_qmp *qmp, struct job_state *js, const struct st_qmp_job_opts *o,
               const struct st_deadline *dl, struct st_error **errp)
{
    int64_t now = st_now_ns();

    js->stopped = false;
    if (!poll_job(qmp, js, NULL, errp))
        return false;
    if (!js->waiting) {
        js->waiting = true;
        js->wait_cur = js->cur;
        js->stopped_ns = now;
        st_debug("job %s paused: no space to write; %" PRIu64 " bytes left", js->id,
                 bytes_left(js));
        if (o && o->nospace)
            o->nospace(true, bytes_left(js), dl->end_ns > now ? (dl->end_ns - now) / 1000000 : 0,
                       o->nospace_opaque);
    }
    js->resume_ns = now + (int64_t) ST_QMP_NOSPACE_RETRY_MS * 1000000;
    return true;
}

/* React to one of our events; sets *done when the job has been dismissed. */
static bool
handle_event(struct st_qmp *qmp, struct job_state *js, struct json_object *ev,
             const struct st_qmp_job_opts *o, const struct st_deadline *dl, bool cancelling,
             bool *done, struct st_error **errp)
{
    const char *name = st_json_get_string(ev, "event");
    struct json_object *data = st_json_get_object(ev, "data");
    const char *status = st_json_get_string(data, "status");
    const char *err = st_json_get_string(data, "error");

    if (strcmp(name, "JOB_STATUS_CHANGE") != 0) {
        /* BLOCK_JOB_COMPLETED/CANCELLED carry the error too;
         * BLOCK_JOB_ERROR says which side failed. */
        const char *op = st_json_get_string(data, "operation");
        const char *action;

        if (err && !js->error)
            js->error = st_xstrdup(err);
        if (strcmp(name, "BLOCK_JOB_ERROR") == 0 && op && !js->io_op)
            js->io_op = st_xstrdup(op);
        /* With on-error=enospc only ENOSPC stops a job (any other error
         * is reported); the status goes to "paused" next. */
        if (strcmp(name, "BLOCK_JOB_ERROR") == 0 && !cancelling &&
            (action = st_json_get_string(data, "action")) && strcmp(action, "stop") == 0)
            js->stopped = true;
        return true;
    }
    if (!status)
        return true;
    free(js->status);
    js->status = st_xstrdup(status);
    {
        CLEANUP_FREE char *step = st_xasprintf("job-%s", status);

        st_qmp_step(qmp, step, 0, 0);
    }
    /* A READY or PENDING queued before our job-cancel arrives after it:
     * completing or finalizing a job being cancelled would fail and hide
     * why it was cancelled. */
    if (strcmp(status, "paused") == 0 && js->stopped && !cancelling)
        return nospace_paused(qmp, js, o, dl, errp);
    if (strcmp(status, "ready") == 0)
        return cancelling || simple(qmp, "job-complete", js->id, errp);
    if (strcmp(status, "pending") == 0 && cancelling)
        return true;
    if (strcmp(status, "pending") == 0 && !(o && o->self_finalizing)) {
        /* The data before the header that names it (job.h). */
        if (o && !flush_all(qmp, o->flush_pending, errp))
            return false;
        if (o && o->on_pending && !o->on_pending(o->pending_opaque, errp))
            return false;
        return simple(qmp, "job-finalize", js->id, errp);
    }
    if (strcmp(status, "concluded") == 0) {
        /* The error text is only in query-jobs (and COMPLETED events). */
        if (!poll_job(qmp, js, NULL, errp))
            return false;
        if (o && o->progress && !js->error)
            poll_job(qmp, js, o, NULL);
        return simple(qmp, "job-dismiss", js->id, errp);
    }
    if (strcmp(status, "null") == 0)
        *done = true;
    return true;
}

bool
st_qmp_job_wait(struct st_qmp *qmp, const char *job_id, const struct st_qmp_job_opts *o,
                struct st_error **errp)
{
    struct st_error *err = NULL;
    int timeout_ms = o && o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
    int poll_ms = o && o->poll_ms > 0 ? o->poll_ms : DEFAULT_POLL_MS;
    struct st_deadline dl = st_deadline_in_ms(timeout_ms);
    struct job_state js = { .id = job_id, .opts = o, .cur = -1, .total = -1 };
    struct st_error *cancel_reason = NULL;
    bool done = false, ok = false;
    int64_t next_poll = st_now_ns();

    while (!done) {
        struct json_object *ev;

        while (!done && (ev = st_qmp_take_event(qmp, is_our_event, &js))) {
            bool r = handle_event(qmp, &js, ev, o, &dl, cancel_reason != NULL, &done, &err);

            json_object_put(ev);
            if (!r)
                goto out;
        }
        if (done)
            break;
        if (!cancel_reason && ((o && o->abort_flag && *o->abort_flag) ||
                               st_deadline_expired(&dl))) {
            if (st_deadline_expired(&dl) && js.waiting)
                st_error_set_errno(&cancel_reason, ENOSPC, ST_E_JOB,
                                   "job '%s' had no space to write for %" PRId64
                                   " ms and was cancelled; %" PRIu64 " bytes still to copy",
                                   job_id, (st_now_ns() - js.stopped_ns) / 1000000,
                                   bytes_left(&js));
            else if (st_deadline_expired(&dl))
                st_error_set(&cancel_reason, ST_E_TIMEOUT,
                             "job '%s' did not finish within %d ms and was cancelled", job_id,
                             timeout_ms);
            else
                st_error_set(&cancel_reason, ST_E_JOB, "job '%s' was cancelled", job_id);
            st_debug("cancelling job %s", job_id);
            if (!simple(qmp, "job-cancel", job_id, &err))
                goto out;
            dl = st_deadline_in_ms(CANCEL_GRACE_MS);
        } else if (cancel_reason && st_deadline_expired(&dl)) {
            st_error_set(&err, ST_E_TIMEOUT, "job '%s' did not end after job-cancel", job_id);
            goto out;
        } else if (!cancel_reason && js.resume_ns && st_now_ns() >= js.resume_ns) {
            js.resume_ns = 0;
            st_debug("resuming job %s to try the write again", job_id);
            if (!simple(qmp, "job-resume", job_id, &err))
                goto out;
        }
        if (st_now_ns() >= next_poll) {
            if (!poll_job(qmp, &js, o, &err))
                goto out;
            next_poll = st_now_ns() + (int64_t) poll_ms * 1000000;
            /* Events that arrived with the query-jobs reply are queued
             * already: handle them before waiting on the socket, or a
             * job that concluded meanwhile costs a whole poll interval. */
            continue;
        }
        {
            struct st_deadline step = { .end_ns = next_poll < dl.end_ns ? next_poll : dl.end_ns };

            if (!st_qmp_pump(qmp, &step, &err))
                goto out;
        }
    }
    if (cancel_reason) {
        st_error_propagate(&err, cancel_reason);
        cancel_reason = NULL;
        goto out;
    }
    if (js.error) {
        if (js.io_op)
            st_error_set(&err, ST_E_JOB, "job '%s' failed: %s (on %s)", job_id, js.error,
                         js.io_op);
        else
            st_error_set(&err, ST_E_JOB, "job '%s' failed: %s", job_id, js.error);
        goto out;
    }
    if (o && (!flush_all(qmp, o->flush_pending, &err) || !flush_all(qmp, o->flush_end, &err))) {
        st_error_prepend(&err, "job '%s' ended, but QSD did not confirm its data: ", job_id);
        goto out;
    }
    ok = true;
 out:
    if (!ok) {
        if (err->code == ST_E_QMP)
            st_error_prepend(&err, "job '%s': ", job_id);
        st_error_propagate(errp, err);
    }
    st_error_free(cancel_reason);
    free(js.error);
    free(js.status);
    free(js.io_op);
    return ok;
}

/* The filename of @base's protocol node: what the rewritten header
 * should name.  QEMU would otherwise write the base's own filename,
 * which is a json:{...} string whenever the live backing link differs
 * from the header string (e.g. a relative one). */
static char *
base_filename(struct st_qmp *qmp, const char *base, struct st_error **errp)
{
    CLEANUP_QMP_GRAPH struct st_qmp_graph *g = st_qmp_graph_read(qmp, errp);
    const struct st_qmp_node *n, *f;

    if (!g)
        return NULL;
    if (!(n = st_qmp_graph_find(g, base))) {
        st_error_set(errp, ST_E_NOT_FOUND, "no block node '%s' in QSD", base);
        return NULL;
    }
    f = n->file ? st_qmp_graph_find(g, n->file) : NULL;
    return st_xstrdup(f ? f->filename : n->filename);
}

bool
st_qmp_job_run(struct st_qmp *qmp, const struct st_qmp_job_opts *o, struct st_error **errp)
{
    struct json_object *args = json_object_new_object();
    const char *cmd = o->type == ST_QMP_JOB_COMMIT ? "block-commit" : "block-stream";
    bool active = o->type == ST_QMP_JOB_COMMIT &&
                  (!o->top_node || strcmp(o->top_node, o->device) == 0);
    CLEANUP_FREE char *backing = NULL;

    if (!o->job_id || !o->device || (o->type == ST_QMP_JOB_COMMIT && !o->base_node)) {
        json_object_put(args);
        st_error_set(errp, ST_E_INTERNAL, "%s: job id, device%s are required", cmd,
                     o->type == ST_QMP_JOB_COMMIT ? " and base node" : "");
        return false;
    }
    /* QMP: backing-file is refused for an active commit (no header is
     * rewritten then). */
    if (o->backing_file)
        backing = st_xstrdup(o->backing_file);
    else if (o->base_node && !active && !(backing = base_filename(qmp, o->base_node, errp))) {
        json_object_put(args);
        st_error_prepend(errp, "%s: ", cmd);
        return false;
    }
    json_object_object_add(args, "job-id", json_object_new_string(o->job_id));
    json_object_object_add(args, "device", json_object_new_string(o->device));
    if (o->type == ST_QMP_JOB_COMMIT && o->top_node && strcmp(o->top_node, o->device) != 0)
        json_object_object_add(args, "top-node", json_object_new_string(o->top_node));
    if (o->base_node)
        json_object_object_add(args, "base-node", json_object_new_string(o->base_node));
    if (backing && !active)
        json_object_object_add(args, "backing-file", json_object_new_string(backing));
    if (o->speed > 0)
        json_object_object_add(args, "speed", json_object_new_int64(o->speed));
    if (o->pause_on_nospace)
        json_object_object_add(args, "on-error", json_object_new_string("enospc"));
    json_object_object_add(args, "auto-finalize", json_object_new_boolean(0));
    json_object_object_add(args, "auto-dismiss", json_object_new_boolean(0));
    if (!st_qmp_run(qmp, cmd, args, errp))
        return false;
    return st_qmp_job_wait(qmp, o->job_id, o, errp);
}
