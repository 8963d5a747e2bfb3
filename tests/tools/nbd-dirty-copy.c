/* tests/tools/nbd-dirty-copy.c: an incremental backup client, as a
 * backup tool would be written against libnbd alone: copy the extents
 * that meta context CONTEXT marks dirty (qemu:dirty-bitmap:NAME, state
 * bit 1) from the export URI onto the file OUT, which holds the older
 * point already.  Nothing else of OUT is touched.
 *
 *   nbd-dirty-copy URI CONTEXT OUT
 *
 * Prints "extents N bytes-read B" and exits 0; 1 with libnbd's error
 * (also when the server does not offer CONTEXT). */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libnbd.h>

#define READ_SIZE (1024 * 1024)
#define STATUS_SIZE (UINT64_C(1) << 30)

struct walk {
    uint64_t pos;               /* next byte not described */
    uint64_t (*dirty)[2];       /* offset, length */
    size_t n, cap;
};

static int
extent(void *opaque, const char *ctx, uint64_t offset, uint32_t *entries, size_t n,
       int *error)
{
    struct walk *w = opaque;

    (void) ctx;
    (void) error;
    if (offset != w->pos)
        return 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        if (entries[i + 1] & 1) {
            if (w->n == w->cap) {
                w->cap = w->cap ? 2 * w->cap : 64;
                if (!(w->dirty = realloc(w->dirty, w->cap * sizeof *w->dirty)))
                    abort();
            }
            w->dirty[w->n][0] = w->pos;
            w->dirty[w->n][1] = entries[i];
            w->n++;
        }
        w->pos += entries[i];
    }
    return 0;
}

static int
die(const char *what)
{
    fprintf(stderr, "nbd-dirty-copy: %s: %s\n", what, nbd_get_error());
    return 1;
}

int
main(int argc, char **argv)
{
    static char buf[READ_SIZE];
    struct walk w = { 0 };
    struct nbd_handle *h;
    uint64_t bytes = 0;
    int64_t size;
    int fd;

    if (argc != 4) {
        fprintf(stderr, "usage: nbd-dirty-copy URI CONTEXT OUT\n");
        return 1;
    }
    if ((fd = open(argv[3], O_WRONLY | O_CLOEXEC)) < 0) {
        perror(argv[3]);
        return 1;
    }
    if (!(h = nbd_create()) || nbd_add_meta_context(h, argv[2]) == -1 ||
        nbd_connect_uri(h, argv[1]) == -1)
        return die("connect");
    if (nbd_can_meta_context(h, argv[2]) != 1) {
        fprintf(stderr, "nbd-dirty-copy: %s does not offer %s\n", argv[1], argv[2]);
        return 1;
    }
    if ((size = nbd_get_size(h)) < 0)
        return die("size");
    while (w.pos < (uint64_t) size) {
        uint64_t start = w.pos, len = (uint64_t) size - w.pos;

        if (len > STATUS_SIZE)
            len = STATUS_SIZE;
        if (nbd_block_status(h, len, w.pos,
                             (nbd_extent_callback) { .callback = extent, .user_data = &w },
                             0) == -1)
            return die("block status");
        if (w.pos == start) {
            fprintf(stderr, "nbd-dirty-copy: no progress at %" PRIu64 "\n", start);
            return 1;
        }
    }
    for (size_t i = 0; i < w.n; i++) {
        uint64_t end = w.dirty[i][0] + w.dirty[i][1];

        if (end > (uint64_t) size)
            end = (uint64_t) size;      /* a reply may reach past the end */
        for (uint64_t off = w.dirty[i][0]; off < end; off += READ_SIZE) {
            size_t n = end - off < READ_SIZE ? (size_t) (end - off) : READ_SIZE;

            if (nbd_pread(h, buf, n, off, 0) == -1)
                return die("read");
            if (pwrite(fd, buf, n, (off_t) off) != (ssize_t) n) {
                perror(argv[3]);
                return 1;
            }
            bytes += n;
        }
    }
    if (fsync(fd) < 0 || close(fd) < 0) {
        perror(argv[3]);
        return 1;
    }
    printf("extents %zu bytes-read %" PRIu64 "\n", w.n, bytes);
    nbd_shutdown(h, 0);
    nbd_close(h);
    free(w.dirty);
    return 0;
}
