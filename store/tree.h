/* store/tree.h: the snapshot tree of one domain, rebuilt from the
 * snapshots' parent names.  Lookups are by binary search over names,
 * children are kept in virsh's order (case-insensitive by name), so
 * listing 10,000 snapshots stays linear after one sort. */
#ifndef ST_STORE_TREE_H
#define ST_STORE_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "xml/snapshot.h"

struct st_tree_node {
    struct st_snapshot *snap;       /* owned by the tree */
    struct st_tree_node *parent;    /* NULL for a root */
    struct st_tree_node **children; /* owned array; sorted like virsh */
    size_t nchildren;
    size_t index;                   /* position in tree->nodes */
};

struct st_tree {
    struct st_tree_node **nodes;    /* owned; every node, sorted like virsh */
    size_t n;
    struct st_tree_node **roots;    /* owned array; sorted like virsh */
    size_t nroots;
    struct st_tree_node *current;   /* NULL when no snapshot is current */
};

void st_tree_free(struct st_tree *tree);
ST_DEFINE_CLEANUP(st_cleanup_tree, struct st_tree *, st_tree_free)
#define CLEANUP_TREE ST_CLEANUP(st_cleanup_tree)

/* Called for a problem that does not stop the tree from being built
 * (a parent that does not exist, a second current snapshot): the
 * snapshot is kept, as a root or not current. */
typedef void (*st_tree_warn_fn)(const char *msg, void *opaque);

/**
 * st_tree_build:
 * @snaps: the snapshots (consumed, also on failure); the array itself
 *   is not (the caller frees it)
 * @warn: may be NULL
 *
 * Fails on two snapshots with one name and on a parent loop.
 */
struct st_tree *st_tree_build(struct st_snapshot **snaps, size_t n, st_tree_warn_fn warn,
                              void *opaque, struct st_error **errp);
/* The node named @name, or NULL; borrowed. */
struct st_tree_node *st_tree_find(const struct st_tree *tree, const char *name);
/* Number of descendants of @node (children, their children...). */
size_t st_tree_count_descendants(const struct st_tree_node *node);
/* Depth-first pre-order walk of @node's descendants (not @node itself)
 * into @out (owned array, *nout entries). */
void st_tree_descendants(const struct st_tree_node *node, struct st_tree_node ***out,
                         size_t *nout);
/* True when @anc is @node or one of its ancestors. */
bool st_tree_is_ancestor(const struct st_tree_node *anc, const struct st_tree_node *node);
/* virsh snapshot-list's filters: within each pair neither or both
 * means no filter; the groups combine with AND. */
struct st_tree_filter {
    bool leaves, no_leaves;
    bool metadata, no_metadata;     /* every snapshot in a tree has metadata */
    bool external, internal;
    bool disk_only, inactive, active;   /* states: any of those given */
};
bool st_tree_filter_match(const struct st_tree_filter *f, const struct st_tree_node *node);

/* virsh's sort order of snapshot names (strcasecmp, then strcmp). */
int st_tree_name_cmp(const char *a, const char *b);

#endif
