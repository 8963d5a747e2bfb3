/* tests/unit/test-qmp-graph.c: walking the live block graph
 * (qmp/blockdev.c st_qmp_graph_chain): backing links are followed from
 * the top, filter nodes that jobs insert are skipped, and a loop or a
 * missing node cannot hang or crash the walk. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/error.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "qmp/blockdev.h"

/* A graph from "name driver backing file" quadruples ("-" = none). */
static struct st_qmp_graph *
graph(const char *const *rows, size_t n)
{
    struct st_qmp_graph *g = st_xcalloc(1, sizeof *g);

    g->nodes = st_xcalloc(n, sizeof *g->nodes);
    for (size_t i = 0; i < n; i++) {
        const char *const *r = rows + 4 * i;

        g->nodes[i].name = st_xstrdup(r[0]);
        g->nodes[i].driver = st_xstrdup(r[1]);
        g->nodes[i].filename = st_xstrdup("");
        g->nodes[i].backing = strcmp(r[2], "-") ? st_xstrdup(r[2]) : NULL;
        g->nodes[i].file = strcmp(r[3], "-") ? st_xstrdup(r[3]) : NULL;
    }
    g->n = n;
    return g;
}

static char *
joined(char **strv)
{
    size_t len = 1;
    char *s;

    for (size_t i = 0; strv[i]; i++)
        len += strlen(strv[i]) + 1;
    s = st_xcalloc(1, len);
    for (size_t i = 0; strv[i]; i++) {
        if (i)
            strcat(s, " ");
        strcat(s, strv[i]);
    }
    return s;
}

static void
test_chain_follows_backing_and_skips_job_filters(void **state)
{
    static const char *const rows[] = {
        "vda-2", "qcow2", "#block123", "vda-2-file",
        "vda-2-file", "file", "-", "-",
        "#block123", "commit_top", "vda-1", "-",
        "vda-1", "qcow2", "vda-0", "vda-1-file",
        "vda-0", "qcow2", "-", "vda-0-file",
    };
    CLEANUP_QMP_GRAPH struct st_qmp_graph *g = graph(rows, 5);
    CLEANUP_ERROR struct st_error *err = NULL;
    CLEANUP_STRV char **chain = st_qmp_graph_chain(g, "vda-2", &err);
    CLEANUP_FREE char *s = NULL;

    (void) state;
    assert_non_null(chain);
    s = joined(chain);
    assert_string_equal(s, "vda-2 vda-1 vda-0");
    assert_string_equal(st_qmp_graph_find(g, "vda-1")->backing, "vda-0");
    assert_null(st_qmp_graph_find(g, "nosuch"));
}

static void
test_copy_on_read_filter_is_skipped_through_its_file_child(void **state)
{
    static const char *const rows[] = {
        "top", "qcow2", "#cor", "-",
        "#cor", "copy-on-read", "-", "mid",
        "mid", "qcow2", "-", "-",
    };
    CLEANUP_QMP_GRAPH struct st_qmp_graph *g = graph(rows, 3);
    CLEANUP_STRV char **chain = st_qmp_graph_chain(g, "top", NULL);
    CLEANUP_FREE char *s = NULL;

    (void) state;
    s = joined(chain);
    assert_string_equal(s, "top mid");
}

static void
test_a_loop_ends_the_walk(void **state)
{
    static const char *const rows[] = {
        "a", "qcow2", "b", "-",
        "b", "qcow2", "a", "-",
    };
    CLEANUP_QMP_GRAPH struct st_qmp_graph *g = graph(rows, 2);
    CLEANUP_STRV char **chain = st_qmp_graph_chain(g, "a", NULL);

    (void) state;
    assert_non_null(chain);
    assert_true(st_strv_len(chain) <= 3);
}

static void
test_unknown_top_is_not_found(void **state)
{
    static const char *const rows[] = { "a", "qcow2", "-", "-" };
    CLEANUP_QMP_GRAPH struct st_qmp_graph *g = graph(rows, 1);
    CLEANUP_ERROR struct st_error *err = NULL;

    (void) state;
    assert_null(st_qmp_graph_chain(g, "vdz-0", &err));
    assert_int_equal(err->code, ST_E_NOT_FOUND);
    assert_string_equal(err->msg, "no block node 'vdz-0' in QSD");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_follows_backing_and_skips_job_filters),
        cmocka_unit_test(test_copy_on_read_filter_is_skipped_through_its_file_child),
        cmocka_unit_test(test_a_loop_ends_the_walk),
        cmocka_unit_test(test_unknown_top_is_not_found),
    };
    return cmocka_run_group_tests_name("qmp/graph", tests, NULL, NULL);
}
