/* store/view.h: a disk as it reads at one point in time: the file a
 * reader opens (with its backing chain) to see it.
 *
 *   current state:  the domain's <source file> of the disk (its active layer)
 *   snapshot S:     the disk's <source file> in S's embedded <domain>, which
 *                   is the file that was active when S was taken (SPEC §1)
 *
 * A disk that S did not capture (snapshot='no') has no point in time
 * at S: its file kept changing. */
#ifndef ST_STORE_VIEW_H
#define ST_STORE_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "store/store.h"

struct st_view {
    char *dev;                  /* disk target, e.g. "vda"; owned */
    char *path;                 /* the file to open (absolute); owned */
    char *format;               /* "qcow2" or "raw"; owned */
    char *snapshot;             /* the snapshot, or NULL for the current state; owned */
};

struct st_views {
    struct st_view *v;          /* owned */
    size_t n;
};

void st_views_clear(struct st_views *vs);
#define CLEANUP_VIEWS ST_CLEANUP(st_views_clear)

/**
 * st_views_resolve:
 * @snapshot: a snapshot name, or NULL for the current state
 * @disk: one disk target, or NULL for every disk (those @snapshot did
 *   not capture are left out, with a debug line)
 *
 * Returns: true with @out filled (at least one view), or false with
 * @errp set: ST_E_NOT_FOUND for an unknown domain, snapshot or disk;
 * ST_E_CONFLICT for a disk S did not capture, a snapshot that is being
 * deleted (journal) or one without an embedded <domain>.
 */
bool st_views_resolve(const struct st_store *store, const char *dom, const char *snapshot,
                      const char *disk, struct st_views *out, struct st_error **errp);

/* The view of disk @dev in @vs, or NULL; borrowed. */
const struct st_view *st_views_find(const struct st_views *vs, const char *dev);

/**
 * st_view_depth_between:
 * @new: the newer point of a disk
 * @old: the older point of the same disk
 * @depth: out, the layers above @old's file up to and including
 *   @new's: the allocation depth below which both read alike (0 when
 *   they are the same file)
 *
 * Returns: true, or false with ST_E_CONFLICT when @old's file is not in
 * @new's backing chain (not one branch, or the wrong order), or the
 * chain cannot be read.
 */
bool st_view_depth_between(const struct st_view *new, const struct st_view *old,
                           unsigned *depth, struct st_error **errp);

#endif
