/* common/log.c: the debug and warning channels (stderr only). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

int st_verbose;
int st_quiet;

void
st_log_init_from_env(void)
{
    const char *v = getenv("STRATA_DEBUG");

    if (v && *v && strcmp(v, "0") != 0 && st_verbose == 0)
        st_verbose = 1;
}

static void log_line(const char *kind, const char *subsys, const char *fmt, va_list ap)
    ST_PRINTF(3, 0);

static void
log_line(const char *kind, const char *subsys, const char *fmt, va_list ap)
{
    int saved = errno;

    /* One fprintf per piece, but flockfile keeps the line whole when
     * threads (parallel NBD readers) log at once. */
    flockfile(stderr);
    if (subsys)
        fprintf(stderr, "strata: %s: %s: ", kind, subsys);
    else
        fprintf(stderr, "strata: %s: ", kind);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    funlockfile(stderr);
    errno = saved;
}

void
st_log_debug(const char *subsys, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_line("debug", subsys, fmt, ap);
    va_end(ap);
}

void
st_warn(const char *subsys, const char *fmt, ...)
{
    va_list ap;

    if (st_quiet)
        return;
    va_start(ap, fmt);
    log_line("warning", subsys, fmt, ap);
    va_end(ap);
}
