/* store/created.c: the record of the files strata made (created.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "store/created.h"
#include "store/journal.h"

enum { CREATED_MAX_BYTES = 16 << 20 };

static char *
created_path(const struct st_store *store, const char *dom)
{
    CLEANUP_FREE char *dir = st_store_domain_dir(store, dom);

    return st_path_join(dir, "created");
}

struct json_object *
st_created_load(const struct st_store *store, const char *dom, struct st_error **errp)
{
    CLEANUP_FREE char *path = created_path(store, dom);
    CLEANUP_FREE char *text = NULL;
    struct st_error *err = NULL;
    struct json_object *j;

    if (!(text = st_path_read(path, CREATED_MAX_BYTES, NULL, &err))) {
        if (err->errnum == ENOENT) {
            st_error_free(err);
            return json_object_new_array();
        }
        st_error_propagate(errp, err);
        return NULL;
    }
    if (!(j = st_json_parse(text, path, errp)))
        return NULL;
    if (!json_object_is_type(j, json_type_array)) {
        json_object_put(j);
        st_error_set(errp, ST_E_IO, "record of created files '%s' is not a JSON array", path);
        st_error_hint(errp, "move it away: strata then treats no file as its own");
        st_error_set_path(errp, path);
        return NULL;
    }
    return j;
}

static bool
save(const struct st_store *store, const char *dom, struct json_object *record,
     struct st_error **errp)
{
    CLEANUP_FREE char *path = created_path(store, dom);
    CLEANUP_FREE char *text = st_json_pretty(record);

    return st_path_write_atomic(path, 0600, text, strlen(text), errp);
}

static bool
same_id(struct json_object *a, struct json_object *b)
{
    const char *pa = st_json_get_string(a, "path"), *pb = st_json_get_string(b, "path");
    int64_t da, db, ia, ib;

    return pa && pb && strcmp(pa, pb) == 0 && st_json_get_int64(a, "device", &da) &&
           st_json_get_int64(b, "device", &db) && st_json_get_int64(a, "inode", &ia) &&
           st_json_get_int64(b, "inode", &ib) && da == db && ia == ib;
}

bool
st_created_add_from_journal(const struct st_store *store, const char *dom,
                            struct json_object *journal, struct st_error **errp)
{
    struct json_object *ids = st_json_get_array(journal, "created-ids");
    CLEANUP_JSON struct json_object *record = NULL;
    const char *op = st_json_get_string(journal, "operation");
    const char *snap = st_json_get_string(journal, "snapshot");
    bool changed = false;

    if (!ids || json_object_array_length(ids) == 0)
        return true;
    if (!(record = st_created_load(store, dom, errp)))
        return false;
    for (size_t i = 0; i < json_object_array_length(ids); i++) {
        struct json_object *id = json_object_array_get_idx(ids, i), *e = NULL;
        bool known = false;

        for (size_t k = 0; !known && k < json_object_array_length(record); k++)
            known = same_id(json_object_array_get_idx(record, k), id);
        if (known)
            continue;
        if (json_object_deep_copy(id, &e, NULL) < 0)
            abort();    /* json-c fails only to allocate */
        json_object_object_add(e, "operation", st_json_string_or_null(op));
        json_object_object_add(e, "snapshot", st_json_string_or_null(snap));
        json_object_array_add(record, e);
        changed = true;
    }
    return !changed || save(store, dom, record, errp);
}

struct json_object *
st_created_find(struct json_object *record, const char *path)
{
    for (size_t i = 0; record && i < json_object_array_length(record); i++) {
        struct json_object *e = json_object_array_get_idx(record, i);
        const char *p = st_json_get_string(e, "path");
        CLEANUP_JSON struct json_object *one = NULL;

        if (!p || strcmp(p, path) != 0)
            continue;
        /* The journal's identity check, on a journal of this one entry
         * (a path has one entry per file strata made there). */
        one = json_object_new_object();
        json_object_object_add(one, "created-ids", json_object_new_array());
        json_object_array_add(st_json_get_array(one, "created-ids"), json_object_get(e));
        if (st_journal_created_is_ours(one, path))
            return e;
    }
    return NULL;
}

static bool
listed(char *const *paths, const char *p)
{
    for (size_t i = 0; paths && paths[i]; i++) {
        if (strcmp(paths[i], p) == 0)
            return true;
    }
    return false;
}

size_t
st_created_record_prune(struct json_object *record, char *const *paths)
{
    size_t dropped = 0;

    /* Backwards, as deleting shifts the entries after the one deleted. */
    for (size_t i = json_object_array_length(record); i-- > 0;) {
        struct json_object *e = json_object_array_get_idx(record, i);
        const char *p = st_json_get_string(e, "path");

        if (p && paths && !listed(paths, p))
            continue;
        /* A path has one entry per file strata made there; the one that
         * is the file there now is the one that stays. */
        if (p && st_created_find(record, p) == e)
            continue;
        json_object_array_del_idx(record, i, 1);
        dropped++;
    }
    return dropped;
}

bool
st_created_forget(const struct st_store *store, const char *dom, char *const *paths,
                  struct st_error **errp)
{
    CLEANUP_JSON struct json_object *record = NULL;

    if (!(record = st_created_load(store, dom, errp)))
        return false;
    return st_created_record_prune(record, paths) == 0 || save(store, dom, record, errp);
}

bool
st_created_prune(const struct st_store *store, const char *dom, struct st_error **errp)
{
    return st_created_forget(store, dom, NULL, errp);
}

bool
st_created_disown(const struct st_store *store, const char *dom, const char *path,
                  struct st_error **errp)
{
    CLEANUP_JSON struct json_object *record = NULL;
    struct json_object *kept;
    size_t n;

    if (!(record = st_created_load(store, dom, errp)))
        return false;
    n = json_object_array_length(record);
    kept = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        struct json_object *e = json_object_array_get_idx(record, i);
        const char *p = st_json_get_string(e, "path");

        if (!p || strcmp(p, path) != 0)
            json_object_array_add(kept, json_object_get(e));
    }
    if (json_object_array_length(kept) == n) {
        json_object_put(kept);
        return true;
    }
    json_object_put(record);
    record = kept;
    return save(store, dom, record, errp);
}
