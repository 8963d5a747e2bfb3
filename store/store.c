/* store/store.c: the state directory (SPEC §2): domain and snapshot
 * XML files, written atomically, and the per-domain lock. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/name.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "store/store.h"

ST_LOG_INIT("store");

/* libvirt's header on the files it keeps for itself. */
static const char warning_comment[] =
    "WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n"
    "OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n"
    "  strata snapshot-edit\n"
    "or other application using the strata API.";

/* Whether @fd is still the file at @path.  undefine removes the domain
 * directory, lock file included, while it holds the lock: a command that
 * was waiting then holds a lock on a file nobody else will ever open,
 * while the next command locks a new file at the same name. */
static bool
lock_still_linked(int fd, const char *path)
{
    struct stat a, b;

    return fstat(fd, &a) == 0 && a.st_nlink > 0 && stat(path, &b) == 0 &&
           a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int
st_store_lock(const struct st_store *store, const char *dom, bool wait, struct st_error **errp)
{
    CLEANUP_FREE char *dir = st_store_domain_dir(store, dom);
    CLEANUP_FREE char *path = st_xasprintf("%s/lock", dir);

    if (!st_name_check("domain", dom, errp))
        return -1;
    for (;;) {
        CLEANUP_CLOSE int fd = -1;

        if (!st_path_mkdir_p(dir, 0700, errp))
            return -1;
        if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot open lock file");
            st_error_set_path(errp, path);
            return -1;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
            if (errno != EWOULDBLOCK || !wait) {
                st_error_set(errp, ST_E_BUSY, "domain '%s' is busy: another strata command is changing it",
                             dom);
                st_error_set_path(errp, path);
                st_error_hint(errp, "retry when it has finished, or run without --no-wait to wait");
                return -1;
            }
            st_debug("waiting for the lock of domain '%s'", dom);
            while (flock(fd, LOCK_EX) < 0) {
                if (errno != EINTR) {
                    st_error_set_errno(errp, errno, ST_E_IO, "cannot lock domain '%s'", dom);
                    st_error_set_path(errp, path);
                    return -1;
                }
            }
        }
        if (lock_still_linked(fd, path))
            return ST_STEAL_FD(&fd);
        st_debug("the lock file of domain '%s' was removed while strata waited; locking it again",
                 dom);
    }
}

struct st_domain *
st_store_domain_load(const struct st_store *store, const char *name, struct st_error **errp)
{
    CLEANUP_FREE char *path = NULL;
    struct st_domain *dom;

    if (!st_store_domain_require(store, name, errp))
        return NULL;
    path = st_store_domain_xml_path(store, name);
    if (!(dom = st_domain_load(path, errp)))
        return NULL;
    if (strcmp(dom->name, name) != 0) {
        st_error_set(errp, ST_E_XML, "%s names domain '%s', not '%s'", path, dom->name, name);
        st_domain_free(dom);
        return NULL;
    }
    return dom;
}

bool
st_store_domain_save(const struct st_store *store, const struct st_domain *dom,
                     struct st_error **errp)
{
    CLEANUP_FREE char *dir = st_store_domain_dir(store, dom->name);
    CLEANUP_FREE char *path = st_store_domain_xml_path(store, dom->name);
    CLEANUP_FREE char *text = st_domain_format(dom);

    if (!st_name_check("domain", dom->name, errp) || !st_path_mkdir_p(dir, 0700, errp))
        return false;
    return st_path_write_atomic(path, 0600, text, strlen(text), errp);
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

char **
st_store_domain_list(const struct st_store *store, struct st_error **errp)
{
    DIR *d = opendir(store->dir);
    struct dirent *e;
    char **names = st_xcalloc(1, sizeof *names);
    size_t n = 0;

    if (!d) {
        if (errno == ENOENT)
            return names;
        st_error_set_errno(errp, errno, ST_E_IO, "cannot read the state directory");
        st_error_set_path(errp, store->dir);
        free(names);
        return NULL;
    }
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !st_store_domain_exists(store, e->d_name))
            continue;
        names = st_xreallocarray(names, n + 2, sizeof *names);
        names[n++] = st_xstrdup(e->d_name);
        names[n] = NULL;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    return names;
}

/* Names (without .xml) of the files in DOMAIN/snapshots, or NULL. */
static char **
snapshot_names(const struct st_store *store, const char *dom, size_t *np,
               struct st_error **errp)
{
    CLEANUP_FREE char *dir = st_xasprintf("%s/%s/snapshots", store->dir, dom);
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;

    *np = 0;
    if (!d) {
        if (errno == ENOENT)
            return st_xcalloc(1, sizeof *names);
        st_error_set_errno(errp, errno, ST_E_IO, "cannot read the snapshot directory");
        st_error_set_path(errp, dir);
        return NULL;
    }
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);

        if (e->d_name[0] == '.' || len < 5 || strcmp(e->d_name + len - 4, ".xml") != 0)
            continue;
        if (n + 2 > cap) {
            cap = cap ? cap * 2 : 64;
            names = st_xreallocarray(names, cap, sizeof *names);
        }
        names[n++] = st_xstrndup(e->d_name, len - 4);
    }
    closedir(d);
    if (!names)
        names = st_xcalloc(1, sizeof *names);
    names[n] = NULL;
    *np = n;
    return names;
}

bool
st_store_domain_undefine(const struct st_store *store, const char *name,
                         bool snapshots_metadata, struct st_error **errp)
{
    CLEANUP_FREE char *dir = NULL;
    CLEANUP_STRV char **snaps = NULL;
    size_t n;

    if (!st_store_domain_exists(store, name)) {
        st_error_set(errp, ST_E_NOT_FOUND, "no domain named '%s'", name);
        return false;
    }
    if (!(snaps = snapshot_names(store, name, &n, errp)))
        return false;
    if (n > 0 && !snapshots_metadata) {
        st_error_set(errp, ST_E_CONFLICT, "domain '%s' has %zu snapshot%s", name, n,
                     n == 1 ? "" : "s");
        st_error_hint(errp, "add --snapshots-metadata to remove their metadata too "
                      "(the disk files stay)");
        return false;
    }
    dir = st_store_domain_dir(store, name);
    /* domain.xml goes first: a crash part-way leaves no half domain. */
    {
        CLEANUP_FREE char *xml = st_store_domain_xml_path(store, name);

        if (unlink(xml) < 0) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot remove domain '%s'", name);
            st_error_set_path(errp, xml);
            return false;
        }
    }
    return st_path_remove_tree(dir, errp);
}

/* Tree problems reach the store's caller as errors, like bad files. */
struct warn_ctx {
    st_store_warn_fn warn;
    void *opaque;
};

static void
tree_warn(const char *msg, void *opaque)
{
    struct warn_ctx *w = opaque;
    CLEANUP_ERROR struct st_error *err = NULL;

    st_error_set(&err, ST_E_CHAIN, "%s", msg);
    w->warn(err, w->opaque);
}

struct st_tree *
st_store_tree_load(const struct st_store *store, const char *dom, unsigned flags,
                   st_store_warn_fn warn, void *opaque, struct st_error **errp)
{
    CLEANUP_STRV char **names = NULL;
    struct st_snapshot **snaps;
    size_t n, got = 0;
    struct st_tree *tree;

    if (!st_name_check("domain", dom, errp))
        return NULL;
    if (!(names = snapshot_names(store, dom, &n, errp)))
        return NULL;
    snaps = st_xcalloc(n ? n : 1, sizeof *snaps);
    for (size_t i = 0; i < n; i++) {
        CLEANUP_FREE char *path = st_store_snapshot_path(store, dom, names[i]);
        CLEANUP_ERROR struct st_error *err = NULL;
        struct st_snapshot *s = NULL;

        if (!st_name_check("snapshot", names[i], &err) ||
            !(s = st_snapshot_load(path, ST_SNAPSHOT_PARSE_INTERNAL |
                                   (flags & ST_STORE_TREE_SUMMARY ? ST_SNAPSHOT_PARSE_SUMMARY : 0),
                                   &err))) {
            st_error_set_path(&err, path);
            if (warn)
                warn(err, opaque);
            continue;
        }
        if (strcmp(s->name, names[i]) != 0) {
            st_error_set(&err, ST_E_XML, "%s holds snapshot '%s'; ignored", path, s->name);
            st_error_set_path(&err, path);
            if (warn)
                warn(err, opaque);
            st_snapshot_free(s);
            continue;
        }
        snaps[got++] = s;
    }
    {
        struct warn_ctx w = { warn, opaque };

        tree = st_tree_build(snaps, got, warn ? tree_warn : NULL, &w, errp);
    }
    free(snaps);
    return tree;
}

bool
st_store_snapshot_save(const struct st_store *store, const char *dom,
                       const struct st_snapshot *snap, struct st_error **errp)
{
    CLEANUP_FREE char *dir = st_xasprintf("%s/%s/snapshots", store->dir, dom);
    CLEANUP_FREE char *path = NULL;
    CLEANUP_FREE char *body = NULL;
    CLEANUP_FREE char *text = NULL;

    if (snap->summary) {
        st_error_set(errp, ST_E_INTERNAL, "snapshot '%s' was loaded as a summary; not saved",
                     snap->name);
        return false;
    }
    if (!st_name_check("domain", dom, errp) || !st_name_check("snapshot", snap->name, errp))
        return false;
    if (!st_path_mkdir_p(dir, 0700, errp))
        return false;
    path = st_store_snapshot_path(store, dom, snap->name);
    body = st_snapshot_format(snap, ST_SNAPSHOT_FORMAT_INTERNAL);
    text = st_xasprintf("<!--\n%s\n-->\n\n%s", warning_comment, body);
    return st_path_write_atomic(path, 0600, text, strlen(text), errp);
}

bool
st_store_snapshot_delete(const struct st_store *store, const char *dom, const char *name,
                         struct st_error **errp)
{
    CLEANUP_FREE char *path = NULL;

    if (!st_name_check("domain", dom, errp) || !st_name_check("snapshot", name, errp))
        return false;
    path = st_store_snapshot_path(store, dom, name);
    if (unlink(path) < 0) {
        st_error_set_errno(errp, errno, errno == ENOENT ? ST_E_NOT_FOUND : ST_E_IO,
                           "cannot remove snapshot '%s'", name);
        st_error_set_path(errp, path);
        return false;
    }
    return st_path_fsync_dir(path, errp);
}

bool
st_store_set_current(const struct st_store *store, const char *dom, struct st_tree *tree,
                     struct st_tree_node *node, struct st_error **errp)
{
    struct st_tree_node *old = tree->current;

    if (node) {
        node->snap->current = true;
        if (!st_store_snapshot_save(store, dom, node->snap, errp)) {
            node->snap->current = node == old;
            return false;
        }
    }
    tree->current = node;
    if (old && old != node) {
        old->snap->current = false;
        if (!st_store_snapshot_save(store, dom, old->snap, errp))
            return false;
    }
    return true;
}

void
st_store_warn_log(const struct st_error *err, void *opaque ST_UNUSED)
{
    st_warn("snapshot", "%s", err->msg);
}
