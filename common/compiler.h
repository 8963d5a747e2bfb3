/* common/compiler.h: compiler attributes and tiny macros used everywhere. */
#ifndef ST_COMMON_COMPILER_H
#define ST_COMMON_COMPILER_H

#define ST_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define ST_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#define ST_UNUSED __attribute__((unused))
#define ST_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ST_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)

#endif
