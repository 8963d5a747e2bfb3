/* cli/api.c: the program around the public API (cli/api.h). */
#include "config.h"

#include <stdio.h>

#include "common/log.h"
#include "cli/api.h"

void
cli_api_error(struct st_error **errp)
{
    const strata_error *e = strata_last_error();
    enum st_errcode code = (enum st_errcode) strata_error_get_code(e);

    /* The library's own code for a bad argument is a bug of ours here. */
    if (code < ST_E_INTERNAL || code >= ST_E__LAST)
        code = ST_E_INTERNAL;
    st_error_set(errp, code, "%s", e ? strata_error_get_message(e) : "a library call failed");
    if (!errp || !*errp || !e)
        return;
    (*errp)->errnum = strata_error_get_errno(e);
    if (strata_error_get_hint(e))
        st_error_hint(errp, "%s", strata_error_get_hint(e));
    if (strata_error_get_path(e))
        st_error_set_path(errp, strata_error_get_path(e));
}

static void
log_line(strata_log_level level, const char *subsys, const char *msg, void *opaque)
{
    (void) opaque;
    if (level == STRATA_LOG_WARNING && st_quiet)
        return;
    st_log_write_stderr(level == STRATA_LOG_DEBUG ? ST_LOG_DEBUG : ST_LOG_WARNING, subsys, msg);
}

void
cli_api_log_init(void)
{
    /* The library, linked into the program, would drop its warnings
     * by default (lib/log.c); the program prints them. */
    strata_set_log_callback(log_line, NULL, 0);
}
