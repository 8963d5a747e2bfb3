/* lib/blockjob.c: blockcommit and blockpull through the public API.
 * The layers are chosen and checked by ops/op-blockjob.c, as for the
 * program; this file maps flags and parameters, reports the job's
 * progress and cancels it on the caller's word. */
#include "config.h"

#include <signal.h>
#include <stdint.h>

#include "common/cleanup.h"
#include "ops/op-blockjob.h"
#include "lib/api.h"

struct progress {
    const strata_job_params *params;
    volatile sig_atomic_t cancel;
};

static void
on_progress(uint64_t done, uint64_t total, void *opaque)
{
    struct progress *p = opaque;

    if (p->cancel)
        return;                 /* asked once; the job is being cancelled */
    if (p->params->progress && p->params->progress(done, total, p->params->opaque))
        p->cancel = 1;
}

static int
run(const char *fn, strata_domain *dom, const char *disk, const char *base, const char *top,
    unsigned flags, unsigned allowed, const strata_job_params *params, bool commit)
{
    static const strata_job_params defaults;
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;
    CLEANUP_BLOCKJOB_RESULT struct st_blockjob_result res = { 0 };
    struct progress prog = { 0 };
    struct st_delete_opts opts = { .progress = on_progress, .opaque = &prog, .abort_flag = &prog.cancel };
    struct st_blockjob_request req = {
        .dev = disk, .base = base, .top = top, .active = flags & STRATA_BLOCK_COMMIT_ACTIVE,
    };
    bool ok;

    if (!st_api_check_domain(fn, dom) || !st_api_check_flags(fn, flags, allowed) ||
        !st_api_check_string(fn, "disk", disk))
        return -1;
    if ((base && !*base) || (top && !*top))
        return st_api_invalid_int(fn, "an empty file name: pass NULL for the default");
    if (!params)
        params = &defaults;
    if (params->timeout_s > 24 * 3600)
        return st_api_invalid_int(fn, "timeout_s %u is more than a day", params->timeout_s);
    if (params->speed > INT64_MAX)
        return st_api_invalid_int(fn, "speed is out of range");
    prog.params = params;
    opts.run_root = dom->conn->run_dir;
    opts.speed = (int64_t) params->speed;
    opts.timeout_ms = (int) params->timeout_s * 1000;
    if (!(store = st_api_store_for(dom, &err)) || (lock = st_api_lock(store, dom, flags, &err)) < 0)
        return st_api_fail_int(err);
    ok = commit ? st_op_blockcommit(store, dom->name, &req, &opts, &res, &err)
                : st_op_blockpull(store, dom->name, &req, &opts, &res, &err);
    if (!ok) {
        if (prog.cancel)
            st_error_hint(&err, "cancelled by the progress callback: nothing was lost; the same "
                          "call finishes the merge");
        return st_api_fail_int(err);
    }
    return res.nothing_to_do ? 1 : 0;
}

int
strata_domain_block_commit(strata_domain *dom, const char *disk, const char *base,
                           const char *top, unsigned flags, const strata_job_params *params)
{
    return run(__func__, dom, disk, base, top, flags, STRATA_BLOCK_COMMIT_ACTIVE | STRATA_NO_WAIT,
               params, true);
}

int
strata_domain_block_pull(strata_domain *dom, const char *disk, const char *base, unsigned flags,
                         const strata_job_params *params)
{
    return run(__func__, dom, disk, base, NULL, flags, STRATA_NO_WAIT, params, false);
}
