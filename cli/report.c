/* cli/report.c: errors to stderr and, with --json, to stdout. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/errname.h"
#include "common/jsonw.h"
#include "cli/report.h"

void
cli_report_error(const struct st_error *err, bool json)
{
    struct st_jw w;

    if (err->errnum)
        fprintf(stderr, "strata: %s: %s\n", err->msg, strerror(err->errnum));
    else
        fprintf(stderr, "strata: %s\n", err->msg);
    if (err->hint)
        fprintf(stderr, "strata: hint: %s\n", err->hint);
    if (!json)
        return;
    /* Streamed (common/jsonw.h, the same bytes as json-c's pretty
     * printer), as chain show's output is. */
    st_jw_init(&w, stdout);
    st_jw_object(&w, NULL);
    st_jw_object(&w, "error");
    st_jw_string(&w, "code", st_errcode_name(err->code));
    st_jw_string(&w, "errno", st_errno_name(err->errnum));
    st_jw_string(&w, "message", err->msg);
    st_jw_string(&w, "path", err->path);
    st_jw_string(&w, "hint", err->hint);
    st_jw_end(&w);
    st_jw_end(&w);
    fflush(stdout);
}
