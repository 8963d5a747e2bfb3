/* cli/cmd-chain-domain.c: 'strata chain show|check DOMAIN [DEV]': the
 * chains of a domain's disks, each layer marked with the snapshot whose
 * point in time it is; 'check DOMAIN' also lists the files strata made
 * that nothing references and, with --remove-orphans, removes them.
 * Through the public API only (strata_chain_open_disk_params(),
 * strata_domain_list_orphans()). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/jsonw.h"
#include "cli/api.h"
#include "cli/chain-show.h"
#include "cli/commands.h"

/* The orphans part of 'check DOMAIN': text after the disks (nothing
 * when there are none), or the "orphans" array. */
static void
print_orphans(struct cli *cli, struct st_jw *w, const strata_orphan *o, int n)
{
    if (cli->json) {
        st_jw_array(w, "orphans");
        for (int i = 0; i < n; i++) {
            st_jw_object(w, NULL);
            st_jw_string(w, "path", o[i].path);
            if (o[i].operation)
                st_jw_string(w, "operation", o[i].operation);
            else
                st_jw_null(w, "operation");
            if (o[i].snapshot)
                st_jw_string(w, "snapshot", o[i].snapshot);
            else
                st_jw_null(w, "snapshot");
            if (o[i].backed_by)
                st_jw_string(w, "backed-by", o[i].backed_by);
            else
                st_jw_null(w, "backed-by");
            st_jw_bool(w, "removed", o[i].removed);
            st_jw_end(w);
        }
        st_jw_end(w);
        return;
    }
    if (n == 0)
        return;
    fprintf(cli->out, "\norphans (files strata made that nothing references):\n");
    for (int i = 0; i < n; i++) {
        fprintf(cli->out, "  %s: made by %s", o[i].path, o[i].operation ? o[i].operation : "strata");
        if (o[i].snapshot)
            fprintf(cli->out, " '%s'", o[i].snapshot);
        if (o[i].removed)
            fprintf(cli->out, ", removed");
        else if (o[i].backed_by)
            fprintf(cli->out, ", kept: '%s' backs onto it", o[i].backed_by);
        fputc('\n', cli->out);
    }
}

/* Each disk's chain, into the JSON document or as text; the faults
 * counted in *@faults.  False with @errp set. */
static bool
show_disks(struct cli *cli, strata_domain *dom, const strata_disk *disks, int n,
           const struct cli_chain_args *a, bool check, struct st_jw *w, size_t *faults,
           struct st_error **errp)
{
    size_t shown = 0;

    for (int i = 0; i < n; i++) {
        CLEANUP_API_CHAIN strata_chain *chain = NULL;

        if (a->dev && strcmp(disks[i].dev, a->dev) != 0)
            continue;
        if (!(chain = strata_chain_open_disk_params(dom, disks[i].dev, &a->params, a->flags))) {
            cli_api_error(errp);
            return false;
        }
        *faults += strata_chain_num_faults(chain);
        if (cli->json) {
            st_jw_object(w, NULL);
            cli_chain_write(w, chain);
            st_jw_string(w, "disk", disks[i].dev);
            st_jw_end(w);
        } else {
            if (shown++)
                fputc('\n', cli->out);
            fprintf(cli->out, "disk %s:\n", disks[i].dev);
            if (check)
                cli_chain_render_check(cli->out, chain);
            else
                cli_chain_render_text(cli->out, chain);
        }
    }
    return true;
}

/* Whether @dom has disk @dev; false with @errp set otherwise. */
static bool
has_disk(strata_domain *dom, const strata_disk *disks, int n, const char *dev,
         struct st_error **errp)
{
    const char *name = strata_domain_get_name(dom);

    for (int i = 0; i < n; i++)
        if (strcmp(disks[i].dev, dev) == 0)
            return true;
    st_error_set(errp, ST_E_NOT_FOUND, "domain '%s' has no disk '%s'", name, dev);
    st_error_hint(errp, "'strata domblklist %s' lists its disks", name);
    return false;
}

/* chain show|check DOM [DEV]: every disk's chain from its active file,
 * each layer marked with the snapshot whose point in time it is. */
static int
show_domain(struct cli *cli, strata_domain *dom, struct cli_chain_args *a, bool check,
            struct st_error **errp)
{
    const char *name = strata_domain_get_name(dom);
    struct st_jw w;
    size_t faults = 0, left = 0;
    CLEANUP_API_DISKS struct cli_api_disks d = { NULL, 0 };
    strata_orphan *orphans = NULL;
    int norphans = 0, rc;
    bool with_orphans = check && !a->dev;

    if ((d.n = strata_domain_get_disks(dom, &d.v)) < 0) {
        d.n = 0;
        cli_api_error(errp);
        return -1;
    }
    if (a->dev && !has_disk(dom, d.v, d.n, a->dev, errp))
        return -1;
    if (a->remove_orphans && !with_orphans)
        return cli_usage(cli, errp, "--remove-orphans needs 'chain check DOMAIN' without a disk");
    /* With --json the document goes to the spool as it is made; on an
     * error below, main() throws the spool away and prints the error. */
    st_jw_init(&w, cli->out);
    if (cli->json) {
        st_jw_object(&w, NULL);
        st_jw_string(&w, "domain", name);
        st_jw_array(&w, "disks");
    }
    if (!show_disks(cli, dom, d.v, d.n, a, check, &w, &faults, errp))
        return -1;
    if (with_orphans &&
        (norphans = strata_domain_list_orphans(dom, &orphans,
                                               a->remove_orphans ? STRATA_ORPHANS_REMOVE : 0)) < 0) {
        cli_api_error(errp);
        return -1;
    }
    for (int i = 0; i < norphans; i++)
        left += !orphans[i].removed;
    if (cli->json)
        st_jw_end(&w);
    if (with_orphans)
        print_orphans(cli, &w, orphans, norphans);
    if (cli->json) {
        st_jw_int(&w, "fault-count", (int64_t) faults);
        if (with_orphans)
            st_jw_int(&w, "orphan-count", (int64_t) left);
        st_jw_bool(&w, "clean", faults == 0 && left == 0);
        st_jw_end(&w);
    }
    /* An orphan left is a finding of check, as a fault is. */
    rc = check && (faults || left) ? 2 : 0;
    strata_orphans_free(orphans, norphans);
    return rc;
}

int
cmd_chain(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    return cli_chain_run(cli, argc, argv, show_domain, errp);
}
