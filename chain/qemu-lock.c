/* chain/qemu-lock.c: QEMU's image locks, probed (chain/qemu-lock.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "chain/qemu-lock.h"

/* QEMU's block/file-posix.c: RAW_LOCK_PERM_BASE and RAW_LOCK_SHARED_BASE,
 * and the permission bits it maps onto them (BLK_PERM_CONSISTENT_READ
 * is bit 0, BLK_PERM_WRITE bit 1).  A range of 100 bytes each covers
 * every bit QEMU defines now or may add. */
enum { PERM_BASE = 100, SHARED_BASE = 200, NBYTES = 100, PERM_WRITE_BIT = 1 };

/* Whether another process holds a lock on bytes [@start, @start+@len):
 * a write-lock query conflicts with any lock someone else holds. */
static int
held(int fd, off_t start, off_t len)
{
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start,
                        .l_len = len, .l_pid = 0 };

    if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
        return -1;
    return fl.l_type != F_UNLCK;
}

bool
st_qemu_lock_probe(const char *path, enum st_qemu_lock *out, struct st_error **errp)
{
    CLEANUP_CLOSE int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    int w, any;

    *out = ST_QEMU_LOCK_NONE;
    if (fd < 0) {
        st_error_set_errno(errp, errno, errno == ENOENT ? ST_E_NOT_FOUND : ST_E_IO,
                           "cannot open '%s' to look for QEMU's lock", path);
        st_error_set_path(errp, path);
        return false;
    }
    if ((w = held(fd, PERM_BASE + PERM_WRITE_BIT, 1)) < 0 ||
        (any = held(fd, PERM_BASE, SHARED_BASE + NBYTES - PERM_BASE)) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot look for QEMU's lock on '%s'", path);
        st_error_set_path(errp, path);
        return false;
    }
    *out = w ? ST_QEMU_LOCK_WRITE : any ? ST_QEMU_LOCK_READ : ST_QEMU_LOCK_NONE;
    return true;
}
