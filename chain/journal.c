/* chain/journal.c: the per-domain intent log. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/json.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "chain/journal.h"

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

bool
st_journal_write(const struct st_store *store, const char *dom, struct json_object *journal,
                 struct st_error **errp)
{
    CLEANUP_FREE char *path = journal_path(store, dom);
    CLEANUP_FREE char *text = st_json_pretty(journal);

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
    const char *snap;

    if (!(j = st_journal_read(store, dom, &err))) {
        if (!err)
            return true;
        st_error_propagate(errp, err);
        st_error_prepend(errp, "domain '%s' has an unreadable journal: ", dom);
        return false;
    }
    snap = st_json_get_string(j, "snapshot");
    st_error_set(errp, ST_E_CONFLICT,
                 "domain '%s' has an interrupted %s%s%s%s (phase '%s')", dom,
                 st_json_get_string(j, "operation"), snap ? " of '" : "", snap ? snap : "",
                 snap ? "'" : "", st_json_get_string(j, "phase") ? st_json_get_string(j, "phase")
                                                                 : "unknown");
    st_error_set_path(errp, path);
    st_error_hint(errp, "run 'strata recover %s' to finish or roll it back; strata-store(5) says what each phase leaves",
                  dom);
    return false;
}
