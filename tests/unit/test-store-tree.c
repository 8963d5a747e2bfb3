/* tests/unit/test-store-tree.c: the snapshot tree rebuilt from parent
 * names: roots, children in virsh's order, descendants, current, and
 * the problems (missing parent, two currents, duplicates, loops). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/xalloc.h"
#include "store/tree.h"
#include "tests/unit/testutil.h"

static struct st_snapshot *
snap(const char *name, const char *parent, bool current)
{
    struct st_snapshot *s = st_snapshot_new(name, NULL);

    assert_non_null(s);
    s->parent = parent ? st_xstrdup(parent) : NULL;
    s->current = current;
    return s;
}

static void
count_warn(const char *msg, void *opaque)
{
    (void) msg;
    (*(int *) opaque)++;
}

static void
test_shape(void **state)
{
    /* B and a under root; c under a; orphan's parent is missing. */
    struct st_snapshot *s[] = {
        snap("c", "a", false), snap("root", NULL, false), snap("B", "root", true),
        snap("a", "root", false), snap("orphan", "gone", false),
    };
    int warnings = 0;
    CLEANUP_TREE struct st_tree *t = st_tree_build(s, 5, count_warn, &warnings, NULL);
    struct st_tree_node *root, **desc = NULL;
    size_t ndesc;

    (void) state;
    assert_non_null(t);
    assert_int_equal(warnings, 1);
    assert_int_equal(t->nroots, 2);
    assert_string_equal(t->roots[0]->snap->name, "orphan");
    root = st_tree_find(t, "root");
    assert_ptr_equal(t->roots[1], root);
    /* virsh sorts case-insensitively: a before B. */
    assert_int_equal(root->nchildren, 2);
    assert_string_equal(root->children[0]->snap->name, "a");
    assert_string_equal(root->children[1]->snap->name, "B");
    assert_int_equal(st_tree_count_descendants(root), 3);
    st_tree_descendants(root, &desc, &ndesc);
    assert_int_equal(ndesc, 3);
    assert_string_equal(desc[0]->snap->name, "a");
    assert_string_equal(desc[1]->snap->name, "c");
    assert_string_equal(desc[2]->snap->name, "B");
    free(desc);
    assert_string_equal(t->current->snap->name, "B");
    assert_true(st_tree_is_ancestor(root, st_tree_find(t, "c")));
    assert_false(st_tree_is_ancestor(st_tree_find(t, "c"), root));
    assert_null(st_tree_find(t, "nope"));
}

static void
test_two_currents_warned(void **state)
{
    struct st_snapshot *s[] = { snap("x", NULL, true), snap("y", "x", true) };
    int warnings = 0;
    CLEANUP_TREE struct st_tree *t = st_tree_build(s, 2, count_warn, &warnings, NULL);

    (void) state;
    assert_non_null(t);
    assert_int_equal(warnings, 1);
    assert_string_equal(t->current->snap->name, "y");
    assert_false(st_tree_find(t, "x")->snap->current);
}

static void
test_loop_refused(void **state)
{
    struct st_snapshot *s[] = { snap("r", NULL, false), snap("x", "y", false),
                                snap("y", "x", false) };
    CLEANUP_ERROR struct st_error *err = NULL;

    (void) state;
    assert_null(st_tree_build(s, 3, NULL, NULL, &err));
    assert_non_null(strstr(err->msg, "is its own ancestor"));
}

static void
test_duplicate_refused(void **state)
{
    struct st_snapshot *s[] = { snap("x", NULL, false), snap("x", NULL, false) };
    CLEANUP_ERROR struct st_error *err = NULL;

    (void) state;
    assert_null(st_tree_build(s, 2, NULL, NULL, &err));
    assert_non_null(strstr(err->msg, "two snapshots are named 'x'"));
}

/* A 10,000-deep chain must not be a problem (no quadratic work). */
static void
test_deep_chain(void **state)
{
    enum { N = 10000 };
    struct st_snapshot **s = st_xcalloc(N, sizeof *s);
    CLEANUP_TREE struct st_tree *t = NULL;

    (void) state;
    for (int i = 0; i < N; i++) {
        char name[16], parent[16];

        snprintf(name, sizeof name, "s%05d", i);
        snprintf(parent, sizeof parent, "s%05d", i - 1);
        s[i] = snap(name, i ? parent : NULL, i == N - 1);
    }
    t = st_tree_build(s, N, NULL, NULL, NULL);
    free(s);
    assert_non_null(t);
    assert_int_equal(t->nroots, 1);
    assert_int_equal(st_tree_count_descendants(t->roots[0]), N - 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_two_currents_warned),
        cmocka_unit_test(test_loop_refused),
        cmocka_unit_test(test_duplicate_refused),
        cmocka_unit_test(test_deep_chain),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
