/* store/store-layout.c: where things are in the state directory, and
 * whether a domain is defined there (store/store-layout.h). */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "common/name.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "store/store-layout.h"

struct st_store *
st_store_open(const char *dir, bool create, struct st_error **errp)
{
    struct st_store *store;

    if (create && !st_path_mkdir_p(dir, 0700, errp))
        return NULL;
    store = st_xcalloc(1, sizeof *store);
    store->dir = st_xstrdup(dir);
    return store;
}

void
st_store_free(struct st_store *store)
{
    if (!store)
        return;
    free(store->dir);
    free(store);
}

char *
st_store_domain_dir(const struct st_store *store, const char *dom)
{
    return st_xasprintf("%s/%s", store->dir, dom);
}

char *
st_store_snapshot_path(const struct st_store *store, const char *dom, const char *snap)
{
    return st_xasprintf("%s/%s/snapshots/%s.xml", store->dir, dom, snap);
}

char *
st_store_domain_xml_path(const struct st_store *store, const char *dom)
{
    return st_xasprintf("%s/%s/domain.xml", store->dir, dom);
}

bool
st_store_domain_exists(const struct st_store *store, const char *dom)
{
    CLEANUP_FREE char *path = st_store_domain_xml_path(store, dom);

    return st_name_check("domain", dom, NULL) && st_path_exists(path);
}

bool
st_store_domain_require(const struct st_store *store, const char *name, struct st_error **errp)
{
    CLEANUP_FREE char *path = NULL;

    if (!st_name_check("domain", name, errp))
        return false;
    path = st_store_domain_xml_path(store, name);
    if (!st_path_exists(path)) {
        st_error_set(errp, ST_E_NOT_FOUND, "no domain named '%s'", name);
        st_error_hint(errp, "'strata list' shows the defined domains");
        return false;
    }
    return true;
}

char *
st_store_default_state_dir(void)
{
    const char *env = getenv("STRATA_STATE_DIR");
    const char *home;

    if (env && *env)
        return st_xstrdup(env);
    if (geteuid() == 0)
        return st_xstrdup("/var/lib/strata");
    if ((env = getenv("XDG_STATE_HOME")) && *env == '/')
        return st_xasprintf("%s/strata", env);
    home = getenv("HOME");
    return st_xasprintf("%s/.local/state/strata", home && *home ? home : "/tmp");
}

char *
st_store_default_run_dir(void)
{
    const char *env = getenv("XDG_RUNTIME_DIR");

    if (env && *env == '/')
        return st_xasprintf("%s/strata", env);
    return st_xstrdup("/run/strata");
}
