/* chain/qemu-lock.h: whether a QEMU process (a running VM, a
 * qemu-storage-daemon, qemu-io) has an image open, seen through the
 * locks QEMU itself takes on it.  QEMU's file driver (block/file-posix.c)
 * holds open-file-description locks on one byte per permission: byte
 * 100 + N while it uses permission bit N (consistent read, write,
 * write-unchanged, resize), byte 200 + N while it refuses to share it.
 * Any such lock means a QEMU has the file open; a process holding the
 * write byte may be changing it right now. */
#ifndef ST_CHAIN_QEMU_LOCK_H
#define ST_CHAIN_QEMU_LOCK_H

#include <stdbool.h>

#include "common/error.h"

enum st_qemu_lock {
    ST_QEMU_LOCK_NONE = 0,      /* no QEMU lock on the file */
    ST_QEMU_LOCK_READ,          /* opened by a QEMU, read-only */
    ST_QEMU_LOCK_WRITE,         /* opened by a QEMU with the write permission */
};

/**
 * st_qemu_lock_probe:
 * @path: an image file
 * @out: what QEMU holds on it
 *
 * Asks the kernel (F_OFD_GETLK, which takes no lock) which of QEMU's
 * lock bytes another process holds.  Works on a file opened read-only
 * and does not disturb the holder.  False with @errp set when the file
 * cannot be opened or the filesystem cannot tell (ENOLCK, EINVAL).
 */
bool st_qemu_lock_probe(const char *path, enum st_qemu_lock *out, struct st_error **errp);

#endif
