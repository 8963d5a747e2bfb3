/* ops/op-rebase-domain.h: 'chain rebase DOMAIN [DEV]' (issue 15): the
 * backing strings of every disk's chain and every snapshot's
 * point-in-time chain, and with --map the metadata paths that name a
 * file the map finds moved, in one journalled operation.
 *
 *   plan     each top metadata names (mapped when it is gone and the map
 *            finds it), then ops/op-rebase.c's plan of its chain, with its
 *            proof per layer; the layers merged, each once
 *   journal  "chain-rebase", phase "planned": the layers' new strings
 *            and the metadata renames
 *   run      st_rebase_run(), one header at a time
 *   commit   every snapshot XML, then the domain XML, names the files
 *            where they are; journal removed
 *
 * Recovery only ever rolls forward (st_rebase_domain_recover): every
 * header on the way holds its old or its new strings, both naming the
 * same file, so the rest is planned again from the headers and done. */
#ifndef ST_OPS_OP_REBASE_DOMAIN_H
#define ST_OPS_OP_REBASE_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "store/store.h"
#include "ops/op-rebase.h"

#define ST_REBASE_DOMAIN_OPERATION "chain-rebase"

struct st_rebase_domain {
    char *dom;                          /* owned */
    struct st_rebase_plan *plan;        /* owned; every layer once */
    char **from;                        /* owned strv: metadata paths the map finds moved */
    char **to;                          /* owned strv: where each is now */
    size_t n_renames;
};

/**
 * st_rebase_domain_plan:
 * @dev: one disk, or NULL for all
 *
 * Refuses a live domain, an interrupted operation, an unknown @dev, a
 * metadata file that is gone and that the map does not find (hint:
 * --map), and whatever st_rebase_plan_file() refuses for any chain.
 * Writes nothing.
 */
struct st_rebase_domain *st_rebase_domain_plan(const struct st_store *store, const char *dom,
                                               const char *dev, const char *run_root,
                                               const struct st_rebase_opts *opts,
                                               struct st_error **errp);

bool st_rebase_domain_run(const struct st_store *store, const char *run_root,
                          const struct st_rebase_domain *rd, struct st_error **errp);

/* Finish an interrupted one from @journal; sets "action" in @report. */
bool st_rebase_domain_recover(const struct st_store *store, const char *dom,
                              const char *run_root, struct json_object *journal,
                              struct json_object *report, struct st_error **errp);

void st_rebase_domain_free(struct st_rebase_domain *rd);
ST_DEFINE_CLEANUP(st_cleanup_rebase_domain, struct st_rebase_domain *, st_rebase_domain_free)
#define CLEANUP_REBASE_DOMAIN ST_CLEANUP(st_cleanup_rebase_domain)

#endif
