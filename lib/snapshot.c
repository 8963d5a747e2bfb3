/* lib/snapshot.c: snapshots through the public API: create (or
 * redefine), look up, read, list with virsh's filters, set current,
 * revert, edit.  A handle names a snapshot; every call reads the tree
 * anew, so handles never go stale behind another program's back. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/name.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "ops/diskspec.h"
#include "ops/op-create.h"
#include "ops/op-define.h"
#include "ops/op-revert.h"
#include "lib/api.h"

/* What a call works on: the store, the lock when it changes anything,
 * the domain and its tree. */
struct ctx {
    struct st_store *store;
    int lock;
    struct st_domain *dom;
    struct st_tree *tree;
};

static void
ctx_clear(struct ctx *c)
{
    st_tree_free(c->tree);
    st_domain_free(c->dom);
    if (c->lock >= 0)
        close(c->lock);
    st_store_free(c->store);
}
#define CLEANUP_CTX ST_CLEANUP(ctx_clear)

enum {
    CTX_LOCK = 1 << 0,          /* the call changes the domain */
    CTX_SUMMARY = 1 << 1,       /* names, parents, states: enough for lists */
};

/* Fill @c for @dom; false with the last error set. */
static bool
ctx_open(const struct strata_domain *dom, unsigned how, unsigned flags, struct ctx *c)
{
    struct st_error *err = NULL;

    c->lock = -1;
    if (!(c->store = st_api_store_for(dom, &err)) ||
        ((how & CTX_LOCK) && (c->lock = st_api_lock(c->store, dom, flags, &err)) < 0) ||
        !(c->dom = st_store_domain_load(c->store, dom->name, &err)) ||
        !(c->tree = st_store_tree_load(c->store, dom->name,
                                       how & CTX_SUMMARY ? ST_STORE_TREE_SUMMARY : 0, NULL,
                                       NULL, &err))) {
        st_api_fail(err);
        return false;
    }
    return true;
}

/* The node of @name, or NULL with ST_E_NOT_FOUND (the CLI's words). */
static struct st_tree_node *
find(const struct ctx *c, const char *name)
{
    struct st_tree_node *n = st_tree_find(c->tree, name);
    struct st_error *err = NULL;

    if (n)
        return n;
    st_error_set(&err, ST_E_NOT_FOUND, "domain '%s' has no snapshot named '%s'", c->dom->name,
                 name);
    st_error_hint(&err, "strata_snapshot_list_names() gives its snapshots");
    return st_api_fail(err);
}

static const unsigned create_flags =
    STRATA_SNAPSHOT_CREATE_REDEFINE | STRATA_SNAPSHOT_CREATE_CURRENT |
    STRATA_SNAPSHOT_CREATE_NO_METADATA | STRATA_SNAPSHOT_CREATE_REUSE_EXTERNAL |
    STRATA_SNAPSHOT_CREATE_DISK_ONLY | STRATA_SNAPSHOT_CREATE_ATOMIC | STRATA_NO_WAIT;

static strata_snapshot *
redefine(strata_domain *dom, const char *xml, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_CTX struct ctx c = { .lock = -1 };
    CLEANUP_SNAPSHOT struct st_snapshot *snap = NULL;

    if (!xml || !*xml)
        return st_api_invalid("strata_snapshot_create_xml", "REDEFINE needs the snapshot XML");
    if (flags & (STRATA_SNAPSHOT_CREATE_NO_METADATA | STRATA_SNAPSHOT_CREATE_REUSE_EXTERNAL))
        return st_api_invalid("strata_snapshot_create_xml",
                           "REDEFINE imports metadata: NO_METADATA and REUSE_EXTERNAL do not apply");
    if (!(snap = st_snapshot_parse(xml, strlen(xml), "snapshot XML", ST_SNAPSHOT_PARSE_REDEFINE,
                                   &err)))
        return st_api_fail(err);
    if (!ctx_open(dom, CTX_LOCK, flags, &c))
        return NULL;
    if (!st_op_redefine(c.store, c.dom, c.tree, snap, flags & STRATA_SNAPSHOT_CREATE_CURRENT,
                        &err))
        return st_api_fail(err);
    return st_api_snapshot_new(dom, snap->name);
}

strata_snapshot *
strata_snapshot_create_xml(strata_domain *dom, const char *xml, unsigned flags)
{
    static const char empty[] = "<domainsnapshot/>";
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;
    CLEANUP_SNAPSHOT struct st_snapshot *req = NULL;
    struct st_create_result res = { 0 };
    struct st_create_opts o = {
        .no_metadata = flags & STRATA_SNAPSHOT_CREATE_NO_METADATA,
        .reuse_external = flags & STRATA_SNAPSHOT_CREATE_REUSE_EXTERNAL,
    };
    strata_snapshot *snap;

    if (!st_api_check_domain(__func__, dom) || !st_api_check_flags(__func__, flags, create_flags))
        return NULL;
    if (flags & STRATA_SNAPSHOT_CREATE_REDEFINE)
        return redefine(dom, xml, flags);
    if (flags & STRATA_SNAPSHOT_CREATE_CURRENT)
        return st_api_invalid(__func__, "CURRENT needs REDEFINE");
    if (!xml || !*xml)
        xml = empty;
    o.run_dir = dom->conn->run_dir;
    if (!(req = st_snapshot_parse(xml, strlen(xml), "snapshot XML", 0, &err)) ||
        !(store = st_api_store_for(dom, &err)) || (lock = st_api_lock(store, dom, flags, &err)) < 0 ||
        !st_op_create(store, dom->name, req, &o, &res, &err))
        return st_api_fail(err);
    snap = st_api_snapshot_new(dom, res.name);
    st_create_result_clear(&res);
    return snap;
}

strata_snapshot *
strata_snapshot_create_as(strata_domain *dom, const char *name, const char *description,
                          const strata_diskspec *specs, size_t nspecs, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_FREE struct st_diskspec *ds = NULL;
    CLEANUP_FREE char *xml = NULL;
    static const unsigned as_flags = STRATA_SNAPSHOT_CREATE_NO_METADATA |
        STRATA_SNAPSHOT_CREATE_REUSE_EXTERNAL | STRATA_SNAPSHOT_CREATE_DISK_ONLY |
        STRATA_SNAPSHOT_CREATE_ATOMIC | STRATA_NO_WAIT;

    if (!st_api_check_domain(__func__, dom) || !st_api_check_flags(__func__, flags, as_flags))
        return NULL;
    if (nspecs && !specs)
        return st_api_invalid(__func__, "specs is NULL with nspecs %zu", nspecs);
    if (name && !st_name_check("snapshot", name, &err))
        return st_api_fail(err);
    ds = st_xcalloc(nspecs ? nspecs : 1, sizeof *ds);
    for (size_t i = 0; i < nspecs; i++) {
        if (!specs[i].dev || !*specs[i].dev)
            return st_api_invalid(__func__, "specs[%zu].dev is NULL or empty", i);
        if (specs[i].exclude && specs[i].file)
            return st_api_invalid(__func__, "specs[%zu] (%s): an excluded disk takes no file",
                                  i, specs[i].dev);
        /* Borrowed: st_diskspec_xml() only reads them. */
        ds[i].dev = (char *) specs[i].dev;
        ds[i].snapshot = specs[i].exclude ? (char *) "no" : (char *) "external";
        ds[i].file = (char *) specs[i].file;
    }
    xml = st_diskspec_xml(name, description, ds, nspecs);
    return strata_snapshot_create_xml(dom, xml, flags);
}

strata_snapshot *
strata_snapshot_lookup(strata_domain *dom, const char *name)
{
    struct st_error *err = NULL;
    CLEANUP_CTX struct ctx c = { .lock = -1 };

    if (!st_api_check_domain(__func__, dom) || !st_api_check_string(__func__, "the name", name))
        return NULL;
    if (!st_name_check("snapshot", name, &err))
        return st_api_fail(err);
    if (!ctx_open(dom, CTX_SUMMARY, 0, &c) || !find(&c, name))
        return NULL;
    return st_api_snapshot_new(dom, name);
}

strata_snapshot *
strata_snapshot_current(strata_domain *dom)
{
    struct st_error *err = NULL;
    CLEANUP_CTX struct ctx c = { .lock = -1 };

    if (!st_api_check_domain(__func__, dom) || !ctx_open(dom, CTX_SUMMARY, 0, &c))
        return NULL;
    if (!c.tree->current) {
        st_error_set(&err, ST_E_NOT_FOUND, "domain '%s' has no current snapshot", dom->name);
        return st_api_fail(err);
    }
    return st_api_snapshot_new(dom, c.tree->current->snap->name);
}

strata_snapshot *
strata_snapshot_get_parent(strata_snapshot *snap)
{
    struct st_error *err = NULL;
    CLEANUP_CTX struct ctx c = { .lock = -1 };
    struct st_tree_node *n;

    if (!st_api_check_snapshot(__func__, snap) || !ctx_open(snap->dom, CTX_SUMMARY, 0, &c) ||
        !(n = find(&c, snap->name)))
        return NULL;
    if (!n->parent) {
        st_error_set(&err, ST_E_NOT_FOUND, "snapshot '%s' of domain '%s' has no parent",
                     snap->name, snap->dom->name);
        return st_api_fail(err);
    }
    return st_api_snapshot_new(snap->dom, n->parent->snap->name);
}

const char *
strata_snapshot_get_name(const strata_snapshot *snap)
{
    return st_api_check_snapshot(__func__, snap) ? snap->name : NULL;
}

strata_domain *
strata_snapshot_get_domain(const strata_snapshot *snap)
{
    return st_api_check_snapshot(__func__, snap) ? snap->dom : NULL;
}

char *
strata_snapshot_get_xml(strata_snapshot *snap, unsigned flags)
{
    CLEANUP_CTX struct ctx c = { .lock = -1 };
    struct st_tree_node *n;

    if (!st_api_check_snapshot(__func__, snap) || !st_api_check_flags(__func__, flags, 0) ||
        !ctx_open(snap->dom, 0, 0, &c) || !(n = find(&c, snap->name)))
        return NULL;
    return st_snapshot_format(n->snap, 0);
}

int
strata_snapshot_set_current(strata_snapshot *snap, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_CTX struct ctx c = { .lock = -1 };
    struct st_tree_node *n;

    if (!st_api_check_snapshot(__func__, snap) || !st_api_check_flags(__func__, flags, STRATA_NO_WAIT) ||
        !ctx_open(snap->dom, CTX_LOCK, flags, &c) || !(n = find(&c, snap->name)))
        return -1;
    if (!st_store_set_current(c.store, c.dom->name, c.tree, n, &err))
        return st_api_fail_int(err);
    return 0;
}

static const unsigned edit_flags =
    STRATA_SNAPSHOT_EDIT_RENAME | STRATA_SNAPSHOT_EDIT_CLONE | STRATA_NO_WAIT;

strata_snapshot *
strata_snapshot_edit(strata_snapshot *snap, const char *xml, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_CTX struct ctx c = { .lock = -1 };
    CLEANUP_SNAPSHOT struct st_snapshot *def = NULL;
    struct st_tree_node *old;
    enum st_edit_mode mode = flags & STRATA_SNAPSHOT_EDIT_RENAME ? ST_EDIT_RENAME
                           : flags & STRATA_SNAPSHOT_EDIT_CLONE ? ST_EDIT_CLONE
                                                                 : ST_EDIT_SAME;

    if (!st_api_check_snapshot(__func__, snap) || !st_api_check_flags(__func__, flags, edit_flags) ||
        !st_api_check_string(__func__, "the XML", xml))
        return NULL;
    if ((flags & STRATA_SNAPSHOT_EDIT_RENAME) && (flags & STRATA_SNAPSHOT_EDIT_CLONE))
        return st_api_invalid(__func__, "RENAME and CLONE are mutually exclusive");
    if (!(def = st_snapshot_parse(xml, strlen(xml), "snapshot XML", ST_SNAPSHOT_PARSE_REDEFINE,
                                  &err)))
        return st_api_fail(err);
    if (!ctx_open(snap->dom, CTX_LOCK, flags, &c) || !(old = find(&c, snap->name)))
        return NULL;
    if (!st_op_edit(c.store, c.dom, c.tree, old, def, mode, &err))
        return st_api_fail(err);
    return st_api_snapshot_new(snap->dom, def->name);
}

/* ---- lists ---------------------------------------------------------- */

static const unsigned list_flags =
    STRATA_LIST_ROOTS | STRATA_LIST_LEAVES | STRATA_LIST_NO_LEAVES | STRATA_LIST_METADATA |
    STRATA_LIST_NO_METADATA | STRATA_LIST_EXTERNAL | STRATA_LIST_INTERNAL |
    STRATA_LIST_DISK_ONLY | STRATA_LIST_INACTIVE | STRATA_LIST_ACTIVE;

static bool
passes(const struct st_tree_node *n, unsigned flags)
{
    const struct st_tree_filter f = {
        .leaves = flags & STRATA_LIST_LEAVES, .no_leaves = flags & STRATA_LIST_NO_LEAVES,
        .metadata = flags & STRATA_LIST_METADATA, .no_metadata = flags & STRATA_LIST_NO_METADATA,
        .external = flags & STRATA_LIST_EXTERNAL, .internal = flags & STRATA_LIST_INTERNAL,
        .disk_only = flags & STRATA_LIST_DISK_ONLY, .inactive = flags & STRATA_LIST_INACTIVE,
        .active = flags & STRATA_LIST_ACTIVE,
    };

    if ((flags & STRATA_LIST_ROOTS) && n->parent)
        return false;
    return st_tree_filter_match(&f, n);
}

/* The names of @in's nodes (tree order, virsh's) that pass @flags into
 * *@names (when not NULL); returns how many. */
static int
collect(const struct st_tree *tree, const bool *in, unsigned flags, char ***names)
{
    char **out = NULL;
    int count = 0;

    for (size_t i = 0; i < tree->n; i++) {
        if ((in && !in[i]) || !passes(tree->nodes[i], flags))
            continue;
        if (names)
            st_strv_add(&out, tree->nodes[i]->snap->name);
        count++;
    }
    if (names)
        *names = out ? out : st_xcalloc(1, sizeof *out);
    return count;
}

int
strata_snapshot_num(strata_domain *dom, unsigned flags)
{
    CLEANUP_CTX struct ctx c = { .lock = -1 };

    if (!st_api_check_domain(__func__, dom) || !st_api_check_flags(__func__, flags, list_flags) ||
        !ctx_open(dom, CTX_SUMMARY, 0, &c))
        return -1;
    return collect(c.tree, NULL, flags, NULL);
}

int
strata_snapshot_list_names(strata_domain *dom, char ***names, unsigned flags)
{
    CLEANUP_CTX struct ctx c = { .lock = -1 };

    if (!st_api_check_domain(__func__, dom) || !st_api_check_flags(__func__, flags, list_flags))
        return -1;
    if (!names)
        return st_api_invalid_int(__func__, "names is NULL");
    *names = NULL;
    if (!ctx_open(dom, CTX_SUMMARY, 0, &c))
        return -1;
    return collect(c.tree, NULL, flags, names);
}

int
strata_snapshot_list_children_names(strata_snapshot *snap, char ***names, unsigned flags)
{
    CLEANUP_CTX struct ctx c = { .lock = -1 };
    CLEANUP_FREE bool *in = NULL;
    CLEANUP_FREE struct st_tree_node **desc = NULL;
    struct st_tree_node *n;
    size_t ndesc = 0;

    if (!st_api_check_snapshot(__func__, snap) ||
        !st_api_check_flags(__func__, flags, (list_flags & ~STRATA_LIST_ROOTS) |
                         STRATA_LIST_DESCENDANTS))
        return -1;
    if (!names)
        return st_api_invalid_int(__func__, "names is NULL");
    *names = NULL;
    if (!ctx_open(snap->dom, CTX_SUMMARY, 0, &c) || !(n = find(&c, snap->name)))
        return -1;
    in = st_xcalloc(c.tree->n + 1, sizeof *in);
    if (flags & STRATA_LIST_DESCENDANTS) {
        st_tree_descendants(n, &desc, &ndesc);
        for (size_t i = 0; i < ndesc; i++)
            in[desc[i]->index] = true;
    } else {
        for (size_t i = 0; i < n->nchildren; i++)
            in[n->children[i]->index] = true;
    }
    return collect(c.tree, in, flags & ~STRATA_LIST_DESCENDANTS, names);
}

/* ---- revert ---------------------------------------------------------- */

int
strata_snapshot_revert(strata_snapshot *snap, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;
    struct st_revert_result res = { 0 };
    struct st_revert_opts o = { .force = flags & STRATA_REVERT_FORCE };
    unsigned current = flags & (STRATA_REVERT_CHECK_CURRENT | STRATA_REVERT_DISCARD_CURRENT |
                                STRATA_REVERT_KEEP_CURRENT);

    if (!st_api_check_snapshot(__func__, snap) ||
        !st_api_check_flags(__func__, flags, STRATA_REVERT_FORCE | STRATA_REVERT_CHECK_CURRENT |
                            STRATA_REVERT_DISCARD_CURRENT | STRATA_REVERT_KEEP_CURRENT |
                            STRATA_NO_WAIT))
        return -1;
    if (current & (current - 1))
        return st_api_invalid_int(__func__, "CHECK_CURRENT, DISCARD_CURRENT and KEEP_CURRENT "
                                  "exclude each other");
    o.current = current == STRATA_REVERT_CHECK_CURRENT ? ST_REVERT_CURRENT_ASK
              : current == STRATA_REVERT_DISCARD_CURRENT ? ST_REVERT_CURRENT_DISCARD
              : current == STRATA_REVERT_KEEP_CURRENT ? ST_REVERT_CURRENT_KEEP
                                                      : ST_REVERT_CURRENT_LEAVE;
    o.run_dir = snap->dom->conn->run_dir;
    if (!(store = st_api_store_for(snap->dom, &err)) ||
        (lock = st_api_lock(store, snap->dom, flags, &err)) < 0 ||
        !st_op_revert(store, snap->dom->name, snap->name, &o, &res, &err))
        return st_api_fail_int(err);
    st_revert_result_clear(&res);
    return 0;
}

/* ---- info ------------------------------------------------------------ */

/* The public struct first, so that the struct's address is the block's;
 * the strings it points to are the block's own. */
struct info_block {
    strata_snapshot_info info;
    char *name, *domain, *parent, *description;
};

strata_snapshot_info *
strata_snapshot_get_info(strata_snapshot *snap, unsigned flags)
{
    CLEANUP_CTX struct ctx c = { .lock = -1 };
    const struct st_tree_node *n;
    const struct st_snapshot *s;
    struct info_block *b;
    const char *state;

    if (!st_api_check_snapshot(__func__, snap) || !st_api_check_flags(__func__, flags, 0) ||
        !ctx_open(snap->dom, CTX_SUMMARY, 0, &c) || !(n = find(&c, snap->name)))
        return NULL;
    s = n->snap;
    state = st_snapshot_state_name(s->state);
    b = st_xcalloc(1, sizeof *b);
    b->name = st_xstrdup(s->name);
    b->domain = st_xstrdup(c.dom->name);
    b->parent = st_xstrdup_or_null(n->parent ? n->parent->snap->name : s->parent);
    b->description = st_xstrdup_or_null(s->description);
    b->info = (strata_snapshot_info) {
        .name = b->name, .domain = b->domain, .parent = b->parent,
        .description = b->description, .state = state ? state : "nostate",
        .has_creation_time = s->has_creation_time, .creation_time = s->creation_time,
        .current = s->current, .external = st_snapshot_is_external(s),
        .children = n->nchildren, .descendants = st_tree_count_descendants(n),
    };
    return &b->info;
}

void
strata_snapshot_info_free(strata_snapshot_info *info)
{
    struct info_block *b = (struct info_block *) info;

    if (!b)
        return;
    free(b->name);
    free(b->domain);
    free(b->parent);
    free(b->description);
    free(b);
}
