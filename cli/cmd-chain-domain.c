/* cli/cmd-chain-domain.c: 'strata chain show|check DOMAIN [DEV]': the
 * chains of a domain's disks, each layer marked with the snapshot whose
 * point in time it is.  Apart from cmd-chain.c because it reads XML
 * (cli/chain-show.h). */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "xml/domain.h"
#include "store/store.h"
#include "store/tree.h"
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

/* chain show|check DOM [DEV]: every disk's chain from its active file,
 * each layer marked with the snapshot whose point in time it is. */
static int
show_domain(struct cli *cli, const struct st_store *store, struct cli_chain_args *a, bool check,
            struct st_error **errp)
{
    CLEANUP_DOMAIN struct st_domain *dom = NULL;
    CLEANUP_TREE struct st_tree *tree = NULL;
    struct st_jw w;
    size_t faults = 0, shown = 0;

    if (!(dom = st_store_domain_load(store, a->target, errp)) ||
        !(tree = st_store_tree_load(store, dom->name, 0, warn_snapshot, NULL, errp)))
        return -1;
    if (a->dev && !st_domain_find_disk(dom, a->dev)) {
        st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' has no disk '%s'", dom->name, a->dev);
        st_error_hint(errp, "'strata domblklist %s' lists its disks", dom->name);
        return -1;
    }
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
    if (cli->json) {
        st_jw_end(&w);
        st_jw_int(&w, "fault-count", (int64_t) faults);
        st_jw_bool(&w, "clean", faults == 0);
        st_jw_end(&w);
    }
    return check && faults ? 2 : 0;
}

int
cmd_chain(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    return cli_chain_run(cli, argc, argv, show_domain, errp);
}
