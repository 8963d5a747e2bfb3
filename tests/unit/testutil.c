/* tests/unit/testutil.c: temporary directories and test data access. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "tests/unit/testutil.h"

char *
st_test_mkdtemp(void)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = st_xasprintf("%s/strata-unit-XXXXXX", tmp && *tmp ? tmp : "/tmp");

    assert_non_null(mkdtemp(dir));
    return dir;
}

void
st_test_rmtree(const char *dir)
{
    CLEANUP_ERROR struct st_error *err = NULL;

    if (dir && !st_path_remove_tree(dir, &err))
        fail_msg("cannot remove %s: %s", dir, err->msg);
}

char *
st_test_data_path(const char *rel)
{
    const char *srcdir = getenv("srcdir");

    return st_xasprintf("%s/tests/data/%s", srcdir && *srcdir ? srcdir : ".", rel);
}

char *
st_test_read(const char *rel)
{
    CLEANUP_FREE char *path = st_test_data_path(rel);
    CLEANUP_ERROR struct st_error *err = NULL;
    char *text = st_path_read(path, 64 << 20, NULL, &err);

    if (!text)
        fail_msg("cannot read %s: %s", path, err->msg);
    return text;
}

void
st_test_write(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    if (!fp)
        fail_msg("cannot create %s", path);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}
