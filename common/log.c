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

void
st_log_write_stderr(enum st_log_level level, const char *subsys, const char *msg)
{
    /* One fprintf per piece, but flockfile keeps the line whole when
     * threads (parallel NBD readers) log at once. */
    flockfile(stderr);
    fprintf(stderr, "strata: %s: ", level == ST_LOG_DEBUG ? "debug" : "warning");
    if (subsys && *subsys)
        fprintf(stderr, "%s: ", subsys);
    fprintf(stderr, "%s\n", msg);
    funlockfile(stderr);
}

static void log_line(enum st_log_level level, const char *subsys, const char *fmt, va_list ap)
    ST_PRINTF(3, 0);

static void
log_line(enum st_log_level level, const char *subsys, const char *fmt, va_list ap)
{
    int saved = errno;
    st_log_sink_fn fn;
    void *opaque;
    char *msg = NULL;

    pthread_mutex_lock(&sink_lock);
    fn = sink_fn;
    opaque = sink_opaque;
    pthread_mutex_unlock(&sink_lock);
    if (!fn && level == ST_LOG_WARNING && st_quiet) {
        errno = saved;
        return;
    }
    /* Out of memory: the line is lost, not the caller's work. */
    if (vasprintf(&msg, fmt, ap) >= 0) {
        if (fn)
            fn(level, subsys ? subsys : "", msg, opaque);
        else
            st_log_write_stderr(level, subsys, msg);
        free(msg);
    }
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
