/* ops/orphans.h: image files strata made for a domain that nothing
 * references any more (issue "nothing left behind").
 *
 * A file is an orphan when the domain's record of created files
 * (store/created.h) proves strata made it (the file at the path is the
 * one recorded) and it is in the backing chain of nothing strata's
 * metadata names: the domain's active disks, every snapshot's point in
 * time and overlay, the files of an operation in flight (journal).  A
 * user's file is never an orphan, whatever its name, because the record
 * does not hold it.  An orphan that some other file in its directory
 * still backs onto (a user's overlay, say) is reported with that file
 * and never removed. */
#ifndef ST_OPS_ORPHANS_H
#define ST_OPS_ORPHANS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "store/store.h"

struct st_orphan {
    char *path;                 /* owned */
    char *operation;            /* owned; the operation that made it, or NULL */
    char *snapshot;             /* owned; that operation's snapshot, or NULL */
    char *backed_by;            /* owned; a file outside the orphans that backs onto it, or NULL */
    bool removed;               /* st_orphans_remove() unlinked it */
};

struct st_orphans {
    struct st_orphan *v;        /* owned */
    size_t n;
};

void st_orphans_clear(struct st_orphans *o);

/* Fill @out with the orphans of domain @dom, sorted by path. */
bool st_orphans_find(const struct st_store *store, const char *dom, struct st_orphans *out,
                     struct st_error **errp);

/**
 * st_orphans_remove:
 * @dom: the caller holds its lock
 *
 * Unlink each orphan of @o that nothing backs onto, checking again just
 * before that the file is the one strata made, then drop the record's
 * entries of files that are gone.  Refused while an operation is in
 * flight (its journal names files that are not orphans yet).
 */
bool st_orphans_remove(const struct st_store *store, const char *dom, struct st_orphans *o,
                       struct st_error **errp);

#endif
