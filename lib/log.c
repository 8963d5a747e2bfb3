/* lib/log.c: the library's warnings and debug lines to the caller's
 * callback (strata_set_log_callback()) through common/log.c's sink. */
#include "config.h"

#include <stdlib.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "lib/api.h"

struct user_sink {
    strata_log_fn fn;
    void *opaque;
};

/* The one in use; replaced only by strata_set_log_callback(), which
 * strata.h says is not called while other threads use the library. */
static struct user_sink *current;

static void
to_user(enum st_log_level level, const char *subsys, const char *msg, void *opaque)
{
    const struct user_sink *u = opaque;

    u->fn(level == ST_LOG_DEBUG ? STRATA_LOG_DEBUG : STRATA_LOG_WARNING, subsys, msg, u->opaque);
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
    st_log_set_sink(fn ? to_user : NULL, current);
    free(old);
    /* Debug lines as asked, else as the environment says. */
    st_verbose = 0;
    st_log_init_from_env();
    if (flags & STRATA_LOG_WANT_DEBUG)
        st_verbose = 1;
    return 0;
}
