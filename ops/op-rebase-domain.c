/* ops/op-rebase-domain.c: 'chain rebase DOMAIN': plan every chain with
 * ops/op-rebase.c, journal, run, commit the metadata paths, and finish
 * an interrupted one (op-rebase-domain.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/json.h"
#include "common/log.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "chain/chain.h"
#include "store/journal.h"
#include "ops/metadata-paths.h"
#include "ops/op-move.h"
#include "ops/op-rebase-domain.h"
#include "ops/op-util.h"

ST_LOG_INIT("ops.rebase");

void
st_rebase_domain_free(struct st_rebase_domain *rd)
{
    if (!rd)
        return;
    free(rd->dom);
    st_rebase_plan_free(rd->plan);
    st_strv_free(rd->from);
    st_strv_free(rd->to);
    free(rd);
}

static bool
same_file(const char *a, const char *b)
{
    struct stat sa, sb;

    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* Add @p's layers that @rd lacks (same overlay: same new strings, as
 * one chain's walk decides them). */
static bool
merge(struct st_rebase_domain *rd, struct st_rebase_plan *p, struct st_error **errp)
{
    struct st_rebase_plan *m = rd->plan;

    for (size_t i = 0; i < p->n; i++) {
        struct st_rebase_layer *l = &p->layers[i];
        bool seen = false;

        for (size_t k = 0; k < m->n && !seen; k++) {
            if (!same_file(m->layers[k].path, l->path))
                continue;
            seen = true;
            if (strcmp(m->layers[k].new_backing, l->new_backing) != 0) {
                st_error_set(errp, ST_E_INTERNAL, "'%s': two chains plan two backing strings, "
                             "'%s' and '%s'", l->path, m->layers[k].new_backing, l->new_backing);
                return false;
            }
        }
        if (seen)
            continue;
        m->layers = st_xreallocarray(m->layers, m->n + 1, sizeof *m->layers);
        m->layers[m->n++] = *l;
        memset(l, 0, sizeof *l);    /* the strings belong to @m now */
    }
    return true;
}

/* Where the top metadata names as @source is now: @source itself, or
 * with --map the file the map sends it to when @source is gone (a
 * rename recorded).  Owned, or NULL with @errp set. */
static char *
locate_top(struct st_rebase_domain *rd, const char *disk, const char *source,
           const struct st_rebase_opts *opts, struct st_error **errp)
{
    CLEANUP_FREE char *m = NULL;
    struct st_error *err = NULL;

    if (opts->mode == ST_REBASE_MAP && !(m = st_rebase_map_path(opts, source, &err)) && err) {
        st_error_propagate(errp, err);
        return NULL;
    }
    if (st_path_exists(source)) {
        if (m && strcmp(m, source) != 0 && !same_file(source, m) && st_path_exists(m)) {
            st_error_set(errp, ST_E_CHAIN, "disk '%s': '%s' is not the file metadata names: "
                         "'%s' still exists and is another file", disk, m, source);
            st_error_hint(errp, "map only directories whose files have moved away");
            return NULL;
        }
        return st_xstrdup(source);
    }
    if (!m || !st_path_exists(m)) {
        st_error_set(errp, ST_E_CHAIN, "disk '%s': '%s' does not exist%s%s%s", disk, source,
                     m ? " and neither does '" : "", m ? m : "", m ? "'" : "");
        st_error_set_path(errp, source);
        if (!m) {
            CLEANUP_FREE char *dir = st_path_dirname(source);

            st_error_hint(errp, "say where it is now with --map '%s=NEWDIR'", dir);
        }
        return NULL;
    }
    if (!st_strv_contains(rd->from, source)) {
        st_strv_add(&rd->from, source);
        st_strv_add(&rd->to, m);
        rd->n_renames++;
    }
    return ST_STEAL(&m);
}

static bool
plan_top(struct st_rebase_domain *rd, char ***tops, const char *disk, const char *source,
         const char *format, const struct st_rebase_opts *opts, struct st_error **errp)
{
    CLEANUP_FREE char *top = NULL;
    CLEANUP_REBASE_PLAN struct st_rebase_plan *p = NULL;
    struct st_rebase_opts o = *opts;

    if (!(top = locate_top(rd, disk, source, opts, errp)))
        return false;
    for (size_t i = 0; *tops && (*tops)[i]; i++)
        if (same_file((*tops)[i], top))
            return true;    /* planned with an earlier top */
    st_strv_add(tops, top);
    o.format = format && strcmp(format, "raw") == 0 ? "raw" : "qcow2";
    if (!(p = st_rebase_plan_file(top, &o, errp))) {
        st_error_prepend(errp, "disk '%s': ", disk);
        return false;
    }
    return merge(rd, p, errp);
}

static bool
wanted(const char *dev, const char *target, const char *source, enum st_snapshot_mode mode)
{
    return source && mode != ST_SNAPSHOT_MODE_NO && (!dev || strcmp(dev, target) == 0);
}

static bool
plan_domain(struct st_rebase_domain *rd, char ***tops, const struct st_domain *d,
            const char *dev, const struct st_rebase_opts *opts, struct st_error **errp)
{
    for (size_t i = 0; i < d->ndisks; i++) {
        const struct st_domain_disk *dd = &d->disks[i];

        if (wanted(dev, dd->target, dd->source, dd->snapshot) &&
            !plan_top(rd, tops, dd->target, dd->source, dd->format, opts, errp))
            return false;
    }
    return true;
}

struct st_rebase_domain *
st_rebase_domain_plan(const struct st_store *store, const char *dom, const char *dev,
                      const char *run_root, const struct st_rebase_opts *opts,
                      struct st_error **errp)
{
    CLEANUP_REBASE_DOMAIN struct st_rebase_domain *rd = st_xcalloc(1, sizeof *rd);
    CLEANUP_DOMAIN struct st_domain *d = NULL;
    CLEANUP_TREE struct st_tree *tree = NULL;
    CLEANUP_STRV char **tops = NULL;

    rd->dom = st_xstrdup(dom);
    rd->plan = st_xcalloc(1, sizeof *rd->plan);
    if (!st_journal_refuse_if_pending(store, dom, errp) ||
        !st_move_refuse_served(run_root, dom, errp))
        return NULL;
    if (!(d = st_store_domain_load(store, dom, errp)) ||
        !(tree = st_store_tree_load(store, dom, 0, st_store_warn_log, NULL, errp)))
        return NULL;
    if (dev && !st_domain_find_disk(d, dev)) {
        st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' has no disk '%s'", dom, dev);
        st_error_hint(errp, "'strata domblklist %s' lists them", dom);
        return NULL;
    }
    if (!plan_domain(rd, &tops, d, dev, opts, errp))
        return NULL;
    for (size_t t = 0; t < tree->n; t++) {
        const struct st_snapshot *snap = tree->nodes[t]->snap;
        CLEANUP_DOMAIN struct st_domain *then = st_snapshot_get_domain(snap, NULL);
        bool ok = true;

        for (size_t i = 0; ok && i < snap->ndisks; i++) {
            const struct st_snapshot_disk *sd = &snap->disks[i];

            ok = !wanted(dev, sd->name, sd->source, sd->snapshot) ||
                 plan_top(rd, &tops, sd->name, sd->source, sd->format, opts, errp);
        }
        if (!ok || (then && !plan_domain(rd, &tops, then, dev, opts, errp))) {
            st_error_prepend(errp, "snapshot '%s': ", snap->name);
            return NULL;
        }
    }
    return ST_STEAL(&rd);
}

static struct json_object *
journal_new(const struct st_rebase_domain *rd)
{
    struct json_object *j = st_journal_new(ST_REBASE_DOMAIN_OPERATION, NULL);
    struct json_object *detail = st_json_get_object(j, "detail");
    struct json_object *layers = json_object_new_array();
    struct json_object *renames = json_object_new_array();

    for (size_t i = 0; i < rd->plan->n; i++) {
        const struct st_rebase_layer *l = &rd->plan->layers[i];
        struct json_object *o = json_object_new_object();

        json_object_object_add(o, "path", json_object_new_string(l->path));
        json_object_object_add(o, "new-backing", json_object_new_string(l->new_backing));
        json_object_object_add(o, "new-backing-format", json_object_new_string(l->new_format));
        json_object_object_add(o, "backing-file", json_object_new_string(l->target));
        json_object_array_add(layers, o);
    }
    for (size_t i = 0; i < rd->n_renames; i++) {
        struct json_object *o = json_object_new_object();

        json_object_object_add(o, "from", json_object_new_string(rd->from[i]));
        json_object_object_add(o, "to", json_object_new_string(rd->to[i]));
        json_object_array_add(renames, o);
    }
    json_object_object_add(detail, "layers", layers);
    json_object_object_add(detail, "renames", renames);
    return j;
}

static bool
commit(const struct st_store *store, const struct st_rebase_domain *rd, struct st_error **errp)
{
    CLEANUP_FREE struct st_path_rename *r = st_xcalloc(rd->n_renames + 1, sizeof *r);

    for (size_t i = 0; i < rd->n_renames; i++)
        r[i] = (struct st_path_rename) { rd->from[i], rd->to[i] };
    if (!st_metadata_paths_rewrite(store, rd->dom, r, rd->n_renames,
                                   "rebase-domain-metadata-part", errp))
        return false;
    return st_journal_clear(store, rd->dom, errp);
}

bool
st_rebase_domain_run(const struct st_store *store, const char *run_root,
                     const struct st_rebase_domain *rd, struct st_error **errp)
{
    CLEANUP_JSON struct json_object *journal = journal_new(rd);
    struct st_error *err = NULL;

    if (!st_journal_write(store, rd->dom, journal, errp))
        return false;
    st_op_crash_point("rebase-domain-planned");
    if (!st_rebase_run(run_root, rd->plan, &err) ||
        (st_op_crash_point("rebase-domain-headers"), !commit(store, rd, &err))) {
        st_error_prepend(&err, "domain '%s': ", rd->dom);
        st_error_hint(&err, "every header names the same file as before or the new string; "
                      "'strata recover %s' finishes the rest", rd->dom);
        st_error_propagate(errp, err);
        return false;
    }
    return true;
}

/* The journal's layers, each header read again: only what is left. */
static bool
plan_from_journal(struct st_rebase_domain *rd, struct json_object *detail,
                  struct st_error **errp)
{
    struct json_object *layers = st_json_get_array(detail, "layers");
    struct json_object *renames = st_json_get_array(detail, "renames");

    if (!layers || !renames) {
        st_error_set(errp, ST_E_IO, "domain '%s': the journal of chain-rebase is incomplete",
                     rd->dom);
        return false;
    }
    rd->plan->layers = st_xcalloc(json_object_array_length(layers) + 1, sizeof *rd->plan->layers);
    for (size_t i = 0; i < json_object_array_length(layers); i++) {
        struct json_object *o = json_object_array_get_idx(layers, i);
        const char *path = st_json_get_string(o, "path");
        const char *nb = st_json_get_string(o, "new-backing");
        const char *nf = st_json_get_string(o, "new-backing-format");
        const char *target = st_json_get_string(o, "backing-file");
        struct st_chain_opts co = { .format = "qcow2", .skip_allocation = true, .max_depth = 1 };
        CLEANUP_CHAIN struct st_chain *c = NULL;
        struct st_rebase_layer *l = &rd->plan->layers[rd->plan->n];
        const struct st_layer *top;

        if (!path || !nb || !nf || !target) {
            st_error_set(errp, ST_E_IO, "domain '%s': layer %zu of the journal of chain-rebase "
                         "is incomplete", rd->dom, i);
            return false;
        }
        if (!(c = st_chain_load(path, &co, errp)))
            return false;
        top = &c->layers[0];
        l->path = st_xstrdup(path);
        l->old_backing = st_xstrdup(top->backing ? top->backing : "");
        l->old_format = top->backing_format ? st_xstrdup(top->backing_format) : NULL;
        l->new_backing = st_xstrdup(nb);
        l->new_format = st_xstrdup(nf);
        l->target = st_xstrdup(target);
        l->change = !top->backing || strcmp(top->backing, nb) != 0 || !top->backing_format ||
                    strcmp(top->backing_format, nf) != 0;
        rd->plan->n++;
    }
    for (size_t i = 0; i < json_object_array_length(renames); i++) {
        struct json_object *o = json_object_array_get_idx(renames, i);
        const char *from = st_json_get_string(o, "from"), *to = st_json_get_string(o, "to");

        if (!from || !to) {
            st_error_set(errp, ST_E_IO, "domain '%s': rename %zu of the journal of "
                         "chain-rebase is incomplete", rd->dom, i);
            return false;
        }
        st_strv_add(&rd->from, from);
        st_strv_add(&rd->to, to);
        rd->n_renames++;
    }
    return true;
}

bool
st_rebase_domain_recover(const struct st_store *store, const char *dom, const char *run_root,
                         struct json_object *journal, struct json_object *report,
                         struct st_error **errp)
{
    CLEANUP_REBASE_DOMAIN struct st_rebase_domain *rd = st_xcalloc(1, sizeof *rd);
    struct json_object *detail = st_json_get_object(journal, "detail");

    rd->dom = st_xstrdup(dom);
    rd->plan = st_xcalloc(1, sizeof *rd->plan);
    if (!st_move_refuse_served(run_root, dom, errp))
        return false;
    if (!detail) {
        st_error_set(errp, ST_E_IO, "domain '%s': the journal of chain-rebase is incomplete", dom);
        return false;
    }
    if (!plan_from_journal(rd, detail, errp) || !st_rebase_run(run_root, rd->plan, errp) ||
        !commit(store, rd, errp))
        return false;
    json_object_object_add(report, "action", json_object_new_string("rolled-forward"));
    return true;
}
