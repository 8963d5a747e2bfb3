/* common/name.h: validation of user-given names (SPEC §8).  Domain and
 * snapshot names become file names in the store, so a name that could
 * leave its directory, hide (leading '.'), pose as an option (leading
 * '-') or break a terminal (control characters) is refused here. */
#ifndef ST_COMMON_NAME_H
#define ST_COMMON_NAME_H

#include <stdbool.h>

#include "common/error.h"

enum { ST_NAME_MAX = 255 /* bytes */ };

/**
 * st_name_check:
 * @kind: what the name is for, used in the message ("snapshot", "domain")
 * @name: the name to check (may be NULL)
 *
 * A valid name is 1-255 bytes of printable characters (valid UTF-8, no
 * control characters), contains no '/', is not '.' or '..', and does
 * not start with '-'.  Returns false with ST_E_NAME otherwise.
 */
bool st_name_check(const char *kind, const char *name, struct st_error **errp);

#endif
