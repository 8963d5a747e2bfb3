/* common/errname.h: the name and the message of an errno value. */
#ifndef ST_COMMON_ERRNAME_H
#define ST_COMMON_ERRNAME_H

/* "ENOENT" for ENOENT; NULL for 0 or a number Linux does not define. */
const char *st_errno_name(int errnum);

/* strerror(), worded as glibc words it: strerror() itself in the
 * engine; in the front end (cli/front.c), which may be built with musl,
 * a table made from glibc at build time (cli/gen-strerror.c). */
const char *st_strerror(int errnum);

#endif
