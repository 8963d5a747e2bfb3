/* common/deadline.c: monotonic deadlines for every wait. */
#include "config.h"

#include <stdint.h>
#include <time.h>

#include "common/deadline.h"

int64_t
st_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct st_deadline
st_deadline_in_ms(int64_t ms)
{
    struct st_deadline dl = { .end_ns = INT64_MAX };

    if (ms >= 0 && ms < INT64_MAX / 1000000 - st_now_ns() / 1000000)
        dl.end_ns = st_now_ns() + ms * 1000000;
    return dl;
}

bool
st_deadline_expired(const struct st_deadline *dl)
{
    return dl->end_ns != INT64_MAX && st_now_ns() >= dl->end_ns;
}

int
st_deadline_poll_ms(const struct st_deadline *dl)
{
    int64_t left;

    if (dl->end_ns == INT64_MAX)
        return -1;
    left = dl->end_ns - st_now_ns();
    if (left <= 0)
        return 0;
    left = (left + 999999) / 1000000;
    return left > INT32_MAX ? INT32_MAX : (int) left;
}
