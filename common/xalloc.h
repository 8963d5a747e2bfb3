/* common/xalloc.h: allocation that aborts on failure (QEMU's and
 * libvirt's policy), so error paths are kept for real errors.
 * Untrusted sizes must be bounded before they reach these. */
#ifndef ST_COMMON_XALLOC_H
#define ST_COMMON_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

#include "common/compiler.h"

void *st_xmalloc(size_t size);
void *st_xcalloc(size_t nmemb, size_t size);
void *st_xrealloc(void *ptr, size_t size);
/* realloc to nmemb * size, aborting on overflow too. */
void *st_xreallocarray(void *ptr, size_t nmemb, size_t size);
char *st_xstrdup(const char *s);
/* A copy of @s, or NULL for NULL. */
char *st_xstrdup_or_null(const char *s);
char *st_xstrndup(const char *s, size_t n);
char *st_xasprintf(const char *fmt, ...) ST_PRINTF(1, 2);
char *st_xvasprintf(const char *fmt, va_list ap) ST_PRINTF(1, 0);

#endif
