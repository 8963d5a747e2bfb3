/* lib/error.c: the per-thread last error, and the checks every API
 * function makes of its arguments before it touches them. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/name.h"
#include "common/xalloc.h"
#include "lib/api.h"

/* st_errcode's numbers are the public ones (strata.h says they never
 * change); the library adds STRATA_ERR_INVALID_ARG after them. */
_Static_assert((int) ST_E_INTERNAL == (int) STRATA_ERR_INTERNAL &&
               (int) ST_E_TIMEOUT == (int) STRATA_ERR_TIMEOUT &&
               (int) ST_E__LAST == (int) STRATA_ERR_INVALID_ARG,
               "public error codes follow st_errcode");

/* Per thread: strata.h's thread rule. */
static _Thread_local struct strata_error last;
static _Thread_local bool have_last;

static void
clear_last(void)
{
    free(last.message);
    free(last.hint);
    free(last.path);
    memset(&last, 0, sizeof last);
    have_last = false;
}

static void
set_last(strata_error_code code, int errnum, char *message, char *hint, char *path)
{
    clear_last();
    last.code = code;
    last.errnum = errnum;
    last.message = message;
    last.hint = hint;
    last.path = path;
    have_last = true;
}

void *
st_api_fail(struct st_error *err)
{
    if (!err) {
        set_last(STRATA_ERR_INTERNAL, 0, st_xstrdup("the call failed without saying why"),
                 NULL, NULL);
        return NULL;
    }
    set_last((strata_error_code) err->code, err->errnum, ST_STEAL(&err->msg),
             ST_STEAL(&err->hint), ST_STEAL(&err->path));
    st_error_free(err);
    return NULL;
}

int
st_api_fail_int(struct st_error *err)
{
    st_api_fail(err);
    return -1;
}

static void
vinvalid(const char *fn, const char *fmt, va_list ap)
{
    char *what = st_xvasprintf(fmt, ap);

    set_last(STRATA_ERR_INVALID_ARG, 0, st_xasprintf("%s: %s", fn, what), NULL, NULL);
    free(what);
}

void *
st_api_invalid(const char *fn, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vinvalid(fn, fmt, ap);
    va_end(ap);
    return NULL;
}

int
st_api_invalid_int(const char *fn, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vinvalid(fn, fmt, ap);
    va_end(ap);
    return -1;
}

bool
st_api_check_flags(const char *fn, unsigned flags, unsigned allowed)
{
    if (flags & ~allowed) {
        st_api_invalid(fn, "unsupported flags 0x%x", flags & ~allowed);
        return false;
    }
    return true;
}

bool
st_api_check_conn(const char *fn, const struct strata_conn *conn)
{
    if (!conn || conn->magic != MAGIC_CONN) {
        st_api_invalid(fn, conn ? "not a strata_conn" : "the connection is NULL");
        return false;
    }
    if (conn->closed) {
        st_api_invalid(fn, "the connection is closed");
        return false;
    }
    return true;
}

bool
st_api_check_domain(const char *fn, const struct strata_domain *dom)
{
    if (!dom || dom->magic != MAGIC_DOMAIN) {
        st_api_invalid(fn, dom ? "not a strata_domain" : "the domain is NULL");
        return false;
    }
    return st_api_check_conn(fn, dom->conn);
}

bool
st_api_check_snapshot(const char *fn, const struct strata_snapshot *snap)
{
    if (!snap || snap->magic != MAGIC_SNAPSHOT) {
        st_api_invalid(fn, snap ? "not a strata_snapshot" : "the snapshot is NULL");
        return false;
    }
    return st_api_check_domain(fn, snap->dom);
}

bool
st_api_check_string(const char *fn, const char *what, const char *s)
{
    if (!s) {
        st_api_invalid(fn, "%s is NULL", what);
        return false;
    }
    return true;
}

bool
st_api_check_snapshot_name(const char *name)
{
    struct st_error *err = NULL;

    if (!name || st_name_check("snapshot", name, &err))
        return true;
    st_api_fail(err);
    return false;
}

const strata_error *
strata_last_error(void)
{
    return have_last ? &last : NULL;
}

void
strata_reset_last_error(void)
{
    clear_last();
}

strata_error_code
strata_error_get_code(const strata_error *err)
{
    return err ? err->code : STRATA_OK;
}

const char *
strata_error_get_message(const strata_error *err)
{
    return err ? err->message : NULL;
}

const char *
strata_error_get_hint(const strata_error *err)
{
    return err ? err->hint : NULL;
}

const char *
strata_error_get_path(const strata_error *err)
{
    return err ? err->path : NULL;
}

int
strata_error_get_errno(const strata_error *err)
{
    return err ? err->errnum : 0;
}

const char *
strata_error_code_name(int code)
{
    if (code == STRATA_OK)
        return "ok";
    if (code == STRATA_ERR_INVALID_ARG)
        return "invalid-arg";
    if (code < STRATA_ERR_INTERNAL || code >= (int) ST_E__LAST)
        return NULL;
    return st_errcode_name((enum st_errcode) code);
}
