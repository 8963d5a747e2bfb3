/* common/path.h: path helpers and file I/O that never loses data: a
 * rewrite goes to a temporary file in the same directory, is fsynced,
 * renamed over the target, and the directory is fsynced (SPEC §2). */
#ifndef ST_COMMON_PATH_H
#define ST_COMMON_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/error.h"

/* "/a/b" + "c" -> "/a/b/c"; an absolute @name is returned as is. */
char *st_path_join(const char *dir, const char *name);
/* The same written into @out, which has st_path_join_size() bytes, for
 * callers that keep paths their own way: the first @n bytes of @dir, a
 * '/' unless they end with one, then @name (absolute or not).  Returns
 * @out. */
size_t st_path_join_size(const char *dir, size_t n, const char *name);
char *st_path_join_into(char *out, const char *dir, size_t n, const char *name);
/* Directory part as dirname(3) gives it ("." for a bare name); owned. */
char *st_path_dirname(const char *path);
/* The same without a copy: *@len bytes at the returned pointer (into
 * @path, or a static "." for a bare name). */
const char *st_path_dirname_span(const char *path, size_t *len);
/* Last component (after the last '/'); owned. */
char *st_path_basename(const char *path);
/* Absolute form of @path (relative to the cwd), without resolving
 * symlinks; "." and ".." components are kept as written. */
char *st_path_absolute(const char *path, struct st_error **errp);
bool st_path_exists(const char *path);

/**
 * st_path_read:
 * @path: file to read
 * @max: largest size accepted, in bytes; a larger file is ST_E_IO (EFBIG)
 * @lenp: out, bytes read (may be NULL)
 *
 * Returns: the whole file, owned, NUL-terminated; or NULL with @errp set.
 */
char *st_path_read(const char *path, size_t max, size_t *lenp, struct st_error **errp);

/**
 * st_path_read_tail:
 * The last @max bytes of a regular file (all of it when smaller), owned
 * and NUL-terminated, whatever the file's size: for logs, whose end is
 * what explains a failure.  NUL bytes in the file end the string early.
 * Returns: NULL with @errp set when the file cannot be read.
 */
char *st_path_read_tail(const char *path, size_t max, struct st_error **errp);

/* Writes the new content to @fp; returns false with @errp set to abort. */
typedef bool (*st_path_writer_fn)(FILE *fp, void *opaque, struct st_error **errp);

/**
 * st_path_write_atomic_with:
 * @path: the file to create or replace
 * @mode: permission bits of the new file (e.g. 0600)
 * @writer: fills the temporary file
 *
 * Either @path holds exactly what @writer wrote, durably, or it is
 * untouched and no temporary file is left behind.
 */
bool st_path_write_atomic_with(const char *path, mode_t mode, st_path_writer_fn writer,
                               void *opaque, struct st_error **errp);
/* st_path_write_atomic_with() for a buffer. */
bool st_path_write_atomic(const char *path, mode_t mode, const void *data, size_t len,
                          struct st_error **errp);
/* fsync the directory that holds @path, so a rename or unlink is durable. */
bool st_path_fsync_dir(const char *path, struct st_error **errp);
/* mkdir -p with @mode for each directory it creates. */
bool st_path_mkdir_p(const char *path, mode_t mode, struct st_error **errp);
/* rm -r of a directory tree this program owns (no symlinks followed). */
bool st_path_remove_tree(const char *path, struct st_error **errp);

#endif
