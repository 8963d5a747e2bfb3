/* tests/tools/nbd-writer.c: a guest that keeps writing, for tests of
 * merges under a live disk.  Until the file STOP exists it writes 64
 * KiB blocks round the first SLOTS blocks of the export (default 512:
 * 32 MiB), each filled with its sequence number (1, 2, ...); then it
 * reads every block back and checks that it holds the last number
 * written there.  A merge that loses an acknowledged write shows here.
 *
 *   nbd-writer URI STOP [SLOTS]
 *
 * Prints "N writes, M lost"; exit 0 when none was lost, 2 when some
 * were, 1 with libnbd's error on stderr. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libnbd.h>

#define BLOCK (64 * 1024)

static int
die(struct nbd_handle *h, const char *what)
{
    fprintf(stderr, "nbd-writer: %s: %s\n", what, nbd_get_error());
    if (h)
        nbd_close(h);
    return 1;
}

int
main(int argc, char **argv)
{
    static uint64_t buf[BLOCK / sizeof(uint64_t)];
    struct nbd_handle *h;
    uint64_t *last, seq = 0, lost = 0;
    unsigned long slots = argc > 3 ? strtoul(argv[3], NULL, 10) : 512;

    if (argc < 3 || argc > 4 || slots == 0) {
        fprintf(stderr, "usage: nbd-writer URI STOP [SLOTS]\n");
        return 1;
    }
    if (!(last = calloc(slots, sizeof *last)))
        return 1;
    if (!(h = nbd_create()))
        return die(NULL, "nbd_create");
    if (nbd_connect_uri(h, argv[1]) == -1)
        return die(h, "connect");
    while (access(argv[2], F_OK) != 0) {
        size_t slot = seq % slots;

        seq++;
        for (size_t i = 0; i < BLOCK / sizeof(uint64_t); i++)
            buf[i] = seq;
        if (nbd_pwrite(h, buf, BLOCK, (uint64_t) slot * BLOCK, 0) == -1)
            return die(h, "write");
        last[slot] = seq;
    }
    for (size_t slot = 0; slot < slots; slot++) {
        if (!last[slot])
            continue;
        if (nbd_pread(h, buf, sizeof buf[0], (uint64_t) slot * BLOCK, 0) == -1)
            return die(h, "read");
        if (buf[0] != last[slot])
            lost++;
    }
    printf("%" PRIu64 " writes, %" PRIu64 " lost\n", seq, lost);
    nbd_shutdown(h, 0);
    nbd_close(h);
    free(last);
    return lost ? 2 : 0;
}
