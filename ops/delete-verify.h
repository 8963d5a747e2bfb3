/* ops/delete-verify.h: snapshot-delete --verify (SPEC §6): a digest
 * of every view a plan touches, read over NBD (nbd/digest.h), taken
 * before the first job and again after the metadata is rewritten; any
 * difference stops the delete before a file is unlinked.
 *
 *   views: DEV@S for every remaining snapshot S that captured DEV, and
 *          DEV@current, for each disk DEV the plan runs a job on */
#ifndef ST_OPS_DELETE_VERIFY_H
#define ST_OPS_DELETE_VERIFY_H

#include <stdbool.h>

#include <json-c/json.h>

#include "common/error.h"
#include "nbd/digest.h"
#include "ops/plan.h"
#include "store/store.h"

/**
 * st_delete_digest_views:
 * @alg: the digest algorithm (st_delete_views_alg() of the "before"
 *   digests when a resumed delete takes the "after" ones)
 * @crash_point: the test crash point (st_op_crash_point()) passed
 *   after the first view's digest, while its QSD runs
 * @out: an object; gets "DEV@S": "ALG:HEX" per view
 *
 * Digest the views of @plan's disks as the metadata now names them
 * (snapshots @plan deletes are left out).  Uses the domain's live QSD,
 * else a transient one.  Returns false with @errp set on any failure.
 */
bool st_delete_digest_views(const struct st_store *store, const char *dom, const char *run_root,
                            const struct st_plan *plan, enum st_nbd_digest_alg alg,
                            const char *crash_point, struct json_object *out,
                            struct st_error **errp);

/* The algorithm of digests st_delete_digest_views() wrote into @views,
 * so that a delete resumed by another strata compares like with like:
 * from the "ALG:" prefix, or for a bare value (strata before the prefix
 * was kept) from its length.  ST_NBD_DIGEST_DEFAULT when @views is empty. */
enum st_nbd_digest_alg st_delete_views_alg(struct json_object *views);

/**
 * st_delete_compare_views:
 *
 * ST_E_CONFLICT naming the first view of @after whose digest differs
 * from @before's (views only in one of them are not compared).  Digests
 * are compared as algorithm and value, so "ALG:HEX" and the bare HEX of
 * the same algorithm are equal.
 */
bool st_delete_compare_views(struct json_object *before, struct json_object *after,
                             struct st_error **errp);

#endif
