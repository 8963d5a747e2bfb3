/* common/error.c: building and amending struct st_error values. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/error.h"
#include "common/xalloc.h"

static const char *const code_names[] = {
    [0] = "unknown",
    [ST_E_INTERNAL] = "internal",
    [ST_E_USAGE] = "usage",
    [ST_E_IO] = "io",
    [ST_E_NAME] = "name",
    [ST_E_XML] = "xml",
    [ST_E_QCOW2] = "qcow2",
    [ST_E_CHAIN] = "chain",
    [ST_E_QMP] = "qmp",
    [ST_E_JOB] = "job",
    [ST_E_NBD] = "nbd",
    [ST_E_BUSY] = "busy",
    [ST_E_NOT_FOUND] = "not-found",
    [ST_E_CONFLICT] = "conflict",
    [ST_E_TIMEOUT] = "timeout",
};
ST_STATIC_ASSERT(ST_ARRAY_SIZE(code_names) == ST_E__LAST,
                 "every error code has a name");

const char *
st_errcode_name(enum st_errcode code)
{
    if ((unsigned) code >= ST_E__LAST)
        return "unknown";
    return code_names[code];
}

static void error_setv(struct st_error **errp, int errnum, enum st_errcode code,
                       const char *fmt, va_list ap) ST_PRINTF(4, 0);

static void
error_setv(struct st_error **errp, int errnum, enum st_errcode code,
           const char *fmt, va_list ap)
{
    struct st_error *err;

    if (!errp)
        return;
    if (*errp) {
        /* QEMU's rule: an error is set once.  A second set is a bug. */
        fprintf(stderr, "strata: internal error: error set twice: '%s'\n",
                (*errp)->msg);
        abort();
    }
    err = st_xcalloc(1, sizeof *err);
    err->code = code;
    err->errnum = errnum;
    err->msg = st_xvasprintf(fmt, ap);
    *errp = err;
}

void
st_error_set(struct st_error **errp, enum st_errcode code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_setv(errp, 0, code, fmt, ap);
    va_end(ap);
}

void
st_error_set_errno(struct st_error **errp, int errnum, enum st_errcode code,
                   const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    error_setv(errp, errnum, code, fmt, ap);
    va_end(ap);
}

void
st_error_set_path(struct st_error **errp, const char *path)
{
    if (!errp || !*errp)
        return;
    free((*errp)->path);
    (*errp)->path = path ? st_xstrdup(path) : NULL;
}

void
st_error_hint(struct st_error **errp, const char *fmt, ...)
{
    va_list ap;

    if (!errp || !*errp)
        return;
    free((*errp)->hint);
    va_start(ap, fmt);
    (*errp)->hint = st_xvasprintf(fmt, ap);
    va_end(ap);
}

void
st_error_prepend(struct st_error **errp, const char *fmt, ...)
{
    va_list ap;
    char *prefix;
    char *msg;

    if (!errp || !*errp)
        return;
    va_start(ap, fmt);
    prefix = st_xvasprintf(fmt, ap);
    va_end(ap);
    msg = st_xasprintf("%s%s", prefix, (*errp)->msg);
    free(prefix);
    free((*errp)->msg);
    (*errp)->msg = msg;
}

void
st_error_propagate(struct st_error **dst, struct st_error *src)
{
    if (!src)
        return;
    if (!dst) {
        st_error_free(src);
        return;
    }
    if (*dst) {
        /* Keep the first error, as QEMU's error_propagate does. */
        st_error_free(src);
        return;
    }
    *dst = src;
}

void
st_error_free(struct st_error *err)
{
    if (!err)
        return;
    free(err->msg);
    free(err->path);
    free(err->hint);
    free(err);
}
