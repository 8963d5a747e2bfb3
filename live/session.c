/* live/session.c: a live or transient QSD for one operation, and
 * chains opened in it without format probing. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/json.h"
#include "common/log.h"
#include "common/name.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "qmp/blockdev.h"
#include "chain/chain.h"
#include "chain/remote.h"
#include "live/opdirs.h"
#include "live/session.h"

ST_LOG_INIT("live.session");

enum { ATTACH_TIMEOUT_MS = 10 * 1000 };

char *
st_session_live_dir(const char *run_root, const char *dom)
{
    return st_path_join(run_root, dom);
}

static struct st_session *
session_new(struct st_qsd *qsd, bool live)
{
    struct st_session *sess = st_xcalloc(1, sizeof *sess);

    sess->qsd = qsd;
    sess->live = live;
    sess->run_dir = st_xstrdup(qsd->run_dir);
    return sess;
}

struct st_session *
st_session_open(const char *run_root, const char *dom, struct st_error **errp)
{
    CLEANUP_FREE char *live_dir = NULL;
    CLEANUP_FREE char *pid_path = NULL;
    struct st_qsd *qsd;

    if (!st_name_check("domain", dom, errp))
        return NULL;
    live_dir = st_session_live_dir(run_root, dom);
    pid_path = st_path_join(live_dir, "qsd.pid");
    if (st_path_exists(pid_path)) {
        struct st_error *err = NULL;

        if ((qsd = st_qsd_attach(live_dir, ATTACH_TIMEOUT_MS, &err)))
            return session_new(qsd, true);
        if (err->code != ST_E_NOT_FOUND) {
            st_error_propagate(errp, err);
            st_error_hint(errp, "'strata status %s' shows the domain's QSD; 'strata stop %s' ends it",
                          dom, dom);
            return NULL;
        }
        /* A stale pid file of a dead QSD: attach removed it; go offline. */
        st_debug("domain '%s' is not live: %s", dom, err->msg);
        st_error_free(err);
    }
    return st_session_open_transient(run_root, errp);
}

struct st_session *
st_session_open_transient(const char *run_root, struct st_error **errp)
{
    CLEANUP_FREE char *tmpl = NULL;
    struct st_qsd *qsd;

    if (!st_path_mkdir_p(run_root, 0700, errp))
        return NULL;
    /* What a strata that died left: an orphan QSD would hold the
     * images' write locks and fail this operation. */
    st_opdirs_sweep(run_root, 5000);
    tmpl = st_path_join(run_root, "op-XXXXXX");
    if (!mkdtemp(tmpl)) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot create a run directory in '%s'",
                           run_root);
        st_error_set_path(errp, run_root);
        return NULL;
    }
    if (!st_opdir_claim(tmpl, errp) || !(qsd = st_qsd_start(tmpl, NULL, errp))) {
        st_path_remove_tree(tmpl, NULL);
        return NULL;
    }
    return session_new(qsd, false);
}

struct st_session *
st_session_start_live(const char *run_root, const char *dom, struct st_error **errp)
{
    CLEANUP_FREE char *live_dir = NULL;
    struct st_qsd_opts opts = { .long_running = true };
    struct st_qsd *qsd;

    if (!st_name_check("domain", dom, errp))
        return NULL;
    if (!st_path_mkdir_p(run_root, 0700, errp))
        return NULL;
    live_dir = st_session_live_dir(run_root, dom);
    if (!(qsd = st_qsd_start(live_dir, &opts, errp))) {
        st_error_prepend(errp, "domain '%s': ", dom);
        return NULL;
    }
    return session_new(qsd, true);
}

void
st_session_free(struct st_session *sess)
{
    if (!sess)
        return;
    st_qsd_free(sess->qsd);
    st_strv_free(sess->opened);
    if (!sess->live)
        st_path_remove_tree(sess->run_dir, NULL);
    free(sess->run_dir);
    free(sess);
}

bool
st_session_close(struct st_session **sessp, struct st_error **errp)
{
    struct st_session *sess = *sessp;
    bool ok = true;

    *sessp = NULL;
    if (!sess)
        return true;
    if (!sess->live && (ok = st_qsd_stop(sess->qsd, errp)))
        st_debug("transient QSD ended cleanly");
    if (sess->live) {
        /* What the operation confirmed on disk stands, but the user must
         * hear that the domain stopped being served on the way. */
        CLEANUP_ERROR struct st_error *err = NULL;
        CLEANUP_JSON struct json_object *v = st_qmp_execute(st_session_qmp(sess),
                                                            "query-version", NULL, &err);

        if (!v)
            st_warn("live", "the domain's QSD went away during the operation (%s); what "
                    "strata confirmed on disk is kept, and the domain is no longer running: "
                    "'strata start' serves it again", err->msg);
    }
    st_session_free(sess);
    return ok;
}

struct st_qmp *
st_session_qmp(struct st_session *sess)
{
    return st_qsd_qmp(sess->qsd);
}

char *
st_session_disk_export_id(const char *dev)
{
    return st_xasprintf("disk-%s", dev);
}

char *
st_session_node_name(const char *path)
{
    /* FNV-1a, 64 bits: names need to be unique among a few hundred
     * open files, not secure. */
    uint64_t h = 0xcbf29ce484222325ULL;

    for (const unsigned char *p = (const unsigned char *) path; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    return st_xasprintf("s%016" PRIx64, h);
}

static bool
same_file(const char *a, const struct stat *b)
{
    struct stat st;

    return stat(a, &st) == 0 && st.st_dev == b->st_dev && st.st_ino == b->st_ino;
}

/* A test hook, as STRATA_TEST_CRASH: $STRATA_TEST_NBD_FILE=PATH=SOCKET
 * opens the file node of image PATH with QSD's nbd driver, from the NBD
 * server on unix socket SOCKET (its default export), read-write, instead
 * of with the file driver.  A test puts nbdkit's error filter under one
 * layer that way: a merge target whose writes fail with ENOSPC on a
 * trigger file (tests/func/delete-enospc.sh), without root for a full
 * file system.  strata still reads PATH's headers itself; nbdkit's file
 * plugin serves the same bytes.  Returns SOCKET when @st is PATH's
 * identity (borrowed from the environment), else NULL. */
static const char *
test_nbd_socket(const struct stat *st)
{
    const char *v = getenv("STRATA_TEST_NBD_FILE");
    const char *eq = v ? strchr(v, '=') : NULL;
    CLEANUP_FREE char *path = NULL;

    if (!eq)
        return NULL;
    path = st_xstrndup(v, (size_t) (eq - v));
    return same_file(path, st) ? eq + 1 : NULL;
}

/* The format node on the file with @st's identity, in @g; borrowed. */
static const char *
graph_node_for(const struct st_qmp_graph *g, const struct stat *st)
{
    const char *test_sock = test_nbd_socket(st);

    for (size_t i = 0; i < g->n; i++) {
        const struct st_qmp_node *n = &g->nodes[i];
        const struct st_qmp_node *file;

        if (!n->driver || (strcmp(n->driver, "qcow2") != 0 && strcmp(n->driver, "raw") != 0))
            continue;
        /* The format node's file child carries the real filename. */
        file = n->file ? st_qmp_graph_find(g, n->file) : NULL;
        if (file && file->filename && file->filename[0] == '/' &&
            same_file(file->filename, st))
            return n->name;
        /* QSD names an nbd node "nbd+unix://?socket=SOCKET". */
        if (test_sock && file && file->driver && strcmp(file->driver, "nbd") == 0 &&
            file->filename && strstr(file->filename, test_sock))
            return n->name;
    }
    return NULL;
}

char *
st_session_find_node(struct st_session *sess, const char *path, struct st_error **errp)
{
    CLEANUP_QMP_GRAPH struct st_qmp_graph *g = NULL;
    const char *name;
    struct stat st;

    if (stat(path, &st) < 0)
        return NULL;
    if (!(g = st_qmp_graph_read(st_session_qmp(sess), errp)))
        return NULL;
    name = graph_node_for(g, &st);
    return name ? st_xstrdup(name) : NULL;
}

/* Faults that make a layer unsafe to open (the others are reported by
 * 'chain check' but do not stop QEMU from reading the data right).  An
 * NBD backing of the bottom layer (@remote) is opened through QSD's nbd
 * driver, so its "unsupported-backing" does not count. */
bool
st_session_fault_blocks_open(const struct st_chain *chain, size_t i, enum st_fault_code code,
                             bool remote)
{
    switch (code) {
    case ST_FAULT_BACKING_SMALLER:
    case ST_FAULT_BACKING_LARGER:
    case ST_FAULT_DIRTY:
    case ST_FAULT_BAD_TABLE:
        return false;
    case ST_FAULT_UNSUPPORTED_BACKING:
        return !(remote && i == chain->n_layers - 1);
    default:
        return true;
    }
}

/* Open the NBD export that @bottom names as its backing (read-only,
 * with the recorded format, raw when none), or find it already open.
 * Returns: the owned node name, or NULL with @errp set. */
static char *
open_remote_base(struct st_session *sess, const struct st_qmp_graph *g,
                 const struct st_layer *bottom, const char *export, const char *sock,
                 struct st_error **errp)
{
    CLEANUP_FREE char *node = st_session_node_name(bottom->backing);
    CLEANUP_STRV char **opened = NULL;
    struct st_qmp_layer nl = {
        .path = sock,
        .format = bottom->backing_format ? bottom->backing_format : "raw",
        .nbd_export = export,
        .node_name = node,
        .read_only = true,
    };

    if (st_qmp_graph_find(g, node))
        return ST_STEAL(&node);
    if (!(opened = st_qmp_blockdev_open_chain(st_session_qmp(sess), &nl, 1, "nbd", errp))) {
        st_error_prepend(errp, "remote base '%s' of '%s': ", bottom->backing, bottom->path);
        return NULL;
    }
    st_debug("opened remote base %s as %s", bottom->backing, node);
    return ST_STEAL(&node);
}

char *
st_session_open_chain(struct st_session *sess, const char *path, const char *format,
                      bool writable, struct st_error **errp)
{
    struct st_chain_opts copts = { .format = format, .skip_allocation = true };
    CLEANUP_CHAIN struct st_chain *chain = NULL;
    CLEANUP_QMP_GRAPH struct st_qmp_graph *g = NULL;
    CLEANUP_FREE struct st_qmp_layer *layers = NULL;
    CLEANUP_FREE char *remote_export = NULL;
    CLEANUP_FREE char *remote_sock = NULL;
    CLEANUP_FREE char *remote_node = NULL;
    CLEANUP_STRV char **names = NULL;
    CLEANUP_STRV char **opened = NULL;
    const struct st_layer *bottom;
    const char *below = NULL;
    bool remote;
    size_t n_new;

    if (!(chain = st_chain_load(path, &copts, errp)))
        return NULL;
    bottom = &chain->layers[chain->n_layers - 1];
    remote = bottom->backing && !bottom->backing_resolved &&
             st_remote_parse_uri(bottom->backing, &remote_export, &remote_sock);
    for (size_t i = 0; i < chain->n_layers; i++) {
        const struct st_layer *l = &chain->layers[i];

        for (size_t f = 0; f < l->n_faults; f++) {
            if (!st_session_fault_blocks_open(chain, i, l->faults[f].code, remote))
                continue;
            st_error_set(errp, ST_E_CHAIN, "chain of '%s': %s", path, l->faults[f].message);
            st_error_set_path(errp, l->path);
            st_error_hint(errp, "'strata chain check %s' lists every fault of this chain", path);
            return NULL;
        }
    }
    if (!(g = st_qmp_graph_read(st_session_qmp(sess), errp)))
        return NULL;

    /* Top-down, the first file QSD already holds ends the new part. */
    for (n_new = 0; n_new < chain->n_layers; n_new++) {
        struct stat st;

        if (stat(chain->layers[n_new].abs_path, &st) == 0 && (below = graph_node_for(g, &st)))
            break;
    }
    if (n_new == 0) {
        if (writable) {
            const struct st_qmp_node *node = st_qmp_graph_find(g, below);

            if (node && node->read_only) {
                st_error_set(errp, ST_E_CONFLICT,
                             "'%s' is open read-only in QSD (it backs another layer)", path);
                st_error_set_path(errp, path);
                return NULL;
            }
        }
        return st_xstrdup(below);
    }
    if (!below && remote) {
        if (!(remote_node = open_remote_base(sess, g, bottom, remote_export, remote_sock, errp)))
            return NULL;
        below = remote_node;
    }

    layers = st_xcalloc(n_new, sizeof *layers);
    for (size_t i = 0; i < n_new; i++) {
        const struct st_layer *l = &chain->layers[i];

        st_strv_add_owned(&names, st_session_node_name(l->abs_path));
        struct stat st;
        const char *test_sock = stat(l->abs_path, &st) == 0 ? test_nbd_socket(&st) : NULL;

        layers[i].path = test_sock ? test_sock : l->abs_path;
        layers[i].nbd_export = test_sock ? "" : NULL;
        layers[i].format = l->format;
        layers[i].node_name = names[i];
        /* The hook's NBD node is writable from the start: blockdev-
         * reopen leaves a non-file protocol node as it is (qmp/blockdev.c). */
        layers[i].read_only = !test_sock && !(writable && i == 0);
    }
    if (!(opened = st_qmp_blockdev_open_chain_on(st_session_qmp(sess), layers, n_new, "l", below,
                                                 errp)))
        return NULL;
    st_debug("opened %zu layer(s) of '%s' as %s%s%s", n_new, path, opened[0],
             below ? " on " : "", below ? below : "");
    /* Bottom-up here, so that closing in reverse goes top-down. */
    for (size_t i = n_new; i-- > 0;)
        st_strv_add(&sess->opened, opened[i]);
    return st_xstrdup(opened[0]);
}

void
st_session_close_opened(struct st_session *sess)
{
    size_t n = st_strv_len(sess->opened);

    if (!sess->live) {
        st_strv_free(sess->opened);
        sess->opened = NULL;
        return;
    }
    for (size_t i = n; i-- > 0;) {
        struct st_error *err = NULL;

        /* QSD refuses a node that something rests on ("in use"); the
         * layers below it then stay too, each refused the same way. */
        if (!st_qmp_blockdev_del_layer(st_session_qmp(sess), sess->opened[i], &err)) {
            st_debug("abort: node %s stays open: %s", sess->opened[i], err->msg);
            st_error_free(err);
            continue;
        }
        st_debug("abort: closed node %s", sess->opened[i]);
    }
    st_strv_free(sess->opened);
    sess->opened = NULL;
}
