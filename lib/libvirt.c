/* lib/libvirt.c: libvirt's own files through the public API: import a
 * domain with its snapshots, export them back.  The work is
 * ops/op-import.c's and ops/op-libvirt-export.c's. */
#include "config.h"

#include <stdlib.h>

#include "common/name.h"
#include "store/tree.h"
#include "ops/op-import.h"
#include "lib/api.h"

strata_domain *
strata_domain_import_libvirt(strata_conn *conn, const char *name, const char *config_dir,
                             const char *snapshot_dir, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_IMPORT struct st_import *imp = NULL;

    if (!st_api_check_conn(__func__, conn) || !st_api_check_string(__func__, "the name", name) ||
        !st_api_check_flags(__func__, flags, STRATA_NO_WAIT))
        return NULL;
    if ((config_dir && !*config_dir) || (snapshot_dir && !*snapshot_dir))
        return st_api_invalid(__func__, "an empty directory name (NULL means libvirt's)");
    if (!st_name_check("domain", name, &err) ||
        !(imp = st_import_read(config_dir ? config_dir : ST_LIBVIRT_CONFIG_DIR,
                               snapshot_dir ? snapshot_dir : ST_LIBVIRT_SNAPSHOT_DIR, name,
                               &err)) ||
        !st_op_import(conn->state_dir, imp, !(flags & STRATA_NO_WAIT), &err))
        return st_api_fail(err);
    return st_api_domain_new(conn, name);
}

int
strata_domain_export_libvirt(strata_domain *dom, const char *dir, unsigned flags)
{
    struct st_error *err = NULL;
    CLEANUP_DOMAIN struct st_domain *d = NULL;
    CLEANUP_TREE struct st_tree *tree = NULL;
    CLEANUP_FREE struct st_tree_node **order = NULL;
    size_t n = 0;

    if (!st_api_check_domain(__func__, dom) || !st_api_check_string(__func__, "the directory", dir) ||
        !st_api_check_flags(__func__, flags, 0))
        return -1;
    if (!*dir)
        return st_api_invalid_int(__func__, "an empty directory name");
    if (!st_op_export_libvirt(dom->conn->state_dir, dom->name, dir, &d, &tree, &order, &n, &err))
        return st_api_fail_int(err);
    return 0;
}
