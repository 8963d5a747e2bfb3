/* common/strv.c: NULL-terminated string arrays. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/strv.h"
#include "common/xalloc.h"

void
st_strv_free(char **strv)
{
    if (!strv)
        return;
    for (size_t i = 0; strv[i]; i++)
        free(strv[i]);
    free(strv);
}

size_t
st_strv_len(char *const *strv)
{
    size_t n = 0;

    while (strv && strv[n])
        n++;
    return n;
}

void
st_strv_add_owned(char ***strv, char *s)
{
    size_t n = st_strv_len(*strv);

    *strv = st_xreallocarray(*strv, n + 2, sizeof(char *));
    (*strv)[n] = s;
    (*strv)[n + 1] = NULL;
}

void
st_strv_add(char ***strv, const char *s)
{
    st_strv_add_owned(strv, st_xstrdup(s));
}

_Bool
st_strv_contains(char *const *strv, const char *s)
{
    for (size_t i = 0; strv && strv[i]; i++)
        if (strcmp(strv[i], s) == 0)
            return 1;
    return 0;
}
