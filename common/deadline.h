/* common/deadline.h: monotonic deadlines.  Every wait in strata takes
 * one, so nothing can hang on a dead QSD or a stuck job. */
#ifndef ST_COMMON_DEADLINE_H
#define ST_COMMON_DEADLINE_H

#include <stdbool.h>
#include <stdint.h>

struct st_deadline {
    int64_t end_ns;     /* CLOCK_MONOTONIC; INT64_MAX means never */
};

/* Monotonic time now, in nanoseconds. */
int64_t st_now_ns(void);
/* A deadline @ms milliseconds from now; a negative @ms means never. */
struct st_deadline st_deadline_in_ms(int64_t ms);
bool st_deadline_expired(const struct st_deadline *dl);
/* Milliseconds left, rounded up, clamped to [0, INT32_MAX]; -1 if never
 * (the form poll() takes). */
int st_deadline_poll_ms(const struct st_deadline *dl);

#endif
