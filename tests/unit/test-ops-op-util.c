/* tests/unit/test-ops-op-util.c: the pieces of ops/op-util.c that
 * decide without QSD: which overlay names are taken (files and every
 * kind of metadata), and the current-snapshot switch on a real store
 * in a temporary directory. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "xml/domain.h"
#include "xml/snapshot.h"
#include "ops/op-util.h"
#include "store/store.h"
#include "store/tree.h"
#include "tests/unit/testutil.h"

static struct st_snapshot *
snap_with_domain(const char *name, const char *parent, const char *pit, const char *overlay)
{
    CLEANUP_DOMAIN struct st_domain *d = NULL;
    struct st_snapshot *s;

    assert_non_null(d = st_domain_new("web", NULL));
    assert_true(st_domain_add_disk(d, "vda", pit, "qcow2", NULL));
    assert_non_null(s = st_snapshot_new(name, NULL));
    s->parent = parent ? st_xstrdup(parent) : NULL;
    s->memory = ST_SNAPSHOT_MODE_NO;
    assert_true(st_snapshot_add_disk(s, "vda", ST_SNAPSHOT_MODE_EXTERNAL, overlay, "qcow2", NULL));
    st_snapshot_set_domain(s, d);
    return s;
}

static void
test_names_in_files_or_metadata_are_taken(void **state)
{
    CLEANUP_FREE char *dir = st_test_mkdtemp();
    CLEANUP_FREE char *exists = st_path_join(dir, "exists.qcow2");
    CLEANUP_DOMAIN struct st_domain *dom = NULL;
    CLEANUP_TREE struct st_tree *tree = NULL;
    struct st_snapshot *snaps[2];
    char *extra[] = { "/img/picked", NULL };

    (void) state;
    st_test_write(exists, "x");
    assert_non_null(dom = st_domain_new("web", NULL));
    assert_true(st_domain_add_disk(dom, "vda", "/img/vda.active", "qcow2", NULL));
    snaps[0] = snap_with_domain("s1", NULL, "/img/vda.qcow2", "/img/vda.s1");
    snaps[1] = snap_with_domain("s2", "s1", "/img/vda.s1", "/img/vda.s2");
    assert_non_null(tree = st_tree_build(snaps, 2, NULL, NULL, NULL));

    assert_true(st_op_name_taken(exists, dom, tree, NULL));
    assert_true(st_op_name_taken("/img/vda.active", dom, tree, NULL));   /* the domain */
    assert_true(st_op_name_taken("/img/vda.s2", dom, tree, NULL));       /* <disks> */
    assert_true(st_op_name_taken("/img/vda.qcow2", dom, tree, NULL));    /* embedded <domain> */
    assert_true(st_op_name_taken("/img/picked", dom, tree, extra));      /* this operation */
    assert_false(st_op_name_taken("/img/vda.s1-1", dom, tree, extra));
    assert_false(st_op_name_taken("/img/picked", NULL, NULL, NULL));
    st_test_rmtree(dir);
}

static void
test_save_as_current_unmarks_the_previous_one(void **state)
{
    CLEANUP_FREE char *dir = st_test_mkdtemp();
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_SNAPSHOT struct st_snapshot *s1 = snap_with_domain("s1", NULL, "/i/a", "/i/b");
    CLEANUP_SNAPSHOT struct st_snapshot *s2 = snap_with_domain("s2", "s1", "/i/b", "/i/c");
    CLEANUP_TREE struct st_tree *tree = NULL;
    CLEANUP_DOMAIN struct st_domain *dom = NULL;

    (void) state;
    assert_non_null(store = st_store_open(dir, true, NULL));
    assert_non_null(dom = st_domain_new("web", NULL));
    assert_true(st_store_domain_save(store, dom, NULL));
    assert_true(st_op_save_as_current(store, "web", s1, NULL, NULL));
    assert_true(st_op_save_as_current(store, "web", s2, "s1", NULL));
    /* Idempotent, as recovery needs; a vanished previous one is fine. */
    assert_true(st_op_save_as_current(store, "web", s2, "s1", NULL));
    assert_true(st_op_save_as_current(store, "web", s2, "gone", NULL));
    assert_non_null(tree = st_store_tree_load(store, "web", 0, NULL, NULL, NULL));
    assert_int_equal(tree->n, 2);
    assert_non_null(tree->current);
    assert_string_equal(tree->current->snap->name, "s2");
    assert_false(st_tree_find(tree, "s1")->snap->current);
    st_test_rmtree(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_in_files_or_metadata_are_taken),
        cmocka_unit_test(test_save_as_current_unmarks_the_previous_one),
    };
    return cmocka_run_group_tests_name("ops/op-util", tests, NULL, NULL);
}
