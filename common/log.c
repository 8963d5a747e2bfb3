/* common/log.c: the debug and warning channels: stderr, or the sink a
 * library user set. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

int st_verbose;
int st_quiet;

/* One pair, swapped under a lock so that a line never sees the function
 * of one setting with the opaque of another. */
static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static st_log_sink_fn sink_fn;
static void *sink_opaque;

void
st_log_set_sink(st_log_sink_fn fn, void *opaque)
{
    pthread_mutex_lock(&sink_lock);
    sink_fn = fn;
    sink_opaque = opaque;
    pthread_mutex_unlock(&sink_lock);
}

void
st_log_init_from_env(void)
{
    const char *v = getenv("STRATA_DEBUG");

    if (v && *v && strcmp(v, "0") != 0 && st_verbose == 0)
        st_verbose = 1;
}

static void log_line(enum st_log_level level, const char *subsys, const char *fmt, va_list ap)
    ST_PRINTF(3, 0);

static void
log_line(enum st_log_level level, const char *subsys, const char *fmt, va_list ap)
{
    const char *kind = level == ST_LOG_DEBUG ? "debug" : "warning";
    int saved = errno;
    st_log_sink_fn fn;
    void *opaque;

    pthread_mutex_lock(&sink_lock);
    fn = sink_fn;
    opaque = sink_opaque;
    pthread_mutex_unlock(&sink_lock);
    if (fn) {
        char *msg = NULL;

        /* Out of memory: the line is lost, not the caller's work. */
        if (vasprintf(&msg, fmt, ap) >= 0) {
            fn(level, subsys ? subsys : "", msg, opaque);
            free(msg);
        }
        errno = saved;
        return;
    }
    if (level == ST_LOG_WARNING && st_quiet)
        return;

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
    log_line(ST_LOG_DEBUG, subsys, fmt, ap);
    va_end(ap);
}

void
st_warn(const char *subsys, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_line(ST_LOG_WARNING, subsys, fmt, ap);
    va_end(ap);
}
