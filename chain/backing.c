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

char *
st_backing_resolve(const char *overlay, const char *backing, struct st_error **errp)
{
    CLEANUP_FREE char *dir = NULL;

    if (backing[0] == '\0') {
        st_error_set(errp, ST_E_CHAIN, "'%s' names an empty backing file", overlay);
        st_error_set_path(errp, overlay);
        return NULL;
    }
    if (strncmp(backing, "json:", 5) == 0) {
        st_error_set(errp, ST_E_CHAIN, "backing string '%s' is a json: option set, which strata does not follow",
                     backing);
        st_error_set_path(errp, overlay);
        st_error_hint(errp, "rewrite the backing file of '%s' as a path with 'qemu-img rebase -u'", overlay);
        return NULL;
    }
    if (st_backing_has_protocol(backing)) {
        size_t n = strcspn(backing, ":");

        st_error_set(errp, ST_E_CHAIN, "backing string '%s' uses protocol '%.*s:', which strata does not follow",
                     backing, (int) n, backing);
        st_error_set_path(errp, overlay);
        st_error_hint(errp, "rewrite the backing file of '%s' as a path with 'qemu-img rebase -u'", overlay);
        return NULL;
    }
    if (backing[0] == '/')
        return st_xstrdup(backing);
    dir = st_path_dirname(overlay);
    if (strcmp(dir, ".") == 0)
        return st_xstrdup(backing);
    return st_path_join(dir, backing);
}
