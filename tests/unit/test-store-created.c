/* tests/unit/test-store-created.c: pruning the record of the files strata
 * made (store/created.h): an entry goes once its file is gone or is
 * another file, only for the paths asked about, and an entry whose file
 * is still the one recorded always stays. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "store/created.h"
#include "store/journal.h"
#include "store/store-layout.h"
#include "tests/unit/testutil.h"

/* Make @path and add its identity to @journal's created-ids, as an
 * operation does. */
static void
make(struct json_object *journal, const char *path)
{
    struct st_file_id id;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

    assert_true(fd >= 0);
    assert_true(st_file_id_of_fd(fd, &id));
    close(fd);
    st_journal_add_created_id(journal, path, &id);
}

/* Put another file at @path (made before the old one goes, so it has
 * another inode whatever the file system hands out). */
static void
replace(const char *path)
{
    CLEANUP_FREE char *tmp = st_xasprintf("%s.new", path);

    st_test_write(tmp, "a user's file");
    assert_int_equal(rename(tmp, path), 0);
}

static bool
has(struct json_object *record, const char *path)
{
    for (size_t i = 0; i < json_object_array_length(record); i++) {
        const char *p = st_json_get_string(json_object_array_get_idx(record, i), "path");

        if (p && strcmp(p, path) == 0)
            return true;
    }
    return false;
}

static void
test_record_prune(void **state)
{
    CLEANUP_FREE char *dir = st_test_mkdtemp();
    CLEANUP_FREE char *a = st_path_join(dir, "a"), *b = st_path_join(dir, "b");
    CLEANUP_FREE char *c = st_path_join(dir, "c"), *d = st_path_join(dir, "d");
    CLEANUP_JSON struct json_object *j = json_object_new_object();
    struct json_object *record;
    char *only_b[] = { b, NULL }, *only_a[] = { a, NULL }, *d_and_a[] = { d, a, NULL };

    (void) state;
    make(j, a);
    make(j, b);
    make(j, c);
    record = st_json_get_array(j, "created-ids");
    assert_non_null(record);

    /* Nothing changed: nothing goes, asked about one path or all. */
    assert_int_equal(st_created_record_prune(record, only_a), 0);
    assert_int_equal(st_created_record_prune(record, NULL), 0);
    assert_int_equal(json_object_array_length(record), 3);

    /* b removed, c replaced by a user's file: asked about b only, b's
     * entry goes and c's stays (another operation's business). */
    assert_int_equal(unlink(b), 0);
    replace(c);
    assert_int_equal(st_created_record_prune(record, only_b), 1);
    assert_false(has(record, b));
    assert_true(has(record, c));
    /* Asked about every path, c's goes too: it proves nothing now. */
    assert_int_equal(st_created_record_prune(record, NULL), 1);
    assert_false(has(record, c));
    assert_true(has(record, a));
    assert_non_null(st_created_find(record, a));

    /* Two files made at one name in turn: the entry of the first goes,
     * that of the one there now stays. */
    make(j, d);
    assert_int_equal(unlink(d), 0);
    make(j, d);
    assert_int_equal(json_object_array_length(record), 3);
    assert_int_equal(st_created_record_prune(record, d_and_a), 1);
    assert_int_equal(json_object_array_length(record), 2);
    assert_non_null(st_created_find(record, d));
    assert_non_null(st_created_find(record, a));
    st_test_rmtree(dir);
}

/* st_created_forget on a domain's record: written back only when it
 * changed, and what it drops stays dropped. */
static void
test_forget(void **state)
{
    CLEANUP_FREE char *dir = st_test_mkdtemp();
    CLEANUP_FREE char *sdir = st_path_join(dir, "state");
    CLEANUP_FREE char *img = st_path_join(dir, "vda.s1");
    CLEANUP_FREE char *img2 = st_path_join(dir, "vda.s2");
    CLEANUP_FREE char *ddir = NULL;
    CLEANUP_FREE char *rec = NULL;
    CLEANUP_JSON struct json_object *j = st_journal_new("snapshot-create", "s1");
    CLEANUP_JSON struct json_object *record = NULL;
    CLEANUP_STORE struct st_store *store = NULL;
    char *paths[] = { img, img2, NULL };
    struct stat st1, st2;

    (void) state;
    store = st_store_open(sdir, true, NULL);
    assert_non_null(store);
    ddir = st_store_domain_dir(store, "web");
    assert_int_equal(mkdir(ddir, 0700), 0);
    rec = st_path_join(ddir, "created");
    make(j, img);
    make(j, img2);
    assert_true(st_created_add_from_journal(store, "web", j, NULL));
    assert_int_equal(stat(rec, &st1), 0);

    /* Nothing gone: the record is not rewritten (same inode: writes
     * are atomic renames). */
    assert_true(st_created_forget(store, "web", paths, NULL));
    assert_int_equal(stat(rec, &st2), 0);
    assert_int_equal(st1.st_ino, st2.st_ino);

    assert_int_equal(unlink(img), 0);
    assert_true(st_created_forget(store, "web", paths, NULL));
    record = st_created_load(store, "web", NULL);
    assert_non_null(record);
    assert_int_equal(json_object_array_length(record), 1);
    assert_false(has(record, img));
    assert_non_null(st_created_find(record, img2));
    st_test_rmtree(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_prune),
        cmocka_unit_test(test_forget),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
