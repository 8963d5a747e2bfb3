/* ops/op-libvirt-export.c: st_op_export_libvirt(), handing a domain
 * back to libvirt as the files libvirt keeps for itself
 * (ops/op-import.h, xml/libvirt-form.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/path.h"
#include "common/xalloc.h"
#include "xml/libvirt-form.h"
#include "store/journal.h"
#include "store/store.h"
#include "store/tree.h"
#include "ops/op-import.h"

/* The tree's first problem becomes the export's error: a snapshot
 * left out would be lost to libvirt without a word. */
static void
first_warning(const struct st_error *err, void *opaque)
{
    struct st_error **first = opaque;

    if (*first)
        return;
    st_error_set(first, err->code, "%s", err->msg);
    st_error_set_path(first, err->path);
}

/* Parents first: each root, then its descendants depth first. */
static void
order_tree(const struct st_tree *tree, struct st_tree_node ***order, size_t *n)
{
    *order = st_xcalloc(tree->n ? tree->n : 1, sizeof **order);
    *n = 0;
    for (size_t i = 0; i < tree->nroots; i++) {
        CLEANUP_FREE struct st_tree_node **desc = NULL;
        size_t nd = 0;

        (*order)[(*n)++] = tree->roots[i];
        st_tree_descendants(tree->roots[i], &desc, &nd);
        for (size_t j = 0; j < nd; j++)
            (*order)[(*n)++] = desc[j];
    }
}

/* A snapshot file already in @dir that names none of @tree's snapshots. */
static bool
refuse_strangers(const char *dir, const struct st_tree *tree, struct st_error **errp)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (!d)
        return true;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        CLEANUP_FREE char *name = NULL;

        if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".xml") != 0)
            continue;
        name = st_xstrndup(e->d_name, len - 4);
        if (st_tree_find(tree, name))
            continue;
        st_error_set(errp, ST_E_CONFLICT,
                     "%s/%s holds a snapshot the domain does not have: libvirt would take it "
                     "back too", dir, e->d_name);
        st_error_set_path(errp, dir);
        st_error_hint(errp, "export into an empty directory, or remove the file");
        closedir(d);
        return false;
    }
    closedir(d);
    return true;
}

bool
st_op_export_libvirt(const char *state_dir, const char *name, const char *dir,
                     struct st_domain **dom_out, struct st_tree **tree_out,
                     struct st_tree_node ***order, size_t *norder, struct st_error **errp)
{
    CLEANUP_STORE struct st_store *store = st_store_open(state_dir, false, errp);
    CLEANUP_DOMAIN struct st_domain *dom = NULL;
    CLEANUP_TREE struct st_tree *tree = NULL;
    CLEANUP_ERROR struct st_error *warned = NULL;
    CLEANUP_FREE char *snapdir = NULL;
    CLEANUP_FREE char *domfile = NULL;
    CLEANUP_FREE struct st_tree_node **ord = NULL;
    CLEANUP_FREE char *domxml = NULL;
    CLEANUP_CLOSE int lock = -1;
    size_t n = 0;

    if (!store || !st_store_domain_require(store, name, errp))
        return false;
    /* Under the lock, so that no operation changes the tree half-way
     * through; an interrupted one must be finished first, or its
     * files would go to libvirt half-made. */
    if ((lock = st_store_lock(store, name, true, errp)) < 0 ||
        !st_journal_refuse_if_pending(store, name, errp))
        return false;
    if (!(dom = st_store_domain_load(store, name, errp)) ||
        !(tree = st_store_tree_load(store, name, 0, first_warning, &warned, errp)))
        return false;
    if (warned) {
        st_error_propagate(errp, warned);
        warned = NULL;
        st_error_prepend(errp, "domain '%s' not exported: ", name);
        return false;
    }
    snapdir = st_xasprintf("%s/snapshot/%s", dir, name);
    domfile = st_xasprintf("%s/%s.xml", dir, name);
    if (!refuse_strangers(snapdir, tree, errp))
        return false;
    if (tree->n && !st_path_mkdir_p(snapdir, 0700, errp))
        return false;
    if (!tree->n && !st_path_mkdir_p(dir, 0700, errp))
        return false;
    order_tree(tree, &ord, &n);
    for (size_t i = 0; i < n; i++) {
        const struct st_snapshot *snap = ord[i]->snap;
        CLEANUP_FREE char *path = st_xasprintf("%s/%s.xml", snapdir, snap->name);
        CLEANUP_FREE char *text = st_libvirt_snapshot_format(snap);

        if (!st_path_write_atomic(path, 0600, text, strlen(text), errp))
            return false;
    }
    domxml = st_libvirt_domain_format(dom);
    if (!st_path_write_atomic(domfile, 0600, domxml, strlen(domxml), errp))
        return false;
    *dom_out = ST_STEAL(&dom);
    *tree_out = ST_STEAL(&tree);
    *order = ST_STEAL(&ord);
    *norder = n;
    return true;
}
