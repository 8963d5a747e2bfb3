/* cli/report.c: errors to stderr and, with --json, to stdout. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/xalloc.h"
#include "cli/report.h"

struct json_object *
cli_error_to_json(const struct st_error *err)
{
    struct json_object *e = json_object_new_object();
    struct json_object *top = json_object_new_object();
    const char *ename = err->errnum ? strerrorname_np(err->errnum) : NULL;

    json_object_object_add(e, "code", json_object_new_string(st_errcode_name(err->code)));
    json_object_object_add(e, "errno", st_json_string_or_null(ename));
    json_object_object_add(e, "message", json_object_new_string(err->msg));
    json_object_object_add(e, "path", st_json_string_or_null(err->path));
    json_object_object_add(e, "hint", st_json_string_or_null(err->hint));
    json_object_object_add(top, "error", e);
    return top;
}

void
cli_report_error(const struct st_error *err, bool json)
{
    if (err->errnum)
        fprintf(stderr, "strata: %s: %s\n", err->msg, strerror(err->errnum));
    else
        fprintf(stderr, "strata: %s\n", err->msg);
    if (err->hint)
        fprintf(stderr, "strata: hint: %s\n", err->hint);
    if (json) {
        struct json_object *obj = cli_error_to_json(err);
        char *text = st_json_pretty(obj);

        fputs(text, stdout);
        fflush(stdout);
        free(text);
        json_object_put(obj);
    }
}
