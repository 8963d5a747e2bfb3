/* tests/unit/test-ops-move-copy.c: the sparse copy of 'strata move'
 * (ops/move-copy.c): same bytes, same size, and the holes of the source
 * stay holes in the copy. */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/cleanup.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "ops/move-copy.h"
#include "tests/unit/testutil.h"

enum { MIB = 1024 * 1024, SIZE = 64 * MIB };

static void
put(int fd, off_t off, size_t len, int byte)
{
    char *buf = st_xmalloc(len);

    memset(buf, byte, len);
    assert_int_equal(pwrite(fd, buf, len, off), (ssize_t) len);
    free(buf);
}

static void
last_done(uint64_t done, void *opaque)
{
    uint64_t *last = opaque;

    assert_true(done >= *last);
    *last = done;
}

static void
test_sparse_copy(void **state ST_UNUSED)
{
    CLEANUP_FREE char *dir = st_test_mkdtemp();
    CLEANUP_FREE char *from = st_path_join(dir, "in");
    CLEANUP_FREE char *to = st_path_join(dir, "out");
    CLEANUP_FREE char *a = st_xmalloc(MIB);
    CLEANUP_FREE char *b = st_xmalloc(MIB);
    struct st_error *err = NULL;
    uint64_t last = 0;
    struct stat si, so;
    int in, out;

    assert_true((in = open(from, O_RDWR | O_CREAT | O_EXCL, 0600)) >= 0);
    assert_int_equal(ftruncate(in, SIZE), 0);
    put(in, 0, 4096, 0x11);
    put(in, 16 * MIB, MIB, 0x22);
    put(in, SIZE - 4096, 4096, 0x33);
    assert_true((out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0);
    assert_true(st_move_copy_fd(in, out, from, to, SIZE, last_done, &last, &err));
    assert_null(err);
    assert_int_equal(last, SIZE);
    close(out);
    assert_true((out = open(to, O_RDONLY)) >= 0);
    assert_int_equal(fstat(in, &si), 0);
    assert_int_equal(fstat(out, &so), 0);
    assert_int_equal(so.st_size, SIZE);
    /* The copy takes no more room than the source, plus a little for a
     * file system that allocates in larger units. */
    assert_true(so.st_blocks <= si.st_blocks + 2 * MIB / 512);
    assert_true(so.st_blocks * 512 < 8 * MIB);
    /* The first hole is where the source's is. */
    assert_int_equal(lseek(out, 0, SEEK_HOLE), lseek(in, 0, SEEK_HOLE));
    for (off_t off = 0; off < SIZE; off += MIB) {
        assert_int_equal(pread(in, a, MIB, off), MIB);
        assert_int_equal(pread(out, b, MIB, off), MIB);
        assert_memory_equal(a, b, MIB);
    }
    close(in);
    close(out);
    st_test_rmtree(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sparse_copy),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
