/* common/errname.c: errno names ("ENOENT") for the --json error
 * document and the API's error objects. */
#include "config.h"

#include <string.h>

#include "common/errname.h"

const char *
st_errno_name(int errnum)
{
    /* glibc (2.32+) returns "0" for 0 and NULL for numbers it does not
     * know; a document says null for both. */
    return errnum > 0 ? strerrorname_np(errnum) : NULL;
}
