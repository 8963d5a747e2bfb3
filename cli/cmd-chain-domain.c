/* cli/cmd-chain-domain.c: 'strata chain show|check DOMAIN [DEV]': the
 * chains of a domain's disks, each layer marked with the snapshot whose
 * point in time it is; 'check DOMAIN' also lists the files strata made
 * that nothing references (ops/orphans.h) and, with --remove-orphans,
 * removes them.  Apart from cmd-chain.c because it reads XML
 * (cli/chain-show.h). */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "xml/domain.h"
#include "store/store.h"
#include "store/tree.h"
#include "ops/orphans.h"
#include "cli/chain-show.h"
#include "cli/commands.h"

/* The point-in-time files of every snapshot for disk @dev. */
static void
collect_pits(const struct st_tree *tree, const char *dev, struct cli_chain_pits *pits)
{
    for (size_t i = 0; tree && i < tree->n; i++) {
        const struct st_snapshot *snap = tree->nodes[i]->snap;
        CLEANUP_DOMAIN struct st_domain *then = st_snapshot_get_domain(snap, NULL);
        const struct st_domain_disk *disk = then ? st_domain_find_disk(then, dev) : NULL;
        struct stat st;

        if (!disk || !disk->source || stat(disk->source, &st) < 0)
            continue;
        pits->v = st_xreallocarray(pits->v, pits->n + 1, sizeof *pits->v);
        pits->v[pits->n++] = (struct cli_chain_pit) { st.st_dev, st.st_ino, snap->name };
    }
}

static void
warn_snapshot(const struct st_error *err, void *opaque ST_UNUSED)
{
    st_warn("chain", "%s", err->msg);
}

/* The orphans part of 'check DOMAIN': text after the disks (nothing
 * when there are none), or the "orphans" array. */
static void
print_orphans(struct cli *cli, struct st_jw *w, const struct st_orphans *o)
{
    if (cli->json) {
        st_jw_array(w, "orphans");
        for (size_t i = 0; i < o->n; i++) {
            const struct st_orphan *or = &o->v[i];

            st_jw_object(w, NULL);
            st_jw_string(w, "path", or->path);
            if (or->operation)
                st_jw_string(w, "operation", or->operation);
            else
                st_jw_null(w, "operation");
            if (or->snapshot)
                st_jw_string(w, "snapshot", or->snapshot);
            else
                st_jw_null(w, "snapshot");
            if (or->backed_by)
                st_jw_string(w, "backed-by", or->backed_by);
            else
                st_jw_null(w, "backed-by");
            st_jw_bool(w, "removed", or->removed);
            st_jw_end(w);
        }
        st_jw_end(w);
        return;
    }
    if (o->n == 0)
        return;
    fprintf(cli->out, "\norphans (files strata made that nothing references):\n");
    for (size_t i = 0; i < o->n; i++) {
        const struct st_orphan *or = &o->v[i];

        fprintf(cli->out, "  %s: made by %s", or->path, or->operation ? or->operation : "strata");
        if (or->snapshot)
            fprintf(cli->out, " '%s'", or->snapshot);
        if (or->removed)
            fprintf(cli->out, ", removed");
        else if (or->backed_by)
            fprintf(cli->out, ", kept: '%s' backs onto it", or->backed_by);
        fputc('\n', cli->out);
    }
}

/* Orphans and, with --remove-orphans, their removal (under the lock). */
static bool
find_orphans(const struct st_store *store, const struct cli_chain_args *a, const char *dom,
             struct st_orphans *o, struct st_error **errp)
{
    CLEANUP_CLOSE int lock = -1;

    if (a->remove_orphans && (lock = st_store_lock(store, dom, true, errp)) < 0)
        return false;
    if (!st_orphans_find(store, dom, o, errp))
        return false;
    return !a->remove_orphans || st_orphans_remove(store, dom, o, errp);
}

/* chain show|check DOM [DEV]: every disk's chain from its active file,
 * each layer marked with the snapshot whose point in time it is. */
static int
show_domain(struct cli *cli, const struct st_store *store, struct cli_chain_args *a, bool check,
            struct st_error **errp)
{
    CLEANUP_DOMAIN struct st_domain *dom = NULL;
    CLEANUP_TREE struct st_tree *tree = NULL;
    struct st_jw w;
    size_t faults = 0, shown = 0, left = 0;
    struct st_orphans orphans = { NULL, 0 };
    bool with_orphans = check && !a->dev;
    int rc;

    if (!(dom = st_store_domain_load(store, a->target, errp)) ||
        !(tree = st_store_tree_load(store, dom->name, 0, warn_snapshot, NULL, errp)))
        return -1;
    if (a->dev && !st_domain_find_disk(dom, a->dev)) {
        st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' has no disk '%s'", dom->name, a->dev);
        st_error_hint(errp, "'strata domblklist %s' lists its disks", dom->name);
        return -1;
    }
    if (a->remove_orphans && !with_orphans)
        return cli_usage(cli, errp, "--remove-orphans needs 'chain check DOMAIN' without a disk");
    /* With --json the document goes to the spool as it is made; on an
     * error below, main() throws the spool away and prints the error. */
    st_jw_init(&w, cli->out);
    if (cli->json) {
        st_jw_object(&w, NULL);
        st_jw_string(&w, "domain", dom->name);
        st_jw_array(&w, "disks");
    }
    for (size_t i = 0; i < dom->ndisks; i++) {
        const struct st_domain_disk *disk = &dom->disks[i];
        struct st_chain_opts o = a->opts;
        CLEANUP_CHAIN struct st_chain *chain = NULL;
        struct cli_chain_pits pits = { NULL, 0 };

        if (a->dev && strcmp(disk->target, a->dev) != 0)
            continue;
        if (!o.format)
            o.format = disk->format;
        if (!(chain = st_chain_load(disk->source, &o, errp))) {
            st_error_prepend(errp, "disk '%s': ", disk->target);
            return -1;
        }
        collect_pits(tree, disk->target, &pits);
        faults += chain->n_faults;
        if (cli->json) {
            st_jw_object(&w, NULL);
            cli_chain_write(&w, chain, &pits);
            st_jw_string(&w, "disk", disk->target);
            st_jw_end(&w);
        } else {
            if (shown++)
                fputc('\n', cli->out);
            fprintf(cli->out, "disk %s:\n", disk->target);
            if (check)
                cli_chain_render_check(cli->out, chain);
            else
                cli_chain_render_text(cli->out, chain, &pits);
        }
        free(pits.v);
    }
    if (with_orphans && !find_orphans(store, a, dom->name, &orphans, errp)) {
        st_orphans_clear(&orphans);
        return -1;
    }
    for (size_t i = 0; i < orphans.n; i++)
        left += !orphans.v[i].removed;
    if (cli->json)
        st_jw_end(&w);
    if (with_orphans)
        print_orphans(cli, &w, &orphans);
    if (cli->json) {
        st_jw_int(&w, "fault-count", (int64_t) faults);
        if (with_orphans)
            st_jw_int(&w, "orphan-count", (int64_t) left);
        st_jw_bool(&w, "clean", faults == 0 && left == 0);
        st_jw_end(&w);
    }
    /* An orphan left is a finding of check, as a fault is. */
    rc = check && (faults || left) ? 2 : 0;
    st_orphans_clear(&orphans);
    return rc;
}

int
cmd_chain(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    return cli_chain_run(cli, argc, argv, show_domain, errp);
}
