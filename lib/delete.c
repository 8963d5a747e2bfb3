/* lib/delete.c: deleting snapshots through the public API, and the
 * delete plan (a dry run) as an object.  The merges are
 * ops/op-delete.c's; this file maps flags, reports progress over all
 * steps as one count, and cancels on the caller's word. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/json.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "store/journal.h"
#include "ops/op-define.h"
#include "ops/op-delete.h"
#include "lib/api.h"

struct strata_plan {
    uint32_t magic;
    struct st_plan *plan;       /* owned */
    strata_plan_step *steps;    /* owned array; strings borrowed from plan */
};

static const unsigned delete_flags =
    STRATA_DELETE_CHILDREN | STRATA_DELETE_CHILDREN_ONLY | STRATA_DELETE_METADATA_ONLY |
    STRATA_DELETE_NO_STREAM | STRATA_DELETE_VERIFY | STRATA_NO_WAIT;

/* The planner's mode for @flags, or -1 with the last error set. */
static int
mode_of(const char *fn, unsigned flags)
{
    bool children = flags & STRATA_DELETE_CHILDREN;
    bool only = flags & STRATA_DELETE_CHILDREN_ONLY;

    if (children && only)
        return st_api_invalid_int(fn, "CHILDREN and CHILDREN_ONLY are mutually exclusive");
    if (flags & STRATA_DELETE_METADATA_ONLY) {
        if (flags & (STRATA_DELETE_NO_STREAM | STRATA_DELETE_VERIFY))
            return st_api_invalid_int(fn, "METADATA_ONLY touches no file: NO_STREAM and VERIFY do not apply");
        return children ? ST_PLAN_METADATA_CHILDREN : only ? ST_PLAN_METADATA_CHILDREN_ONLY
                                                             : ST_PLAN_METADATA;
    }
    return children ? ST_PLAN_CHILDREN : only ? ST_PLAN_CHILDREN_ONLY : ST_PLAN_ONE;
}

/* ---- the merge's progress, one count over every step ---------------- */

struct progress {
    const strata_delete_params *params;
    const struct st_plan *plan;
    uint64_t finished;          /* bytes of the steps done */
    uint64_t step_total;        /* the running step's last total */
    volatile sig_atomic_t cancel;
};

static void
step_begin(const struct st_plan_step *s ST_UNUSED, size_t i ST_UNUSED, size_t n ST_UNUSED,
           void *opaque)
{
    struct progress *p = opaque;

    p->step_total = 0;
}

static void
step_end(const struct st_plan_step *s, void *opaque)
{
    struct progress *p = opaque;

    p->finished += p->step_total > s->bytes ? p->step_total : s->bytes;
    p->step_total = 0;
}

static void
step_progress(uint64_t done, uint64_t total, void *opaque)
{
    struct progress *p = opaque;
    uint64_t all = p->plan->bytes;

    p->step_total = total;
    if (p->cancel)
        return;                 /* asked once; the job is being cancelled */
    /* A job may copy more than the plan counted (it works in clusters). */
    if (p->finished + total > all)
        all = p->finished + total;
    if (p->params->progress && p->params->progress(p->finished + done, all, p->params->opaque))
        p->cancel = 1;
}

static int
delete_metadata(strata_snapshot *snap, enum st_plan_mode mode, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;
    CLEANUP_DOMAIN struct st_domain *dom = NULL;
    CLEANUP_TREE struct st_tree *tree = NULL;
    CLEANUP_STRV char **deleted = NULL;
    struct st_tree_node *n;
    enum st_plan_mode m = mode == ST_PLAN_METADATA_CHILDREN ? ST_PLAN_CHILDREN
        : mode == ST_PLAN_METADATA_CHILDREN_ONLY ? ST_PLAN_CHILDREN_ONLY : ST_PLAN_ONE;

    if (!(store = st_api_store_for(snap->dom, &err)) ||
        /* Not while a delete with data is half done: its plan names
         * these snapshots. */
        !st_journal_refuse_if_pending(store, snap->dom->name, &err) ||
        (lock = st_api_lock(store, snap->dom, flags, &err)) < 0 ||
        !(dom = st_store_domain_load(store, snap->dom->name, &err)) ||
        !(tree = st_store_tree_load(store, snap->dom->name, 0, NULL, NULL, &err)))
        return st_api_fail_int(err);
    if (!(n = st_tree_find(tree, snap->name))) {
        st_error_set(&err, ST_E_NOT_FOUND, "domain '%s' has no snapshot named '%s'",
                     snap->dom->name, snap->name);
        return st_api_fail_int(err);
    }
    if (!st_op_delete_metadata(store, dom->name, tree, n, m, &deleted, &err))
        return st_api_fail_int(err);
    return 0;
}

int
strata_snapshot_delete(strata_snapshot *snap, unsigned flags, const strata_delete_params *params)
{
    static const strata_delete_params defaults;
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;
    CLEANUP_JSON struct json_object *journal = NULL;
    CLEANUP_PLAN struct st_plan *plan = NULL;
    struct progress prog = { 0 };
    struct st_delete_request req = { 0 };
    struct st_delete_opts opts = {
        .step_begin = step_begin, .step_end = step_end, .progress = step_progress,
        .opaque = &prog, .abort_flag = &prog.cancel,
    };
    int mode;

    if (!st_api_check_snapshot(__func__, snap) || !st_api_check_flags(__func__, flags, delete_flags) ||
        (mode = mode_of(__func__, flags)) < 0)
        return -1;
    if (!params)
        params = &defaults;
    if (params->timeout_s > 24 * 3600)
        return st_api_invalid_int(__func__, "timeout_s %u is more than a day", params->timeout_s);
    if (params->speed > INT64_MAX)
        return st_api_invalid_int(__func__, "speed is out of range");
    if (mode >= ST_PLAN_METADATA) {
        if (params->speed || params->timeout_s || params->progress)
            return st_api_invalid_int(__func__, "METADATA_ONLY copies nothing: speed, timeout_s and progress do not apply");
        return delete_metadata(snap, (enum st_plan_mode) mode, flags);
    }
    prog.params = params;
    opts.run_root = snap->dom->conn->run_dir;
    opts.speed = (int64_t) params->speed;
    opts.timeout_ms = (int) params->timeout_s * 1000;
    opts.verify = flags & STRATA_DELETE_VERIFY;
    req.snapshot = snap->name;
    req.mode = (enum st_plan_mode) mode;
    req.no_stream = flags & STRATA_DELETE_NO_STREAM;
    if (!(store = st_api_store_for(snap->dom, &err)) ||
        (lock = st_api_lock(store, snap->dom, flags, &err)) < 0 ||
        !(plan = st_delete_prepare(store, snap->dom->name, &req, &journal, &err)))
        return st_api_fail_int(err);
    prog.plan = plan;
    if (!st_delete_execute(store, snap->dom->name, plan, journal, &opts, &err)) {
        if (prog.cancel)
            st_error_hint(&err, "cancelled by the progress callback: no visible byte changed; "
                          "delete again to finish, or strata_domain_recover() to roll back");
        return st_api_fail_int(err);
    }
    return 0;
}

/* ---- the plan ------------------------------------------------------- */

strata_plan *
strata_snapshot_delete_plan(strata_snapshot *snap, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_JSON struct json_object *journal = NULL;
    struct st_delete_request req = { 0 };
    struct strata_plan *out;
    struct st_plan *plan;
    int mode;

    if (!st_api_check_snapshot(__func__, snap) || !st_api_check_flags(__func__, flags, delete_flags) ||
        (mode = mode_of(__func__, flags)) < 0)
        return NULL;
    req.snapshot = snap->name;
    req.mode = (enum st_plan_mode) mode;
    req.no_stream = flags & STRATA_DELETE_NO_STREAM;
    /* A dry run takes no lock, as `snapshot-delete --dry-run`. */
    if (!(store = st_api_store_for(snap->dom, &err)) ||
        !(plan = st_delete_prepare(store, snap->dom->name, &req, &journal, &err)))
        return st_api_fail(err);
    out = st_xcalloc(1, sizeof *out);
    out->magic = MAGIC_PLAN;
    out->plan = plan;
    out->steps = st_xcalloc(plan->nsteps + 1, sizeof *out->steps);
    for (size_t i = 0; i < plan->nsteps; i++) {
        const struct st_plan_step *s = &plan->steps[i];

        out->steps[i] = (strata_plan_step) {
            .kind = s->kind == ST_PLAN_COMMIT ? STRATA_STEP_COMMIT : STRATA_STEP_STREAM,
            .disk = s->disk, .top = s->top, .base = s->base, .new_backing = s->new_backing,
            .active = s->active, .bytes = s->bytes,
        };
    }
    if (!plan->deletes)
        plan->deletes = st_xcalloc(1, sizeof *plan->deletes);
    return out;
}

static bool
check_plan(const char *fn, const strata_plan *plan)
{
    if (!plan || plan->magic != MAGIC_PLAN) {
        st_api_invalid(fn, plan ? "not a strata_plan" : "the plan is NULL");
        return false;
    }
    return true;
}

size_t
strata_plan_num_steps(const strata_plan *plan)
{
    return check_plan(__func__, plan) ? plan->plan->nsteps : 0;
}

const strata_plan_step *
strata_plan_get_step(const strata_plan *plan, size_t i)
{
    if (!check_plan(__func__, plan))
        return NULL;
    if (i >= plan->plan->nsteps)
        return st_api_invalid(__func__, "step %zu of %zu", i, plan->plan->nsteps);
    return &plan->steps[i];
}

uint64_t
strata_plan_get_bytes(const strata_plan *plan)
{
    return check_plan(__func__, plan) ? plan->plan->bytes : 0;
}

const char *const *
strata_plan_get_deleted(const strata_plan *plan)
{
    return check_plan(__func__, plan) ? (const char *const *) plan->plan->deletes : NULL;
}

void
strata_plan_free(strata_plan *plan)
{
    if (!plan || plan->magic != MAGIC_PLAN)
        return;
    plan->magic = 0;
    st_plan_free(plan->plan);
    free(plan->steps);
    free(plan);
}
