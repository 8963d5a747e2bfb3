/* store/tree.c: the snapshot tree, rebuilt from parent names. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xalloc.h"
#include "store/tree.h"

int
st_tree_name_cmp(const char *a, const char *b)
{
    int r = strcasecmp(a, b);

    return r ? r : strcmp(a, b);
}

static int
node_cmp(const void *a, const void *b)
{
    const struct st_tree_node *x = *(struct st_tree_node *const *) a;
    const struct st_tree_node *y = *(struct st_tree_node *const *) b;

    return st_tree_name_cmp(x->snap->name, y->snap->name);
}

void
st_tree_free(struct st_tree *tree)
{
    if (!tree)
        return;
    for (size_t i = 0; i < tree->n; i++) {
        st_snapshot_free(tree->nodes[i]->snap);
        free(tree->nodes[i]->children);
        free(tree->nodes[i]);
    }
    free(tree->nodes);
    free(tree->roots);
    free(tree);
}

struct st_tree_node *
st_tree_find(const struct st_tree *tree, const char *name)
{
    size_t lo = 0, hi = tree->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = st_tree_name_cmp(name, tree->nodes[mid]->snap->name);

        if (r == 0)
            return tree->nodes[mid];
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static void
warnf(st_tree_warn_fn warn, void *opaque, char *msg)
{
    if (warn)
        warn(msg, opaque);
    free(msg);
}

/* Link every node to its parent; nodes are visited in sorted order, so
 * the children arrays come out sorted too. */
static void
link_parents(struct st_tree *tree, st_tree_warn_fn warn, void *opaque)
{
    for (size_t i = 0; i < tree->n; i++) {
        struct st_tree_node *node = tree->nodes[i];
        struct st_tree_node *parent = NULL;

        if (node->snap->parent && !(parent = st_tree_find(tree, node->snap->parent)))
            warnf(warn, opaque,
                  st_xasprintf("snapshot '%s': parent '%s' does not exist; shown as a root",
                               node->snap->name, node->snap->parent));
        node->parent = parent;
        if (!parent) {
            tree->roots = st_xreallocarray(tree->roots, tree->nroots + 1, sizeof *tree->roots);
            tree->roots[tree->nroots++] = node;
            continue;
        }
        parent->children = st_xreallocarray(parent->children, parent->nchildren + 1,
                                            sizeof *parent->children);
        parent->children[parent->nchildren++] = node;
    }
}

/* A loop has no root: count what is reachable from the roots. */
static bool
check_loops(const struct st_tree *tree, struct st_error **errp)
{
    size_t reached = tree->nroots;

    for (size_t i = 0; i < tree->nroots; i++)
        reached += st_tree_count_descendants(tree->roots[i]);
    if (reached == tree->n)
        return true;
    for (size_t i = 0; i < tree->n; i++) {
        const struct st_tree_node *slow = tree->nodes[i], *fast = tree->nodes[i];

        while (fast && fast->parent) {
            slow = slow->parent;
            fast = fast->parent->parent;
            if (slow == fast) {
                st_error_set(errp, ST_E_CONFLICT, "snapshot '%s' is its own ancestor",
                             slow->snap->name);
                st_error_hint(errp, "fix the <parent> of one snapshot in the loop");
                return false;
            }
        }
    }
    st_error_set(errp, ST_E_INTERNAL, "snapshot tree does not add up");
    return false;
}

struct st_tree *
st_tree_build(struct st_snapshot **snaps, size_t n, st_tree_warn_fn warn, void *opaque,
              struct st_error **errp)
{
    struct st_tree *tree = st_xcalloc(1, sizeof *tree);

    tree->nodes = st_xcalloc(n ? n : 1, sizeof *tree->nodes);
    for (size_t i = 0; i < n; i++) {
        tree->nodes[i] = st_xcalloc(1, sizeof **tree->nodes);
        tree->nodes[i]->snap = snaps[i];
    }
    tree->n = n;
    qsort(tree->nodes, n, sizeof *tree->nodes, node_cmp);
    for (size_t i = 0; i < n; i++) {
        tree->nodes[i]->index = i;
        if (i > 0 && strcmp(tree->nodes[i - 1]->snap->name, tree->nodes[i]->snap->name) == 0) {
            st_error_set(errp, ST_E_CONFLICT, "two snapshots are named '%s'",
                         tree->nodes[i]->snap->name);
            st_tree_free(tree);
            return NULL;
        }
        if (tree->nodes[i]->snap->current) {
            if (tree->current) {
                warnf(warn, opaque,
                      st_xasprintf("snapshots '%s' and '%s' are both marked current; "
                                   "using '%s'", tree->current->snap->name,
                                   tree->nodes[i]->snap->name, tree->nodes[i]->snap->name));
                tree->current->snap->current = false;
            }
            tree->current = tree->nodes[i];
        }
    }
    link_parents(tree, warn, opaque);
    if (!check_loops(tree, errp)) {
        st_tree_free(tree);
        return NULL;
    }
    return tree;
}

size_t
st_tree_count_descendants(const struct st_tree_node *node)
{
    size_t n = node->nchildren;

    for (size_t i = 0; i < node->nchildren; i++)
        n += st_tree_count_descendants(node->children[i]);
    return n;
}

static void
collect(const struct st_tree_node *node, struct st_tree_node ***out, size_t *n, size_t *cap)
{
    for (size_t i = 0; i < node->nchildren; i++) {
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 16;
            *out = st_xreallocarray(*out, *cap, sizeof **out);
        }
        (*out)[(*n)++] = node->children[i];
        collect(node->children[i], out, n, cap);
    }
}

void
st_tree_descendants(const struct st_tree_node *node, struct st_tree_node ***out, size_t *nout)
{
    size_t cap = 0;

    *out = NULL;
    *nout = 0;
    collect(node, out, nout, &cap);
}

bool
st_tree_is_ancestor(const struct st_tree_node *anc, const struct st_tree_node *node)
{
    for (; node; node = node->parent)
        if (node == anc)
            return true;
    return false;
}

bool
st_tree_filter_match(const struct st_tree_filter *f, const struct st_tree_node *n)
{
    const struct st_snapshot *s = n->snap;

    if (f->leaves != f->no_leaves && (f->leaves ? n->nchildren != 0 : n->nchildren == 0))
        return false;
    if (f->no_metadata && !f->metadata)
        return false;
    if (f->internal != f->external && st_snapshot_is_external(s) != f->external)
        return false;
    if (f->inactive || f->active || f->disk_only) {
        bool disk_only = s->state == ST_SNAPSHOT_STATE_DISK_SNAPSHOT;
        bool inactive = s->state == ST_SNAPSHOT_STATE_SHUTOFF;
        bool active = !disk_only && !inactive;

        if (!((f->disk_only && disk_only) || (f->inactive && inactive) ||
              (f->active && active)))
            return false;
    }
    return true;
}
