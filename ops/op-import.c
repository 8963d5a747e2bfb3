/* ops/op-import.c: st_op_import(), defining an imported domain and all
 * its snapshots in one step (ops/op-import.h).
 *
 * All or nothing, without a journal: the new domain directory is built
 * complete in STATE/.import.XXXXXX/DOMAIN (domain.xml, snapshots/, a
 * lock file), read back as the store reads it, and then exchanged with
 * STATE/DOMAIN -- which holds only the lock file this command holds --
 * in one renameat2(RENAME_EXCHANGE).  Before the exchange there is no
 * domain; after it there is the whole one.  A crash leaves at worst a
 * staging directory, which no command reads as a domain (the store
 * lists no name starting with '.') and the next import removes once its
 * "busy" lock is free.  A journal would have to be replayed by recover;
 * a rename needs no replay. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "store/store.h"
#include "ops/op-import.h"
#include "ops/op-util.h"

ST_LOG_INIT("import");

/* A staging directory older than this with no "busy" file is one whose
 * import died between mkdtemp() and creating the file. */
enum { STALE_UNLOCKED_S = 60 };

/* Remove the staging directories of imports that died: their "busy"
 * file is no longer locked. */
static void
sweep_stale(const char *state_dir)
{
    DIR *d = opendir(state_dir);
    struct dirent *e;

    if (!d)
        return;
    while ((e = readdir(d))) {
        CLEANUP_FREE char *dir = NULL;
        CLEANUP_FREE char *busy = NULL;
        CLEANUP_CLOSE int fd = -1;
        CLEANUP_ERROR struct st_error *err = NULL;
        struct stat st;

        if (strncmp(e->d_name, ".import.", 8) != 0)
            continue;
        dir = st_xasprintf("%s/%s", state_dir, e->d_name);
        busy = st_xasprintf("%s/busy", dir);
        if ((fd = open(busy, O_RDWR | O_CLOEXEC | O_NOFOLLOW)) >= 0) {
            if (flock(fd, LOCK_EX | LOCK_NB) < 0)
                continue;           /* an import is running there */
        } else if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) ||
                   st.st_mtime + STALE_UNLOCKED_S > time(NULL)) {
            continue;
        }
        st_debug("removing '%s', left by an import that did not finish", dir);
        if (!st_path_remove_tree(dir, &err))
            st_warn("import", "%s", err->msg);
    }
    closedir(d);
}

/* Whether the domain directory holds nothing but its lock file. */
static bool
dir_only_lock(const char *dir, const char *name, struct st_error **errp)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool ok = true;

    if (!d) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot read the directory of domain '%s'",
                           name);
        st_error_set_path(errp, dir);
        return false;
    }
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            strcmp(e->d_name, "lock") != 0)
            ok = false;
    closedir(d);
    if (!ok) {
        st_error_set(errp, ST_E_CONFLICT,
                     "the state directory of domain '%s' holds files but no domain.xml", name);
        st_error_set_path(errp, dir);
        st_error_hint(errp, "an interrupted command left them: run 'strata recover %s', or "
                      "remove '%s' if nothing there is needed", name, dir);
    }
    return ok;
}

/* Fill the staging store and read it back as every later command will. */
static bool
stage(const struct st_store *stage_store, const struct st_import *imp, struct st_error **errp)
{
    const char *name = imp->dom->name;
    CLEANUP_FREE char *snapdir = st_xasprintf("%s/%s/snapshots", stage_store->dir, name);
    CLEANUP_TREE struct st_tree *tree = NULL;

    for (size_t i = 0; i < imp->nsnaps; i++)
        if (!st_store_snapshot_save(stage_store, name, imp->snaps[i].snap, errp))
            return false;
    if (!st_store_domain_save(stage_store, imp->dom, errp))
        return false;
    /* mkdir_p does not make the new directories durable; these do. */
    if ((imp->nsnaps && !st_path_fsync_dir(snapdir, errp)))
        return false;
    {
        CLEANUP_FREE char *domdir = st_store_domain_dir(stage_store, name);

        if (!st_path_fsync_dir(domdir, errp))
            return false;
    }
    if (!(tree = st_store_tree_load(stage_store, name, 0, NULL, NULL, errp)))
        return false;
    if (tree->n != imp->nsnaps ||
        (imp->current ? !tree->current || strcmp(tree->current->snap->name, imp->current) != 0
                      : tree->current != NULL)) {
        st_error_set(errp, ST_E_INTERNAL,
                     "domain '%s': the staged snapshots read back as %zu, current '%s'; "
                     "expected %zu, current '%s'", name, tree->n,
                     tree->current ? tree->current->snap->name : "none", imp->nsnaps,
                     imp->current ? imp->current : "none");
        return false;
    }
    return true;
}

/* The exchange, or where the filesystem cannot exchange (EINVAL:
 * NFS, some FUSE), the two renames in the order that keeps a crash
 * harmless: the snapshots first, then domain.xml, which makes it a
 * domain. */
static bool
commit(const char *staged, const char *target, struct st_error **errp)
{
    CLEANUP_FREE char *snaps_from = NULL;
    CLEANUP_FREE char *snaps_to = NULL;
    CLEANUP_FREE char *xml_from = NULL;
    CLEANUP_FREE char *xml_to = NULL;

    if (renameat2(AT_FDCWD, staged, AT_FDCWD, target, RENAME_EXCHANGE) == 0)
        return st_path_fsync_dir(target, errp) && st_path_fsync_dir(staged, errp);
    if (errno != EINVAL && errno != ENOSYS) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot move the imported domain into place");
        st_error_set_path(errp, target);
        return false;
    }
    st_debug("renameat2(RENAME_EXCHANGE) is not supported here; renaming in two steps");
    snaps_from = st_xasprintf("%s/snapshots", staged);
    snaps_to = st_xasprintf("%s/snapshots", target);
    xml_from = st_xasprintf("%s/domain.xml", staged);
    xml_to = st_xasprintf("%s/domain.xml", target);
    if ((st_path_exists(snaps_from) && rename(snaps_from, snaps_to) < 0) ||
        rename(xml_from, xml_to) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot move the imported domain into place");
        st_error_set_path(errp, target);
        return false;
    }
    return st_path_fsync_dir(xml_to, errp);
}

bool
st_op_import(const char *state_dir, const struct st_import *imp, bool wait,
             struct st_error **errp)
{
    const char *name = imp->dom->name;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;
    CLEANUP_CLOSE int busy = -1;
    CLEANUP_CLOSE int newlock = -1;
    CLEANUP_FREE char *root = NULL;
    CLEANUP_FREE char *busy_path = NULL;
    CLEANUP_FREE char *staged = NULL;
    CLEANUP_FREE char *target = NULL;
    CLEANUP_ERROR struct st_error *err = NULL;
    struct st_store stage_store;

    if (imp->nfatal) {
        const struct st_import_problem *p = NULL;

        for (size_t i = 0; i < imp->nproblems && !p; i++)
            if (imp->problems[i].fatal)
                p = &imp->problems[i];
        st_error_set(errp, p->code, "domain '%s' not imported: %s: %s%s", name, p->file,
                     p->message, imp->nfatal > 1 ? " (and more problems, listed above)" : "");
        st_error_set_path(errp, p->file);
        st_error_hint(errp, "%s", p->hint ? p->hint
                                          : "fix what is listed; --dry-run lists every problem");
        return false;
    }
    if (!(store = st_store_open(state_dir, true, errp)))
        return false;
    sweep_stale(store->dir);
    if (st_store_domain_exists(store, name)) {
        st_error_set(errp, ST_E_CONFLICT, "domain '%s' is already defined in strata", name);
        st_error_hint(errp, "'strata undefine %s --snapshots-metadata' removes its metadata "
                      "(no image file is touched); then import again", name);
        return false;
    }
    if ((lock = st_store_lock(store, name, wait, errp)) < 0)
        return false;
    target = st_store_domain_dir(store, name);
    /* Again under the lock: another define may have won the race. */
    if (st_store_domain_exists(store, name)) {
        st_error_set(errp, ST_E_CONFLICT, "domain '%s' is already defined in strata", name);
        return false;
    }
    if (!dir_only_lock(target, name, errp))
        return false;

    root = st_xasprintf("%s/.import.XXXXXX", store->dir);
    if (!mkdtemp(root)) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot make a staging directory");
        st_error_set_path(errp, store->dir);
        return false;
    }
    busy_path = st_xasprintf("%s/busy", root);
    if ((busy = open(busy_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
        flock(busy, LOCK_EX) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot lock the staging directory");
        st_error_set_path(errp, busy_path);
        st_path_remove_tree(root, NULL);
        return false;
    }
    stage_store.dir = root;
    staged = st_store_domain_dir(&stage_store, name);
    /* The staged domain's own lock, held from now on: after the
     * exchange it is the domain's lock. */
    if ((newlock = st_store_lock(&stage_store, name, false, errp)) < 0 ||
        !stage(&stage_store, imp, errp)) {
        st_path_remove_tree(root, NULL);
        return false;
    }
    st_op_crash_point("import-staged");
    if (!commit(staged, target, errp)) {
        st_path_remove_tree(root, NULL);
        return false;
    }
    st_op_crash_point("import-committed");
    /* The staging name now holds the old directory and its lock file:
     * removing it makes a command waiting on that lock retry on the new
     * one (st_store_lock()). */
    if (!st_path_remove_tree(root, &err))
        st_warn("import", "domain '%s' imported, but %s", name, err->msg);
    return true;
}
