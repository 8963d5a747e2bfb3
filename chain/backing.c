/* chain/backing.c: resolve a backing path as QEMU does: an absolute
 * name as is; a relative one relative to the directory of the overlay
 * that names it, not to the current directory.  Protocol and json:
 * strings are reported, never followed: they name things (network
 * servers, option sets) that strata cannot check. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "chain/backing.h"

bool
st_backing_has_protocol(const char *s)
{
    size_t n = strcspn(s, ":/");

    return s[n] == ':';
}

bool
st_backing_locate(const char *overlay, const char *backing, const char **dir, size_t *dir_len,
                  struct st_error **errp)
{
    size_t n;
    const char *d;

    if (backing[0] == '\0') {
        st_error_set(errp, ST_E_CHAIN, "'%s' names an empty backing file", overlay);
        st_error_set_path(errp, overlay);
        return false;
    }
    if (strncmp(backing, "json:", 5) == 0) {
        st_error_set(errp, ST_E_CHAIN, "backing string '%s' is a json: option set, which strata does not follow",
                     backing);
        st_error_set_path(errp, overlay);
        st_error_hint(errp, "rewrite the backing file of '%s' as a path with 'qemu-img rebase -u'", overlay);
        return false;
    }
    if (st_backing_has_protocol(backing)) {
        size_t k = strcspn(backing, ":");

        st_error_set(errp, ST_E_CHAIN, "backing string '%s' uses protocol '%.*s:', which strata does not follow",
                     backing, (int) k, backing);
        st_error_set_path(errp, overlay);
        st_error_hint(errp, "rewrite the backing file of '%s' as a path with 'qemu-img rebase -u'", overlay);
        return false;
    }
    *dir = overlay;
    *dir_len = 0;
    if (backing[0] == '/')
        return true;
    d = st_path_dirname_span(overlay, &n);
    if (n == 1 && d[0] == '.')
        return true;
    *dir = d;
    *dir_len = n;
    return true;
}

char *
st_backing_resolve(const char *overlay, const char *backing, struct st_error **errp)
{
    const char *dir;
    size_t n;

    if (!st_backing_locate(overlay, backing, &dir, &n, errp))
        return NULL;
    if (n == 0)
        return st_xstrdup(backing);
    return st_path_join_into(st_xmalloc(st_path_join_size(dir, n, backing)), dir, n, backing);
}
