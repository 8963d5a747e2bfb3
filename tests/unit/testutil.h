/* tests/unit/testutil.h: helpers shared by the cmocka tests: a private
 * temporary directory and access to tests/data. */
#ifndef ST_TESTS_TESTUTIL_H
#define ST_TESTS_TESTUTIL_H

#include <stddef.h>

/* A new empty directory under $TMPDIR (or /tmp); owned path.  Removed
 * by st_test_rmtree(). */
char *st_test_mkdtemp(void);
void st_test_rmtree(const char *dir);
/* Path of a file under $srcdir/tests/data (srcdir defaults to "."); owned. */
char *st_test_data_path(const char *rel);
/* Contents of a file under tests/data; owned; fails the test if unreadable. */
char *st_test_read(const char *rel);
/* Write @text to @path (creating it); fails the test on error. */
void st_test_write(const char *path, const char *text);

#endif
