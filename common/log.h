/* common/log.h: debug and warning lines, on stderr unless a sink is set.  Debug is on with -v
 * or STRATA_DEBUG=1; each line names its subsystem:
 *   strata: debug: qmp.client: -> {"execute": ...}
 * Both functions preserve errno. */
#ifndef ST_COMMON_LOG_H
#define ST_COMMON_LOG_H

#include "common/compiler.h"

extern int st_verbose;    /* count of -v; STRATA_DEBUG=1 counts as one */
extern int st_quiet;      /* -q: no warnings, no progress */

#define ST_LOG_INIT(name) static const char st_log_subsys[] ST_UNUSED = name

#define st_debug(...)                                               \
    do {                                                            \
        if (__builtin_expect(st_verbose > 0, 0))                    \
            st_log_debug(st_log_subsys, __VA_ARGS__);               \
    } while (0)

enum st_log_level { ST_LOG_WARNING = 1, ST_LOG_DEBUG = 2 };

/* Where lines go instead of stderr (the library's users choose,
 * strata_set_log_callback()); NULL: stderr.  @msg has no prefix and no
 * newline.  The sink may be called from any thread that logs. */
typedef void (*st_log_sink_fn)(enum st_log_level level, const char *subsys, const char *msg,
                               void *opaque);
void st_log_set_sink(st_log_sink_fn fn, void *opaque);
/* One line on stderr as the program prints it: "strata: warning:
 * SUBSYS: MSG" (no subsystem part when @subsys is NULL or empty). */
void st_log_write_stderr(enum st_log_level level, const char *subsys, const char *msg);

/* Read STRATA_DEBUG once at start-up. */
void st_log_init_from_env(void);
void st_log_debug(const char *subsys, const char *fmt, ...) ST_PRINTF(2, 3);
void st_warn(const char *subsys, const char *fmt, ...) ST_PRINTF(2, 3);

#endif
