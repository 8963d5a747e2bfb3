/* common/error.h: the one error type.  An error says what failed, on
 * which object and file, why (errno), and what the user can do next.
 *
 * Rules (after QEMU's include/qapi/error.h):
 *  - A function that can fail takes 'struct st_error **errp' LAST and
 *    also returns failure: false, NULL or -1.  Never void.
 *  - On failure it sets exactly one error; on success *errp is untouched.
 *  - errp may be NULL ("I don't care"); callees never read *errp.
 *  - Code below cli/ never prints an error; it returns it.
 */
#ifndef ST_COMMON_ERROR_H
#define ST_COMMON_ERROR_H

#include <stdbool.h>

#include "common/cleanup.h"
#include "common/compiler.h"

enum st_errcode {
    ST_E_INTERNAL = 1,  /* "internal"  a bug in strata */
    ST_E_USAGE,         /* "usage"     bad command line */
    ST_E_IO,            /* "io"        a system call failed; errnum is set */
    ST_E_NAME,          /* "name"      hostile or invalid name */
    ST_E_XML,           /* "xml"       malformed or unsupported XML */
    ST_E_QCOW2,         /* "qcow2"     unreadable or unsupported header */
    ST_E_CHAIN,         /* "chain"     missing, looping or mismatched backing file */
    ST_E_QMP,           /* "qmp"       QSD refused a command or went away */
    ST_E_JOB,           /* "job"       a block job failed or was cancelled */
    ST_E_NBD,           /* "nbd"       libnbd failed */
    ST_E_BUSY,          /* "busy"      another strata holds the lock */
    ST_E_NOT_FOUND,     /* "not-found" no such domain, disk or snapshot */
    ST_E_CONFLICT,      /* "conflict"  exists, or would break another branch */
    ST_E_TIMEOUT,       /* "timeout"   a deadline passed */
    ST_E__LAST
};

struct st_error {
    enum st_errcode code;
    int errnum;         /* errno value; 0 if none */
    char *msg;          /* owned; one sentence, no final period, no strerror text */
    char *path;         /* owned; file concerned, or NULL */
    char *hint;         /* owned; what to do next, or NULL */
};

/* Set a new error in *errp (if errp is non-NULL).  *errp must be NULL:
 * setting an error twice is a bug and aborts. */
void st_error_set(struct st_error **errp, enum st_errcode code,
                  const char *fmt, ...) ST_PRINTF(3, 4);
void st_error_set_errno(struct st_error **errp, int errnum,
                        enum st_errcode code, const char *fmt, ...)
    ST_PRINTF(4, 5);
/* The following amend an error already set; no-ops when errp or *errp is NULL. */
void st_error_set_path(struct st_error **errp, const char *path);
void st_error_hint(struct st_error **errp, const char *fmt, ...) ST_PRINTF(2, 3);
void st_error_prepend(struct st_error **errp, const char *fmt, ...) ST_PRINTF(2, 3);
/* Move @src (consumed) into *@dst; if dst is NULL, @src is freed. */
void st_error_propagate(struct st_error **dst, struct st_error *src);
void st_error_free(struct st_error *err);
/* Stable names of the codes, for --json ("chain", "not-found", ...). */
const char *st_errcode_name(enum st_errcode code);

ST_DEFINE_CLEANUP(st_cleanup_error, struct st_error *, st_error_free)
#define CLEANUP_ERROR ST_CLEANUP(st_cleanup_error)

#endif
