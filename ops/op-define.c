/* ops/op-define.c: define, redefine and metadata-only delete
 * (ops/op-define.h). */
#include "config.h"

#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/log.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "xml/xml.h"
#include "live/live.h"
#include "ops/op-define.h"
#include "ops/op-util.h"

bool
st_op_define(const char *state_dir, const struct st_domain *dom, bool replace, bool wait,
             struct st_error **errp)
{
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;

    if (!st_op_check_domain_chains(dom, errp)) {
        st_error_prepend(errp, "domain '%s' not defined: ", dom->name);
        return false;
    }
    if (!(store = st_store_open(state_dir, true, errp)))
        return false;
    if ((lock = st_store_lock(store, dom->name, wait, errp)) < 0)
        return false;
    if (st_store_domain_exists(store, dom->name)) {
        CLEANUP_DOMAIN struct st_domain *old = NULL;

        if (!replace) {
            st_error_set(errp, ST_E_CONFLICT, "domain '%s' already exists", dom->name);
            return false;
        }
        if (!(old = st_store_domain_load(store, dom->name, errp)))
            return false;
        if (strcmp(old->uuid, dom->uuid) != 0) {
            st_error_set(errp, ST_E_CONFLICT, "domain '%s' already exists with uuid %s",
                         dom->name, old->uuid);
            st_error_hint(errp, "give the new XML the same <uuid>, or another <name>");
            return false;
        }
    }
    return st_store_domain_save(store, dom, errp);
}

bool
st_op_undefine(const char *state_dir, const char *run_dir, const char *name,
               bool snapshots_metadata, bool wait, struct st_error **errp)
{
    CLEANUP_STORE struct st_store *store = st_store_open(state_dir, false, errp);
    CLEANUP_CLOSE int lock = -1;

    if (!store)
        return false;
    if (!st_store_domain_exists(store, name)) {
        st_error_set(errp, ST_E_NOT_FOUND, "no domain named '%s'", name);
        return false;
    }
    if ((lock = st_store_lock(store, name, wait, errp)) < 0 ||
        !st_live_refuse_served(run_dir, name, "undefine", errp))
        return false;
    return st_store_domain_undefine(store, name, snapshots_metadata, errp);
}

bool
st_op_redefine(const struct st_store *store, const struct st_domain *dom,
               const struct st_tree *tree, struct st_snapshot *snap, bool make_current,
               struct st_error **errp)
{
    struct st_tree_node *old = st_tree_find(tree, snap->name);
    struct st_tree_node *parent = NULL;

    if (snap->parent) {
        if (strcmp(snap->parent, snap->name) == 0) {
            st_error_set(errp, ST_E_CONFLICT, "snapshot '%s' cannot be its own parent",
                         snap->name);
            return false;
        }
        if (!(parent = st_tree_find(tree, snap->parent))) {
            st_error_set(errp, ST_E_NOT_FOUND, "parent snapshot '%s' of '%s' does not exist",
                         snap->parent, snap->name);
            st_error_hint(errp, "redefine the parent first");
            return false;
        }
        if (old && st_tree_is_ancestor(old, parent)) {
            st_error_set(errp, ST_E_CONFLICT,
                         "parent '%s' is a descendant of '%s': that would make a loop",
                         snap->parent, snap->name);
            return false;
        }
    }
    if (snap->domain) {
        CLEANUP_FREE char *uuid = st_xml_child_text(snap->domain, "uuid");

        if (uuid && strcasecmp(uuid, dom->uuid) != 0) {
            st_error_set(errp, ST_E_CONFLICT,
                         "snapshot '%s' belongs to a domain with uuid %s, not %s", snap->name,
                         uuid, dom->uuid);
            return false;
        }
    }
    for (size_t i = 0; i < snap->ndisks; i++)
        if (snap->disks[i].source && !st_path_exists(snap->disks[i].source))
            st_warn("snapshot", "snapshot '%s': disk '%s': file '%s' does not exist",
                    snap->name, snap->disks[i].name, snap->disks[i].source);
    snap->current = old && old == tree->current;
    if (!st_store_snapshot_save(store, dom->name, snap, errp))
        return false;
    if (make_current && !snap->current) {
        /* Reload so that the tree holds the new definition. */
        CLEANUP_TREE struct st_tree *t = st_store_tree_load(store, dom->name, 0, NULL, NULL,
                                                            errp);
        struct st_tree_node *n;

        if (!t || !(n = st_tree_find(t, snap->name)))
            return false;
        if (!st_store_set_current(store, dom->name, t, n, errp))
            return false;
        snap->current = true;
    }
    return true;
}

/* Point @child at @parent (NULL: make it a root) and rewrite its file. */
static bool
reparent(const struct st_store *store, const char *dom, struct st_tree_node *child,
         const char *parent, struct st_error **errp)
{
    free(child->snap->parent);
    child->snap->parent = parent ? st_xstrdup(parent) : NULL;
    return st_store_snapshot_save(store, dom, child->snap, errp);
}

bool
st_op_edit(const struct st_store *store, const struct st_domain *dom,
           const struct st_tree *tree, const struct st_tree_node *old, struct st_snapshot *snap,
           enum st_edit_mode mode, struct st_error **errp)
{
    const char *name = old->snap->name;
    bool renamed = strcmp(snap->name, name) != 0;

    if (renamed && mode == ST_EDIT_SAME) {
        st_error_set(errp, ST_E_CONFLICT, "cannot rename snapshot %s to %s", name, snap->name);
        st_error_hint(errp, "use --rename or --clone to change the name");
        return false;
    }
    if (renamed && st_tree_find(tree, snap->name)) {
        st_error_set(errp, ST_E_CONFLICT, "snapshot '%s' already exists", snap->name);
        return false;
    }
    if (!st_op_redefine(store, dom, tree, snap, old == tree->current && mode != ST_EDIT_CLONE,
                        errp))
        return false;
    if (!renamed || mode != ST_EDIT_RENAME)
        return true;
    for (size_t i = 0; i < old->nchildren; i++)
        if (!reparent(store, dom->name, old->children[i], snap->name, errp))
            return false;
    return st_store_snapshot_delete(store, dom->name, name, errp);
}

bool
st_op_delete_metadata(const struct st_store *store, const char *dom, struct st_tree *tree,
                      struct st_tree_node *n, enum st_plan_mode mode, char ***deleted,
                      struct st_error **errp)
{
    CLEANUP_FREE struct st_tree_node **desc = NULL;
    CLEANUP_FREE char *name = st_xstrdup(n->snap->name);
    bool only = mode == ST_PLAN_CHILDREN_ONLY, all = mode == ST_PLAN_CHILDREN;
    size_t ndesc = 0;
    bool current_goes;

    *deleted = NULL;
    if (all || only)
        st_tree_descendants(n, &desc, &ndesc);
    current_goes = tree->current &&
        ((only && tree->current != n && st_tree_is_ancestor(n, tree->current)) ||
         (!only && st_tree_is_ancestor(n, tree->current) && (all || tree->current == n)));
    if (current_goes &&
        !st_store_set_current(store, dom, tree, only ? n : n->parent, errp))
        return false;
    if (!all && !only) {
        for (size_t i = 0; i < n->nchildren; i++)
            if (!reparent(store, dom, n->children[i], n->parent ? n->parent->snap->name : NULL,
                          errp))
                return false;
    }
    for (size_t i = ndesc; i > 0; i--) {
        if (!st_store_snapshot_delete(store, dom, desc[i - 1]->snap->name, errp))
            return false;
        st_strv_add(deleted, desc[i - 1]->snap->name);
    }
    if (!only) {
        if (!st_store_snapshot_delete(store, dom, name, errp))
            return false;
        st_strv_add(deleted, name);
    }
    return true;
}
