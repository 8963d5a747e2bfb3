/* ops/plan.c: choose the merges of snapshot-delete on the file graph
 * of each disk (SPEC §6); see plan.h for the rules and a diagram. */
#include "config.h"

#include <inttypes.h>

#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "ops/plan.h"

static const char *const mode_names[] = {
    [ST_PLAN_ONE] = "one",
    [ST_PLAN_CHILDREN] = "children",
    [ST_PLAN_CHILDREN_ONLY] = "children-only",
    [ST_PLAN_METADATA] = "metadata",
    [ST_PLAN_METADATA_CHILDREN] = "metadata-children",
    [ST_PLAN_METADATA_CHILDREN_ONLY] = "metadata-children-only",
};

const char *
st_plan_mode_name(enum st_plan_mode mode)
{
    if ((size_t) mode < sizeof mode_names / sizeof mode_names[0])
        return mode_names[mode];
    return NULL;
}

void
st_plan_free(struct st_plan *plan)
{
    if (!plan)
        return;
    for (size_t i = 0; i < plan->nsteps; i++) {
        free(plan->steps[i].disk);
        free(plan->steps[i].top);
        free(plan->steps[i].base);
        free(plan->steps[i].head);
        free(plan->steps[i].new_backing);
    }
    free(plan->steps);
    for (size_t i = 0; i < plan->nrenames; i++) {
        free(plan->renames[i].disk);
        free(plan->renames[i].from);
        free(plan->renames[i].to);
        free(plan->renames[i].format);
    }
    free(plan->renames);
    for (size_t i = 0; i < plan->nreparents; i++) {
        free(plan->reparents[i].snapshot);
        free(plan->reparents[i].parent);
    }
    free(plan->reparents);
    st_strv_free(plan->deletes);
    free(plan->new_current);
    for (size_t i = 0; i < plan->nunlinks; i++) {
        free(plan->unlinks[i].disk);
        free(plan->unlinks[i].path);
    }
    free(plan->unlinks);
    free(plan->snapshot);
    free(plan);
}

/* ---- building the plan ---- */

static struct st_plan_step *
add_step(struct st_plan *p, enum st_plan_step_kind kind, const char *disk, const char *top,
         const char *base, const char *head, uint64_t bytes)
{
    struct st_plan_step *s;

    p->steps = st_xreallocarray(p->steps, p->nsteps + 1, sizeof *p->steps);
    s = &p->steps[p->nsteps++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->disk = st_xstrdup(disk);
    s->top = st_xstrdup(top);
    s->base = st_xstrdup(base);
    s->head = st_xstrdup(head);
    s->bytes = bytes;
    p->bytes += bytes;
    return s;
}

static void
add_rename(struct st_plan *p, const struct st_plan_disk *d, int from, int to)
{
    const char *fmt = d->files[to].format;

    p->renames = st_xreallocarray(p->renames, p->nrenames + 1, sizeof *p->renames);
    p->renames[p->nrenames].disk = st_xstrdup(d->target);
    p->renames[p->nrenames].from = st_xstrdup(d->files[from].path);
    p->renames[p->nrenames].to = st_xstrdup(d->files[to].path);
    /* The survivor's format goes with its name: a snapshot that named a
     * qcow2 overlay now names a raw base (or the other way) after a
     * merge with a raw base. */
    p->renames[p->nrenames].format = st_xstrdup(fmt ? fmt : "qcow2");
    p->nrenames++;
}

static void
add_reparent(struct st_plan *p, const char *snap, const char *parent)
{
    p->reparents = st_xreallocarray(p->reparents, p->nreparents + 1, sizeof *p->reparents);
    p->reparents[p->nreparents].snapshot = st_xstrdup(snap);
    p->reparents[p->nreparents].parent = st_xstrdup_or_null(parent);
    p->nreparents++;
}

static void
add_unlink(struct st_plan *p, const char *disk, const char *path, bool discard)
{
    p->unlinks = st_xreallocarray(p->unlinks, p->nunlinks + 1, sizeof *p->unlinks);
    p->unlinks[p->nunlinks].disk = st_xstrdup(disk);
    p->unlinks[p->nunlinks].path = st_xstrdup(path);
    p->unlinks[p->nunlinks].discard = discard;
    p->nunlinks++;
}

static bool
valid_file(const struct st_plan_disk *d, int f)
{
    return f >= 0 && (size_t) f < d->nfiles;
}

static size_t
count_children(const struct st_plan_disk *d, int f, int *first)
{
    size_t n = 0;

    for (size_t i = 0; i < d->nfiles; i++) {
        if (d->files[i].backing == f) {
            if (n++ == 0 && first)
                *first = (int) i;
        }
    }
    return n;
}

/* True when @f is @top or lies below it.  Depth-bounded: the input
 * comes from headers, and a loop there must not hang the planner. */
static bool
on_chain(const struct st_plan_disk *d, int top, int f)
{
    for (size_t depth = 0; valid_file(d, top) && depth <= d->nfiles; depth++) {
        if (top == f)
            return true;
        top = d->files[top].backing;
    }
    return false;
}

/* The top of some chain through @f, for QMP's "device": the domain's
 * active file when its chain passes through @f, else the first leaf
 * found by walking children. */
static int
head_through(const struct st_plan_disk *d, int f)
{
    int next = -1;

    if (d->active >= 0 && on_chain(d, d->active, f))
        return d->active;
    for (size_t depth = 0; depth <= d->nfiles && count_children(d, f, &next) > 0; depth++)
        f = next;
    return f;
}

static const char *
path_of(const struct st_plan_disk *d, int f)
{
    return valid_file(d, f) ? d->files[f].path : NULL;
}

static void mark_chain(const struct st_plan_disk *d, int f, bool *mark);

/* The files of snapshot @s's overlay chain on disk @di, from its overlay
 * down, that nothing else needs: no other snapshot's point in time or
 * overlay, not the active chain, not @s's own point in time.  That is
 * the head of a branch a revert left, whose only name is @s's overlay:
 * once @s goes nothing names it, and with other branches on @s's point
 * in time it has nothing to merge into, so it goes with @s (issue 18:
 * nothing left behind), if strata made it (a user's file is streamed
 * into like any other branch and stays).  Marked in @excl, listed top first in @order;
 * returns how many. */
static size_t
overlay_alone(const struct st_plan_input *in, size_t di, size_t s, bool *excl, int *order)
{
    const struct st_plan_disk *d = &in->disks[di];
    CLEANUP_FREE bool *needed = st_xcalloc(d->nfiles + 1, sizeof *needed);
    int f = in->snaps[s].overlay[di];
    size_t n = 0;

    mark_chain(d, d->active, needed);
    mark_chain(d, in->snaps[s].pit[di], needed);
    for (size_t t = 0; t < in->nsnaps; t++) {
        if (t == s)
            continue;
        mark_chain(d, in->snaps[t].pit[di], needed);
        mark_chain(d, in->snaps[t].overlay[di], needed);
    }
    /* Data strata cannot prove it made stays, as a file of its own. */
    for (size_t depth = 0; valid_file(d, f) && !needed[f] && d->files[f].made &&
                           depth <= d->nfiles; depth++) {
        excl[f] = true;
        order[n++] = f;
        f = d->files[f].backing;
    }
    return n;
}

/* The child of @f that stands in for it in references: the one on the
 * domain's active chain if any, else the first; never one marked in
 * @skip (a file that goes). */
static int
preferred_child_but(const struct st_plan_disk *d, int f, const bool *skip)
{
    int first = -1;

    for (size_t i = 0; i < d->nfiles; i++) {
        if (d->files[i].backing != f || skip[i])
            continue;
        if (d->active >= 0 && on_chain(d, d->active, (int) i))
            return (int) i;
        if (first < 0)
            first = (int) i;
    }
    return first;
}

/* One disk of a single delete: merge S's point in time @F away. */
static bool
plan_disk_one(struct st_plan *p, const struct st_plan_input *in, size_t di, size_t s,
              bool no_stream, struct st_error **errp)
{
    const struct st_plan_disk *d = &in->disks[di];
    int F = in->snaps[s].pit[di];
    int C = -1, D = -1;
    size_t nch, nexcl;
    CLEANUP_FREE bool *excl = NULL;
    CLEANUP_FREE int *order = NULL;

    if (!valid_file(d, F) || d->active == F)
        return true;
    /* Another snapshot sees the same content: F stays as it is. */
    for (size_t t = 0; t < in->nsnaps; t++) {
        if (t != s && in->snaps[t].pit[di] == F)
            return true;
    }
    nch = count_children(d, F, &C);
    if (nch == 0)
        return true;    /* nothing to merge with; keep the data */

    if (nch == 1) {
        uint64_t commit_cost = d->files[C].allocated;
        uint64_t stream_cost = d->files[F].allocated;
        /* QEMU rewrites the backing of one overlay of the committed
         * layer only; with several, stream instead. */
        bool commit_ok = count_children(d, C, &D) <= 1;

        p->bytes_always_commit += commit_ok ? commit_cost : stream_cost;
        p->bytes_always_stream += stream_cost;
        if (!commit_ok && no_stream) {
            st_error_set(errp, ST_E_CONFLICT,
                         "disk '%s': '%s' backs several overlays, so it cannot be committed into '%s', and --no-stream forbids streaming",
                         d->target, d->files[C].path, d->files[F].path);
            st_error_hint(errp, "drop --no-stream to stream '%s' into '%s'", d->files[F].path,
                          d->files[C].path);
            return false;
        }
        if (commit_ok && (no_stream || commit_cost < stream_cost)) {
            int head = D >= 0 ? head_through(d, D) : C;
            struct st_plan_step *st = add_step(p, ST_PLAN_COMMIT, d->target, d->files[C].path,
                                               d->files[F].path, d->files[head].path,
                                               commit_cost);

            st->active = d->active == C;
            add_rename(p, d, C, F);
            add_unlink(p, d->target, d->files[C].path, false);
        } else {
            struct st_plan_step *st = add_step(p, ST_PLAN_STREAM, d->target, d->files[C].path,
                                               d->files[F].path, d->files[C].path, stream_cost);

            st->new_backing = st_xstrdup_or_null(path_of(d, d->files[F].backing));
            add_rename(p, d, F, C);
            add_unlink(p, d->target, d->files[F].path, false);
        }
        return true;
    }

    /* Several branches share F: committing into F would change what
     * the other branches see, so each child gets F's data instead. */
    if (no_stream) {
        st_error_set(errp, ST_E_CONFLICT,
                     "disk '%s': '%s' backs %zu branches; it is never committed into, and --no-stream forbids streaming it into each",
                     d->target, d->files[F].path, nch);
        st_error_hint(errp, "drop --no-stream, or delete with --metadata to keep the file");
        return false;
    }
    excl = st_xcalloc(d->nfiles + 1, sizeof *excl);
    order = st_xcalloc(d->nfiles + 1, sizeof *order);
    nexcl = overlay_alone(in, di, s, excl, order);
    /* Only an empty head goes without asking: writes on it are data no
     * other name reaches, and a delete that dropped them would lose
     * them silently (the revert that left the branch said it stays). */
    for (size_t i = 0; i < nexcl; i++) {
        const struct st_plan_file *h = &d->files[order[i]];

        if (h->allocated == 0)
            continue;
        st_error_set(errp, ST_E_CONFLICT,
                     "disk '%s': '%s', the overlay of snapshot '%s', holds %" PRIu64 " bytes written "
                     "on a branch a revert left, which nothing else names; deleting '%s' would lose them",
                     d->target, h->path, in->snaps[s].name, h->allocated, in->snaps[s].name);
        st_error_hint(errp, "to drop them on purpose: 'snapshot-delete --metadata' of '%s', then "
                      "'strata chain check DOMAIN --remove-orphans'", in->snaps[s].name);
        return false;
    }
    for (size_t i = 0; i < d->nfiles; i++) {
        struct st_plan_step *st;

        if (d->files[i].backing != F || excl[i])
            continue;
        st = add_step(p, ST_PLAN_STREAM, d->target, d->files[i].path, d->files[F].path,
                      d->files[i].path, d->files[F].allocated);
        st->new_backing = st_xstrdup_or_null(path_of(d, d->files[F].backing));
        p->bytes_always_commit += d->files[F].allocated;
        p->bytes_always_stream += d->files[F].allocated;
    }
    add_rename(p, d, F, preferred_child_but(d, F, excl));
    /* Tops first: no file goes while one still on disk backs onto it. */
    for (size_t i = 0; i < nexcl; i++)
        add_unlink(p, d->target, d->files[order[i]].path, true);
    add_unlink(p, d->target, d->files[F].path, false);
    return true;
}

static void
mark_chain(const struct st_plan_disk *d, int f, bool *mark)
{
    for (size_t depth = 0; valid_file(d, f) && depth <= d->nfiles; depth++) {
        mark[f] = true;
        f = d->files[f].backing;
    }
}

static size_t
chain_depth(const struct st_plan_disk *d, int f)
{
    size_t depth = 0;

    while (valid_file(d, f) && depth <= d->nfiles) {
        depth++;
        f = d->files[f].backing;
    }
    return depth;
}

/* --children / --children-only on one disk: drop, without copying,
 * the files that only deleted snapshots reach.  Tops go first so that
 * no file is unlinked while a file still on disk backs onto it. */
static void
plan_disk_discard(struct st_plan *p, const struct st_plan_input *in, size_t di,
                  const bool *deleted)
{
    const struct st_plan_disk *d = &in->disks[di];
    CLEANUP_FREE bool *needed = st_xcalloc(d->nfiles + 1, sizeof *needed);
    CLEANUP_FREE bool *reached = st_xcalloc(d->nfiles + 1, sizeof *reached);
    CLEANUP_FREE int *order = st_xcalloc(d->nfiles + 1, sizeof *order);
    size_t n = 0;

    mark_chain(d, d->active, needed);
    for (size_t t = 0; t < in->nsnaps; t++) {
        bool *m = deleted[t] ? reached : needed;

        mark_chain(d, in->snaps[t].pit[di], m);
        mark_chain(d, in->snaps[t].overlay[di], m);
    }
    for (size_t i = 0; i < d->nfiles; i++) {
        if (reached[i] && !needed[i])
            order[n++] = (int) i;
    }
    /* Insertion sort by depth, deepest (topmost) first; n is small. */
    for (size_t i = 1; i < n; i++) {
        int f = order[i];
        size_t j = i;

        while (j > 0 && chain_depth(d, order[j - 1]) < chain_depth(d, f)) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = f;
    }
    for (size_t i = 0; i < n; i++)
        add_unlink(p, d->target, d->files[order[i]].path, true);
}

/* Whether on disk @di nothing but snapshot @s needs the files @s
 * reaches: no other snapshot's point in time or overlay, and not the
 * active chain, leads to its point in time or its overlay.  Such a
 * branch (left by a revert, its other snapshots deleted) has nobody to
 * merge into: merging would leave a file nothing names, so its files go
 * with it (issue 18: nothing left behind). */
static bool
branch_alone(const struct st_plan_input *in, size_t di, size_t s)
{
    const struct st_plan_disk *d = &in->disks[di];
    CLEANUP_FREE bool *needed = st_xcalloc(d->nfiles + 1, sizeof *needed);
    int F = in->snaps[s].pit[di], O = in->snaps[s].overlay[di];

    if (!valid_file(d, F) && !valid_file(d, O))
        return false;
    mark_chain(d, d->active, needed);
    for (size_t t = 0; t < in->nsnaps; t++) {
        if (t == s)
            continue;
        mark_chain(d, in->snaps[t].pit[di], needed);
        mark_chain(d, in->snaps[t].overlay[di], needed);
    }
    /* Every file of the graph is on one of these chains (the world is
     * built from them), so nothing else can back onto F or O. */
    return !(valid_file(d, F) && needed[F]) && !(valid_file(d, O) && needed[O]);
}

/* Post-order (leaves first) of @s's descendants into @p->deletes. */
static void
collect_descendants(struct st_plan *p, const struct st_plan_input *in, size_t s, bool *deleted,
                    size_t depth)
{
    if (depth > in->nsnaps)
        return;     /* a parent loop; st_tree_build refuses those anyway */
    for (size_t t = 0; t < in->nsnaps; t++) {
        if (in->snaps[t].parent == (int) s && !deleted[t]) {
            deleted[t] = true;
            collect_descendants(p, in, t, deleted, depth + 1);
            st_strv_add(&p->deletes, in->snaps[t].name);
        }
    }
}

static bool
is_children_mode(enum st_plan_mode m)
{
    return m == ST_PLAN_CHILDREN || m == ST_PLAN_CHILDREN_ONLY ||
           m == ST_PLAN_METADATA_CHILDREN || m == ST_PLAN_METADATA_CHILDREN_ONLY;
}

static bool
keeps_target(enum st_plan_mode m)
{
    return m == ST_PLAN_CHILDREN_ONLY || m == ST_PLAN_METADATA_CHILDREN_ONLY;
}

static bool
touches_files(enum st_plan_mode m)
{
    return m == ST_PLAN_ONE || m == ST_PLAN_CHILDREN || m == ST_PLAN_CHILDREN_ONLY;
}

struct st_plan *
st_plan_delete(const struct st_plan_input *in, const struct st_plan_opts *opts,
               struct st_error **errp)
{
    CLEANUP_PLAN struct st_plan *p = NULL;
    CLEANUP_FREE bool *deleted = NULL;
    const struct st_plan_snap *S;
    const char *parent_name;
    size_t s = opts->target;

    if (s >= in->nsnaps || !st_plan_mode_name(opts->mode)) {
        st_error_set(errp, ST_E_USAGE, "no such snapshot or mode to plan a delete for");
        return NULL;
    }
    S = &in->snaps[s];
    parent_name = S->parent >= 0 && (size_t) S->parent < in->nsnaps ?
        in->snaps[S->parent].name : NULL;
    p = st_xcalloc(1, sizeof *p);
    p->snapshot = st_xstrdup(S->name);
    p->mode = opts->mode;
    deleted = st_xcalloc(in->nsnaps + 1, sizeof *deleted);
    deleted[s] = true;

    if (!is_children_mode(opts->mode)) {
        st_strv_add(&p->deletes, S->name);
        for (size_t t = 0; t < in->nsnaps; t++) {
            if (in->snaps[t].parent == (int) s)
                add_reparent(p, in->snaps[t].name, parent_name);
        }
    } else {
        collect_descendants(p, in, s, deleted, 0);
        if (keeps_target(opts->mode))
            deleted[s] = false;
        else
            st_strv_add(&p->deletes, S->name);
    }
    for (size_t t = 0; t < in->nsnaps; t++) {
        if (in->snaps[t].current && deleted[t]) {
            p->current_changes = true;
            p->new_current = st_xstrdup_or_null(keeps_target(opts->mode) ? S->name : parent_name);
        }
    }
    if (!touches_files(opts->mode))
        return ST_STEAL(&p);

    for (size_t di = 0; di < in->ndisks; di++) {
        if (opts->mode == ST_PLAN_ONE && branch_alone(in, di, s)) {
            plan_disk_discard(p, in, di, deleted);
        } else if (opts->mode == ST_PLAN_ONE) {
            if (!plan_disk_one(p, in, di, s, opts->no_stream, errp))
                return NULL;
        } else {
            plan_disk_discard(p, in, di, deleted);
        }
    }
    return ST_STEAL(&p);
}

bool
st_plan_check_commit(const struct st_plan_input *in, size_t di, int top, int base,
                     struct st_error **errp)
{
    const struct st_plan_disk *d = &in->disks[di];
    size_t depth = 0;

    if (!valid_file(d, top) || !valid_file(d, base) || top == base || !on_chain(d, top, base)) {
        st_error_set(errp, ST_E_USAGE, "disk '%s': the base must be a file below the top in the active chain",
                     d->target);
        return false;
    }
    /* Snapshots first: the more useful message when both apply. */
    for (int f = top; depth <= d->nfiles; f = d->files[f].backing, depth++) {
        for (size_t s = 0; s < in->nsnaps; s++) {
            if (in->snaps[s].pit[di] == f || in->snaps[s].overlay[di] == f) {
                st_error_set(errp, ST_E_CONFLICT,
                             "disk '%s': snapshot '%s' names '%s'; this merge would change what it sees",
                             d->target, in->snaps[s].name, d->files[f].path);
                st_error_hint(errp, "use 'strata snapshot-delete' to merge a snapshot's layer away");
                return false;
            }
        }
        if (f == base)
            break;
    }
    depth = 0;
    for (int f = top; depth <= d->nfiles; f = d->files[f].backing, depth++) {
        size_t nch = count_children(d, f, NULL);

        if (nch > 1) {
            st_error_set(errp, ST_E_CONFLICT,
                         "disk '%s': '%s' backs %zu files (branches); committing into or through it would change what the others see",
                         d->target, d->files[f].path, nch);
            return false;
        }
        if (f == base)
            break;
    }
    return true;
}

/* ---- JSON ---- */

bool
st_plan_step_bytes_upper_bound(const struct st_plan_step *s)
{
    return s->kind == ST_PLAN_STREAM;
}

bool
st_plan_bytes_upper_bound(const struct st_plan *p)
{
    for (size_t i = 0; i < p->nsteps; i++)
        if (st_plan_step_bytes_upper_bound(&p->steps[i]))
            return true;
    return false;
}

struct json_object *
st_plan_to_json(const struct st_plan *p)
{
    struct json_object *o = json_object_new_object();
    struct json_object *steps = json_object_new_array();
    struct json_object *meta = json_object_new_object();
    struct json_object *arr;

    json_object_object_add(o, "snapshot", json_object_new_string(p->snapshot));
    json_object_object_add(o, "mode", json_object_new_string(st_plan_mode_name(p->mode)));
    for (size_t i = 0; i < p->nsteps; i++) {
        const struct st_plan_step *s = &p->steps[i];
        struct json_object *j = json_object_new_object();

        json_object_object_add(j, "disk", json_object_new_string(s->disk));
        json_object_object_add(j, "action",
                               json_object_new_string(s->kind == ST_PLAN_COMMIT ? "commit" : "stream"));
        json_object_object_add(j, "top", json_object_new_string(s->top));
        json_object_object_add(j, "base", json_object_new_string(s->base));
        json_object_object_add(j, "head", json_object_new_string(s->head));
        json_object_object_add(j, "new-backing", st_json_string_or_null(s->new_backing));
        json_object_object_add(j, "active", json_object_new_boolean(s->active));
        json_object_object_add(j, "bytes", json_object_new_int64((int64_t) s->bytes));
        json_object_object_add(j, "bytes-upper-bound",
                               json_object_new_boolean(st_plan_step_bytes_upper_bound(s)));
        json_object_array_add(steps, j);
    }
    json_object_object_add(o, "steps", steps);

    arr = json_object_new_array();
    for (size_t i = 0; p->deletes && p->deletes[i]; i++)
        json_object_array_add(arr, json_object_new_string(p->deletes[i]));
    json_object_object_add(meta, "delete", arr);
    arr = json_object_new_array();
    for (size_t i = 0; i < p->nreparents; i++) {
        struct json_object *j = json_object_new_object();

        json_object_object_add(j, "snapshot", json_object_new_string(p->reparents[i].snapshot));
        json_object_object_add(j, "parent", st_json_string_or_null(p->reparents[i].parent));
        json_object_array_add(arr, j);
    }
    json_object_object_add(meta, "reparent", arr);
    json_object_object_add(meta, "current-changes", json_object_new_boolean(p->current_changes));
    json_object_object_add(meta, "new-current", st_json_string_or_null(p->new_current));
    arr = json_object_new_array();
    for (size_t i = 0; i < p->nrenames; i++) {
        struct json_object *j = json_object_new_object();

        json_object_object_add(j, "disk", json_object_new_string(p->renames[i].disk));
        json_object_object_add(j, "from", json_object_new_string(p->renames[i].from));
        json_object_object_add(j, "to", json_object_new_string(p->renames[i].to));
        json_object_object_add(j, "format", st_json_string_or_null(p->renames[i].format));
        json_object_array_add(arr, j);
    }
    json_object_object_add(meta, "renames", arr);
    json_object_object_add(o, "metadata", meta);

    arr = json_object_new_array();
    for (size_t i = 0; i < p->nunlinks; i++) {
        struct json_object *j = json_object_new_object();

        json_object_object_add(j, "disk", json_object_new_string(p->unlinks[i].disk));
        json_object_object_add(j, "path", json_object_new_string(p->unlinks[i].path));
        json_object_object_add(j, "discard", json_object_new_boolean(p->unlinks[i].discard));
        json_object_array_add(arr, j);
    }
    json_object_object_add(o, "unlink", arr);
    json_object_object_add(o, "bytes", json_object_new_int64((int64_t) p->bytes));
    json_object_object_add(o, "bytes-upper-bound",
                           json_object_new_boolean(st_plan_bytes_upper_bound(p)));
    json_object_object_add(o, "bytes-always-commit",
                           json_object_new_int64((int64_t) p->bytes_always_commit));
    json_object_object_add(o, "bytes-always-stream",
                           json_object_new_int64((int64_t) p->bytes_always_stream));
    return o;
}

/* Getters that record the first missing key in @bad. */
static char *
get_str(struct json_object *o, const char *key, bool nullable, const char **bad)
{
    struct json_object *v = st_json_get(o, key);

    if (nullable && (!v || json_object_is_type(v, json_type_null)))
        return NULL;
    if (!v || !json_object_is_type(v, json_type_string)) {
        if (!*bad)
            *bad = key;
        return NULL;
    }
    return st_xstrdup(json_object_get_string(v));
}

static bool
get_bool(struct json_object *o, const char *key, const char **bad)
{
    bool b = false;

    if (!st_json_get_bool(o, key, &b) && !*bad)
        *bad = key;
    return b;
}

static uint64_t
get_u64(struct json_object *o, const char *key, const char **bad)
{
    int64_t v = 0;

    if ((!st_json_get_int64(o, key, &v) || v < 0) && !*bad)
        *bad = key;
    return v < 0 ? 0 : (uint64_t) v;
}

static struct json_object *
get_arr(struct json_object *o, const char *key, const char **bad)
{
    struct json_object *a = st_json_get_array(o, key);

    if (!a && !*bad)
        *bad = key;
    return a;
}

struct st_plan *
st_plan_from_json(struct json_object *o, struct st_error **errp)
{
    CLEANUP_PLAN struct st_plan *p = st_xcalloc(1, sizeof *p);
    CLEANUP_FREE char *mode = NULL;
    struct json_object *a, *meta;
    const char *bad = NULL;
    bool mode_ok = false;

    p->snapshot = get_str(o, "snapshot", false, &bad);
    mode = get_str(o, "mode", false, &bad);
    for (size_t m = 0; mode && m < sizeof mode_names / sizeof mode_names[0]; m++) {
        if (strcmp(mode, mode_names[m]) == 0) {
            p->mode = (enum st_plan_mode) m;
            mode_ok = true;
        }
    }
    if ((a = get_arr(o, "steps", &bad))) {
        for (size_t i = 0; i < json_object_array_length(a); i++) {
            struct json_object *j = json_object_array_get_idx(a, i);
            CLEANUP_FREE char *action = get_str(j, "action", false, &bad);
            struct st_plan_step *s;

            p->steps = st_xreallocarray(p->steps, p->nsteps + 1, sizeof *p->steps);
            s = &p->steps[p->nsteps++];
            memset(s, 0, sizeof *s);
            s->kind = action && strcmp(action, "commit") == 0 ? ST_PLAN_COMMIT : ST_PLAN_STREAM;
            s->disk = get_str(j, "disk", false, &bad);
            s->top = get_str(j, "top", false, &bad);
            s->base = get_str(j, "base", false, &bad);
            s->head = get_str(j, "head", false, &bad);
            s->new_backing = get_str(j, "new-backing", true, &bad);
            s->active = get_bool(j, "active", &bad);
            s->bytes = get_u64(j, "bytes", &bad);
        }
    }
    if ((meta = st_json_get_object(o, "metadata"))) {
        if ((a = get_arr(meta, "delete", &bad))) {
            for (size_t i = 0; i < json_object_array_length(a); i++) {
                struct json_object *j = json_object_array_get_idx(a, i);

                if (json_object_is_type(j, json_type_string))
                    st_strv_add(&p->deletes, json_object_get_string(j));
            }
        }
        if ((a = get_arr(meta, "reparent", &bad))) {
            for (size_t i = 0; i < json_object_array_length(a); i++) {
                struct json_object *j = json_object_array_get_idx(a, i);

                p->reparents = st_xreallocarray(p->reparents, p->nreparents + 1,
                                                sizeof *p->reparents);
                p->reparents[p->nreparents].snapshot = get_str(j, "snapshot", false, &bad);
                p->reparents[p->nreparents].parent = get_str(j, "parent", true, &bad);
                p->nreparents++;
            }
        }
        p->current_changes = get_bool(meta, "current-changes", &bad);
        p->new_current = get_str(meta, "new-current", true, &bad);
        if ((a = get_arr(meta, "renames", &bad))) {
            for (size_t i = 0; i < json_object_array_length(a); i++) {
                struct json_object *j = json_object_array_get_idx(a, i);

                p->renames = st_xreallocarray(p->renames, p->nrenames + 1, sizeof *p->renames);
                p->renames[p->nrenames].disk = get_str(j, "disk", false, &bad);
                p->renames[p->nrenames].from = get_str(j, "from", false, &bad);
                p->renames[p->nrenames].to = get_str(j, "to", false, &bad);
                p->renames[p->nrenames].format = get_str(j, "format", true, &bad);
                p->nrenames++;
            }
        }
    } else if (!bad) {
        bad = "metadata";
    }
    if ((a = get_arr(o, "unlink", &bad))) {
        for (size_t i = 0; i < json_object_array_length(a); i++) {
            struct json_object *j = json_object_array_get_idx(a, i);

            p->unlinks = st_xreallocarray(p->unlinks, p->nunlinks + 1, sizeof *p->unlinks);
            p->unlinks[p->nunlinks].disk = get_str(j, "disk", false, &bad);
            p->unlinks[p->nunlinks].path = get_str(j, "path", false, &bad);
            p->unlinks[p->nunlinks].discard = get_bool(j, "discard", &bad);
            p->nunlinks++;
        }
    }
    p->bytes = get_u64(o, "bytes", &bad);
    p->bytes_always_commit = get_u64(o, "bytes-always-commit", &bad);
    p->bytes_always_stream = get_u64(o, "bytes-always-stream", &bad);
    if (bad || !mode_ok) {
        st_error_set(errp, ST_E_INTERNAL, "the delete plan in the journal has a bad or missing '%s'",
                     bad ? bad : "mode");
        return NULL;
    }
    return ST_STEAL(&p);
}
