/* ops/diskspec.h: virsh's --diskspec argument,
 *   DEV[,snapshot=no|external][,driver=TYPE][,file=PATH]
 * where a comma inside a value is written twice ("a,,b" is "a,b"). */
#ifndef ST_OPS_DISKSPEC_H
#define ST_OPS_DISKSPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct st_diskspec {
    char *dev;          /* owned; the disk's target (vda) */
    char *snapshot;     /* owned; "no" or "external", NULL if not given */
    char *driver;       /* owned; overlay format, NULL if not given */
    char *file;         /* owned; overlay path, NULL if not given */
};

/* Parse @arg into @spec (zeroed first).  ST_E_USAGE on a syntax error,
 * an unknown key, a repeated key, or an unsupported value. */
bool st_diskspec_parse(const char *arg, struct st_diskspec *spec, struct st_error **errp);
/* Free the fields (not @spec itself); NULL is a no-op. */
void st_diskspec_clear(struct st_diskspec *spec);

/* The <domainsnapshot> XML virsh builds from snapshot-create-as's
 * arguments: @name and @desc (NULL: left out) and @n disk specs
 * (owned string).  Parse it with st_snapshot_parse() to check it. */
char *st_diskspec_xml(const char *name, const char *desc, const struct st_diskspec *specs,
                      size_t n);

#endif
