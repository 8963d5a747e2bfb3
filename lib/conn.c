/* lib/conn.c: connections, and the domain and snapshot handles made
 * through them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "store/store-layout.h"
#include "lib/api.h"

const char *
strata_version(void)
{
    return STRATA_VERSION;
}

static void conn_unref(struct strata_conn *conn);

/* *@dir made absolute; false with the last error set. */
static bool
make_absolute(char **dir)
{
    struct st_error *err = NULL;
    char *abs = st_path_absolute(*dir, &err);

    if (!abs) {
        st_api_fail(err);
        return false;
    }
    free(*dir);
    *dir = abs;
    return true;
}

strata_conn *
strata_open(const char *state_dir, const char *run_dir, unsigned flags)
{
    struct strata_conn *conn;

    if (!st_api_check_flags(__func__, flags, 0))
        return NULL;
    if ((state_dir && !*state_dir) || (run_dir && !*run_dir))
        return st_api_invalid(__func__, "an empty directory name (NULL means the default)");
    /* Debug lines only when the environment asks (lib/log.c: the
     * library prints no warnings unless a log callback takes them). */
    st_log_init_from_env();
    conn = st_xcalloc(1, sizeof *conn);
    conn->magic = MAGIC_CONN;
    conn->refs = 1;
    conn->state_dir = state_dir ? st_xstrdup(state_dir) : st_store_default_state_dir();
    conn->run_dir = run_dir ? st_xstrdup(run_dir) : st_store_default_run_dir();
    /* Absolute, resolved now: a daemonized QSD runs in /, the paths go
     * into its sockets and the store, and the caller may chdir later. */
    if (!make_absolute(&conn->state_dir) || !make_absolute(&conn->run_dir)) {
        conn->closed = true;
        conn_unref(conn);
        return NULL;
    }
    return conn;
}

static void
conn_unref(struct strata_conn *conn)
{
    if (--conn->refs)
        return;
    conn->magic = 0;
    free(conn->state_dir);
    free(conn->run_dir);
    free(conn);
}

void
strata_close(strata_conn *conn)
{
    if (!conn || conn->magic != MAGIC_CONN || conn->closed)
        return;
    conn->closed = true;
    conn_unref(conn);
}

const char *
strata_conn_get_state_dir(const strata_conn *conn)
{
    return st_api_check_conn(__func__, conn) ? conn->state_dir : NULL;
}

const char *
strata_conn_get_run_dir(const strata_conn *conn)
{
    return st_api_check_conn(__func__, conn) ? conn->run_dir : NULL;
}

struct strata_domain *
st_api_domain_new(struct strata_conn *conn, const char *name)
{
    struct strata_domain *dom = st_xcalloc(1, sizeof *dom);

    dom->magic = MAGIC_DOMAIN;
    dom->conn = conn;
    conn->refs++;
    dom->name = st_xstrdup(name);
    return dom;
}

void
strata_domain_free(strata_domain *dom)
{
    if (!dom || dom->magic != MAGIC_DOMAIN)
        return;
    dom->magic = 0;
    conn_unref(dom->conn);
    free(dom->name);
    free(dom);
}

struct strata_snapshot *
st_api_snapshot_new(const struct strata_domain *dom, const char *name)
{
    struct strata_snapshot *snap = st_xcalloc(1, sizeof *snap);

    snap->magic = MAGIC_SNAPSHOT;
    snap->dom = st_api_domain_new(dom->conn, dom->name);
    snap->name = st_xstrdup(name);
    return snap;
}

void
strata_snapshot_free(strata_snapshot *snap)
{
    if (!snap || snap->magic != MAGIC_SNAPSHOT)
        return;
    snap->magic = 0;
    strata_domain_free(snap->dom);
    free(snap->name);
    free(snap);
}

struct st_store *
st_api_store_for(const struct strata_domain *dom, struct st_error **errp)
{
    CLEANUP_STORE struct st_store *store = st_store_open(dom->conn->state_dir, false, errp);

    if (!store || !st_store_domain_require(store, dom->name, errp))
        return NULL;
    return ST_STEAL(&store);
}

int
st_api_lock(const struct st_store *store, const struct strata_domain *dom, unsigned flags,
         struct st_error **errp)
{
    return st_store_lock(store, dom->name, !(flags & STRATA_NO_WAIT), errp);
}

void
strata_names_free(char **names)
{
    st_strv_free(names);
}
