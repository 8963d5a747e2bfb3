/* common/strerror.c: st_strerror() for programs built with glibc (the
 * front end links a generated table instead: common/errname.h). */
#include "config.h"

#include <string.h>

#include "common/errname.h"

const char *
st_strerror(int errnum)
{
    return strerror(errnum);
}
