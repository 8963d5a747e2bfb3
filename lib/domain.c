/* lib/domain.c: domains through the public API: define, look up, list,
 * read, undefine, recover.  Each function checks its arguments, calls
 * the operation below (ops/op-define.c, ops/op-recover.c) and turns
 * its st_error into the thread's last error. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/json.h"
#include "common/name.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "ops/op-define.h"
#include "ops/op-recover.h"
#include "lib/api.h"

strata_domain *
strata_domain_define_xml(strata_conn *conn, const char *xml, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_DOMAIN struct st_domain *dom = NULL;

    if (!st_api_check_conn(__func__, conn) || !st_api_check_string(__func__, "the XML", xml) ||
        !st_api_check_flags(__func__, flags, STRATA_NO_WAIT))
        return NULL;
    if (!(dom = st_domain_parse(xml, strlen(xml), "domain XML", &err)) ||
        !st_op_define(conn->state_dir, dom, true, !(flags & STRATA_NO_WAIT), &err))
        return st_api_fail(err);
    return st_api_domain_new(conn, dom->name);
}

strata_domain *
strata_domain_define_disks(strata_conn *conn, const char *name, const strata_disk *disks,
                           size_t ndisks, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_DOMAIN struct st_domain *dom = NULL;

    if (!st_api_check_conn(__func__, conn) || !st_api_check_string(__func__, "the name", name) ||
        !st_api_check_flags(__func__, flags, STRATA_NO_WAIT))
        return NULL;
    if (ndisks && !disks)
        return st_api_invalid(__func__, "%zu disks but the array is NULL", ndisks);
    for (size_t i = 0; i < ndisks; i++)
        if (!disks[i].dev || !disks[i].path)
            return st_api_invalid(__func__, "disk %zu has no %s", i, disks[i].dev ? "path" : "dev");
    if (!(dom = st_domain_new(name, &err)))
        return st_api_fail(err);
    for (size_t i = 0; i < ndisks; i++) {
        CLEANUP_FREE char *abs = st_path_absolute(disks[i].path, &err);

        if (!abs || !st_domain_add_disk(dom, disks[i].dev, abs, disks[i].format, &err))
            return st_api_fail(err);
    }
    if (!st_op_define(conn->state_dir, dom, false, !(flags & STRATA_NO_WAIT), &err))
        return st_api_fail(err);
    return st_api_domain_new(conn, dom->name);
}

strata_domain *
strata_domain_lookup(strata_conn *conn, const char *name)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;

    if (!st_api_check_conn(__func__, conn) || !st_api_check_string(__func__, "the name", name))
        return NULL;
    if (!(store = st_store_open(conn->state_dir, false, &err)) ||
        !st_store_domain_require(store, name, &err))
        return st_api_fail(err);
    return st_api_domain_new(conn, name);
}

int
strata_list_domains(strata_conn *conn, char ***names)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    char **list;

    if (!st_api_check_conn(__func__, conn))
        return -1;
    if (!names)
        return st_api_invalid_int(__func__, "names is NULL");
    *names = NULL;
    if (!(store = st_store_open(conn->state_dir, false, &err)) ||
        !(list = st_store_domain_list(store, &err)))
        return st_api_fail_int(err);
    *names = list;
    return (int) st_strv_len(list);
}

const char *
strata_domain_get_name(const strata_domain *dom)
{
    return st_api_check_domain(__func__, dom) ? dom->name : NULL;
}

/* @dom's definition as stored, or NULL with the last error set. */
static struct st_domain *
load(const struct strata_domain *dom)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = st_api_store_for(dom, &err);
    struct st_domain *d;

    if (!store || !(d = st_store_domain_load(store, dom->name, &err)))
        return st_api_fail(err);
    return d;
}

char *
strata_domain_get_xml(strata_domain *dom, unsigned flags)
{
    CLEANUP_DOMAIN struct st_domain *d = NULL;

    if (!st_api_check_domain(__func__, dom) || !st_api_check_flags(__func__, flags, 0) ||
        !(d = load(dom)))
        return NULL;
    return st_domain_format(d);
}

int
strata_domain_get_disks(strata_domain *dom, strata_disk **disks)
{
    CLEANUP_DOMAIN struct st_domain *d = NULL;
    strata_disk *out;

    if (!st_api_check_domain(__func__, dom))
        return -1;
    if (!disks)
        return st_api_invalid_int(__func__, "disks is NULL");
    *disks = NULL;
    if (!(d = load(dom)))
        return -1;
    /* One more than needed, so that no disks is still an array to free. */
    out = st_xcalloc(d->ndisks + 1, sizeof *out);
    for (size_t i = 0; i < d->ndisks; i++) {
        out[i].dev = st_xstrdup(d->disks[i].target);
        out[i].path = d->disks[i].source ? st_xstrdup(d->disks[i].source) : NULL;
        out[i].format = d->disks[i].format ? st_xstrdup(d->disks[i].format) : NULL;
    }
    *disks = out;
    return (int) d->ndisks;
}

void
strata_disks_free(strata_disk *disks, int ndisks)
{
    if (!disks)
        return;
    for (int i = 0; i < ndisks; i++) {
        free(disks[i].dev);
        free(disks[i].path);
        free(disks[i].format);
    }
    free(disks);
}

int
strata_domain_undefine(strata_domain *dom, unsigned flags)
{
    struct st_error *err = NULL;

    if (!st_api_check_domain(__func__, dom) ||
        !st_api_check_flags(__func__, flags, STRATA_NO_WAIT | STRATA_UNDEFINE_SNAPSHOTS_METADATA))
        return -1;
    if (!st_op_undefine(dom->conn->state_dir, dom->conn->run_dir, dom->name,
                        flags & STRATA_UNDEFINE_SNAPSHOTS_METADATA, !(flags & STRATA_NO_WAIT),
                        &err))
        return st_api_fail_int(err);
    return 0;
}

int
strata_domain_recover(strata_domain *dom, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_CLOSE int lock = -1;
    CLEANUP_JSON struct json_object *report = NULL;

    if (!st_api_check_domain(__func__, dom) || !st_api_check_flags(__func__, flags, STRATA_NO_WAIT))
        return -1;
    if (!(store = st_api_store_for(dom, &err)) || (lock = st_api_lock(store, dom, flags, &err)) < 0 ||
        !st_op_recover(store, dom->name, dom->conn->run_dir, &report, &err))
        return st_api_fail_int(err);
    return 0;
}
