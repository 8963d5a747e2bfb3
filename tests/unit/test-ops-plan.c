/* tests/unit/test-ops-plan.c: the merge planner of snapshot-delete on
 * many tree shapes: linear chains (root, middle, leaf, current), after
 * revert (and a lone abandoned branch, whose files go with its last
 * snapshot), several branches, --children spanning the current branch, two
 * disks where one has snapshot='no', --no-stream refusals, and the JSON
 * form the journal keeps. */
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
#include "common/json.h"
#include "ops/plan.h"
#include "tests/unit/testutil.h"

enum { MAXF = 16, MAXS = 16, MAXD = 2 };

/* A world: file graphs of up to two disks and a snapshot tree. */
struct world {
    size_t ndisks;
    struct st_plan_file files[MAXD][MAXF];
    struct st_plan_disk disks[MAXD];
    struct st_plan_snap snaps[MAXS];
    int pit[MAXS][MAXD], ovl[MAXS][MAXD];
    size_t nsnaps;
};

static void
world_init(struct world *w, size_t ndisks)
{
    static const char *const targets[] = { "vda", "vdb" };

    memset(w, 0, sizeof *w);
    w->ndisks = ndisks;
    for (size_t d = 0; d < ndisks; d++) {
        w->disks[d].target = targets[d];
        w->disks[d].files = w->files[d];
        w->disks[d].active = -1;
    }
}

static int
fidx(const struct world *w, size_t d, const char *path)
{
    if (!path)
        return -1;
    for (size_t i = 0; i < w->disks[d].nfiles; i++) {
        if (strcmp(w->files[d][i].path, path) == 0)
            return (int) i;
    }
    fail_msg("no file '%s' on disk %zu", path, d);
    return -1;
}

/* file(w, disk, path, backing or NULL, allocated bytes) */
static void
file(struct world *w, size_t d, const char *path, const char *backing, uint64_t alloc)
{
    struct st_plan_file *f = &w->files[d][w->disks[d].nfiles];

    f->path = path;
    f->backing = fidx(w, d, backing);
    f->allocated = alloc;
    w->disks[d].nfiles++;
}

static void
active(struct world *w, size_t d, const char *path)
{
    w->disks[d].active = fidx(w, d, path);
}

static int
sidx(const struct world *w, const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < w->nsnaps; i++) {
        if (strcmp(w->snaps[i].name, name) == 0)
            return (int) i;
    }
    fail_msg("no snapshot '%s'", name);
    return -1;
}

/* snap(w, name, parent, current, pit vda, overlay vda, pit vdb, overlay vdb) */
static void
snap(struct world *w, const char *name, const char *parent, bool current, const char *pit0,
     const char *ovl0, const char *pit1, const char *ovl1)
{
    size_t i = w->nsnaps++;

    w->snaps[i].name = name;
    w->snaps[i].parent = sidx(w, parent);
    w->snaps[i].current = current;
    w->pit[i][0] = fidx(w, 0, pit0);
    w->ovl[i][0] = fidx(w, 0, ovl0);
    if (w->ndisks > 1) {
        w->pit[i][1] = fidx(w, 1, pit1);
        w->ovl[i][1] = fidx(w, 1, ovl1);
    }
    w->snaps[i].pit = w->pit[i];
    w->snaps[i].overlay = w->ovl[i];
}

static struct st_plan *
plan_of(const struct world *w, const char *name, enum st_plan_mode mode, bool no_stream,
        struct st_error **errp)
{
    struct st_plan_input in = {
        .snaps = w->snaps, .nsnaps = w->nsnaps, .disks = w->disks, .ndisks = w->ndisks,
    };
    struct st_plan_opts opts = { .target = (size_t) sidx(w, name), .mode = mode,
                                 .no_stream = no_stream };

    return st_plan_delete(&in, &opts, errp);
}

static struct st_plan *
plan_ok(const struct world *w, const char *name, enum st_plan_mode mode)
{
    CLEANUP_ERROR struct st_error *err = NULL;
    struct st_plan *p = plan_of(w, name, mode, false, &err);

    if (!p)
        fail_msg("plan failed: %s", err->msg);
    return p;
}

static void
assert_step(const struct st_plan *p, size_t i, enum st_plan_step_kind kind, const char *disk,
            const char *top, const char *base, uint64_t bytes)
{
    assert_true(i < p->nsteps);
    assert_int_equal(p->steps[i].kind, kind);
    assert_string_equal(p->steps[i].disk, disk);
    assert_string_equal(p->steps[i].top, top);
    assert_string_equal(p->steps[i].base, base);
    assert_int_equal(p->steps[i].bytes, bytes);
}

static void
assert_unlinks(const struct st_plan *p, const char *const *paths, bool discard)
{
    size_t n = 0;

    while (paths[n])
        n++;
    assert_int_equal(p->nunlinks, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(p->unlinks[i].path, paths[i]);
        assert_int_equal(p->unlinks[i].discard, discard);
    }
}

static void
assert_rename(const struct st_plan *p, size_t i, const char *from, const char *to)
{
    assert_true(i < p->nrenames);
    assert_string_equal(p->renames[i].from, from);
    assert_string_equal(p->renames[i].to, to);
}

static void
assert_deletes(const struct st_plan *p, const char *const *names)
{
    size_t n = 0;

    for (; names[n]; n++) {
        assert_non_null(p->deletes);
        assert_non_null(p->deletes[n]);
        assert_string_equal(p->deletes[n], names[n]);
    }
    assert_null(p->deletes ? p->deletes[n] : NULL);
}

/* base <- o1 <- o2 <- o3 (active); s1 @base, s2 @o1, s3 @o2 (current). */
static void
linear(struct world *w, uint64_t a_base, uint64_t a_o1, uint64_t a_o2, uint64_t a_o3)
{
    world_init(w, 1);
    file(w, 0, "base", NULL, a_base);
    file(w, 0, "o1", "base", a_o1);
    file(w, 0, "o2", "o1", a_o2);
    file(w, 0, "o3", "o2", a_o3);
    active(w, 0, "o3");
    snap(w, "s1", NULL, false, "base", "o1", NULL, NULL);
    snap(w, "s2", "s1", false, "o1", "o2", NULL, NULL);
    snap(w, "s3", "s2", true, "o2", "o3", NULL, NULL);
}

static void
test_middle_delete_commits_a_small_overlay_into_a_big_base(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    linear(&w, 1000, 500, 10, 1);
    p = plan_ok(&w, "s2", ST_PLAN_ONE);
    assert_int_equal(p->nsteps, 1);
    assert_step(p, 0, ST_PLAN_COMMIT, "vda", "o2", "o1", 10);
    /* o2 has an overlay, so the commit runs on the active chain. */
    assert_string_equal(p->steps[0].head, "o3");
    assert_false(p->steps[0].active);
    assert_rename(p, 0, "o2", "o1");
    assert_unlinks(p, (const char *[]) { "o2", NULL }, false);
    assert_deletes(p, (const char *[]) { "s2", NULL });
    assert_int_equal(p->nreparents, 1);
    assert_string_equal(p->reparents[0].snapshot, "s3");
    assert_string_equal(p->reparents[0].parent, "s1");
    assert_false(p->current_changes);
    assert_int_equal(p->bytes, 10);
    assert_int_equal(p->bytes_always_commit, 10);
    assert_int_equal(p->bytes_always_stream, 500);
}

static void
test_middle_delete_streams_a_tiny_base_into_a_big_overlay(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    linear(&w, 1000, 3, 700, 1);
    p = plan_ok(&w, "s2", ST_PLAN_ONE);
    assert_int_equal(p->nsteps, 1);
    assert_step(p, 0, ST_PLAN_STREAM, "vda", "o2", "o1", 3);
    assert_string_equal(p->steps[0].new_backing, "base");
    assert_rename(p, 0, "o1", "o2");
    assert_unlinks(p, (const char *[]) { "o1", NULL }, false);
    assert_int_equal(p->bytes_always_commit, 700);
    assert_int_equal(p->bytes_always_stream, 3);
}

static void
test_equal_costs_stream_which_renames_less(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    linear(&w, 1000, 64, 64, 1);
    p = plan_ok(&w, "s2", ST_PLAN_ONE);
    assert_step(p, 0, ST_PLAN_STREAM, "vda", "o2", "o1", 64);
}

static void
test_root_delete_streams_into_a_flattened_child(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    linear(&w, 8, 500, 10, 1);
    p = plan_ok(&w, "s1", ST_PLAN_ONE);
    assert_step(p, 0, ST_PLAN_STREAM, "vda", "o1", "base", 8);
    assert_null(p->steps[0].new_backing);
    assert_unlinks(p, (const char *[]) { "base", NULL }, false);
    assert_int_equal(p->nreparents, 1);
    assert_string_equal(p->reparents[0].snapshot, "s2");
    assert_null(p->reparents[0].parent);
}

static void
test_root_delete_commits_into_the_base(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    linear(&w, 1000, 5, 10, 1);
    p = plan_ok(&w, "s1", ST_PLAN_ONE);
    assert_step(p, 0, ST_PLAN_COMMIT, "vda", "o1", "base", 5);
    assert_string_equal(p->steps[0].head, "o3");
    assert_rename(p, 0, "o1", "base");
}

static void
test_current_delete_is_an_active_commit_with_pivot(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    linear(&w, 1000, 500, 400, 0);
    p = plan_ok(&w, "s3", ST_PLAN_ONE);
    assert_int_equal(p->nsteps, 1);
    assert_step(p, 0, ST_PLAN_COMMIT, "vda", "o3", "o2", 0);
    assert_string_equal(p->steps[0].head, "o3");
    assert_true(p->steps[0].active);
    /* The domain's active file is renamed to the survivor. */
    assert_rename(p, 0, "o3", "o2");
    assert_true(p->current_changes);
    assert_string_equal(p->new_current, "s2");
    assert_int_equal(p->nreparents, 0);
}

static void
test_current_delete_streams_when_the_active_layer_is_bigger(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    linear(&w, 1000, 500, 4, 300);
    p = plan_ok(&w, "s3", ST_PLAN_ONE);
    assert_step(p, 0, ST_PLAN_STREAM, "vda", "o3", "o2", 4);
    assert_false(p->steps[0].active);
    assert_string_equal(p->steps[0].new_backing, "o1");
}

/* base <- o1 <- o2 (left behind); base <- r1 (active) after reverting
 * to s1; s1 @base (current), s2 @o1. */
static void
reverted(struct world *w)
{
    world_init(w, 1);
    file(w, 0, "base", NULL, 100);
    file(w, 0, "o1", "base", 20);
    file(w, 0, "o2", "o1", 5);
    file(w, 0, "r1", "base", 1);
    active(w, 0, "r1");
    snap(w, "s1", NULL, true, "base", "o1", NULL, NULL);
    snap(w, "s2", "s1", false, "o1", "o2", NULL, NULL);
}

static void
test_after_revert_a_shared_base_is_streamed_into_each_branch(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    reverted(&w);
    p = plan_ok(&w, "s1", ST_PLAN_ONE);
    assert_int_equal(p->nsteps, 2);
    assert_step(p, 0, ST_PLAN_STREAM, "vda", "o1", "base", 100);
    assert_step(p, 1, ST_PLAN_STREAM, "vda", "r1", "base", 100);
    assert_null(p->steps[0].new_backing);
    /* References to base go to the branch the domain runs on. */
    assert_rename(p, 0, "base", "r1");
    assert_unlinks(p, (const char *[]) { "base", NULL }, false);
    assert_int_equal(p->bytes, 200);
    assert_true(p->current_changes);
    assert_null(p->new_current);
}

static void
test_no_stream_refuses_a_shared_base(void **state)
{
    struct world w;
    CLEANUP_ERROR struct st_error *err = NULL;
    struct st_plan *p;

    (void) state;
    reverted(&w);
    p = plan_of(&w, "s1", ST_PLAN_ONE, true, &err);
    assert_null(p);
    assert_int_equal(err->code, ST_E_CONFLICT);
    assert_non_null(strstr(err->msg, "disk 'vda': 'base' backs 2 branches"));
    assert_non_null(strstr(err->msg, "--no-stream"));
}

/* s1's own overlay h is the head of a branch a revert left (the data
 * written after s1 on it), and s1 has a child on another branch: once
 * s1 goes nothing names h, and base, shared, has nothing to commit it
 * into.  An empty h that strata made goes with s1, without copying,
 * before base, and base is streamed into the child's branch only; one
 * holding data makes the delete refuse (issue 18: found by
 * tests/func/nothing-left-random.sh). */
static void
test_a_shared_base_drops_the_deleted_snapshots_own_branch_head(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    world_init(&w, 1);
    file(&w, 0, "base", NULL, 100);
    file(&w, 0, "h", "base", 7);
    file(&w, 0, "r1", "base", 3);
    file(&w, 0, "r2", "r1", 1);
    active(&w, 0, "r2");
    snap(&w, "s1", NULL, false, "base", "h", NULL, NULL);
    snap(&w, "s2", "s1", true, "r1", "r2", NULL, NULL);
    /* A user's h (no record that strata made it) is streamed into and
     * stays, a file of its own. */
    p = plan_ok(&w, "s1", ST_PLAN_ONE);
    assert_int_equal(p->nsteps, 2);
    assert_unlinks(p, (const char *[]) { "base", NULL }, false);
    st_plan_free(ST_STEAL(&p));
    /* strata's h holding data: the writes would be lost, so the delete
     * is refused and names the file. */
    w.files[0][fidx(&w, 0, "h")].made = true;
    {
        CLEANUP_ERROR struct st_error *err = NULL;

        assert_null(plan_of(&w, "s1", ST_PLAN_ONE, false, &err));
        assert_int_equal(err->code, ST_E_CONFLICT);
        assert_non_null(strstr(err->msg, "'h', the overlay of snapshot 's1', holds 7 bytes"));
    }
    /* An empty h goes with s1, without copying. */
    w.files[0][fidx(&w, 0, "h")].allocated = 0;
    p = plan_ok(&w, "s1", ST_PLAN_ONE);
    assert_int_equal(p->nsteps, 1);
    assert_step(p, 0, ST_PLAN_STREAM, "vda", "r1", "base", 100);
    assert_rename(p, 0, "base", "r1");
    assert_int_equal(p->nunlinks, 2);
    assert_string_equal(p->unlinks[0].path, "h");
    assert_true(p->unlinks[0].discard);
    assert_string_equal(p->unlinks[1].path, "base");
    assert_false(p->unlinks[1].discard);
    /* A snapshot still on h (its point in time) keeps it. */
    st_plan_free(ST_STEAL(&p));
    snap(&w, "k", "s1", false, "h", NULL, NULL, NULL);
    p = plan_ok(&w, "s1", ST_PLAN_ONE);
    assert_int_equal(p->nsteps, 2);
    assert_int_equal(p->nunlinks, 1);
    assert_string_equal(p->unlinks[0].path, "base");
}

static void
test_leaf_on_an_abandoned_branch_commits_its_head(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    reverted(&w);
    p = plan_ok(&w, "s2", ST_PLAN_ONE);
    assert_int_equal(p->nsteps, 1);
    assert_step(p, 0, ST_PLAN_COMMIT, "vda", "o2", "o1", 5);
    /* o2 is the top of its own chain: QEMU's active commit, no pivot. */
    assert_string_equal(p->steps[0].head, "o2");
    assert_false(p->steps[0].active);
    assert_unlinks(p, (const char *[]) { "o2", NULL }, false);
    assert_false(p->current_changes);
}

/* The abandoned branch alone: s2's parent s1 was deleted, so nothing
 * but s2 reaches o1 and o2.  Merging them would leave a file nothing
 * names; they go with s2, tops first, without copying (issue 18). */
static void
test_leaf_of_a_lone_abandoned_branch_takes_its_files(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    world_init(&w, 1);
    file(&w, 0, "base", NULL, 100);
    file(&w, 0, "o1", "base", 20);
    file(&w, 0, "o2", "o1", 5);
    file(&w, 0, "r1", "base", 1);
    active(&w, 0, "r1");
    snap(&w, "s0", NULL, true, "base", "r1", NULL, NULL);
    snap(&w, "s2", "s0", false, "o1", "o2", NULL, NULL);
    p = plan_ok(&w, "s2", ST_PLAN_ONE);
    assert_int_equal(p->nsteps, 0);
    assert_unlinks(p, (const char *[]) { "o2", "o1", NULL }, true);
    assert_int_equal(p->bytes, 0);
}

/* The same with the branch's overlay removed by a revert's
 * --discard-current (no overlay recorded): its point in time goes. */
static void
test_leaf_without_overlay_on_a_lone_branch_takes_its_point_in_time(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    world_init(&w, 1);
    file(&w, 0, "base", NULL, 100);
    file(&w, 0, "o1", "base", 20);
    file(&w, 0, "r1", "base", 1);
    active(&w, 0, "r1");
    snap(&w, "s0", NULL, true, "base", "r1", NULL, NULL);
    snap(&w, "s2", "s0", false, "o1", NULL, NULL, NULL);
    p = plan_ok(&w, "s2", ST_PLAN_ONE);
    assert_int_equal(p->nsteps, 0);
    assert_unlinks(p, (const char *[]) { "o1", NULL }, true);
}

/* A branch another snapshot still reaches is merged as before. */
static void
test_leaf_whose_parent_names_its_point_in_time_still_commits(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    reverted(&w);
    p = plan_ok(&w, "s2", ST_PLAN_ONE);
    assert_int_equal(p->nsteps, 1);
    assert_unlinks(p, (const char *[]) { "o2", NULL }, false);
}

/* base <- o1 <- {o2, r2 (active)}: reverted to s2, whose point in time
 * o1 now backs two branches; s1 @base with overlay o1. */
static void
test_commit_is_refused_into_a_child_that_backs_two_branches(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;
    CLEANUP_ERROR struct st_error *err = NULL;

    (void) state;
    world_init(&w, 1);
    file(&w, 0, "base", NULL, 1000);
    file(&w, 0, "o1", "base", 1);
    file(&w, 0, "o2", "o1", 5);
    file(&w, 0, "r2", "o1", 0);
    active(&w, 0, "r2");
    snap(&w, "s1", NULL, false, "base", "o1", NULL, NULL);
    snap(&w, "s2", "s1", true, "o1", "o2", NULL, NULL);
    p = plan_ok(&w, "s1", ST_PLAN_ONE);
    /* Commit would copy 1 byte, but o1 backs two files: stream. */
    assert_int_equal(p->nsteps, 1);
    assert_step(p, 0, ST_PLAN_STREAM, "vda", "o1", "base", 1000);
    assert_int_equal(p->bytes_always_commit, 1000);
    assert_null(plan_of(&w, "s1", ST_PLAN_ONE, true, &err));
    assert_int_equal(err->code, ST_E_CONFLICT);
    assert_non_null(strstr(err->msg, "'o1' backs several overlays"));
}

static void
test_no_stream_forces_the_commit(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;
    CLEANUP_ERROR struct st_error *err = NULL;

    (void) state;
    linear(&w, 1000, 3, 700, 1);
    p = plan_of(&w, "s2", ST_PLAN_ONE, true, &err);
    assert_non_null(p);
    assert_step(p, 0, ST_PLAN_COMMIT, "vda", "o2", "o1", 700);
}

/* Two branches under s1: s2 on o1's side, s3 (current) on r1's. */
static void
branches(struct world *w)
{
    world_init(w, 1);
    file(w, 0, "base", NULL, 100);
    file(w, 0, "o1", "base", 20);
    file(w, 0, "o2", "o1", 5);
    file(w, 0, "r1", "base", 30);
    file(w, 0, "r2", "r1", 2);
    active(w, 0, "r2");
    snap(w, "s1", NULL, false, "base", "o1", NULL, NULL);
    snap(w, "s2", "s1", false, "o1", "o2", NULL, NULL);
    snap(w, "s3", "s1", true, "r1", "r2", NULL, NULL);
}

static void
test_deleting_one_branch_leaves_the_other_alone(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    branches(&w);
    p = plan_ok(&w, "s3", ST_PLAN_ONE);
    assert_int_equal(p->nsteps, 1);
    assert_step(p, 0, ST_PLAN_COMMIT, "vda", "r2", "r1", 2);
    assert_true(p->steps[0].active);
    assert_string_equal(p->new_current, "s1");
    for (size_t i = 0; i < p->nunlinks; i++)
        assert_true(p->unlinks[i].path[0] == 'r');
}

static void
test_children_spanning_the_current_branch_discard_nothing_it_needs(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    linear(&w, 1000, 500, 10, 1);
    p = plan_ok(&w, "s1", ST_PLAN_CHILDREN);
    assert_int_equal(p->nsteps, 0);
    assert_int_equal(p->nunlinks, 0);
    assert_deletes(p, (const char *[]) { "s3", "s2", "s1", NULL });
    assert_true(p->current_changes);
    assert_null(p->new_current);
    assert_int_equal(p->bytes, 0);
}

static void
test_children_discard_an_abandoned_branch_top_first(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    world_init(&w, 1);
    file(&w, 0, "base", NULL, 100);
    file(&w, 0, "o1", "base", 20);
    file(&w, 0, "o2", "o1", 5);
    file(&w, 0, "o3", "o2", 5);
    file(&w, 0, "r1", "base", 1);
    active(&w, 0, "r1");
    snap(&w, "s1", NULL, true, "base", "o1", NULL, NULL);
    snap(&w, "s2", "s1", false, "o1", "o2", NULL, NULL);
    snap(&w, "s3", "s2", false, "o2", "o3", NULL, NULL);
    p = plan_ok(&w, "s2", ST_PLAN_CHILDREN);
    assert_int_equal(p->nsteps, 0);
    /* o1 stays: it is s1's overlay, the head of s1's old branch. */
    assert_unlinks(p, (const char *[]) { "o3", "o2", NULL }, true);
    assert_deletes(p, (const char *[]) { "s3", "s2", NULL });
    assert_false(p->current_changes);
}

static void
test_children_only_keeps_the_snapshot_and_its_files(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    branches(&w);
    p = plan_ok(&w, "s1", ST_PLAN_CHILDREN_ONLY);
    assert_deletes(p, (const char *[]) { "s2", "s3", NULL });
    /* r1, r2 are the active chain; base, o1 are s1's. */
    assert_unlinks(p, (const char *[]) { "o2", NULL }, true);
    assert_true(p->current_changes);
    assert_string_equal(p->new_current, "s1");
}

static void
test_metadata_touches_no_file(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;
    CLEANUP_PLAN struct st_plan *q = NULL;

    (void) state;
    reverted(&w);
    p = plan_ok(&w, "s1", ST_PLAN_METADATA);
    assert_int_equal(p->nsteps, 0);
    assert_int_equal(p->nunlinks, 0);
    assert_int_equal(p->nrenames, 0);
    assert_deletes(p, (const char *[]) { "s1", NULL });
    assert_int_equal(p->nreparents, 1);
    q = plan_ok(&w, "s1", ST_PLAN_METADATA_CHILDREN);
    assert_int_equal(q->nunlinks, 0);
    assert_deletes(q, (const char *[]) { "s2", "s1", NULL });
}

static void
test_a_disk_with_snapshot_no_gets_no_step(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    world_init(&w, 2);
    file(&w, 0, "a-base", NULL, 1000);
    file(&w, 0, "a-s1", "a-base", 10);
    file(&w, 0, "a-s2", "a-s1", 0);
    active(&w, 0, "a-s2");
    /* vdb: snapshot='no' in both snapshots; one file only. */
    file(&w, 1, "b-data", NULL, 4000);
    active(&w, 1, "b-data");
    snap(&w, "s1", NULL, false, "a-base", "a-s1", NULL, NULL);
    snap(&w, "s2", "s1", true, "a-s1", "a-s2", NULL, NULL);
    p = plan_ok(&w, "s1", ST_PLAN_ONE);
    assert_int_equal(p->nsteps, 1);
    assert_step(p, 0, ST_PLAN_COMMIT, "vda", "a-s1", "a-base", 10);
    assert_unlinks(p, (const char *[]) { "a-s1", NULL }, false);
}

static void
test_two_disks_each_pick_their_own_direction(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    world_init(&w, 2);
    file(&w, 0, "a-base", NULL, 1000);
    file(&w, 0, "a-s1", "a-base", 10);
    file(&w, 1, "b-base", NULL, 2);
    file(&w, 1, "b-s1", "b-base", 900);
    active(&w, 0, "a-s1");
    active(&w, 1, "b-s1");
    snap(&w, "s1", NULL, true, "a-base", "a-s1", "b-base", "b-s1");
    p = plan_ok(&w, "s1", ST_PLAN_ONE);
    assert_int_equal(p->nsteps, 2);
    assert_step(p, 0, ST_PLAN_COMMIT, "vda", "a-s1", "a-base", 10);
    assert_true(p->steps[0].active);
    assert_step(p, 1, ST_PLAN_STREAM, "vdb", "b-s1", "b-base", 2);
    assert_int_equal(p->bytes, 12);
    assert_int_equal(p->bytes_always_commit, 910);
    assert_int_equal(p->bytes_always_stream, 1002);
}

static void
test_a_point_in_time_shared_by_another_snapshot_stays(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;

    (void) state;
    linear(&w, 1000, 500, 10, 1);
    w.pit[2][0] = w.pit[1][0];     /* s3 sees o1 too */
    p = plan_ok(&w, "s2", ST_PLAN_ONE);
    assert_int_equal(p->nsteps, 0);
    assert_int_equal(p->nunlinks, 0);
}

static void
test_plan_survives_the_journal_round_trip(void **state)
{
    struct world w;
    CLEANUP_PLAN struct st_plan *p = NULL;
    CLEANUP_PLAN struct st_plan *q = NULL;
    CLEANUP_JSON struct json_object *a = NULL;
    CLEANUP_JSON struct json_object *b = NULL;
    CLEANUP_ERROR struct st_error *err = NULL;

    (void) state;
    reverted(&w);
    p = plan_ok(&w, "s1", ST_PLAN_ONE);
    a = st_plan_to_json(p);
    q = st_plan_from_json(a, &err);
    assert_non_null(q);
    b = st_plan_to_json(q);
    assert_string_equal(st_json_plain(a), st_json_plain(b));
}

static void
test_a_damaged_journal_plan_is_refused(void **state)
{
    CLEANUP_JSON struct json_object *o = NULL;
    CLEANUP_ERROR struct st_error *err = NULL;

    (void) state;
    o = st_json_parse("{\"snapshot\": \"s1\", \"mode\": \"one\", \"steps\": [], "
                      "\"unlink\": [], \"bytes\": 0}", "test", NULL);
    assert_non_null(o);
    assert_null(st_plan_from_json(o, &err));
    assert_int_equal(err->code, ST_E_INTERNAL);
    assert_non_null(strstr(err->msg, "'metadata'"));
}

static void
test_blockcommit_is_refused_where_a_snapshot_or_branch_would_see_it(void **state)
{
    struct world w;
    CLEANUP_ERROR struct st_error *e1 = NULL;
    CLEANUP_ERROR struct st_error *e2 = NULL;
    CLEANUP_ERROR struct st_error *e3 = NULL;
    struct st_plan_input in;

    (void) state;
    /* base <- a <- b <- c (active), a <- x; s1 @base. */
    world_init(&w, 1);
    file(&w, 0, "base", NULL, 10);
    file(&w, 0, "a", "base", 1);
    file(&w, 0, "b", "a", 1);
    file(&w, 0, "c", "b", 1);
    file(&w, 0, "x", "a", 1);      /* another branch on a */
    active(&w, 0, "c");
    snap(&w, "s1", NULL, true, "base", NULL, NULL, NULL);
    in = (struct st_plan_input) { w.snaps, w.nsnaps, w.disks, w.ndisks };
    /* b into a: a backs x too. */
    assert_false(st_plan_check_commit(&in, 0, fidx(&w, 0, "b"), fidx(&w, 0, "a"), &e1));
    assert_int_equal(e1->code, ST_E_CONFLICT);
    assert_non_null(strstr(e1->msg, "'a' backs 2 files"));
    /* a into base: s1 sees base. */
    assert_false(st_plan_check_commit(&in, 0, fidx(&w, 0, "c"), fidx(&w, 0, "base"), &e2));
    assert_non_null(strstr(e2->msg, "snapshot 's1' names"));
    /* A base above the top is a usage error. */
    assert_false(st_plan_check_commit(&in, 0, fidx(&w, 0, "b"), fidx(&w, 0, "c"), &e3));
    assert_int_equal(e3->code, ST_E_USAGE);
    /* c into b: nobody else sees b or c. */
    assert_true(st_plan_check_commit(&in, 0, fidx(&w, 0, "c"), fidx(&w, 0, "b"), NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_middle_delete_commits_a_small_overlay_into_a_big_base),
        cmocka_unit_test(test_middle_delete_streams_a_tiny_base_into_a_big_overlay),
        cmocka_unit_test(test_equal_costs_stream_which_renames_less),
        cmocka_unit_test(test_root_delete_streams_into_a_flattened_child),
        cmocka_unit_test(test_root_delete_commits_into_the_base),
        cmocka_unit_test(test_current_delete_is_an_active_commit_with_pivot),
        cmocka_unit_test(test_current_delete_streams_when_the_active_layer_is_bigger),
        cmocka_unit_test(test_after_revert_a_shared_base_is_streamed_into_each_branch),
        cmocka_unit_test(test_leaf_of_a_lone_abandoned_branch_takes_its_files),
        cmocka_unit_test(test_leaf_without_overlay_on_a_lone_branch_takes_its_point_in_time),
        cmocka_unit_test(test_leaf_whose_parent_names_its_point_in_time_still_commits),
        cmocka_unit_test(test_no_stream_refuses_a_shared_base),
        cmocka_unit_test(test_leaf_on_an_abandoned_branch_commits_its_head),
        cmocka_unit_test(test_commit_is_refused_into_a_child_that_backs_two_branches),
        cmocka_unit_test(test_no_stream_forces_the_commit),
        cmocka_unit_test(test_deleting_one_branch_leaves_the_other_alone),
        cmocka_unit_test(test_a_shared_base_drops_the_deleted_snapshots_own_branch_head),
        cmocka_unit_test(test_children_spanning_the_current_branch_discard_nothing_it_needs),
        cmocka_unit_test(test_children_discard_an_abandoned_branch_top_first),
        cmocka_unit_test(test_children_only_keeps_the_snapshot_and_its_files),
        cmocka_unit_test(test_metadata_touches_no_file),
        cmocka_unit_test(test_a_disk_with_snapshot_no_gets_no_step),
        cmocka_unit_test(test_two_disks_each_pick_their_own_direction),
        cmocka_unit_test(test_a_point_in_time_shared_by_another_snapshot_stays),
        cmocka_unit_test(test_plan_survives_the_journal_round_trip),
        cmocka_unit_test(test_a_damaged_journal_plan_is_refused),
        cmocka_unit_test(test_blockcommit_is_refused_where_a_snapshot_or_branch_would_see_it),
    };
    return cmocka_run_group_tests_name("ops/plan", tests, NULL, NULL);
}
