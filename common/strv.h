/* common/strv.h: NULL-terminated arrays of owned strings (argv, lists). */
#ifndef ST_COMMON_STRV_H
#define ST_COMMON_STRV_H

#include <stddef.h>

/* Free every string and the array; NULL is a no-op. */
void st_strv_free(char **strv);
/* Number of strings before the NULL. */
size_t st_strv_len(char *const *strv);
/* Append an owned copy of @s to *@strv (which may be NULL). */
void st_strv_add(char ***strv, const char *s);
/* Append @s itself; consumed. */
void st_strv_add_owned(char ***strv, char *s);
/* True if @s is one of the strings. */
_Bool st_strv_contains(char *const *strv, const char *s);

#endif
