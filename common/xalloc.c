/* common/xalloc.c: allocation that aborts on out-of-memory. */
#include "config.h"

#include <limits.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23      /* Linux 5.14; older kernels say EINVAL */
#endif

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

void
st_heap_prefault(size_t bytes)
{
    uintptr_t page = (uintptr_t) sysconf(_SC_PAGESIZE);
    char *start, *end;
    void *p;

    if (bytes > (size_t) INT_MAX / 4)
        bytes = (size_t) INT_MAX / 4;
    /* From the heap (not a mapping of its own), and kept there when
     * freed (not trimmed), so later allocations land on these pages. */
    mallopt(M_MMAP_THRESHOLD, (int) bytes * 2);
    mallopt(M_TRIM_THRESHOLD, (int) bytes * 4);
    start = sbrk(0);
    if (!(p = malloc(bytes)))
        return;
    end = sbrk(0);
    start = (char *) (((uintptr_t) start + page - 1) & ~(page - 1));
    if (start != (char *) -1 && end > start)
        (void) madvise(start, (size_t) (end - start), MADV_POPULATE_WRITE);
    free(p);
}
