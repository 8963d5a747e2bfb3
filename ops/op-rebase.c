/* ops/op-rebase.c: 'chain rebase FILE': plan the new backing strings of
 * a chain (every one proven to name the file the old one meant), then
 * write them through a transient QSD, one header at a time
 * (ops/op-rebase.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "chain/chain.h"
#include "qmp/blockdev.h"
#include "qmp/job.h"
#include "live/session.h"
#include "ops/op-rebase.h"

ST_LOG_INIT("ops.rebase");

enum { REBASE_JOB_TIMEOUT_MS = 60 * 1000 };

const char *
st_rebase_proof_name(enum st_rebase_proof proof)
{
    return proof == ST_REBASE_SAME_FILE ? "same-file" : "candidate";
}

void
st_rebase_plan_free(struct st_rebase_plan *plan)
{
    if (!plan)
        return;
    for (size_t i = 0; i < plan->n; i++) {
        struct st_rebase_layer *l = &plan->layers[i];

        free(l->path);
        free(l->old_backing);
        free(l->old_format);
        free(l->new_backing);
        free(l->new_format);
        free(l->target);
    }
    free(plan->layers);
    free(plan);
}

static bool
same_file(const char *a, const char *b)
{
    struct stat sa, sb;

    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* @path relative to directory @from, both made canonical first (a
 * relative string is resolved by QEMU from the overlay's directory as
 * the kernel sees it, symlinks followed).  NULL with @errp set when a
 * directory cannot be resolved. */
static char *
relative_to(const char *from, const char *path, struct st_error **errp)
{
    CLEANUP_FREE char *pdir = st_path_dirname(path);
    CLEANUP_FREE char *base = st_path_basename(path);
    CLEANUP_FREE char *f = realpath(from, NULL);
    CLEANUP_FREE char *t = realpath(pdir, NULL);
    size_t common = 0, i;
    char *out;
    size_t len, cap;

    if (!f || !t) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot resolve the directory of '%s'",
                           f ? path : from);
        return NULL;
    }
    /* The longest common prefix that ends at a component boundary. */
    for (i = 0; f[i] && f[i] == t[i]; i++)
        if (f[i] == '/')
            common = i;
    if ((!f[i] && (t[i] == '/' || !t[i])) || (!t[i] && f[i] == '/'))
        common = i;
    cap = strlen(f) * 2 + strlen(t) + strlen(base) + 4;
    out = st_xmalloc(cap);
    len = 0;
    /* One ".." per component of @from below the common prefix. */
    for (i = common; f[i]; i++)
        if (f[i] == '/' && f[i + 1]) {
            memcpy(out + len, "../", 3);
            len += 3;
        }
    if (t[common] == '/' && t[common + 1]) {
        size_t n = strlen(t + common + 1);

        memcpy(out + len, t + common + 1, n);
        len += n;
        out[len++] = '/';
    }
    strcpy(out + len, base);
    return out;
}

/* The absolute form of @p with no trailing slash (for prefix matching). */
static char *
prefix_abs(const char *p, struct st_error **errp)
{
    char *a = st_path_absolute(p, errp);
    size_t n;

    if (!a)
        return NULL;
    n = strlen(a);
    while (n > 1 && a[n - 1] == '/')
        a[--n] = '\0';
    return a;
}

/* Where --map sends @resolved (absolute): NEW + the rest, for the first
 * OLD that is @resolved or a directory above it; NULL when none is. */
static char *
map_path(const struct st_rebase_opts *opts, const char *resolved, struct st_error **errp)
{
    return st_rebase_map_path(opts, resolved, errp);
}

char *
st_rebase_map_path(const struct st_rebase_opts *opts, const char *resolved,
                   struct st_error **errp)
{
    for (size_t i = 0; i < opts->n_maps; i++) {
        CLEANUP_FREE char *old = prefix_abs(opts->maps[i].old_prefix, errp);
        CLEANUP_FREE char *new = NULL;
        size_t n;

        if (!old)
            return NULL;
        n = strlen(old);
        if (strncmp(resolved, old, n) != 0 || (resolved[n] != '/' && resolved[n] != '\0' &&
                                               strcmp(old, "/") != 0))
            continue;
        if (!(new = prefix_abs(opts->maps[i].new_prefix, errp)))
            return NULL;
        return st_xasprintf("%s%s", new, resolved + n);
    }
    return NULL;
}

/* The header of @path alone (its backing not walked): an owned chain
 * of one layer, or NULL with @errp set. */
static struct st_chain *
load_one(const char *path, const char *format, const char *backing_format,
         struct st_error **errp)
{
    struct st_chain_opts o = { .format = format, .backing_format = backing_format,
                               .skip_allocation = true, .max_depth = 1 };

    return st_chain_load(path, &o, errp);
}

/* A fault of @l's own header (not of what lies below it), or NULL. */
static const struct st_fault *
header_fault(const struct st_layer *l)
{
    for (size_t i = 0; i < l->n_faults; i++) {
        switch (l->faults[i].code) {
        case ST_FAULT_TOO_DEEP:
        case ST_FAULT_MISSING:
        case ST_FAULT_NO_BACKING_FORMAT:
        case ST_FAULT_BACKING_SMALLER:
        case ST_FAULT_BACKING_LARGER:
        case ST_FAULT_LOOP:
            continue;
        default:
            return &l->faults[i];
        }
    }
    return NULL;
}

/* Refuse @cand as the backing file @over expects (@format, @size):
 * another format, a faulty header, another virtual size.  True when it
 * fits. */
static bool
candidate_fits(const char *over, const char *old, const char *cand, const char *format,
               uint64_t size, struct st_error **errp)
{
    CLEANUP_ERROR struct st_error *err = NULL;
    CLEANUP_CHAIN struct st_chain *c = load_one(cand, format, NULL, &err);
    const struct st_fault *f;

    if (!c) {
        st_error_set(errp, ST_E_CHAIN, "'%s' cannot be the backing file '%s' of '%s': %s", cand,
                     old, over, err->msg);
        return false;
    }
    if ((f = header_fault(&c->layers[0]))) {
        st_error_set(errp, ST_E_CHAIN, "'%s' cannot be the backing file '%s' of '%s': it does "
                     "not read as %s (%s: %s)", cand, old, over, format,
                     st_fault_code_name(f->code), f->message);
        return false;
    }
    if (!c->layers[0].has_header || c->layers[0].virtual_size != size) {
        st_error_set(errp, ST_E_CHAIN, "'%s' cannot be the backing file '%s' of '%s': its "
                     "virtual size is %llu bytes, the overlay's %llu", cand, old, over,
                     (unsigned long long) c->layers[0].virtual_size, (unsigned long long) size);
        return false;
    }
    return true;
}

/* The new string for @target as seen from overlay @over: its absolute
 * path, or relative to @over's directory. */
static char *
new_string(const char *over, const char *target, bool absolute, struct st_error **errp)
{
    CLEANUP_FREE char *dir = NULL;
    char *s;

    if (absolute)
        return st_xstrdup(target);
    dir = st_path_dirname(over);
    if (!(s = relative_to(dir, target, errp)))
        return NULL;
    return s;
}

/* Plan the layer whose overlay is @l (read by load_one()); fills @out
 * and sets *@formatp to the backing's format.  The error names the
 * overlay, the old string and the file tried. */
static bool
plan_layer(const struct st_layer *l, const struct st_rebase_opts *opts,
           struct st_rebase_layer *out, struct st_error **errp)
{
    const char *fmt = l->backing_format ? l->backing_format : opts->backing_format;
    const char *resolved = l->backing_resolved;
    CLEANUP_FREE char *mapped = NULL;
    CLEANUP_FREE char *dir = st_path_dirname(l->abs_path);
    CLEANUP_FREE char *check = NULL;
    struct st_error *err = NULL;
    bool absolute;

    if (!resolved) {
        st_error_set(errp, ST_E_CHAIN, "'%s': backing file '%s' is not a path strata can "
                     "rewrite", l->abs_path, l->backing);
        return false;
    }
    if (!fmt) {
        st_error_set(errp, ST_E_CHAIN, "'%s' does not record the format of its backing file "
                     "'%s'", l->abs_path, l->backing);
        st_error_hint(errp, "name it with --backing-format; rebase records it");
        return false;
    }
    if (opts->mode == ST_REBASE_MAP) {
        mapped = map_path(opts, resolved, &err);
        if (err) {
            st_error_propagate(errp, err);
            return false;
        }
    }
    out->path = st_xstrdup(l->abs_path);
    out->old_backing = st_xstrdup(l->backing);
    out->old_format = l->backing_format ? st_xstrdup(l->backing_format) : NULL;
    out->new_format = st_xstrdup(fmt);
    out->target = st_xstrdup(mapped ? mapped : resolved);
    if (st_path_exists(resolved)) {
        /* The old string still names a file: that file, and no other,
         * is what the overlay meant, whatever else has its name. */
        if (!same_file(resolved, out->target)) {
            st_error_set(errp, ST_E_CHAIN, "'%s' is not the backing file of '%s': its backing "
                         "string '%s' still names '%s', which exists and is another file",
                         out->target, l->abs_path, l->backing, resolved);
            st_error_hint(errp, "map only directories whose files have moved away");
            return false;
        }
        out->proof = ST_REBASE_SAME_FILE;
    } else {
        if (!mapped || !st_path_exists(out->target)) {
            st_error_set(errp, ST_E_CHAIN, "'%s': backing file '%s' does not exist%s%s%s",
                         l->abs_path, resolved, mapped ? " and neither does '" : "",
                         mapped ? out->target : "", mapped ? "'" : "");
            st_error_hint(errp, "say where it is now with --map '%s=NEWDIR'", dir);
            return false;
        }
        if (!candidate_fits(l->abs_path, l->backing, out->target, fmt, l->virtual_size, errp))
            return false;
        out->proof = ST_REBASE_CANDIDATE;
    }
    absolute = opts->mode == ST_REBASE_ABSOLUTE ||
               (opts->mode == ST_REBASE_MAP && l->backing[0] == '/');
    if (opts->mode == ST_REBASE_MAP && !mapped)
        out->new_backing = st_xstrdup(l->backing);
    else if (!(out->new_backing = new_string(l->abs_path, out->target, absolute, errp)))
        return false;
    /* What QEMU will resolve the new string to must be the file proven. */
    check = out->new_backing[0] == '/' ? st_xstrdup(out->new_backing)
                                       : st_path_join(dir, out->new_backing);
    if (!same_file(check, out->target)) {
        st_error_set(errp, ST_E_INTERNAL, "'%s': new backing string '%s' does not lead to '%s'",
                     l->abs_path, out->new_backing, out->target);
        return false;
    }
    out->change = strcmp(out->new_backing, l->backing) != 0 || !l->backing_format ||
                  strcmp(l->backing_format, fmt) != 0;
    return true;
}

struct st_rebase_plan *
st_rebase_plan_file(const char *top, const struct st_rebase_opts *opts, struct st_error **errp)
{
    CLEANUP_REBASE_PLAN struct st_rebase_plan *plan = st_xcalloc(1, sizeof *plan);
    CLEANUP_FREE char *cur = NULL;
    CLEANUP_FREE char *fmt = st_xstrdup(opts->format ? opts->format : "qcow2");
    unsigned max = opts->max_depth ? opts->max_depth : ST_CHAIN_DEFAULT_MAX_DEPTH;
    struct stat *seen = NULL;
    size_t n_seen = 0;
    const char *cand = NULL;    /* the first layer found as a candidate, for messages */
    bool below = false;         /* the refusal concerns what lies below cur */

    if (!(cur = st_path_absolute(top, errp)))
        return NULL;
    for (unsigned depth = 0;; depth++) {
        CLEANUP_CHAIN struct st_chain *c = NULL;
        struct st_error *err = NULL;
        const struct st_fault *f;
        struct st_rebase_layer *rl;
        struct stat st;

        if (!(c = load_one(cur, fmt, opts->backing_format, &err)) ||
            (f = header_fault(&c->layers[0]))) {
            if (!err)
                st_error_set(&err, ST_E_CHAIN, "'%s': %s: %s", cur, st_fault_code_name(f->code),
                             f->message);
            goto fail;
        }
        if (stat(cur, &st) == 0) {
            for (size_t i = 0; i < n_seen; i++)
                if (seen[i].st_dev == st.st_dev && seen[i].st_ino == st.st_ino) {
                    st_error_set(&err, ST_E_CHAIN, "'%s' is already in the chain (a loop)", cur);
                    goto fail;
                }
            seen = st_xreallocarray(seen, n_seen + 1, sizeof *seen);
            seen[n_seen++] = st;
        }
        if (!c->layers[0].backing)
            break;
        if (depth + 1 >= max) {
            st_error_set(&err, ST_E_CHAIN, "'%s': the chain is deeper than %u layers", top, max);
            st_error_hint(&err, "raise --max-depth");
            goto fail;
        }
        plan->layers = st_xreallocarray(plan->layers, plan->n + 1, sizeof *plan->layers);
        rl = &plan->layers[plan->n++];
        memset(rl, 0, sizeof *rl);
        below = true;
        if (!plan_layer(&c->layers[0], opts, rl, &err))
            goto fail;
        below = false;
        if (rl->proof == ST_REBASE_CANDIDATE && !cand)
            cand = rl->target;
        free(cur);
        cur = st_xstrdup(rl->target);
        free(fmt);
        fmt = st_xstrdup(rl->new_format);
        if (strcmp(fmt, "raw") == 0)
            break;
        continue;
fail:
        /* Below a candidate, every refusal is also the candidate's: its
         * own chain is not the one the overlay rests on. */
        if (cand && (below || strcmp(cand, cur) != 0))
            st_error_prepend(&err, "'%s' cannot be taken as the file meant: its own chain does "
                             "not continue soundly: ", cand);
        else if (cand)
            st_error_prepend(&err, "'%s' cannot be taken as the file meant: ", cand);
        st_error_propagate(errp, err);
        free(seen);
        return NULL;
    }
    free(seen);
    return ST_STEAL(&plan);
}

/* Rewrite one layer's header (see st_rebase_run). */
static bool
rebase_layer(struct st_qmp *qmp, const struct st_rebase_layer *l, size_t i,
             struct st_error **errp)
{
    CLEANUP_FREE char *tnode = st_session_node_name(l->target);
    CLEANUP_FREE char *onode = st_session_node_name(l->path);
    CLEANUP_FREE char *job_id = st_xasprintf("rebase-%zu", i);
    CLEANUP_STRV char **tnodes = NULL;
    CLEANUP_STRV char **onodes = NULL;
    CLEANUP_CHAIN struct st_chain *c = NULL;
    struct st_qmp_layer t = { .path = l->target, .format = l->new_format, .node_name = tnode,
                              .read_only = true };
    struct st_qmp_layer o = { .path = l->path, .format = "qcow2", .node_name = onode };
    char *flush[] = { onode, NULL };
    struct st_qmp_job_opts j = {
        .type = ST_QMP_JOB_STREAM, .job_id = job_id, .device = onode, .base_node = tnode,
        .backing_file = l->new_backing, .timeout_ms = REBASE_JOB_TIMEOUT_MS, .flush_end = flush,
    };
    bool ok;

    if (!(tnodes = st_qmp_blockdev_open_chain(qmp, &t, 1, "rebase", errp)))
        return false;
    if (!(onodes = st_qmp_blockdev_open_chain_on(qmp, &o, 1, "rebase", tnode, errp))) {
        st_qmp_blockdev_close_chain(qmp, tnodes, NULL);
        return false;
    }
    ok = st_qmp_job_run(qmp, &j, errp);
    /* blockdev-del closes the overlay, which writes back what QSD holds. */
    if (!st_qmp_blockdev_close_chain(qmp, onodes, ok ? errp : NULL))
        ok = false;
    if (!st_qmp_blockdev_close_chain(qmp, tnodes, ok ? errp : NULL))
        ok = false;
    if (!ok)
        return false;
    /* Read back: the header on disk must now say what was planned. */
    if (!(c = load_one(l->path, "qcow2", NULL, errp)))
        return false;
    if (!c->layers[0].backing || strcmp(c->layers[0].backing, l->new_backing) != 0 ||
        !c->layers[0].backing_format || strcmp(c->layers[0].backing_format, l->new_format) != 0) {
        st_error_set(errp, ST_E_QMP, "'%s': QSD reported success but the header reads '%s' (%s), "
                     "not '%s' (%s)", l->path, c->layers[0].backing ? c->layers[0].backing : "",
                     c->layers[0].backing_format ? c->layers[0].backing_format : "no format",
                     l->new_backing, l->new_format);
        return false;
    }
    return true;
}

bool
st_rebase_run(const char *run_root, const struct st_rebase_plan *plan, struct st_error **errp)
{
    CLEANUP_SESSION struct st_session *sess = NULL;
    size_t todo = 0;

    for (size_t i = 0; i < plan->n; i++)
        todo += plan->layers[i].change;
    if (!todo)
        return true;
    if (!(sess = st_session_open_transient(run_root, errp)))
        return false;
    for (size_t i = 0; i < plan->n; i++) {
        const struct st_rebase_layer *l = &plan->layers[i];

        if (!l->change)
            continue;
        if (!rebase_layer(st_session_qmp(sess), l, i, errp)) {
            st_error_prepend(errp, "rebase of '%s' stopped: ", plan->layers[0].path);
            st_error_hint(errp, "the layers above '%s' are rebased and it is untouched or "
                          "rebased; the same command again finishes the rest", l->path);
            return false;
        }
        st_debug("'%s': backing '%s' (%s) -> '%s' (%s)", l->path, l->old_backing,
                 l->old_format ? l->old_format : "no format", l->new_backing, l->new_format);
    }
    /* A clean quit of the transient QSD is the last confirmation. */
    return st_session_close(&sess, errp);
}
