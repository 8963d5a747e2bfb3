/* common/cleanup.c: the functions behind the CLEANUP_* attributes. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/strv.h"

void
st_cleanup_free(void *ptr)
{
    free(*(void **) ptr);
}

void
st_cleanup_close(int *fd)
{
    int saved = errno;

    if (*fd >= 0)
        close(*fd);
    errno = saved;
}

void
st_cleanup_fclose(FILE **fp)
{
    int saved = errno;

    if (*fp)
        fclose(*fp);
    errno = saved;
}

void
st_cleanup_strv(char ***strv)
{
    st_strv_free(*strv);
}
