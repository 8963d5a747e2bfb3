/* ops/op-move.c: 'strata move': plan, journal, stage, rebase, commit,
 * clean, and the recovery of each phase (ops/op-move.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "common/log.h"
#include "common/path.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "chain/chain.h"
#include "store/created.h"
#include "store/journal.h"
#include "live/exporter.h"
#include "live/session.h"
#include "ops/metadata-paths.h"
#include "ops/move-copy.h"
#include "ops/op-move.h"
#include "ops/op-rebase.h"
#include "ops/op-util.h"

ST_LOG_INIT("ops.move");

static const char *const method_names[] = { "none", "rename", "copy" };

const char *
st_move_method_name(enum st_move_method m)
{
    return method_names[m];
}

static bool
method_parse(const char *s, enum st_move_method *out)
{
    for (size_t i = 0; s && i < sizeof method_names / sizeof *method_names; i++)
        if (strcmp(s, method_names[i]) == 0) {
            *out = (enum st_move_method) i;
            return true;
        }
    return false;
}

void
st_move_plan_free(struct st_move_plan *plan)
{
    if (!plan)
        return;
    for (size_t i = 0; i < plan->n; i++) {
        free(plan->files[i].from);
        free(plan->files[i].to);
        free(plan->files[i].format);
    }
    free(plan->files);
    free(plan->dom);
    free(plan->dir);
    free(plan);
}

/* ---- plan ------------------------------------------------------------ */

static long
find_file(const struct st_move_plan *plan, dev_t dev, ino_t ino)
{
    for (size_t i = 0; i < plan->n; i++)
        if (plan->files[i].from_id.dev == dev && plan->files[i].from_id.ino == ino)
            return (long) i;
    return -1;
}

/* Add every layer of the chain from @source down that the plan lacks;
 * each layer's backing index set on the way. */
static bool
walk_chain(struct st_move_plan *plan, const char *target, const char *source, const char *format,
           struct st_error **errp)
{
    struct st_domain_disk d = { .target = (char *) target, .source = (char *) source,
                                .format = (char *) format };
    CLEANUP_CHAIN struct st_chain *chain = NULL;
    long prev = -1;

    if (!st_path_exists(source)) {
        st_error_set(errp, ST_E_CHAIN, "disk '%s': '%s' does not exist", target, source);
        st_error_set_path(errp, source);
        st_error_hint(errp, "'strata chain check %s' shows what metadata names", plan->dom);
        return false;
    }
    if (!(chain = st_op_load_disk_chain(&d, false, errp))) {
        st_error_prepend(errp, "disk '%s': ", target);
        return false;
    }
    for (size_t i = 0; i < chain->n_layers; i++) {
        const struct st_layer *l = &chain->layers[i];
        struct st_move_file *f;
        CLEANUP_CLOSE int fd = -1;
        struct stat st;
        long k;

        if (!l->exists) {
            st_error_set(errp, ST_E_CHAIN, "disk '%s': '%s' cannot be read", target, l->abs_path);
            return false;
        }
        if ((k = find_file(plan, l->dev, l->ino)) >= 0) {
            if (prev >= 0)
                plan->files[prev].backing = k;
            return true;    /* the rest of this chain is walked already */
        }
        if ((fd = open(l->abs_path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot open '%s'", l->abs_path);
            st_error_set_path(errp, l->abs_path);
            return false;
        }
        if (!S_ISREG(st.st_mode)) {
            st_error_set(errp, ST_E_CHAIN, "disk '%s': '%s' is not a regular file; strata "
                         "moves only image files", target, l->abs_path);
            st_error_set_path(errp, l->abs_path);
            return false;
        }
        plan->files = st_xreallocarray(plan->files, plan->n + 1, sizeof *plan->files);
        f = &plan->files[plan->n];
        memset(f, 0, sizeof *f);
        /* The file itself, not a symlink to it: link() and the
         * identities below are about the file. */
        if (!(f->from = realpath(l->abs_path, NULL))) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot resolve '%s'", l->abs_path);
            return false;
        }
        f->format = st_xstrdup(l->format && strcmp(l->format, "raw") == 0 ? "raw" : "qcow2");
        f->backing = -1;
        f->size = (uint64_t) st.st_size;
        f->allocated = (uint64_t) st.st_blocks * 512;
        if (!st_file_id_of_fd(fd, &f->from_id)) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot identify '%s'", f->from);
            free(f->from);
            free(f->format);
            return false;
        }
        plan->n++;
        if (prev >= 0)
            plan->files[prev].backing = (long) plan->n - 1;
        prev = (long) plan->n - 1;
    }
    return true;
}

static bool
wanted(const char *disk, const char *target, const char *source, enum st_snapshot_mode mode)
{
    return source && mode != ST_SNAPSHOT_MODE_NO && (!disk || strcmp(disk, target) == 0);
}

static bool
walk_domain(struct st_move_plan *plan, const struct st_domain *dom, const char *disk,
            struct st_error **errp)
{
    for (size_t i = 0; i < dom->ndisks; i++) {
        const struct st_domain_disk *d = &dom->disks[i];

        if (wanted(disk, d->target, d->source, d->snapshot) &&
            !walk_chain(plan, d->target, d->source, d->format, errp))
            return false;
    }
    return true;
}

static bool
walk_all(struct st_move_plan *plan, const struct st_domain *dom, const struct st_tree *tree,
         const char *disk, struct st_error **errp)
{
    if (!walk_domain(plan, dom, disk, errp))
        return false;
    for (size_t t = 0; t < tree->n; t++) {
        const struct st_snapshot *snap = tree->nodes[t]->snap;
        CLEANUP_DOMAIN struct st_domain *then = st_snapshot_get_domain(snap, NULL);

        for (size_t i = 0; i < snap->ndisks; i++) {
            const struct st_snapshot_disk *sd = &snap->disks[i];

            if (wanted(disk, sd->name, sd->source, sd->snapshot) &&
                !walk_chain(plan, sd->name, sd->source, sd->format, errp)) {
                st_error_prepend(errp, "snapshot '%s': ", snap->name);
                return false;
            }
        }
        if (!then && snap->domain) {
            /* Its files are unknown: moving the others could leave them
             * behind, or unlink one it names. */
            st_error_set(errp, ST_E_XML, "snapshot '%s': its <domain> cannot be read, so the files "
                         "it names are unknown", snap->name);
            st_error_hint(errp, "repair it with 'strata snapshot-edit', or forget it with "
                          "'snapshot-delete --metadata', first");
            return false;
        }
        if (then && !walk_domain(plan, then, disk, errp)) {
            st_error_prepend(errp, "snapshot '%s': ", snap->name);
            return false;
        }
    }
    return true;
}

static bool
same_dir(const char *a, const char *b)
{
    CLEANUP_FREE char *da = st_path_dirname(a);
    CLEANUP_FREE char *db = st_path_dirname(b);

    return strcmp(da, db) == 0;
}

/* Where each file goes and how; refuse clashes. */
static bool
place_files(struct st_move_plan *plan, const struct stat *dst, bool copy, struct st_error **errp)
{
    for (size_t i = 0; i < plan->n; i++) {
        struct st_move_file *f = &plan->files[i];
        CLEANUP_FREE char *base = st_path_basename(f->from);
        struct stat st;

        f->to = st_path_join(plan->dir, base);
        for (size_t k = 0; k < i; k++)
            if (strcmp(plan->files[k].to, f->to) == 0) {
                st_error_set(errp, ST_E_CONFLICT, "'%s' and '%s' would both become '%s'",
                             plan->files[k].from, f->from, f->to);
                st_error_hint(errp, "move the domain's disks one at a time with --disk into "
                              "different directories");
                return false;
            }
        if (strcmp(f->to, f->from) == 0) {
            f->method = ST_MOVE_NONE;
            continue;
        }
        if (lstat(f->to, &st) == 0) {
            st_error_set(errp, ST_E_CONFLICT, "'%s' exists: moving '%s' there would replace it",
                         f->to, f->from);
            st_error_set_path(errp, f->to);
            st_error_hint(errp, "move it away or choose another directory");
            return false;
        }
        f->method = !copy && f->from_id.dev == dst->st_dev ? ST_MOVE_LINK : ST_MOVE_COPY;
    }
    /* A linked layer shares its header with the old name until that is
     * unlinked: its new string (the backing's base name) must also name
     * the backing file from the old directory. */
    for (size_t i = 0; i < plan->n; i++) {
        struct st_move_file *f = &plan->files[i];

        struct stat fs;

        if (f->method == ST_MOVE_LINK && f->backing >= 0 &&
            !same_dir(f->from, plan->files[f->backing].from))
            f->method = ST_MOVE_COPY;
        /* Another name of the same inode (a user's hard-linked backup)
         * would see its header rewritten: copy instead. */
        if (f->method == ST_MOVE_LINK && stat(f->from, &fs) == 0 && fs.st_nlink > 1)
            f->method = ST_MOVE_COPY;
        if (f->method == ST_MOVE_COPY) {
            plan->copy_bytes += f->size;
            plan->copy_allocated += f->allocated;
        }
    }
    return true;
}

/* A QSD that holds the images open would go on writing to the old
 * files (or, for a copy, to files that are then removed). */
bool
st_move_refuse_served(const char *run_root, const char *dom, struct st_error **errp)
{
    CLEANUP_FREE char *live_dir = st_session_live_dir(run_root, dom);
    CLEANUP_FREE char *exp_dir = st_exporter_export_dir(run_root, dom);

    if (st_exporter_clean_stale(live_dir)) {
        st_error_set(errp, ST_E_BUSY, "domain '%s' is live: its QSD holds the images open, and "
                     "they cannot move from under it", dom);
        st_error_hint(errp, "'strata stop %s' first", dom);
        return false;
    }
    if (st_exporter_clean_stale(exp_dir)) {
        st_error_set(errp, ST_E_BUSY, "domain '%s' has an export-only QSD running, which holds "
                     "the images open", dom);
        st_error_hint(errp, "'strata export %s --stop' first", dom);
        return false;
    }
    return true;
}

static void
count_unreadable(const struct st_error *err, void *opaque)
{
    st_warn("move", "%s", err->msg);
    ++*(size_t *) opaque;
}

/* The file of @plan that is also in @other (same device and inode), or NULL. */
static const struct st_move_file *
shared_file(const struct st_move_plan *plan, const struct st_move_plan *other)
{
    for (size_t i = 0; i < plan->n; i++)
        for (size_t k = 0; k < other->n; k++)
            if (plan->files[i].from_id.dev == other->files[k].from_id.dev &&
                plan->files[i].from_id.ino == other->files[k].from_id.ino)
                return &plan->files[i];
    return NULL;
}

static bool
refuse_one(const struct st_move_file *f, const char *whose, struct st_error **errp)
{
    st_error_set(errp, ST_E_CONFLICT, "'%s' is also in the chains of %s: moving it would break them",
                 f->from, whose);
    st_error_set_path(errp, f->from);
    st_error_hint(errp, "give each its own copy first (qemu-img convert), or move the whole domain");
    return false;
}

/* A file the move takes must be this domain's (this disk's, with
 * --disk) alone: another domain, or another disk, whose chain goes
 * through it would lose it to the unlink, or see its header rewritten.
 * A chain that cannot be walked is compared as far as it goes. */
static bool
refuse_shared(const struct st_store *store, const struct st_move_plan *plan,
              const struct st_domain *dom, const struct st_tree *tree, const char *disk,
              struct st_error **errp)
{
    CLEANUP_STRV char **names = st_store_domain_list(store, NULL);
    const struct st_move_file *f;

    for (size_t i = 0; disk && i < dom->ndisks; i++) {
        CLEANUP_MOVE_PLAN struct st_move_plan *rest = st_xcalloc(1, sizeof *rest);
        CLEANUP_FREE char *whose = NULL;

        if (strcmp(dom->disks[i].target, disk) == 0)
            continue;
        rest->dom = st_xstrdup(plan->dom);
        walk_all(rest, dom, tree, dom->disks[i].target, NULL);
        whose = st_xasprintf("disk '%s'", dom->disks[i].target);
        if ((f = shared_file(plan, rest)))
            return refuse_one(f, whose, errp);
    }
    for (size_t n = 0; names && names[n]; n++) {
        CLEANUP_MOVE_PLAN struct st_move_plan *other = st_xcalloc(1, sizeof *other);
        CLEANUP_DOMAIN struct st_domain *od = NULL;
        CLEANUP_TREE struct st_tree *ot = NULL;
        CLEANUP_FREE char *whose = NULL;

        if (strcmp(names[n], plan->dom) == 0 ||
            !(od = st_store_domain_load(store, names[n], NULL)))
            continue;
        other->dom = st_xstrdup(names[n]);
        ot = st_store_tree_load(store, names[n], 0, NULL, NULL, NULL);
        if (ot)
            walk_all(other, od, ot, NULL, NULL);
        else
            walk_domain(other, od, NULL, NULL);
        whose = st_xasprintf("domain '%s'", names[n]);
        if ((f = shared_file(plan, other)))
            return refuse_one(f, whose, errp);
    }
    return true;
}

struct st_move_plan *
st_move_plan_new(const struct st_store *store, const char *dom, const struct st_move_opts *opts,
                 struct st_error **errp)
{
    CLEANUP_MOVE_PLAN struct st_move_plan *plan = st_xcalloc(1, sizeof *plan);
    CLEANUP_DOMAIN struct st_domain *d = NULL;
    CLEANUP_TREE struct st_tree *tree = NULL;
    CLEANUP_JSON struct json_object *record = NULL;
    struct statvfs sv;
    struct stat dst;
    size_t unreadable = 0;

    plan->dom = st_xstrdup(dom);
    plan->keep_originals = opts->copy;
    if (!st_journal_refuse_if_pending(store, dom, errp) || !st_move_refuse_served(opts->run_root, dom, errp))
        return NULL;
    if (stat(opts->dir, &dst) < 0) {
        st_error_set_errno(errp, errno, ST_E_NOT_FOUND, "target directory '%s'", opts->dir);
        st_error_set_path(errp, opts->dir);
        st_error_hint(errp, "create it first ('mkdir -p %s')", opts->dir);
        return NULL;
    }
    if (!S_ISDIR(dst.st_mode)) {
        st_error_set(errp, ST_E_USAGE, "target '%s' is not a directory", opts->dir);
        st_error_set_path(errp, opts->dir);
        return NULL;
    }
    if (!(plan->dir = realpath(opts->dir, NULL))) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot resolve '%s'", opts->dir);
        return NULL;
    }
    if (statvfs(plan->dir, &sv) == 0)
        plan->dir_free = (uint64_t) sv.f_bavail * sv.f_frsize;
    if (!(d = st_store_domain_load(store, dom, errp)) ||
        !(tree = st_store_tree_load(store, dom, 0, count_unreadable, &unreadable, errp)))
        return NULL;
    if (unreadable) {
        st_error_set(errp, ST_E_XML, "domain '%s': %zu snapshot file(s) cannot be read (said "
                     "above), so the files they name are unknown and could be left behind or "
                     "unlinked", dom, unreadable);
        st_error_hint(errp, "repair or remove them under the state directory first");
        return NULL;
    }
    if (opts->disk && !st_domain_find_disk(d, opts->disk)) {
        st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' has no disk '%s'", dom, opts->disk);
        st_error_hint(errp, "'strata domblklist %s' lists them", dom);
        return NULL;
    }
    if (!walk_all(plan, d, tree, opts->disk, errp))
        return NULL;
    if (plan->n == 0) {
        st_error_set(errp, ST_E_CONFLICT, "domain '%s' has no image file to move", dom);
        return NULL;
    }
    if (!refuse_shared(store, plan, d, tree, opts->disk, errp) ||
        !place_files(plan, &dst, opts->copy, errp))
        return NULL;
    if (!(record = st_created_load(store, dom, errp)))
        return NULL;
    for (size_t i = 0; i < plan->n; i++)
        plan->files[i].recorded = st_created_find(record, plan->files[i].from) != NULL;
    return ST_STEAL(&plan);
}

/* ---- journal ----------------------------------------------------------- */

/* The journal's picture of a plan, and back (for recover). */
static struct json_object *
journal_new(const struct st_move_plan *plan)
{
    struct json_object *j = st_journal_new(ST_MOVE_OPERATION, NULL);
    struct json_object *detail = st_json_get_object(j, "detail");
    struct json_object *files = json_object_new_array();
    struct json_object *originals = json_object_new_object();

    json_object_object_add(detail, "directory", json_object_new_string(plan->dir));
    json_object_object_add(detail, "keep-originals", json_object_new_boolean(plan->keep_originals));
    json_object_object_add(detail, "files", files);
    /* Identities in the journal's own shape, so that
     * st_journal_created_is_ours() checks them: "created-ids" of the
     * detail are the new names (not all of them strata's to record),
     * those of "originals" the files being moved. */
    json_object_object_add(detail, "created-ids", json_object_new_array());
    json_object_object_add(detail, "originals", originals);
    for (size_t i = 0; i < plan->n; i++) {
        const struct st_move_file *f = &plan->files[i];
        struct json_object *o = json_object_new_object();

        json_object_object_add(o, "from", json_object_new_string(f->from));
        json_object_object_add(o, "to", json_object_new_string(f->to));
        json_object_object_add(o, "format", json_object_new_string(f->format));
        json_object_object_add(o, "method", json_object_new_string(st_move_method_name(f->method)));
        json_object_object_add(o, "backing", f->backing >= 0 ? json_object_new_int64(f->backing)
                                                             : NULL);
        json_object_object_add(o, "size", json_object_new_int64((int64_t) f->size));
        json_object_object_add(o, "recorded", json_object_new_boolean(f->recorded));
        json_object_array_add(files, o);
        if (f->method != ST_MOVE_NONE) {
            st_journal_add_created(j, f->to);
            st_journal_add_created_id(originals, f->from, &f->from_id);
        }
    }
    return j;
}

static struct st_move_plan *
plan_from_journal(const char *dom, struct json_object *detail, struct st_error **errp)
{
    CLEANUP_MOVE_PLAN struct st_move_plan *plan = st_xcalloc(1, sizeof *plan);
    struct json_object *files = st_json_get_array(detail, "files");
    const char *dir = st_json_get_string(detail, "directory");

    plan->dom = st_xstrdup(dom);
    if (!files || !dir) {
        st_error_set(errp, ST_E_IO, "domain '%s': the journal of move is incomplete", dom);
        return NULL;
    }
    plan->dir = st_xstrdup(dir);
    st_json_get_bool(detail, "keep-originals", &plan->keep_originals);
    plan->files = st_xcalloc(json_object_array_length(files) + 1, sizeof *plan->files);
    for (size_t i = 0; i < json_object_array_length(files); i++) {
        struct json_object *o = json_object_array_get_idx(files, i);
        struct st_move_file *f = &plan->files[plan->n];
        const char *from = st_json_get_string(o, "from"), *to = st_json_get_string(o, "to");
        const char *fmt = st_json_get_string(o, "format");
        int64_t b = -1, size = 0;

        if (!from || !to || !fmt || !method_parse(st_json_get_string(o, "method"), &f->method)) {
            st_error_set(errp, ST_E_IO, "domain '%s': file %zu of the journal of move is "
                         "incomplete", dom, i);
            return NULL;
        }
        if (st_json_get(o, "backing") && (!st_json_get_int64(o, "backing", &b) || b < 0 ||
                                          (size_t) b >= json_object_array_length(files))) {
            st_error_set(errp, ST_E_IO, "domain '%s': file %zu of the journal of move has a bad "
                         "backing index", dom, i);
            return NULL;
        }
        st_json_get_int64(o, "size", &size);
        f->from = st_xstrdup(from);
        f->to = st_xstrdup(to);
        f->format = st_xstrdup(fmt);
        f->backing = (long) b;
        f->size = size > 0 ? (uint64_t) size : 0;
        st_json_get_bool(o, "recorded", &f->recorded);
        plan->n++;
    }
    return ST_STEAL(&plan);
}

/* ---- stage ------------------------------------------------------------- */

/* Remove the new names this move made (their identity is the one
 * journalled, or an empty file claimed just before a crash), then the
 * record's entries of them and the journal. */
static bool
roll_back(const struct st_store *store, const struct st_move_plan *plan,
          struct json_object *journal, struct json_object *removed, struct st_error **errp)
{
    struct json_object *detail = st_json_get_object(journal, "detail");

    for (size_t i = 0; i < plan->n; i++) {
        const struct st_move_file *f = &plan->files[i];

        if (f->method == ST_MOVE_NONE || !st_journal_created_is_ours(detail, f->to))
            continue;
        if (unlink(f->to) < 0 && errno != ENOENT) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot remove '%s'", f->to);
            st_error_set_path(errp, f->to);
            return false;
        }
        if (removed)
            json_object_array_add(removed, json_object_new_string(f->to));
    }
    if (!st_path_fsync_dir(plan->dir, errp) || !st_created_prune(store, plan->dom, errp))
        return false;
    return st_journal_clear(store, plan->dom, errp);
}

struct copy_progress {
    const struct st_move_opts *opts;
    const char *file;
    uint64_t base, total;
};

static void
copy_cb(uint64_t done, void *opaque)
{
    struct copy_progress *p = opaque;

    if (p->opts->progress)
        p->opts->progress(p->file, p->base + done, p->total, p->opts->opaque);
}

/* Claim every new name of a copy (O_EXCL: a file that appeared since
 * the plan is never taken over) and journal every new identity before
 * any data goes anywhere. */
static bool
claim(const struct st_store *store, const struct st_move_plan *plan, struct json_object *journal,
      int *fds, struct st_error **errp)
{
    struct json_object *detail = st_json_get_object(journal, "detail");

    for (size_t i = 0; i < plan->n; i++) {
        const struct st_move_file *f = &plan->files[i];
        struct st_file_id id = f->from_id;

        if (f->method == ST_MOVE_COPY) {
            if ((fds[i] = open(f->to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
                st_error_set_errno(errp, errno, ST_E_IO, "cannot create '%s'", f->to);
                st_error_set_path(errp, f->to);
                return false;
            }
            if (!st_file_id_of_fd(fds[i], &id)) {
                st_error_set_errno(errp, errno, ST_E_IO, "cannot identify '%s'", f->to);
                return false;
            }
        } else if (f->method != ST_MOVE_LINK) {
            continue;
        }
        /* A link's identity is the original's, known before it exists. */
        st_journal_add_created_id(detail, f->to, &id);
        if (f->recorded)
            st_journal_add_created_id(journal, f->to, &id);
    }
    return st_journal_write(store, plan->dom, journal, errp);
}

static bool
copy_one(const struct st_move_plan *plan, const struct st_move_file *f, int out,
         struct copy_progress *p, struct st_error **errp)
{
    struct st_error *err = NULL;
    CLEANUP_CLOSE int in = open(f->from, O_RDONLY | O_CLOEXEC);
    struct stat st;

    if (in < 0 || fstat(in, &st) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot open '%s'", f->from);
        st_error_set_path(errp, f->from);
        return false;
    }
    /* The copy gets the original's permission bits (its owner is the
     * caller's, as for any file it creates). */
    if (fchmod(out, st.st_mode & 07777) < 0) {
        st_error_set_errno(errp, errno, ST_E_IO, "cannot set the mode of '%s'", f->to);
        return false;
    }
    p->file = f->from;
    if (!st_move_copy_fd(in, out, f->from, f->to, (uint64_t) st.st_size, copy_cb, p, &err)) {
        if (err->errnum == ENOSPC)
            st_error_hint(&err, "'%s' had %llu bytes free, and the files to copy take %llu; "
                          "make room there or move elsewhere", plan->dir,
                          (unsigned long long) plan->dir_free,
                          (unsigned long long) plan->copy_allocated);
        st_error_propagate(errp, err);
        return false;
    }
    p->base += (uint64_t) st.st_size;
    return true;
}

static bool
stage(const struct st_move_plan *plan, const struct st_move_opts *opts, int *fds,
      struct st_error **errp)
{
    struct copy_progress p = { .opts = opts, .total = plan->copy_bytes };
    bool first = true;

    for (size_t i = 0; i < plan->n; i++) {
        const struct st_move_file *f = &plan->files[i];

        if (f->method == ST_MOVE_LINK && link(f->from, f->to) < 0) {
            st_error_set_errno(errp, errno, ST_E_IO, "cannot link '%s' to '%s'", f->from, f->to);
            st_error_set_path(errp, f->to);
            return false;
        }
        if (f->method != ST_MOVE_COPY)
            continue;
        if (!copy_one(plan, f, fds[i], &p, errp))
            return false;
        close(fds[i]);
        fds[i] = -1;
        if (first)
            st_op_crash_point("move-copied-one");
        first = false;
    }
    return st_path_fsync_dir(plan->dir, errp);
}

/* ---- rebase, commit, clean -------------------------------------------- */

/* The new header of every moved qcow2 layer: its backing's base name
 * (every file is in one directory now), in the backing's format.  The
 * strings now on disk are read, so a second run plans only what is
 * left. */
static struct st_rebase_plan *
rebase_plan(const struct st_move_plan *plan, struct st_error **errp)
{
    CLEANUP_REBASE_PLAN struct st_rebase_plan *rp = st_xcalloc(1, sizeof *rp);

    rp->layers = st_xcalloc(plan->n + 1, sizeof *rp->layers);
    for (size_t i = 0; i < plan->n; i++) {
        const struct st_move_file *f = &plan->files[i], *b;
        struct st_chain_opts o = { .format = "qcow2", .skip_allocation = true, .max_depth = 1 };
        CLEANUP_CHAIN struct st_chain *c = NULL;
        struct st_rebase_layer *l;
        const struct st_layer *top;

        if (f->backing < 0 || strcmp(f->format, "qcow2") != 0)
            continue;
        b = &plan->files[f->backing];
        if (!(c = st_chain_load(f->to, &o, errp)))
            return NULL;
        top = &c->layers[0];
        l = &rp->layers[rp->n++];
        l->path = st_xstrdup(f->to);
        l->old_backing = st_xstrdup(top->backing ? top->backing : "");
        l->old_format = top->backing_format ? st_xstrdup(top->backing_format) : NULL;
        l->new_backing = st_path_basename(b->to);
        l->new_format = st_xstrdup(b->format);
        l->target = st_xstrdup(b->to);
        l->proof = f->method == ST_MOVE_COPY ? ST_REBASE_CANDIDATE : ST_REBASE_SAME_FILE;
        l->change = !top->backing || strcmp(top->backing, l->new_backing) != 0 ||
                    !top->backing_format || strcmp(top->backing_format, l->new_format) != 0;
    }
    return ST_STEAL(&rp);
}

/* Every file's new name in metadata (ops/metadata-paths.h). */
static bool
commit_metadata(const struct st_store *store, const struct st_move_plan *plan,
                struct st_error **errp)
{
    CLEANUP_FREE struct st_path_rename *r = st_xcalloc(plan->n + 1, sizeof *r);

    for (size_t i = 0; i < plan->n; i++)
        r[i] = (struct st_path_rename) { plan->files[i].from, plan->files[i].to };
    return st_metadata_paths_rewrite(store, plan->dom, r, plan->n, "move-metadata-part", errp);
}

/* Unlink the old names (not with --copy): each only while it is still
 * the file planned and its new name is the file made for it, so no
 * data is ever left with no name. */
static bool
clean(const struct st_store *store, const struct st_move_plan *plan, struct json_object *journal,
      struct json_object *removed, struct st_error **errp)
{
    struct json_object *detail = st_json_get_object(journal, "detail");
    struct json_object *originals = st_json_get_object(detail, "originals");
    CLEANUP_STRV char **dirs = NULL;
    bool first = true;

    for (size_t i = 0; i < plan->n; i++) {
        const struct st_move_file *f = &plan->files[i];
        CLEANUP_FREE char *dir = st_path_dirname(f->from);

        if (f->method == ST_MOVE_NONE)
            continue;
        if (plan->keep_originals) {
            /* The original is the user's copy now, no longer strata's. */
            if (!st_created_disown(store, plan->dom, f->from, errp))
                return false;
            continue;
        }
        if (!st_path_exists(f->from))
            continue;
        if (!st_journal_created_is_ours(originals, f->from) ||
            !st_journal_created_is_ours(detail, f->to)) {
            st_warn("move", "'%s' is not the file moved to '%s'; left in place", f->from, f->to);
            continue;
        }
        if (unlink(f->from) < 0 && errno != ENOENT) {
            /* Metadata names the new file already: an original that
             * cannot go (a read-only mount, a directory not ours) is
             * kept as the user's, or recover could never finish. */
            if (errno == EROFS || errno == EACCES || errno == EPERM) {
                st_warn("move", "cannot remove '%s' (%s); it is kept, and no longer strata's",
                        f->from, strerror(errno));
                if (!st_created_disown(store, plan->dom, f->from, errp))
                    return false;
                continue;
            }
            st_error_set_errno(errp, errno, ST_E_IO, "cannot remove '%s'", f->from);
            st_error_set_path(errp, f->from);
            return false;
        }
        if (removed)
            json_object_array_add(removed, json_object_new_string(f->from));
        if (!st_strv_contains(dirs, dir))
            st_strv_add(&dirs, dir);
        if (first)
            st_op_crash_point("move-unlinking");
        first = false;
    }
    for (size_t k = 0; dirs && dirs[k]; k++)
        if (!st_path_fsync_dir(dirs[k], errp))
            return false;
    if (!st_created_prune(store, plan->dom, errp))
        return false;
    return st_journal_clear(store, plan->dom, errp);
}

/* From "staged" on, every step can run again. */
/* Each new name about to get a new header and to be named by the
 * metadata must still be the file this move made (a crash, then a
 * user's file put there, would otherwise be rebased and adopted). */
static bool
check_staged(const struct st_move_plan *plan, struct json_object *journal, struct st_error **errp)
{
    struct json_object *detail = st_json_get_object(journal, "detail");

    for (size_t i = 0; i < plan->n; i++) {
        const struct st_move_file *f = &plan->files[i];

        if (f->method == ST_MOVE_NONE || st_journal_created_is_ours(detail, f->to))
            continue;
        st_error_set(errp, ST_E_CONFLICT, "'%s' is not the file this move made for '%s'; "
                     "nothing more is rewritten", f->to, f->from);
        st_error_set_path(errp, f->to);
        st_error_hint(errp, "put the moved file back at '%s' ('%s' is untouched), then run "
                      "'strata recover' again", f->to, f->from);
        return false;
    }
    return true;
}

static bool
finish(const struct st_store *store, const struct st_move_plan *plan, struct json_object *journal,
       const char *run_root, struct json_object *removed, struct st_error **errp)
{
    const char *phase = st_json_get_string(journal, "phase");

    if (!phase || strcmp(phase, "committed") != 0) {
        CLEANUP_REBASE_PLAN struct st_rebase_plan *rp = NULL;

        if (!check_staged(plan, journal, errp) || !(rp = rebase_plan(plan, errp)) ||
            !st_rebase_run(run_root, rp, errp))
            return false;
        st_op_crash_point("move-rebased");
        if (!commit_metadata(store, plan, errp))
            return false;
        st_op_crash_point("move-metadata");
        if (!st_journal_set_phase(store, plan->dom, journal, "committed", errp))
            return false;
        st_op_crash_point("move-committed");
    }
    return clean(store, plan, journal, removed, errp);
}

bool
st_move_run(const struct st_store *store, const struct st_move_plan *plan,
            const struct st_move_opts *opts, struct st_error **errp)
{
    CLEANUP_JSON struct json_object *journal = journal_new(plan);
    CLEANUP_FREE int *fds = st_xcalloc(plan->n + 1, sizeof *fds);
    struct st_error *err = NULL;
    bool ok;

    for (size_t i = 0; i < plan->n; i++)
        fds[i] = -1;
    if (!st_journal_write(store, plan->dom, journal, errp))
        return false;
    st_op_crash_point("move-planned");
    ok = claim(store, plan, journal, fds, &err);
    if (ok)
        st_op_crash_point("move-claimed");
    ok = ok && stage(plan, opts, fds, &err);
    for (size_t i = 0; i < plan->n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    if (!ok) {
        struct st_error *rb = NULL;

        /* Nothing but the new names exists yet: take them away. */
        if (!roll_back(store, plan, journal, NULL, &rb)) {
            st_warn("move", "rollback incomplete, the journal is kept: %s", rb->msg);
            st_error_free(rb);
            st_error_hint(&err, "'strata recover %s' removes what the move made", plan->dom);
        }
        st_error_propagate(errp, err);
        return false;
    }
    if (!st_journal_set_phase(store, plan->dom, journal, "staged", errp))
        return false;
    st_op_crash_point("move-staged");
    if (!finish(store, plan, journal, opts->run_root, NULL, &err)) {
        st_error_prepend(&err, "move of domain '%s' stopped: ", plan->dom);
        st_error_hint(&err, "every file is in place; 'strata recover %s' finishes the move",
                      plan->dom);
        st_error_propagate(errp, err);
        return false;
    }
    return true;
}

bool
st_move_recover(const struct st_store *store, const char *dom, const char *run_root,
                struct json_object *journal, struct json_object *report, struct st_error **errp)
{
    struct json_object *detail = st_json_get_object(journal, "detail");
    struct json_object *removed = st_json_get_array(report, "removed-files");
    const char *phase = st_json_get_string(journal, "phase");
    CLEANUP_MOVE_PLAN struct st_move_plan *plan = NULL;
    bool back;

    /* Not under a QSD: it would hold (and a guest write) the files this
     * rolls back or unlinks. */
    if (!st_move_refuse_served(run_root, dom, errp))
        return false;
    if (!detail || !phase) {
        st_error_set(errp, ST_E_IO, "the journal of the interrupted move of domain '%s' is incomplete "
                     "(no %s)", dom, detail ? "phase" : "detail");
        return false;
    }
    if (!(plan = plan_from_journal(dom, detail, errp)))
        return false;
    back = strcmp(phase, "planned") == 0;
    st_debug("move to '%s' in phase %s: rolling %s", plan->dir, phase, back ? "back" : "forward");
    if (back ? !roll_back(store, plan, journal, removed, errp)
             : !finish(store, plan, journal, run_root, removed, errp))
        return false;
    json_object_object_add(report, "action",
                           json_object_new_string(back ? "rolled-back" : "rolled-forward"));
    return true;
}
