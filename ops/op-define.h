/* ops/op-define.h: the metadata-only operations that the program and
 * the library share: define a domain, redefine a snapshot (import its
 * metadata), and delete snapshot metadata without touching a file. */
#ifndef ST_OPS_OP_DEFINE_H
#define ST_OPS_OP_DEFINE_H

#include <stdbool.h>

#include "common/error.h"
#include "xml/domain.h"
#include "xml/snapshot.h"
#include "ops/plan.h"
#include "store/store.h"
#include "store/tree.h"

/**
 * st_op_define:
 * @replace: an existing domain of that name is replaced when its <uuid>
 *   is the same (strata define); false: ST_E_CONFLICT (define-as)
 * @wait: wait for the domain's lock, else ST_E_BUSY at once
 *
 * Checks @dom's disk chains (a chain the first snapshot would refuse is
 * refused now, before anything is written), then writes domain.xml
 * under the domain's lock, creating the state directory.
 */
bool st_op_define(const char *state_dir, const struct st_domain *dom, bool replace, bool wait,
                  struct st_error **errp);

/**
 * st_op_undefine:
 * @run_dir: the run root, to refuse while a QSD serves the domain
 *
 * Removes domain @name's definition under its lock (with its
 * snapshots' metadata when @snapshots_metadata; else a domain with
 * snapshots is ST_E_CONFLICT).  No image file is touched.
 */
bool st_op_undefine(const char *state_dir, const char *run_dir, const char *name,
                    bool snapshots_metadata, bool wait, struct st_error **errp);

/**
 * st_op_redefine:
 * @dom, @tree: the domain and its tree; the caller holds the lock
 * @snap: parsed with ST_SNAPSHOT_PARSE_REDEFINE; ->current is set to
 *   whether it is current afterwards
 * @make_current: make it the current snapshot (virsh --current); one
 *   that replaces the current snapshot stays current anyway
 *
 * Checks @snap against the tree (its parent exists, no loop, the
 * embedded domain's <uuid>) and writes it.
 */
bool st_op_redefine(const struct st_store *store, const struct st_domain *dom,
                    const struct st_tree *tree, struct st_snapshot *snap, bool make_current,
                    struct st_error **errp);

enum st_edit_mode {
    ST_EDIT_SAME,               /* the name must not change */
    ST_EDIT_RENAME,             /* a new name renames; the children follow */
    ST_EDIT_CLONE,              /* a new name makes a copy; the original stays */
};

/**
 * st_op_edit:
 * @old: the snapshot edited (in @tree); the caller holds the lock
 * @snap: its new definition (ST_SNAPSHOT_PARSE_REDEFINE)
 *
 * Replaces @old's XML with @snap, through st_op_redefine(): a current
 * snapshot stays current (unless cloned).  A new name needs RENAME or
 * CLONE and must be free.  Unlike virsh (which reparents them to the
 * old parent), a renamed snapshot's children follow it.
 */
bool st_op_edit(const struct st_store *store, const struct st_domain *dom,
                const struct st_tree *tree, const struct st_tree_node *old,
                struct st_snapshot *snap, enum st_edit_mode mode, struct st_error **errp);

/**
 * st_op_delete_metadata:
 * @node: the snapshot (in @tree); the caller holds the lock
 * @mode: ST_PLAN_ONE (children are reparented to its parent),
 *   ST_PLAN_CHILDREN or ST_PLAN_CHILDREN_ONLY
 * @deleted: out: the names removed, leaves first (owned strv)
 *
 * Removes metadata only: the current mark first moves away from what
 * goes, then files go leaf first, so that a crash in between leaves no
 * snapshot without its parent.
 */
bool st_op_delete_metadata(const struct st_store *store, const char *dom, struct st_tree *tree,
                           struct st_tree_node *node, enum st_plan_mode mode, char ***deleted,
                           struct st_error **errp);

#endif
