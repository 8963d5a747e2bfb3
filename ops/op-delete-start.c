/* ops/op-delete-start.c: what a snapshot-delete does before it
 * copies anything: resume the interrupted delete the journal holds, or
 * resolve the snapshot, refuse a layer whose file is gone, and plan
 * (ops/op-delete.h). */
#include "config.h"

#include <string.h>

#include "common/json.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "chain/chain.h"
#include "chain/remote.h"
#include "store/created.h"
#include "store/journal.h"
#include "store/tree.h"
#include "ops/delete-world.h"
#include "ops/op-delete.h"

ST_LOG_INIT("ops.delete-start");

static const char *
mode_flag(enum st_plan_mode mode)
{
    return mode == ST_PLAN_CHILDREN ? " --children" :
           mode == ST_PLAN_CHILDREN_ONLY ? " --children-only" : "";
}

/* The interrupted delete's plan, when it is the one asked for. */
static struct st_plan *
resume(const struct st_store *store, const char *dom, const struct st_delete_request *req,
       struct json_object *journal, struct st_error **errp)
{
    struct st_plan *plan = st_delete_journal_plan(journal, errp);

    if (!plan) {
        if (errp && *errp)
            return NULL;
        st_journal_refuse_if_pending(store, dom, errp);
        return NULL;
    }
    if ((req->snapshot && strcmp(req->snapshot, plan->snapshot) != 0) ||
        plan->mode != req->mode) {
        st_error_set(errp, ST_E_CONFLICT,
                     "domain '%s': the delete of snapshot '%s' (%s) was interrupted and must be finished first",
                     dom, plan->snapshot, st_plan_mode_name(plan->mode));
        st_error_hint(errp, "run 'strata snapshot-delete %s %s%s' again to finish it", dom,
                      plan->snapshot, mode_flag(plan->mode));
        st_plan_free(plan);
        return NULL;
    }
    st_debug("resuming the interrupted delete of '%s' (phase %s)", plan->snapshot,
             st_json_get_string(journal, "phase"));
    return plan;
}

/* A stream whose base backs onto a remote (NBD) base would copy that
 * whole disk into a local file and drop it from the chain, which the
 * planner's figures do not count (chain/remote.h: strata's model ends
 * at the remote base).  Refuse until merges keep the base remote. */
static bool
check_no_remote_base(const struct st_plan *plan, const char *dom, const char *snap,
                     struct st_error **errp)
{
    for (size_t i = 0; i < plan->nsteps; i++) {
        const struct st_plan_step *s = &plan->steps[i];
        struct st_chain_opts copts = { .skip_allocation = true, .max_depth = 1 };
        CLEANUP_CHAIN struct st_chain *chain = NULL;
        CLEANUP_FREE char *name = NULL;
        CLEANUP_FREE char *sock = NULL;
        const char *backing;

        if (s->kind != ST_PLAN_STREAM || s->new_backing ||
            !(chain = st_chain_load(s->base, &copts, NULL)))
            continue;
        backing = chain->layers[0].backing;
        if (!backing || !st_remote_parse_uri(backing, &name, &sock))
            continue;
        st_error_set(errp, ST_E_USAGE,
                     "snapshot '%s': disk '%s': the merge would stream '%s' into '%s', copying "
                     "the base served over NBD ('%s') into a local file; strata does not merge "
                     "above a remote base yet", snap, s->disk, s->base, s->top, backing);
        st_error_set_path(errp, s->base);
        st_error_hint(errp, "remove only the metadata with 'strata snapshot-delete %s %s --metadata'",
                      dom, snap);
        return false;
    }
    return true;
}

struct st_plan *
st_delete_prepare(const struct st_store *store, const char *dom_name,
                  const struct st_delete_request *req, struct json_object **journal,
                  struct st_error **errp)
{
    CLEANUP_DOMAIN struct st_domain *dom = NULL;
    CLEANUP_TREE struct st_tree *tree = NULL;
    CLEANUP_DELETE_WORLD struct st_delete_world *world = NULL;
    struct st_error *err = NULL;
    struct st_plan *plan;
    const char *name;

    *journal = NULL;
    if (!(dom = st_store_domain_load(store, dom_name, errp)) ||
        !(tree = st_store_tree_load(store, dom_name, 0, st_store_warn_log, NULL, errp)))
        return NULL;
    /* An interrupted delete: only that delete may run, and it resumes. */
    *journal = st_journal_read(store, dom_name, &err);
    if (err) {
        st_error_propagate(errp, err);
        return NULL;
    }
    if (*journal) {
        if (!(plan = resume(store, dom_name, req, *journal, errp))) {
            json_object_put(*journal);
            *journal = NULL;
        }
        return plan;
    }
    if (req->snapshot) {
        if (!st_tree_find(tree, req->snapshot)) {
            st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' has no snapshot named '%s'",
                         dom_name, req->snapshot);
            st_error_hint(errp, "'strata snapshot-list %s' shows its snapshots", dom_name);
            return NULL;
        }
        name = req->snapshot;
    } else if (tree->current) {
        name = tree->current->snap->name;
    } else {
        st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' has no current snapshot", dom_name);
        return NULL;
    }
    if (!(world = st_delete_world_load(dom, tree, errp)))
        return NULL;
    {
        CLEANUP_JSON struct json_object *record = st_created_load(store, dom_name, errp);

        if (!record)
            return NULL;
        st_delete_world_mark_made(world, record);
    }
    /* A file S names is gone: merging would guess; say so instead. */
    for (size_t d = 0; req->mode == ST_PLAN_ONE && d < dom->ndisks; d++) {
        size_t si = (size_t) st_delete_world_find_snap(world, name);
        const char *gone = st_delete_world_missing(world, si, d);

        if (gone) {
            st_error_set(errp, ST_E_NOT_FOUND,
                         "snapshot '%s': disk '%s': '%s' does not exist or cannot be read, so its layer cannot be merged",
                         name, dom->disks[d].target, gone);
            st_error_set_path(errp, gone);
            st_error_hint(errp, "restore the file, or remove only the metadata with 'strata snapshot-delete %s %s --metadata'",
                          dom_name, name);
            return NULL;
        }
    }
    {
        struct st_plan_opts popts = {
            .target = (size_t) st_delete_world_find_snap(world, name),
            .mode = req->mode, .no_stream = req->no_stream,
        };

        if (!(plan = st_plan_delete(st_delete_world_input(world), &popts, errp)))
            st_error_prepend(errp, "snapshot '%s': ", name);
    }
    if (plan && !check_no_remote_base(plan, dom_name, name, errp)) {
        st_plan_free(plan);
        return NULL;
    }
    return plan;
}
