/* tests/tools/nbd-hold.c: an NBD client that stays connected until the
 * server cuts it off, for tests of what a forced revert does to the
 * clients of a live disk.  It connects, reads the first 64 KiB, creates
 * the file READY, then either waits with nothing in flight ("idle") or
 * keeps reading 64 KiB blocks ("read", so that the cut comes mid-read).
 *
 *   nbd-hold URI READY idle|read
 *
 * Prints "cut after N reads" and exits 0 when the server ended the
 * connection; exits 1 with libnbd's error when it could not connect,
 * 3 when nothing cut it within 120 s. */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libnbd.h>

#define BLOCK (64 * 1024)

int
main(int argc, char **argv)
{
    static char buf[BLOCK];
    struct nbd_handle *h;
    uint64_t reads = 0, size;
    bool reading;
    int fd;

    if (argc != 4 || (strcmp(argv[3], "idle") != 0 && strcmp(argv[3], "read") != 0)) {
        fprintf(stderr, "usage: nbd-hold URI READY idle|read\n");
        return 1;
    }
    reading = strcmp(argv[3], "read") == 0;
    alarm(120);                 /* SIGALRM ends us: exit status 128+14 */
    if (!(h = nbd_create()) || nbd_connect_uri(h, argv[1]) == -1 ||
        (int64_t) (size = (uint64_t) nbd_get_size(h)) < BLOCK ||
        nbd_pread(h, buf, BLOCK, 0, 0) == -1) {
        fprintf(stderr, "nbd-hold: %s\n", nbd_get_error());
        return 1;
    }
    reads++;
    /* Not empty: the tests wait with test -s. */
    if ((fd = open(argv[2], O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0 ||
        write(fd, "connected\n", 10) != 10)
        return 1;
    close(fd);
    for (;;) {
        if (reading) {
            if (nbd_pread(h, buf, BLOCK, (reads * BLOCK) % (size - BLOCK + 1), 0) == -1)
                break;
            reads++;
        } else if (nbd_poll(h, -1) == -1 || nbd_aio_is_closed(h) || nbd_aio_is_dead(h)) {
            break;
        }
    }
    printf("cut after %" PRIu64 " reads\n", reads);
    nbd_close(h);
    return 0;
}
