/* store/naming.c: default and collision-free overlay file names. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "store/naming.h"

char *
st_naming_overlay_default(const char *active, const char *snap)
{
    const char *slash = strrchr(active, '/');
    const char *base = slash ? slash + 1 : active;
    const char *dot = strrchr(base, '.');

    /* A leading dot names a hidden file, not an extension. */
    if (!dot || dot == base)
        return st_xasprintf("%s.%s", active, snap);
    return st_xasprintf("%.*s.%s", (int) (dot - active), active, snap);
}

char *
st_naming_revert_overlay(const char *pit, const char *snap, st_naming_taken_fn taken,
                         void *opaque)
{
    for (unsigned long n = 1;; n++) {
        CLEANUP_FREE char *tag = st_xasprintf("%s-%lu", snap, n);
        char *path = st_naming_overlay_default(pit, tag);

        if (!taken || !taken(path, opaque))
            return path;
        free(path);
    }
}
