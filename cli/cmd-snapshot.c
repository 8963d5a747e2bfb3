/* cli/cmd-snapshot.c: the snapshot metadata commands of virsh:
 * snapshot-create --redefine, -list, -info, -dumpxml, -parent,
 * -current, -edit and -delete --metadata.  Output shapes follow virsh
 * 9.0 (see /work/shared/virsh-samples.txt). */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/json.h"
#include "common/log.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "xml/snapshot.h"
#include "xml/xml.h"
#include "ops/op-define.h"
#include "store/store.h"
#include "store/tree.h"
#include "cli/commands.h"
#include "cli/table.h"

/* Every option of the group; each command allows a subset. */
enum {
    O_NO_WAIT, O_REDEFINE, O_CURRENT, O_PARENT, O_ROOTS, O_TREE, O_NAME, O_FROM,
    O_DESCENDANTS, O_LEAVES, O_NO_LEAVES, O_METADATA, O_NO_METADATA, O_EXTERNAL,
    O_INTERNAL, O_DISK_ONLY, O_INACTIVE, O_ACTIVE, O_TOPOLOGICAL, O_CHILDREN,
    O_CHILDREN_ONLY, O_RENAME, O_CLONE, O__LAST
};

static const struct option snap_opts[] = {
    { "help", no_argument, NULL, 'h' },
    { "no-wait", no_argument, NULL, 256 + O_NO_WAIT },
    { "redefine", no_argument, NULL, 256 + O_REDEFINE },
    { "current", no_argument, NULL, 256 + O_CURRENT },
    { "parent", no_argument, NULL, 256 + O_PARENT },
    { "roots", no_argument, NULL, 256 + O_ROOTS },
    { "tree", no_argument, NULL, 256 + O_TREE },
    { "name", no_argument, NULL, 256 + O_NAME },
    { "from", required_argument, NULL, 256 + O_FROM },
    { "descendants", no_argument, NULL, 256 + O_DESCENDANTS },
    { "leaves", no_argument, NULL, 256 + O_LEAVES },
    { "no-leaves", no_argument, NULL, 256 + O_NO_LEAVES },
    { "metadata", no_argument, NULL, 256 + O_METADATA },
    { "no-metadata", no_argument, NULL, 256 + O_NO_METADATA },
    { "external", no_argument, NULL, 256 + O_EXTERNAL },
    { "internal", no_argument, NULL, 256 + O_INTERNAL },
    { "disk-only", no_argument, NULL, 256 + O_DISK_ONLY },
    { "inactive", no_argument, NULL, 256 + O_INACTIVE },
    { "active", no_argument, NULL, 256 + O_ACTIVE },
    { "topological", no_argument, NULL, 256 + O_TOPOLOGICAL },
    { "children", no_argument, NULL, 256 + O_CHILDREN },
    { "children-only", no_argument, NULL, 256 + O_CHILDREN_ONLY },
    { "rename", no_argument, NULL, 256 + O_RENAME },
    { "clone", no_argument, NULL, 256 + O_CLONE },
    { NULL, 0, NULL, 0 },
};

struct snap_args {
    bool on[O__LAST];
    const char *from;
    const char *args[3];
    int nargs;
};

#define BIT(o) (1u << (o))

/* Returns 0 to go on, 1 after --help, -1 on a usage error. */
static int
parse_args(struct cli *cli, int argc, char **argv, unsigned allow, int min_args,
           int max_args, struct snap_args *a, struct st_error **errp)
{
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", snap_opts, NULL)) != -1) {
        if (c == 'h') {
            cli_command_help(cli);
            return 1;
        }
        if (c < 256 || !(allow & BIT(c - 256)))
            return cli_usage(cli, errp, "unknown option '%s'", argv[optind - 1]);
        a->on[c - 256] = true;
        if (c - 256 == O_FROM)
            a->from = optarg;
    }
    for (; optind < argc; optind++) {
        if (a->nargs == max_args)
            return cli_usage(cli, errp, "unexpected argument '%s'", argv[optind]);
        a->args[a->nargs++] = argv[optind];
    }
    if (a->nargs < min_args)
        return cli_usage(cli, errp, "missing argument");
    return 0;
}

/* What a snapshot command works on: the domain, its tree, the lock. */
struct ctx {
    struct st_store *store;
    struct st_domain *dom;
    struct st_tree *tree;
    int lock;
};

static void
ctx_clear(struct ctx *c)
{
    st_tree_free(c->tree);
    st_domain_free(c->dom);
    st_store_free(c->store);
    if (c->lock >= 0)
        close(c->lock);
}
#define CLEANUP_CTX ST_CLEANUP(ctx_clear)

static bool
ctx_open_flags(struct cli *cli, const char *dom, bool lock, bool wait, unsigned flags,
               struct ctx *c, struct st_error **errp)
{
    if (!(c->store = st_store_open(cli->state_dir, false, errp)))
        return false;
    if (!st_store_domain_require(c->store, dom, errp))
        return false;
    if (lock && (c->lock = st_store_lock(c->store, dom, wait, errp)) < 0)
        return false;
    if (!(c->dom = st_store_domain_load(c->store, dom, errp)))
        return false;
    c->tree = st_store_tree_load(c->store, dom, flags, st_store_warn_log, NULL, errp);
    return c->tree != NULL;
}

static bool
ctx_open(struct cli *cli, const char *dom, bool lock, bool wait, struct ctx *c,
         struct st_error **errp)
{
    return ctx_open_flags(cli, dom, lock, wait, 0, c, errp);
}

static struct st_tree_node *
find_snap(const struct ctx *c, const char *name, struct st_error **errp)
{
    struct st_tree_node *n = st_tree_find(c->tree, name);

    if (!n) {
        st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' has no snapshot named '%s'",
                     c->dom->name, name);
        st_error_hint(errp, "'strata snapshot-list %s' shows its snapshots", c->dom->name);
    }
    return n;
}

static struct st_tree_node *
current_snap(const struct ctx *c, struct st_error **errp)
{
    if (!c->tree->current)
        st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' has no current snapshot",
                     c->dom->name);
    return c->tree->current;
}

/* {S | --current}: the snapshot named by argument @i or --current. */
static struct st_tree_node *
target_snap(struct cli *cli, const struct ctx *c, const struct snap_args *a, int i,
            struct st_error **errp)
{
    if (a->nargs > i && a->on[O_CURRENT]) {
        cli_usage(cli, errp, "give a snapshot name or --current, not both");
        return NULL;
    }
    if (a->nargs > i)
        return find_snap(c, a->args[i], errp);
    if (a->on[O_CURRENT])
        return current_snap(c, errp);
    cli_usage(cli, errp, "missing snapshot name (or --current)");
    return NULL;
}

static char *
format_time(const struct st_snapshot *s)
{
    char buf[64];
    time_t t = (time_t) s->creation_time;
    struct tm tm;

    if (!s->has_creation_time || !localtime_r(&t, &tm) ||
        !strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %z", &tm))
        return st_xstrdup("");
    return st_xstrdup(buf);
}

static const char *
state_text(const struct st_snapshot *s)
{
    const char *n = st_snapshot_state_name(s->state);

    return n ? n : "nostate";
}

static struct json_object *
snap_json(const struct st_tree_node *n)
{
    const struct st_snapshot *s = n->snap;
    struct json_object *o = json_object_new_object();

    json_object_object_add(o, "name", json_object_new_string(s->name));
    json_object_object_add(o, "creation-time",
                           s->has_creation_time ? json_object_new_int64(s->creation_time)
                                                : NULL);
    json_object_object_add(o, "state", json_object_new_string(state_text(s)));
    json_object_object_add(o, "parent", st_json_string_or_null(n->parent ? n->parent->snap->name
                                                                         : s->parent));
    json_object_object_add(o, "current", json_object_new_boolean(s->current));
    json_object_object_add(o, "location", json_object_new_string(st_snapshot_is_external(s)
                                                                 ? "external" : "internal"));
    json_object_object_add(o, "children", json_object_new_int64((int64_t) n->nchildren));
    return o;
}

/* ---- snapshot-create --redefine ---------------------------------- */

int
cmd_snapshot_create(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct snap_args a = { 0 };
    CLEANUP_CTX struct ctx c = { .lock = -1 };
    CLEANUP_SNAPSHOT struct st_snapshot *snap = NULL;
    int r;

    /* Without --redefine it takes a real snapshot (cmd-snapshot-create.c). */
    if (!st_strv_contains(argv + 1, "--redefine"))
        return cmd_snapshot_create_new(cli, argc, argv, errp);
    r = parse_args(cli, argc, argv, BIT(O_REDEFINE) | BIT(O_CURRENT) | BIT(O_NO_WAIT), 1, 2, &a,
                   errp);
    if (r)
        return r < 0 ? -1 : 0;
    if (a.nargs < 2)
        return cli_usage(cli, errp, "--redefine needs the snapshot XML FILE");
    if (a.on[O_CURRENT] && !a.on[O_REDEFINE])
        return cli_usage(cli, errp, "--current needs --redefine");
    if (!(snap = st_snapshot_load(a.args[1], ST_SNAPSHOT_PARSE_REDEFINE, errp)))
        return -1;
    if (!ctx_open(cli, a.args[0], true, !a.on[O_NO_WAIT], &c, errp))
        return -1;
    if (!st_op_redefine(c.store, c.dom, c.tree, snap, a.on[O_CURRENT], errp))
        return -1;
    {
        struct json_object *j = json_object_new_object();

        json_object_object_add(j, "name", json_object_new_string(snap->name));
        json_object_object_add(j, "current", json_object_new_boolean(snap->current));
        cli_set_result(cli, j);
    }
    fprintf(cli->out, "Domain snapshot %s created from '%s'\n", snap->name, a.args[1]);
    return 0;
}

/* ---- snapshot-list ------------------------------------------------- */

static bool
matches(const struct snap_args *a, const struct st_tree_node *n)
{
    const struct st_tree_filter f = {
        .leaves = a->on[O_LEAVES], .no_leaves = a->on[O_NO_LEAVES],
        .metadata = a->on[O_METADATA], .no_metadata = a->on[O_NO_METADATA],
        .external = a->on[O_EXTERNAL], .internal = a->on[O_INTERNAL],
        .disk_only = a->on[O_DISK_ONLY], .inactive = a->on[O_INACTIVE],
        .active = a->on[O_ACTIVE],
    };

    return st_tree_filter_match(&f, n);
}

/* virsh's tree drawing (vshTreePrint): "|" under a node with children,
 * "+- " before each child, a blank line after the last leaf. */
static void
print_tree(FILE *fp, const struct st_tree_node *n, const bool *in, bool root, bool last,
           char **indent, size_t *len, size_t *cap)
{
    const struct st_tree_node *lastchild = NULL;

    fprintf(fp, "%.*s%s%s\n", (int) *len, *indent, root ? "" : "+- ", n->snap->name);
    if (*len + 8 > *cap) {
        *cap = (*cap + 8) * 2;
        *indent = st_xrealloc(*indent, *cap);
    }
    if (!root) {
        (*indent)[(*len)++] = last ? ' ' : '|';
        (*indent)[(*len)++] = ' ';
    }
    for (size_t i = 0; i < n->nchildren; i++)
        if (in[n->children[i]->index])
            lastchild = n->children[i];
    if (lastchild)
        fprintf(fp, "%.*s  |\n", (int) *len, *indent);
    (*indent)[(*len)++] = ' ';
    (*indent)[(*len)++] = ' ';
    for (size_t i = 0; i < n->nchildren; i++)
        if (in[n->children[i]->index])
            print_tree(fp, n->children[i], in, false, n->children[i] == lastchild, indent, len,
                       cap);
    *len -= 2;
    if (!lastchild && last)
        fprintf(fp, "%.*s\n", (int) *len, *indent);
    if (!root)
        *len -= 2;
}

/* The order rows are printed in: by name as virsh sorts them, or with
 * --topological every parent before its children (libvirt's order is a
 * depth-first walk too; siblings come here by name, as the tree keeps
 * them, where libvirt's depend on the order it loaded its files).
 * @order gets tree->n node indices (owned). */
static size_t *
list_order(const struct st_tree *tree, bool topological)
{
    size_t *order = st_xmalloc((tree->n + 1) * sizeof *order);
    size_t k = 0;

    if (!topological) {
        for (size_t i = 0; i < tree->n; i++)
            order[i] = i;
        return order;
    }
    for (size_t r = 0; r < tree->nroots; r++) {
        CLEANUP_FREE struct st_tree_node **desc = NULL;
        size_t ndesc;

        order[k++] = tree->roots[r]->index;
        st_tree_descendants(tree->roots[r], &desc, &ndesc);
        for (size_t i = 0; i < ndesc; i++)
            order[k++] = desc[i]->index;
    }
    assert(k == tree->n);      /* a loop is refused when the tree is loaded */
    return order;
}

int
cmd_snapshot_list(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    const unsigned allow = BIT(O_PARENT) | BIT(O_ROOTS) | BIT(O_TREE) | BIT(O_NAME) |
        BIT(O_FROM) | BIT(O_CURRENT) | BIT(O_DESCENDANTS) | BIT(O_LEAVES) | BIT(O_NO_LEAVES) |
        BIT(O_METADATA) | BIT(O_NO_METADATA) | BIT(O_EXTERNAL) | BIT(O_INTERNAL) |
        BIT(O_DISK_ONLY) | BIT(O_INACTIVE) | BIT(O_ACTIVE) | BIT(O_TOPOLOGICAL);
    struct snap_args a = { 0 };
    CLEANUP_CTX struct ctx c = { .lock = -1 };
    CLEANUP_FREE bool *in = NULL;
    CLEANUP_FREE size_t *order = NULL;
    CLEANUP_FREE struct st_tree_node **cand = NULL;
    struct st_tree_node *from = NULL;
    size_t ncand = 0;
    struct json_object *arr;
    int r = parse_args(cli, argc, argv, allow, 1, 1, &a, errp);

    if (r)
        return r < 0 ? -1 : 0;
    /* The same combinations virsh refuses. */
    if (a.on[O_TREE]) {
        static const int no_tree[] = { O_PARENT, O_ROOTS, O_NAME, O_LEAVES, O_NO_LEAVES,
                                       O_EXTERNAL, O_INTERNAL, O_DISK_ONLY, O_INACTIVE,
                                       O_ACTIVE, O_NO_METADATA };

        for (size_t i = 0; i < ST_ARRAY_SIZE(no_tree); i++)
            if (a.on[no_tree[i]])
                return cli_usage(cli, errp, "--%s and --tree are mutually exclusive",
                                 snap_opts[no_tree[i] + 1].name);
    }
    if (a.on[O_PARENT] && a.on[O_ROOTS])
        return cli_usage(cli, errp, "--parent and --roots are mutually exclusive");
    if (a.on[O_FROM] && a.on[O_CURRENT])
        return cli_usage(cli, errp, "--from and --current are mutually exclusive");
    if (a.on[O_ROOTS] && (a.on[O_FROM] || a.on[O_CURRENT]))
        return cli_usage(cli, errp, "--roots and --%s are mutually exclusive",
                         a.on[O_FROM] ? "from" : "current");
    if (a.on[O_DESCENDANTS] && !(a.on[O_FROM] || a.on[O_CURRENT]))
        return cli_usage(cli, errp, "--descendants requires either --from or --current");
    /* Listing reads every file: only the summary is kept. */
    if (!ctx_open_flags(cli, a.args[0], false, true, ST_STORE_TREE_SUMMARY, &c, errp))
        return -1;
    if (a.on[O_FROM] && !(from = find_snap(&c, a.from, errp)))
        return -1;
    if (a.on[O_CURRENT] && !(from = current_snap(&c, errp)))
        return -1;

    /* The candidates, in virsh's order. */
    if (from) {
        /* As virsh: children only, unless --descendants; --tree adds
         * the starting snapshot as the root of the drawing. */
        if (a.on[O_DESCENDANTS]) {
            st_tree_descendants(from, &cand, &ncand);
        } else {
            cand = st_xmalloc((from->nchildren + 1) * sizeof *cand);
            memcpy(cand, from->children, from->nchildren * sizeof *cand);
            ncand = from->nchildren;
        }
        if (a.on[O_TREE]) {
            cand = st_xreallocarray(cand, ncand + 1, sizeof *cand);
            cand[ncand++] = from;
        }
    } else if (a.on[O_ROOTS]) {
        cand = st_xmalloc((c.tree->nroots + 1) * sizeof *cand);
        memcpy(cand, c.tree->roots, c.tree->nroots * sizeof *cand);
        ncand = c.tree->nroots;
    } else {
        cand = st_xmalloc((c.tree->n + 1) * sizeof *cand);
        memcpy(cand, c.tree->nodes, c.tree->n * sizeof *cand);
        ncand = c.tree->n;
    }
    in = st_xcalloc(c.tree->n + 1, sizeof *in);
    for (size_t i = 0; i < ncand; i++)
        if (matches(&a, cand[i]))
            in[cand[i]->index] = true;

    order = list_order(c.tree, a.on[O_TOPOLOGICAL]);
    arr = json_object_new_array();
    if (a.on[O_TREE]) {
        CLEANUP_FREE char *indent = NULL;
        size_t len = 0, cap = 0;

        for (size_t i = 0; i < c.tree->n; i++) {
            struct st_tree_node *n = c.tree->nodes[i];

            if (in[i] && !(n->parent && in[n->parent->index]))
                print_tree(cli->out, n, in, true, true, &indent, &len, &cap);
        }
        fputc('\n', cli->out);
    } else if (a.on[O_NAME]) {
        for (size_t k = 0; k < c.tree->n; k++)
            if (in[order[k]])
                fprintf(cli->out, "%s\n", c.tree->nodes[order[k]]->snap->name);
        fputc('\n', cli->out);
    } else {
        struct cli_table *t = a.on[O_PARENT]
            ? cli_table_new(4, "Name", "Creation Time", "State", "Parent")
            : cli_table_new(3, "Name", "Creation Time", "State");

        for (size_t k = 0; k < c.tree->n; k++) {
            struct st_tree_node *n = c.tree->nodes[order[k]];
            CLEANUP_FREE char *time = NULL;

            if (!in[order[k]])
                continue;
            time = format_time(n->snap);
            if (a.on[O_PARENT])
                cli_table_add(t, n->snap->name, time, state_text(n->snap),
                              n->parent ? n->parent->snap->name : "");
            else
                cli_table_add(t, n->snap->name, time, state_text(n->snap));
        }
        cli_table_print(t, cli->out);
        fputc('\n', cli->out);
        cli_table_free(t);
    }
    if (cli->json) {
        struct json_object *j = json_object_new_object();

        for (size_t k = 0; k < c.tree->n; k++)
            if (in[order[k]])
                json_object_array_add(arr, snap_json(c.tree->nodes[order[k]]));
        json_object_object_add(j, "domain", json_object_new_string(c.dom->name));
        json_object_object_add(j, "snapshots", arr);
        cli_set_result(cli, j);
    } else {
        json_object_put(arr);
    }
    return 0;
}

/* ---- snapshot-info, -dumpxml, -parent, -current ------------------ */

int
cmd_snapshot_info(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct snap_args a = { 0 };
    CLEANUP_CTX struct ctx c = { .lock = -1 };
    struct st_tree_node *n;
    size_t desc;
    int r = parse_args(cli, argc, argv, BIT(O_CURRENT), 1, 2, &a, errp);

    if (r)
        return r < 0 ? -1 : 0;
    if (!ctx_open(cli, a.args[0], false, true, &c, errp) ||
        !(n = target_snap(cli, &c, &a, 1, errp)))
        return -1;
    desc = st_tree_count_descendants(n);
    fprintf(cli->out, "%-15s %s\n", "Name:", n->snap->name);
    fprintf(cli->out, "%-15s %s\n", "Domain:", c.dom->name);
    fprintf(cli->out, "%-15s %s\n", "Current:", n->snap->current ? "yes" : "no");
    fprintf(cli->out, "%-15s %s\n", "State:", state_text(n->snap));
    fprintf(cli->out, "%-15s %s\n", "Location:",
            st_snapshot_is_external(n->snap) ? "external" : "internal");
    fprintf(cli->out, "%-15s %s\n", "Parent:", n->parent ? n->parent->snap->name : "-");
    fprintf(cli->out, "%-15s %zu\n", "Children:", n->nchildren);
    fprintf(cli->out, "%-15s %zu\n", "Descendants:", desc);
    fprintf(cli->out, "%-15s %s\n\n", "Metadata:", "yes");
    {
        struct json_object *j = snap_json(n);

        json_object_object_add(j, "domain", json_object_new_string(c.dom->name));
        json_object_object_add(j, "descendants", json_object_new_int64((int64_t) desc));
        json_object_object_add(j, "metadata", json_object_new_boolean(1));
        cli_set_result(cli, j);
    }
    return 0;
}

static void
result_xml(struct cli *cli, const struct st_snapshot *s)
{
    char *xml = st_snapshot_format(s, 0);
    struct json_object *j = json_object_new_object();

    fprintf(cli->out, "%s\n", xml);
    json_object_object_add(j, "name", json_object_new_string(s->name));
    json_object_object_add(j, "xml", json_object_new_string(xml));
    cli_set_result(cli, j);
    free(xml);
}

int
cmd_snapshot_dumpxml(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct snap_args a = { 0 };
    CLEANUP_CTX struct ctx c = { .lock = -1 };
    struct st_tree_node *n;
    int r = parse_args(cli, argc, argv, 0, 2, 2, &a, errp);

    if (r)
        return r < 0 ? -1 : 0;
    if (!ctx_open(cli, a.args[0], false, true, &c, errp) || !(n = find_snap(&c, a.args[1], errp)))
        return -1;
    result_xml(cli, n->snap);
    return 0;
}

int
cmd_snapshot_parent(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct snap_args a = { 0 };
    CLEANUP_CTX struct ctx c = { .lock = -1 };
    struct st_tree_node *n;
    struct json_object *j;
    int r = parse_args(cli, argc, argv, BIT(O_CURRENT), 1, 2, &a, errp);

    if (r)
        return r < 0 ? -1 : 0;
    if (!ctx_open(cli, a.args[0], false, true, &c, errp) ||
        !(n = target_snap(cli, &c, &a, 1, errp)))
        return -1;
    if (!n->parent) {
        st_error_set(errp, ST_E_NOT_FOUND, "snapshot '%s' has no parent", n->snap->name);
        return -1;
    }
    fprintf(cli->out, "%s\n", n->parent->snap->name);
    j = json_object_new_object();
    json_object_object_add(j, "name", json_object_new_string(n->snap->name));
    json_object_object_add(j, "parent", json_object_new_string(n->parent->snap->name));
    cli_set_result(cli, j);
    return 0;
}

int
cmd_snapshot_current(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct snap_args a = { 0 };
    CLEANUP_CTX struct ctx c = { .lock = -1 };
    struct st_tree_node *n;
    int r = parse_args(cli, argc, argv, BIT(O_NAME) | BIT(O_NO_WAIT), 1, 2, &a, errp);

    if (r)
        return r < 0 ? -1 : 0;
    if (a.nargs == 2) {
        struct json_object *j;

        if (a.on[O_NAME])
            return cli_usage(cli, errp, "--name cannot be used when setting the current snapshot");
        if (!ctx_open(cli, a.args[0], true, !a.on[O_NO_WAIT], &c, errp) ||
            !(n = find_snap(&c, a.args[1], errp)))
            return -1;
        if (!st_store_set_current(c.store, c.dom->name, c.tree, n, errp))
            return -1;
        fprintf(cli->out, "Snapshot %s set as current\n", n->snap->name);
        j = json_object_new_object();
        json_object_object_add(j, "current", json_object_new_string(n->snap->name));
        cli_set_result(cli, j);
        return 0;
    }
    if (!ctx_open(cli, a.args[0], false, true, &c, errp) || !(n = current_snap(&c, errp)))
        return -1;
    if (a.on[O_NAME]) {
        struct json_object *j = json_object_new_object();

        fprintf(cli->out, "%s\n", n->snap->name);
        json_object_object_add(j, "current", json_object_new_string(n->snap->name));
        cli_set_result(cli, j);
        return 0;
    }
    result_xml(cli, n->snap);
    return 0;
}

/* ---- snapshot-delete --metadata ------------------------------------ */

int
cmd_snapshot_delete(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct snap_args a = { 0 };
    CLEANUP_CTX struct ctx c = { .lock = -1 };
    CLEANUP_STRV char **deleted = NULL;
    CLEANUP_FREE char *name = NULL;
    struct st_tree_node *n;
    struct json_object *j, *arr;
    enum st_plan_mode mode;
    bool ok;
    int r = parse_args(cli, argc, argv,
                       BIT(O_CURRENT) | BIT(O_METADATA) | BIT(O_CHILDREN) |
                       BIT(O_CHILDREN_ONLY) | BIT(O_NO_WAIT), 1, 2, &a, errp);

    if (r)
        return r < 0 ? -1 : 0;
    if (a.on[O_CHILDREN] && a.on[O_CHILDREN_ONLY])
        return cli_usage(cli, errp, "--children and --children-only are mutually exclusive");
    mode = a.on[O_CHILDREN] ? ST_PLAN_CHILDREN : a.on[O_CHILDREN_ONLY] ? ST_PLAN_CHILDREN_ONLY
                                                                       : ST_PLAN_ONE;
    if (!ctx_open(cli, a.args[0], true, !a.on[O_NO_WAIT], &c, errp) ||
        !(n = target_snap(cli, &c, &a, 1, errp)))
        return -1;
    name = st_xstrdup(n->snap->name);
    ok = st_op_delete_metadata(c.store, c.dom->name, c.tree, n, mode, &deleted, errp);
    if (!ok)
        return -1;
    arr = json_object_new_array();
    for (size_t i = 0; deleted && deleted[i]; i++)
        json_object_array_add(arr, json_object_new_string(deleted[i]));
    j = json_object_new_object();
    json_object_object_add(j, "deleted", arr);
    cli_set_result(cli, j);
    if (mode == ST_PLAN_CHILDREN_ONLY)
        fprintf(cli->out, "Domain snapshot %s children deleted\n", name);
    else
        fprintf(cli->out, "Domain snapshot %s deleted\n", name);
    return 0;
}

/* ---- snapshot-edit ------------------------------------------------- */

/* $VISUAL, then $EDITOR, then vi, run through the shell as virsh does. */
static bool
run_editor(const char *path, struct st_error **errp)
{
    const char *ed = getenv("VISUAL");
    pid_t pid;
    int status;

    if (!ed || !*ed)
        ed = getenv("EDITOR");
    if (!ed || !*ed)
        ed = "vi";
    if ((pid = fork()) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot start the editor");
        return false;
    }
    if (pid == 0) {
        char *cmd = st_xasprintf("%s \"$1\"", ed);

        execl("/bin/sh", "sh", "-c", cmd, "sh", path, (char *) NULL);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot wait for the editor");
            return false;
        }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        st_error_set(errp, ST_E_IO, "editor '%s' failed; the snapshot is unchanged", ed);
        return false;
    }
    return true;
}

/* --json of snapshot-edit: {"name", "from", "action"}, whatever the
 * outcome, so that a script always reads one document. */
static void
edit_result(struct cli *cli, const char *from, const char *name, const char *action)
{
    struct json_object *j = json_object_new_object();

    json_object_object_add(j, "name", json_object_new_string(name));
    json_object_object_add(j, "from", json_object_new_string(from));
    json_object_object_add(j, "action", json_object_new_string(action));
    cli_set_result(cli, j);
}

int
cmd_snapshot_edit(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct snap_args a = { 0 };
    CLEANUP_CTX struct ctx c = { .lock = -1 };
    CLEANUP_FREE char *orig = NULL;
    CLEANUP_FREE char *edited = NULL;
    CLEANUP_FREE char *tmpdir = NULL;
    CLEANUP_FREE char *tmp = NULL;
    CLEANUP_FREE char *name = NULL;
    CLEANUP_SNAPSHOT struct st_snapshot *snap = NULL;
    struct st_tree_node *n, *old;
    size_t len;
    int r = parse_args(cli, argc, argv,
                       BIT(O_CURRENT) | BIT(O_RENAME) | BIT(O_CLONE) | BIT(O_NO_WAIT), 1, 2, &a,
                       errp);

    if (r)
        return r < 0 ? -1 : 0;
    if (a.on[O_RENAME] && a.on[O_CLONE])
        return cli_usage(cli, errp, "--rename and --clone are mutually exclusive");
    if (a.nargs < 2)
        a.on[O_CURRENT] = true;
    if (!ctx_open(cli, a.args[0], false, true, &c, errp) ||
        !(n = target_snap(cli, &c, &a, 1, errp)))
        return -1;
    name = st_xstrdup(n->snap->name);
    orig = st_snapshot_format(n->snap, 0);
    {
        char templ[] = "/tmp/strata-edit-XXXXXX";
        const char *t = getenv("TMPDIR");

        tmpdir = t && *t ? st_xasprintf("%s/strata-edit-XXXXXX", t) : st_xstrdup(templ);
        if (!mkdtemp(tmpdir)) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot make a temporary directory");
            return -1;
        }
    }
    tmp = st_xasprintf("%s/%s.xml", tmpdir, name);
    if (!st_path_write_atomic(tmp, 0600, orig, strlen(orig), errp) || !run_editor(tmp, errp) ||
        !(edited = st_path_read(tmp, ST_XML_MAX_BYTES, &len, errp))) {
        st_path_remove_tree(tmpdir, NULL);
        return -1;
    }
    st_path_remove_tree(tmpdir, NULL);
    if (strcmp(orig, edited) == 0) {
        fprintf(cli->out, "Snapshot %s XML configuration not changed.\n", name);
        edit_result(cli, name, name, "unchanged");
        return 0;
    }
    if (!(snap = st_snapshot_parse(edited, len, "edited XML", ST_SNAPSHOT_PARSE_REDEFINE, errp)))
        return -1;
    /* Re-read under the lock: the tree may have changed while editing. */
    ctx_clear(&c);
    c = (struct ctx) { .lock = -1 };
    if (!ctx_open(cli, a.args[0], true, !a.on[O_NO_WAIT], &c, errp) ||
        !(old = find_snap(&c, name, errp)))
        return -1;
    if (!st_op_edit(c.store, c.dom, c.tree, old, snap,
                    a.on[O_RENAME] ? ST_EDIT_RENAME : a.on[O_CLONE] ? ST_EDIT_CLONE : ST_EDIT_SAME,
                    errp))
        return -1;
    if (strcmp(snap->name, name) != 0 && a.on[O_RENAME]) {
        fprintf(cli->out, "Snapshot %s renamed to %s.\n", name, snap->name);
        edit_result(cli, name, snap->name, "renamed");
    } else if (strcmp(snap->name, name) != 0) {
        fprintf(cli->out, "Snapshot %s cloned to %s.\n", name, snap->name);
        edit_result(cli, name, snap->name, "cloned");
    } else {
        fprintf(cli->out, "Snapshot %s edited.\n", name);
        edit_result(cli, name, name, "edited");
    }
    return 0;
}
