/* store/journal.c: the per-domain intent log. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "common/json.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "store/created.h"
#include "store/journal.h"

enum { JOURNAL_MAX_BYTES = 16 << 20 };

static char *
journal_path(const struct st_store *store, const char *dom)
{
    CLEANUP_FREE char *dir = st_store_domain_dir(store, dom);

    return st_path_join(dir, "journal");
}

struct json_object *
st_journal_new(const char *operation, const char *snapshot)
{
    struct json_object *j = json_object_new_object();

    json_object_object_add(j, "operation", json_object_new_string(operation));
    json_object_object_add(j, "snapshot", st_json_string_or_null(snapshot));
    json_object_object_add(j, "phase", json_object_new_string("planned"));
    json_object_object_add(j, "started", json_object_new_int64((int64_t) time(NULL)));
    json_object_object_add(j, "pid", json_object_new_int64((int64_t) getpid()));
    json_object_object_add(j, "created-files", json_object_new_array());
    json_object_object_add(j, "detail", json_object_new_object());
    return j;
}

void
st_journal_add_created(struct json_object *journal, const char *path)
{
    struct json_object *files = st_json_get_array(journal, "created-files");

    if (files)
        json_object_array_add(files, json_object_new_string(path));
}

/* statx: the birth time tells a new file from an old one that had the
 * same inode number (ext4 hands freed inode numbers out again). */
static bool
file_id(int dirfd, const char *path, int flags, struct st_file_id *id, bool *regular)
{
    struct statx stx;

    if (statx(dirfd, path, flags | AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_INO | STATX_BTIME,
              &stx) < 0)
        return false;
    id->dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
    id->ino = (ino_t) stx.stx_ino;
    id->birth_ns = (stx.stx_mask & STATX_BTIME)
        ? (int64_t) stx.stx_btime.tv_sec * 1000000000 + stx.stx_btime.tv_nsec : -1;
    if (regular)
        *regular = S_ISREG(stx.stx_mode);
    return true;
}

bool
st_file_id_of_fd(int fd, struct st_file_id *id)
{
    return file_id(fd, "", AT_EMPTY_PATH, id, NULL);
}

void
st_journal_add_created_id(struct json_object *journal, const char *path,
                          const struct st_file_id *id)
{
    struct json_object *ids = st_json_get_array(journal, "created-ids");
    struct json_object *o = json_object_new_object();

    if (!ids) {
        ids = json_object_new_array();
        json_object_object_add(journal, "created-ids", ids);
    }
    json_object_object_add(o, "path", json_object_new_string(path));
    json_object_object_add(o, "device", json_object_new_int64((int64_t) id->dev));
    json_object_object_add(o, "inode", json_object_new_int64((int64_t) id->ino));
    json_object_object_add(o, "birth-ns", id->birth_ns >= 0 ? json_object_new_int64(id->birth_ns)
                                                            : NULL);
    json_object_array_add(ids, o);
}

bool
st_journal_created_is_ours(struct json_object *journal, const char *path)
{
    struct json_object *ids = st_json_get_array(journal, "created-ids");
    struct st_file_id now;
    bool regular;
    struct stat st;

    if (!file_id(AT_FDCWD, path, 0, &now, &regular) || !regular)
        return false;
    for (size_t i = 0; ids && i < json_object_array_length(ids); i++) {
        struct json_object *o = json_object_array_get_idx(ids, i);
        const char *p = st_json_get_string(o, "path");
        int64_t dev, ino, birth;

        if (!p || strcmp(p, path) != 0)
            continue;
        if (!st_json_get_int64(o, "device", &dev) || !st_json_get_int64(o, "inode", &ino) ||
            (dev_t) dev != now.dev || (ino_t) ino != now.ino)
            return false;
        /* Compared only when both sides know it. */
        return !st_json_get_int64(o, "birth-ns", &birth) || now.birth_ns < 0 ||
               birth == now.birth_ns;
    }
    return stat(path, &st) == 0 && st.st_size == 0;
}

bool
st_journal_write(const struct st_store *store, const char *dom, struct json_object *journal,
                 struct st_error **errp)
{
    CLEANUP_FREE char *path = journal_path(store, dom);
    CLEANUP_FREE char *text = st_json_pretty(journal);

    /* The lasting record first: the journal goes when the operation
     * ends, and the files it names may stay (store/created.h). */
    if (!st_created_add_from_journal(store, dom, journal, errp))
        return false;
    return st_path_write_atomic(path, 0600, text, strlen(text), errp);
}

bool
st_journal_set_phase(const struct st_store *store, const char *dom, struct json_object *journal,
                     const char *phase, struct st_error **errp)
{
    json_object_object_add(journal, "phase", json_object_new_string(phase));
    return st_journal_write(store, dom, journal, errp);
}

struct json_object *
st_journal_read(const struct st_store *store, const char *dom, struct st_error **errp)
{
    CLEANUP_FREE char *path = journal_path(store, dom);
    CLEANUP_FREE char *text = NULL;
    struct st_error *err = NULL;
    struct json_object *j;

    if (!(text = st_path_read(path, JOURNAL_MAX_BYTES, NULL, &err))) {
        if (err->errnum == ENOENT) {
            st_error_free(err);
            return NULL;
        }
        st_error_propagate(errp, err);
        return NULL;
    }
    if (!(j = st_json_parse(text, path, errp))) {
        st_error_set_path(errp, path);
        return NULL;
    }
    if (!json_object_is_type(j, json_type_object) || !st_json_get_string(j, "operation")) {
        json_object_put(j);
        st_error_set(errp, ST_E_IO, "journal '%s' has no operation", path);
        st_error_set_path(errp, path);
        return NULL;
    }
    return j;
}

bool
st_journal_clear(const struct st_store *store, const char *dom, struct st_error **errp)
{
    CLEANUP_FREE char *path = journal_path(store, dom);

    if (unlink(path) < 0) {
        if (errno == ENOENT)
            return true;
        st_error_set_errno(errp, errno, ST_E_IO, "cannot remove journal '%s'", path);
        st_error_set_path(errp, path);
        return false;
    }
    return st_path_fsync_dir(path, errp);
}

bool
st_journal_refuse_if_pending(const struct st_store *store, const char *dom,
                             struct st_error **errp)
{
    CLEANUP_JSON struct json_object *j = NULL;
    CLEANUP_FREE char *path = journal_path(store, dom);
    struct st_error *err = NULL;
    const char *snap, *op;

    if (!(j = st_journal_read(store, dom, &err))) {
        if (!err)
            return true;
        st_error_propagate(errp, err);
        st_error_prepend(errp, "domain '%s' has an unreadable journal: ", dom);
        return false;
    }
    snap = st_json_get_string(j, "snapshot");
    op = st_json_get_string(j, "operation");
    st_error_set(errp, ST_E_CONFLICT,
                 "domain '%s' has an interrupted %s%s%s%s (phase '%s')", dom,
                 op ? op : "operation", snap ? " of '" : "", snap ? snap : "",
                 snap ? "'" : "", st_json_get_string(j, "phase") ? st_json_get_string(j, "phase")
                                                                 : "unknown");
    st_error_set_path(errp, path);
    /* A delete (ST_DELETE_OPERATION of ops/op-delete.h, a layer above)
     * is only ever finished: once a job has run, data may have
     * been written to the survivor, which no roll back could undo. */
    if (op && strcmp(op, "snapshot-delete") == 0)
        st_error_hint(errp, "run 'strata recover %s' to finish it (a delete rolls forward only); strata-store(5) says what each phase leaves",
                      dom);
    else
        st_error_hint(errp, "run 'strata recover %s' to finish or roll it back; strata-store(5) says what each phase leaves",
                      dom);
    return false;
}
