/* tests/unit/test-common-path.c: path helpers and the atomic write,
 * including a writer that fails half-way (the old file must survive
 * and no temporary file may be left). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "tests/unit/testutil.h"

static size_t
count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = 0;

    assert_non_null(d);
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void
test_join_and_dirname_follow_posix(void **state)
{
    static const struct { const char *in, *dir, *base; } cases[] = {
        { "/a/b/c", "/a/b", "c" },
        { "c", ".", "c" },
        { "/c", "/", "c" },
        { "a//b", "a", "b" },
        { "./x/y.qcow2", "./x", "y.qcow2" },
    };

    (void) state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CLEANUP_FREE char *d = st_path_dirname(cases[i].in);
        CLEANUP_FREE char *b = st_path_basename(cases[i].in);

        assert_string_equal(d, cases[i].dir);
        assert_string_equal(b, cases[i].base);
    }
    {
        CLEANUP_FREE char *j1 = st_path_join("/a", "b");
        CLEANUP_FREE char *j2 = st_path_join("/a/", "b");
        CLEANUP_FREE char *j3 = st_path_join("/a", "/abs");

        assert_string_equal(j1, "/a/b");
        assert_string_equal(j2, "/a/b");
        assert_string_equal(j3, "/abs");
    }
}

static void
test_atomic_write_creates_with_mode(void **state)
{
    CLEANUP_FREE char *dir = st_test_mkdtemp();
    CLEANUP_FREE char *file = st_path_join(dir, "f.xml");
    CLEANUP_FREE char *back = NULL;
    CLEANUP_ERROR struct st_error *err = NULL;
    struct stat st;
    size_t len = 0;

    (void) state;
    assert_true(st_path_write_atomic(file, 0600, "hello\n", 6, &err));
    assert_int_equal(stat(file, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    back = st_path_read(file, 100, &len, &err);
    assert_non_null(back);
    assert_int_equal(len, 6);
    assert_string_equal(back, "hello\n");
    assert_int_equal(count_entries(dir), 1);
    st_test_rmtree(dir);
}

static bool
write_half_then_fail(FILE *fp, void *opaque, struct st_error **errp)
{
    (void) opaque;
    fputs("<domainsnapshot>half", fp);
    fflush(fp);
    st_error_set_errno(errp, ENOSPC, ST_E_IO, "disk full (simulated)");
    return false;
}

static void
test_atomic_write_failure_leaves_old_file(void **state)
{
    CLEANUP_FREE char *dir = st_test_mkdtemp();
    CLEANUP_FREE char *file = st_path_join(dir, "f.xml");
    CLEANUP_FREE char *back = NULL;
    CLEANUP_ERROR struct st_error *err = NULL;

    (void) state;
    assert_true(st_path_write_atomic(file, 0600, "old\n", 4, NULL));
    assert_false(st_path_write_atomic_with(file, 0600, write_half_then_fail, NULL, &err));
    assert_int_equal(err->errnum, ENOSPC);
    back = st_path_read(file, 100, NULL, NULL);
    assert_string_equal(back, "old\n");
    /* No temporary file left beside it. */
    assert_int_equal(count_entries(dir), 1);
    st_test_rmtree(dir);
}

static void
test_atomic_write_into_missing_dir_fails_cleanly(void **state)
{
    CLEANUP_ERROR struct st_error *err = NULL;

    (void) state;
    assert_false(st_path_write_atomic("/nonexistent-dir-strata/f", 0600, "x", 1, &err));
    assert_int_equal(err->code, ST_E_IO);
    assert_int_equal(err->errnum, ENOENT);
    assert_non_null(strstr(err->msg, "/nonexistent-dir-strata/f"));
}

static void
test_read_refuses_oversized_file(void **state)
{
    CLEANUP_FREE char *dir = st_test_mkdtemp();
    CLEANUP_FREE char *file = st_path_join(dir, "big");
    CLEANUP_ERROR struct st_error *err = NULL;

    (void) state;
    st_test_write(file, "0123456789");
    assert_null(st_path_read(file, 9, NULL, &err));
    assert_int_equal(err->errnum, EFBIG);
    assert_string_equal(err->path, file);
    st_test_rmtree(dir);
}

/* A log of any size gives its last bytes: a QSD that logged 20 MiB
 * before failing still says why it failed. */
static void
test_read_tail_of_any_size(void **state)
{
    CLEANUP_FREE char *dir = st_test_mkdtemp();
    CLEANUP_FREE char *small = st_path_join(dir, "small");
    CLEANUP_FREE char *big = st_path_join(dir, "big");
    CLEANUP_ERROR struct st_error *err = NULL;
    FILE *f;

    (void) state;
    st_test_write(small, "short log\n");
    {
        CLEANUP_FREE char *t = st_path_read_tail(small, 2048, NULL);

        assert_string_equal(t, "short log\n");
    }
    assert_non_null(f = fopen(big, "w"));
    for (int i = 0; i < (20 << 20) / 16; i++)
        fputs("flood flood ...\n", f);
    fputs("error: the reason\n", f);
    assert_int_equal(fclose(f), 0);
    {
        CLEANUP_FREE char *t = st_path_read_tail(big, 64, NULL);

        assert_int_equal(strlen(t), 64);
        assert_non_null(strstr(t, "error: the reason\n"));
    }
    assert_null(st_path_read_tail("/no/such/log", 64, &err));
    assert_int_equal(err->errnum, ENOENT);
    st_test_rmtree(dir);
}

static void
test_read_missing_file_names_it(void **state)
{
    CLEANUP_ERROR struct st_error *err = NULL;

    (void) state;
    assert_null(st_path_read("/no/such/file", 9, NULL, &err));
    assert_int_equal(err->errnum, ENOENT);
    assert_string_equal(err->path, "/no/such/file");
}

static void
test_mkdir_p_and_remove_tree(void **state)
{
    CLEANUP_FREE char *dir = st_test_mkdtemp();
    CLEANUP_FREE char *deep = st_path_join(dir, "a/b/c");
    CLEANUP_FREE char *file = st_path_join(deep, "f");
    CLEANUP_FREE char *top = st_path_join(dir, "a");
    struct stat st;

    (void) state;
    assert_true(st_path_mkdir_p(deep, 0700, NULL));
    assert_int_equal(stat(deep, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_true(st_path_mkdir_p(deep, 0700, NULL));   /* idempotent */
    st_test_write(file, "x");
    assert_true(st_path_remove_tree(top, NULL));
    assert_false(st_path_exists(top));
    st_test_rmtree(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_join_and_dirname_follow_posix),
        cmocka_unit_test(test_atomic_write_creates_with_mode),
        cmocka_unit_test(test_atomic_write_failure_leaves_old_file),
        cmocka_unit_test(test_atomic_write_into_missing_dir_fails_cleanly),
        cmocka_unit_test(test_read_refuses_oversized_file),
        cmocka_unit_test(test_read_missing_file_names_it),
        cmocka_unit_test(test_read_tail_of_any_size),
        cmocka_unit_test(test_mkdir_p_and_remove_tree),
    };
    return cmocka_run_group_tests_name("common/path", tests, NULL, NULL);
}
