/* chain/backing.h: resolve a backing string the way QEMU does, without
 * opening anything. */
#ifndef ST_CHAIN_BACKING_H
#define ST_CHAIN_BACKING_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/**
 * st_backing_resolve:
 * @overlay: the path of the image that names the backing file, as it
 *           was opened (QEMU takes the directory of this name; it does
 *           not resolve symlinks)
 * @backing: the backing string as written in the header
 * @errp: ST_E_CHAIN for a string QEMU would not treat as a local file:
 *        'json:{...}' and protocol strings ('nbd://...', 'file:x');
 *        strata reports these and does not follow them
 *
 * An absolute name is used as is; a relative one is joined to the
 * directory of @overlay (not the current directory).
 *
 * Returns: an owned path, or NULL with @errp set.
 */
char *st_backing_resolve(const char *overlay, const char *backing, struct st_error **errp);

/* st_backing_resolve() without the copy, for a caller that keeps the
 * result its own way (the chain walk: no malloc() per layer): @backing
 * alone when *@dir_len is 0, else st_path_join_into() of the *@dir_len
 * bytes at *@dir and @backing. */
bool st_backing_locate(const char *overlay, const char *backing, const char **dir,
                       size_t *dir_len, struct st_error **errp);

/* True when QEMU would read @s as "protocol:rest": a ':' before any
 * '/' (QEMU's path_has_protocol() on POSIX). */
bool st_backing_has_protocol(const char *s);

#endif
