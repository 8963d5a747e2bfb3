/* lib/log.c: where the library's warnings and debug lines go.  The
 * layers below log through common/log.c, which prints on stderr for the
 * program; a library prints nothing of its own accord, so the library's
 * default sink (debug lines only, when asked for) is installed when it
 * is loaded, and stays until the caller chooses a callback
 * (strata_set_log_callback()). */
#include "config.h"

#include <stdbool.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "lib/api.h"

struct user_sink {
    strata_log_fn fn;
    void *opaque;
    struct user_sink *older;    /* the one it replaced */
};

/* The callback in use.  A replaced one is never freed: a line another
 * thread is logging may still be on its way through it (common/log.c
 * calls the sink outside its lock), and a program sets its callback a
 * handful of times at most. */
static struct user_sink *current;
static struct user_sink *retired;
static bool raised_verbose;     /* STRATA_LOG_WANT_DEBUG turned debug on */

static void
to_user(enum st_log_level level, const char *subsys, const char *msg, void *opaque)
{
    const struct user_sink *u = opaque;

    u->fn(level == ST_LOG_DEBUG ? STRATA_LOG_DEBUG : STRATA_LOG_WARNING, subsys, msg, u->opaque);
}

/* Warnings dropped; debug lines (STRATA_DEBUG=1) on stderr as the
 * program prints them. */
static void
library_default(enum st_log_level level, const char *subsys, const char *msg,
                void *opaque ST_UNUSED)
{
    if (level == ST_LOG_DEBUG)
        st_log_write_stderr(level, subsys, msg);
}

/* At load time, before any call can log: a function of the library
 * called before strata_open() (a chain read) prints nothing either. */
__attribute__((constructor)) static void
install_default(void)
{
    st_log_set_sink(library_default, NULL);
}

int
strata_set_log_callback(strata_log_fn fn, void *opaque, unsigned flags)
{
    struct user_sink *old = current;

    if (!st_api_check_flags(__func__, flags, STRATA_LOG_WANT_DEBUG))
        return -1;
    if (!fn && flags)
        return st_api_invalid_int(__func__, "STRATA_LOG_WANT_DEBUG needs a callback");
    current = NULL;
    if (fn) {
        current = st_xcalloc(1, sizeof *current);
        current->fn = fn;
        current->opaque = opaque;
    }
    st_log_set_sink(fn ? to_user : library_default, current);
    if (old) {
        old->older = retired;
        retired = old;
    }
    /* Debug lines as asked; what the environment (or the program's -v)
     * set is left alone. */
    if ((flags & STRATA_LOG_WANT_DEBUG) && st_verbose == 0) {
        st_verbose = 1;
        raised_verbose = true;
    } else if (!(flags & STRATA_LOG_WANT_DEBUG) && raised_verbose) {
        st_verbose = 0;
        raised_verbose = false;
        st_log_init_from_env();
    }
    return 0;
}
