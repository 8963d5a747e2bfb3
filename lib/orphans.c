/* lib/orphans.c: the files strata made that nothing references, as
 * 'strata chain check DOMAIN' lists them (ops/orphans.c finds and
 * removes them); this file copies them into the public struct. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>

#include "common/cleanup.h"
#include "common/xalloc.h"
#include "ops/orphans.h"
#include "lib/api.h"

int
strata_domain_list_orphans(strata_domain *dom, strata_orphan **orphans, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;
    struct st_orphans o = { NULL, 0 };
    strata_orphan *out;
    int n;

    if (!st_api_check_domain(__func__, dom) ||
        !st_api_check_flags(__func__, flags, STRATA_ORPHANS_REMOVE | STRATA_NO_WAIT))
        return -1;
    if (!orphans)
        return st_api_invalid_int(__func__, "orphans is NULL");
    *orphans = NULL;
    if (!(store = st_api_store_for(dom, &err)) ||
        ((flags & STRATA_ORPHANS_REMOVE) && (lock = st_api_lock(store, dom, flags, &err)) < 0) ||
        !st_orphans_find(store, dom->name, &o, &err) ||
        ((flags & STRATA_ORPHANS_REMOVE) && !st_orphans_remove(store, dom->name, &o, &err))) {
        st_orphans_clear(&o);
        return st_api_fail_int(err);
    }
    if (o.n > INT_MAX) {
        st_orphans_clear(&o);
        return st_api_invalid_int(__func__, "too many orphans to count in an int");
    }
    out = st_xcalloc(o.n + 1, sizeof *out);
    for (size_t i = 0; i < o.n; i++) {
        const struct st_orphan *or = &o.v[i];

        out[i] = (strata_orphan) {
            .path = st_xstrdup(or->path), .operation = st_xstrdup_or_null(or->operation),
            .snapshot = st_xstrdup_or_null(or->snapshot), .backed_by = st_xstrdup_or_null(or->backed_by),
            .removed = or->removed,
        };
    }
    *orphans = out;
    n = (int) o.n;
    st_orphans_clear(&o);
    return n;
}

void
strata_orphans_free(strata_orphan *orphans, int n)
{
    if (!orphans)
        return;
    for (int i = 0; i < n; i++) {
        free(orphans[i].path);
        free(orphans[i].operation);
        free(orphans[i].snapshot);
        free(orphans[i].backed_by);
    }
    free(orphans);
}
