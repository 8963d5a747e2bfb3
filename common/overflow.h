/* common/overflow.h: checked arithmetic for numbers that came from a
 * file, QSD or the user.  Each returns true on overflow. */
#ifndef ST_COMMON_OVERFLOW_H
#define ST_COMMON_OVERFLOW_H

#define st_add_overflow(a, b, res) __builtin_add_overflow(a, b, res)
#define st_mul_overflow(a, b, res) __builtin_mul_overflow(a, b, res)
#define st_sub_overflow(a, b, res) __builtin_sub_overflow(a, b, res)

#endif
