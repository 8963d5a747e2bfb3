/* lib/api.h: what the files of lib/ share: the handles behind the
 * opaque types of include/strata.h, their checks, and the per-thread
 * last error.  Not installed. */
#ifndef ST_LIB_API_H
#define ST_LIB_API_H

#include <stdbool.h>
#include <stdint.h>

#include "common/compiler.h"
#include "common/error.h"
#include "store/store.h"
#include "include/strata.h"

/* Each handle starts with its magic, set when made and cleared when
 * freed, so that a handle of another type (or one freed while its
 * memory is still mapped) is refused rather than misread. */
enum {
    MAGIC_CONN = 0x7374636e,    /* "stcn" */
    MAGIC_DOMAIN = 0x7374646d,
    MAGIC_SNAPSHOT = 0x7374736e,
    MAGIC_CHAIN = 0x73746368,
    MAGIC_PLAN = 0x7374706c,
};

/* Reference counted: strata_close() drops the caller's reference, each
 * domain holds one, so a domain outliving its connection is refused
 * ("closed") instead of reading freed memory. */
struct strata_conn {
    uint32_t magic;
    unsigned refs;
    bool closed;
    char *state_dir;            /* owned */
    char *run_dir;              /* owned */
};

struct strata_domain {
    uint32_t magic;
    struct strata_conn *conn;   /* a reference */
    char *name;                 /* owned; checked with st_name_check() */
};

struct strata_snapshot {
    uint32_t magic;
    struct strata_domain *dom;  /* owned: its own handle on the domain */
    char *name;                 /* owned */
};

struct strata_error {
    strata_error_code code;
    int errnum;
    char *message;
    char *hint;
    char *path;
};

/* Set the thread's last error from @err (consumed; NULL: "failed
 * without saying why", a bug).  Returns NULL / -1 for the caller's
 * return statement. */
void *st_api_fail(struct st_error *err);
int st_api_fail_int(struct st_error *err);
/* STRATA_ERR_INVALID_ARG "FN: ..." */
void *st_api_invalid(const char *fn, const char *fmt, ...) ST_PRINTF(2, 3);
int st_api_invalid_int(const char *fn, const char *fmt, ...) ST_PRINTF(2, 3);

/* Each check sets the last error (STRATA_ERR_INVALID_ARG) and returns
 * false when the argument is not what @fn needs. */
bool st_api_check_flags(const char *fn, unsigned flags, unsigned allowed);
bool st_api_check_conn(const char *fn, const struct strata_conn *conn);
bool st_api_check_domain(const char *fn, const struct strata_domain *dom);
bool st_api_check_snapshot(const char *fn, const struct strata_snapshot *snap);
bool st_api_check_string(const char *fn, const char *what, const char *s);
/* @name, when not NULL, is a valid snapshot name; false with the last
 * error set (STRATA_ERR_NAME) otherwise. */
bool st_api_check_snapshot_name(const char *name);

/* A new handle on domain @name of @conn (no check that it exists). */
struct strata_domain *st_api_domain_new(struct strata_conn *conn, const char *name);
struct strata_snapshot *st_api_snapshot_new(const struct strata_domain *dom, const char *name);

/* The store of @dom's connection; ST_E_NOT_FOUND unless @dom is
 * defined. */
struct st_store *st_api_store_for(const struct strata_domain *dom, struct st_error **errp);
/* The domain's lock (ST_E_BUSY with STRATA_NO_WAIT in @flags). */
int st_api_lock(const struct st_store *store, const struct strata_domain *dom, unsigned flags,
             struct st_error **errp);

#endif
