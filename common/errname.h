/* common/errname.h: the name of an errno value. */
#ifndef ST_COMMON_ERRNAME_H
#define ST_COMMON_ERRNAME_H

/* "ENOENT" for ENOENT; NULL for 0 or a number Linux does not define. */
const char *st_errno_name(int errnum);

#endif
