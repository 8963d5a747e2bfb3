/* ops/move-copy.c: a sparse copy of one file (move-copy.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/compiler.h"
#include "common/xalloc.h"
#include "ops/move-copy.h"

enum { CHUNK = 4 * 1024 * 1024 };

static void
set_write_error(int fd ST_UNUSED, int e, const char *from, const char *to,
                struct st_error **errp)
{
    st_error_set_errno(errp, e, ST_E_IO, "cannot copy '%s' to '%s'", from, to);
    st_error_set_path(errp, to);
}

/* Copy [off, end) of @in to @out.  False with @errp set. */
static bool
copy_extent(int in, int out, uint64_t off, uint64_t end, const char *from, const char *to,
            char **buf, bool *use_cfr, st_move_copy_fn fn, void *opaque, struct st_error **errp)
{
    while (off < end) {
        size_t want = end - off > CHUNK ? CHUNK : (size_t) (end - off);
        ssize_t n;

        if (*use_cfr) {
            loff_t ioff = (loff_t) off, ooff = (loff_t) off;

            n = copy_file_range(in, &ioff, out, &ooff, want, 0);
            if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
                          errno == EOPNOTSUPP || errno == EBADF)) {
                *use_cfr = false;
                continue;
            }
            if (n < 0) {
                set_write_error(out, errno, from, to, errp);
                return false;
            }
        } else {
            ssize_t w;

            if (!*buf)
                *buf = st_xmalloc(CHUNK);
            n = pread(in, *buf, want, (off_t) off);
            if (n < 0) {
                st_error_set_errno(errp, errno, ST_E_IO, "cannot read '%s'", from);
                st_error_set_path(errp, from);
                return false;
            }
            for (ssize_t done = 0; done < n; done += w) {
                w = pwrite(out, *buf + done, (size_t) (n - done), (off_t) off + done);
                if (w < 0) {
                    set_write_error(out, errno, from, to, errp);
                    return false;
                }
            }
        }
        if (n == 0) {
            st_error_set(errp, ST_E_IO, "cannot copy '%s': it ended at %llu bytes while "
                         "being copied", from, (unsigned long long) off);
            return false;
        }
        off += (uint64_t) n;
        if (fn)
            fn(off, opaque);
    }
    return true;
}

bool
st_move_copy_fd(int in, int out, const char *from, const char *to, uint64_t size,
                st_move_copy_fn fn, void *opaque, struct st_error **errp)
{
    CLEANUP_FREE char *buf = NULL;
    bool use_cfr = true;
    uint64_t off = 0;

    while (off < size) {
        off_t data = lseek(in, (off_t) off, SEEK_DATA), hole;

        if (data < 0 && errno == ENXIO)
            break;      /* only a hole is left */
        if (data < 0) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot read the extents of '%s'", from);
            return false;
        }
        if ((hole = lseek(in, data, SEEK_HOLE)) < 0) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot read the extents of '%s'", from);
            return false;
        }
        if ((uint64_t) hole > size)
            hole = (off_t) size;
        if (!copy_extent(in, out, (uint64_t) data, (uint64_t) hole, from, to, &buf, &use_cfr,
                         fn, opaque, errp))
            return false;
        off = (uint64_t) hole;
    }
    if (ftruncate(out, (off_t) size) < 0 || fsync(out) < 0) {
        set_write_error(out, errno, from, to, errp);
        return false;
    }
    if (fn)
        fn(size, opaque);
    return true;
}
