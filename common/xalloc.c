/* common/xalloc.c: allocation that aborts on out-of-memory. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xalloc.h"

static void __attribute__((noreturn))
oom(void)
{
    static const char msg[] = "strata: out of memory\n";

    /* write(2), not stdio: stdio may itself need memory. */
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) {
        /* nothing more can be done */
    }
    abort();
}

void *
st_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);

    if (!p)
        oom();
    return p;
}

void *
st_xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

    if (!p)
        oom();
    return p;
}

void *
st_xrealloc(void *ptr, size_t size)
{
    void *p = realloc(ptr, size ? size : 1);

    if (!p)
        oom();
    return p;
}

void *
st_xreallocarray(void *ptr, size_t nmemb, size_t size)
{
    size_t bytes;

    if (__builtin_mul_overflow(nmemb, size, &bytes))
        oom();
    return st_xrealloc(ptr, bytes);
}

char *
st_xstrdup(const char *s)
{
    char *p = strdup(s);

    if (!p)
        oom();
    return p;
}

char *
st_xstrdup_or_null(const char *s)
{
    return s ? st_xstrdup(s) : NULL;
}

char *
st_xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);

    if (!p)
        oom();
    return p;
}

char *
st_xvasprintf(const char *fmt, va_list ap)
{
    char *p = NULL;

    if (vasprintf(&p, fmt, ap) < 0)
        oom();
    return p;
}

char *
st_xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *p;

    va_start(ap, fmt);
    p = st_xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}
