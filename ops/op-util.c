/* ops/op-util.c: overlays in flight, free file names, and the
 * current-snapshot switch shared by the snapshot operations. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/deadline.h"
#include "common/log.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "qmp/blockdev.h"
#include "xml/domain.h"
#include "chain/chain.h"
#include "store/created.h"
#include "store/journal.h"
#include "ops/op-util.h"
#include "chain/remote.h"
#include "live/session.h"

ST_LOG_INIT("ops.util");

void
st_op_overlays_free(struct st_op_overlay *ovs, size_t n)
{
    if (!ovs)
        return;
    for (size_t i = 0; i < n; i++) {
        free(ovs[i].dev);
        free(ovs[i].path);
        free(ovs[i].node);
    }
    free(ovs);
}

void
st_op_disk_results_free(struct st_op_disk_result *disks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(disks[i].dev);
        free(disks[i].backing);
        free(disks[i].overlay);
    }
    free(disks);
}

struct json_object *
st_op_disk_results_json(const struct st_op_disk_result *disks, size_t n, bool with_reused)
{
    struct json_object *a = json_object_new_array();

    for (size_t i = 0; i < n; i++) {
        struct json_object *d = json_object_new_object();

        json_object_object_add(d, "disk", json_object_new_string(disks[i].dev));
        json_object_object_add(d, "backing", json_object_new_string(disks[i].backing));
        json_object_object_add(d, "overlay", json_object_new_string(disks[i].overlay));
        if (with_reused)
            json_object_object_add(d, "reused", json_object_new_boolean(disks[i].reused));
        json_object_array_add(a, d);
    }
    return a;
}

bool
st_op_overlay_claim(struct st_op_overlay *ov, struct json_object *journal, struct st_error **errp)
{
    struct st_file_id id;
    int fd;

    /* 0666 less the umask: the mode QSD's file driver would give it. */
    if ((fd = open(ov->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0666)) < 0) {
        int e = errno;

        st_error_set_errno(errp, e, e == EEXIST ? ST_E_CONFLICT : ST_E_IO,
                           "cannot create overlay '%s'", ov->path);
        st_error_set_path(errp, ov->path);
        if (e == EEXIST)
            st_error_hint(errp, "a file appeared at that name after strata checked it; choose another name");
        return false;
    }
    ov->created = true;
    if (!st_file_id_of_fd(fd, &id)) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot stat overlay '%s'", ov->path);
        st_error_set_path(errp, ov->path);
        close(fd);
        return false;
    }
    close(fd);
    st_journal_add_created_id(journal, ov->path, &id);
    return true;
}

bool
st_op_overlays_discard(struct st_qmp *qmp, struct st_op_overlay *ovs, size_t n,
                       struct st_error **errp)
{
    struct st_error *first = NULL;

    for (size_t i = 0; i < n; i++) {
        struct st_op_overlay *ov = &ovs[i];
        struct st_error *err = NULL;

        /* Close before unlinking: QSD must not keep writing to a file
         * that is gone. */
        if (ov->node && qmp) {
            if (!st_qmp_blockdev_del_layer(qmp, ov->node, &err)) {
                st_debug("abort: cannot close node %s: %s", ov->node, err->msg);
                if (!first)
                    first = err;
                else
                    st_error_free(err);
                /* An open node we cannot close: keep the file, the
                 * journal still names it. */
                continue;
            }
            free(ov->node);
            ov->node = NULL;
        }
        if (ov->created) {
            if (unlink(ov->path) < 0 && errno != ENOENT) {
                st_error_set_errno(&err, errno, ST_E_IO, "cannot remove overlay '%s'", ov->path);
                st_error_set_path(&err, ov->path);
                if (!first)
                    first = err;
                else
                    st_error_free(err);
                continue;
            }
            st_debug("abort: removed %s", ov->path);
            ov->created = false;
        }
    }
    if (first) {
        st_error_propagate(errp, first);
        return false;
    }
    return true;
}

struct st_qmp *
st_op_live_qmp(struct st_session *sess)
{
    struct st_qmp *qmp = sess ? st_session_qmp(sess) : NULL;

    return qmp && !st_qmp_is_closed(qmp) ? qmp : NULL;
}

static bool
same_file(const char *a, const char *b)
{
    struct stat sa, sb;

    if (strcmp(a, b) == 0)
        return true;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static bool
domain_names(const struct st_domain *dom, const char *path)
{
    for (size_t i = 0; dom && i < dom->ndisks; i++)
        if (dom->disks[i].source && same_file(dom->disks[i].source, path))
            return true;
    return false;
}

bool
st_op_name_taken(const char *path, const struct st_domain *dom, const struct st_tree *tree,
                 char *const *extra)
{
    if (st_path_exists(path))
        return true;
    for (size_t i = 0; extra && extra[i]; i++)
        if (strcmp(extra[i], path) == 0)
            return true;
    if (domain_names(dom, path))
        return true;
    for (size_t i = 0; tree && i < tree->n; i++) {
        const struct st_snapshot *s = tree->nodes[i]->snap;
        CLEANUP_DOMAIN struct st_domain *sd = NULL;

        for (size_t d = 0; d < s->ndisks; d++)
            if (s->disks[d].source && strcmp(s->disks[d].source, path) == 0)
                return true;
        if (s->domain && (sd = st_snapshot_get_domain(s, NULL)) && domain_names(sd, path))
            return true;
    }
    return false;
}

bool
st_op_save_as_current(const struct st_store *store, const char *dom, struct st_snapshot *snap,
                      const char *previous, struct st_error **errp)
{
    CLEANUP_FREE char *prev_path = NULL;
    CLEANUP_SNAPSHOT struct st_snapshot *prev = NULL;
    struct st_error *err = NULL;

    snap->current = true;
    if (!st_store_snapshot_save(store, dom, snap, errp))
        return false;
    if (!previous || strcmp(previous, snap->name) == 0)
        return true;
    prev_path = st_store_snapshot_path(store, dom, previous);
    if (!(prev = st_snapshot_load(prev_path, ST_SNAPSHOT_PARSE_INTERNAL, &err))) {
        if (err->errnum == ENOENT) {
            st_error_free(err);
            return true;
        }
        st_error_propagate(errp, err);
        return false;
    }
    if (!prev->current)
        return true;
    prev->current = false;
    return st_store_snapshot_save(store, dom, prev, errp);
}

/* An NBD URI as the bottom layer's backing: a remote base. */
static bool
remote_base(const struct st_chain *chain)
{
    const struct st_layer *bottom = &chain->layers[chain->n_layers - 1];
    CLEANUP_FREE char *name = NULL;
    CLEANUP_FREE char *sock = NULL;

    return bottom->backing && st_remote_parse_uri(bottom->backing, &name, &sock);
}

static bool
check_chain(const struct st_chain *chain, const char *dev, bool remote_ok,
            struct st_error **errp)
{
    bool remote = remote_ok && remote_base(chain);

    if (!remote_ok && remote_base(chain)) {
        const struct st_layer *bottom = &chain->layers[chain->n_layers - 1];

        st_error_set(errp, ST_E_USAGE,
                     "disk '%s': '%s' backs onto a base served over NBD ('%s'): strata inspects, "
                     "verifies, exports and starts a chain on a remote base, but does not take "
                     "snapshots above one yet (a later merge could not keep the base remote)",
                     dev, bottom->path, bottom->backing);
        st_error_set_path(errp, bottom->path);
        st_error_hint(errp, "to snapshot this disk, copy the base to a local file (qemu-img convert "
                      "-O raw '%s' FILE) and point the overlay at it (qemu-img rebase -u -F raw "
                      "-b FILE '%s')", bottom->backing, bottom->path);
        return false;
    }

    for (size_t i = 0; i < chain->n_layers; i++) {
        const struct st_layer *l = &chain->layers[i];

        for (size_t f = 0; f < l->n_faults; f++) {
            if (!st_session_fault_blocks_open(chain, i, l->faults[f].code, remote))
                continue;
            st_error_set(errp, ST_E_CHAIN, "disk '%s': %s", dev, l->faults[f].message);
            st_error_set_path(errp, l->path);
            st_error_hint(errp, "'strata chain check %s' lists every fault of this chain",
                          chain->layers[0].path);
            return false;
        }
    }
    return true;
}

struct st_chain *
st_op_load_disk_chain(const struct st_domain_disk *d, bool remote_ok, struct st_error **errp)
{
    struct st_chain_opts copts = { .skip_allocation = true,
                                   .format = d->format ? d->format : "qcow2" };
    CLEANUP_CHAIN struct st_chain *chain = NULL;
    struct st_chain *ret;

    if (!(chain = st_chain_load(d->source, &copts, errp))) {
        st_error_prepend(errp, "disk '%s': ", d->target);
        return NULL;
    }
    if (!check_chain(chain, d->target, remote_ok, errp))
        return NULL;
    if (!chain->layers[0].has_header) {
        st_error_set(errp, ST_E_CHAIN, "disk '%s': cannot read the header of '%s'%s%s",
                     d->target, d->source, chain->layers[0].n_faults ? ": " : "",
                     chain->layers[0].n_faults ? chain->layers[0].faults[0].message : "");
        st_error_set_path(errp, d->source);
        return NULL;
    }
    ret = chain;
    chain = NULL;
    return ret;
}

bool
st_op_check_domain_chains(const struct st_domain *dom, struct st_error **errp)
{
    for (size_t i = 0; i < dom->ndisks; i++) {
        const struct st_domain_disk *d = &dom->disks[i];
        CLEANUP_CHAIN struct st_chain *chain = NULL;

        if (!d->source || d->snapshot == ST_SNAPSHOT_MODE_NO)
            continue;
        /* As libvirt does, a disk may name an image made later; what
         * exists must be sound. */
        if (!st_path_exists(d->source)) {
            st_warn("domain", "disk '%s': '%s' does not exist yet; snapshots need it",
                    d->target, d->source);
            continue;
        }
        if (!(chain = st_op_load_disk_chain(d, true, errp)))
            return false;
    }
    return true;
}

void
st_op_crash_point(const char *where)
{
    const char *want = getenv("STRATA_TEST_CRASH");

    if (want && strcmp(want, where) == 0) {
        st_debug("STRATA_TEST_CRASH: dying at '%s'", where);
        raise(st_proc_test_crash_signal());
    }
}

int64_t
st_op_now_us(void)
{
    return st_now_ns() / 1000;
}

void
st_op_abort(const struct st_store *store, const char *dom, struct st_session *sess,
            struct st_op_overlay *ovs, size_t n, const char *what)
{
    struct st_error *err = NULL;
    CLEANUP_STRV char **removed = NULL;

    if (!st_op_overlays_discard(st_op_live_qmp(sess), ovs, n, &err)) {
        st_warn("snapshot", "%s: rollback incomplete, the journal is kept: %s", what, err->msg);
        st_error_free(err);
        return;
    }
    /* Live: the nodes this operation opened for its chains, too. */
    if (sess)
        st_session_close_opened(sess);
    /* The record of the files strata made forgets the ones just removed. */
    for (size_t i = 0; i < n; i++)
        st_strv_add(&removed, ovs[i].path);
    if (removed && !st_created_forget(store, dom, removed, &err)) {
        st_warn("snapshot", "%s", err->msg);
        st_error_free(err);
        err = NULL;
    }
    if (!st_journal_clear(store, dom, &err)) {
        st_warn("snapshot", "%s", err->msg);
        st_error_free(err);
    }
}
