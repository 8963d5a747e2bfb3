/* ops/op-blockjob.h: blockcommit and blockpull, the raw merges of
 * virsh, for admins.  Both work on a disk's active chain:
 *
 *   base <- mid <- top <- active
 *   blockcommit DOM vda --top top --base base   base' <- active
 *   blockpull DOM vda --base base               base <- active'
 *
 * A commit is refused when any snapshot names a file it touches or a
 * file it writes into backs another branch (ops/plan.c decides); a
 * pull only writes into the active file, which nothing else sees.
 * Files left out of the chain stay on disk, as with virsh.  The
 * program and the library share these. */
#ifndef ST_OPS_OP_BLOCKJOB_H
#define ST_OPS_OP_BLOCKJOB_H

#include <stdbool.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "ops/op-delete.h"
#include "store/store.h"

struct st_blockjob_request {
    const char *dev;            /* the disk (target name) */
    const char *top;            /* commit: the top file; NULL: the layer under
                                 * the active one (with active: the active one) */
    const char *base;           /* the base file; NULL: the chain's bottom
                                 * (a pull then flattens the whole chain) */
    bool active;                /* commit the active layer, and pivot to the base */
};

struct st_blockjob_result {
    const char *job;            /* "commit" or "pull" (static) */
    char *top;                  /* owned; the file merged down (commit) or into (pull) */
    char *base;                 /* owned; commit: the target; pull: the new backing,
                                 * NULL when the pull flattened the chain */
    char *active;               /* owned; the disk's active file afterwards */
    bool nothing_to_do;         /* the merge was done already: say why */
    bool pivoted;               /* active commit: the disk now names base */
};

void st_blockjob_result_clear(struct st_blockjob_result *res);
#define CLEANUP_BLOCKJOB_RESULT ST_CLEANUP(st_blockjob_result_clear)

/**
 * st_op_blockcommit:
 * @store: the caller holds @dom's lock
 * @opts: the job's rate, timeout and callbacks (as for a delete's step)
 *
 * Commit @req->top into @req->base in @dom's QSD (live or transient).
 * A commit cut short once the chain had switched is recognised and
 * confirmed (nothing_to_do).  On failure nothing was lost and the hint
 * names the exact command that finishes it.
 */
bool st_op_blockcommit(const struct st_store *store, const char *dom,
                       const struct st_blockjob_request *req, const struct st_delete_opts *opts,
                       struct st_blockjob_result *res, struct st_error **errp);

/* Pull the layers above @req->base (NULL: all) into the active file. */
bool st_op_blockpull(const struct st_store *store, const char *dom,
                     const struct st_blockjob_request *req, const struct st_delete_opts *opts,
                     struct st_blockjob_result *res, struct st_error **errp);

/* {"job", "top", "base" (or null), "active"} */
struct json_object *st_blockjob_result_json(const struct st_blockjob_result *res);

#endif
