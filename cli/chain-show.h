/* cli/chain-show.h: 'strata chain show|check' in two parts: the file
 * form and the rendering (cmd-chain.c), and the domain form
 * (cmd-chain-domain.c).  Both read chains through the public API
 * (include/strata.h) only. */
#ifndef ST_CLI_CHAIN_SHOW_H
#define ST_CLI_CHAIN_SHOW_H

#include <stdbool.h>
#include <stdio.h>

#include "include/strata.h"

#include "common/jsonw.h"
#include "cli/cli.h"

struct st_store;

/* One line (--help prints it after "usage:"): the rebase form is an
 * alternative of the whole. */
#define CLI_CHAIN_SYNOPSIS \
    "{{show | check} {FILE | DOMAIN [DEV]} [--format F] [--backing-format F] [--max-depth N] " \
    "[--no-allocation] [--remove-orphans] | rebase {FILE | DOMAIN [DEV]} {--relative | --absolute | " \
    "--map OLD=NEW...} [--dry-run] [--format F] [--backing-format F] [--max-depth N]}"
#define CLI_CHAIN_SUMMARY \
    "show or check a backing chain read from the image headers, or rewrite its backing strings"

struct cli_chain_args {
    strata_chain_params params;
    unsigned flags;             /* STRATA_CHAIN_NO_ALLOCATION */
    const char *target;         /* FILE or DOM */
    const char *dev;            /* DEV of the domain form, or NULL */
    bool remove_orphans;        /* check DOMAIN: remove the orphans strata can prove it made */
};

/* The domain form, on domain @dom: 0, 2 (check found faults) or -1. */
typedef int (*cli_chain_domain_fn)(struct cli *cli, strata_domain *dom, struct cli_chain_args *a,
                                   bool check, struct st_error **errp);

/* 'chain ARGS...' (argv[0] is "chain"): 0, 2 or -1. */
int cli_chain_run(struct cli *cli, int argc, char **argv, cli_chain_domain_fn domain_form,
                  struct st_error **errp);

/* 'chain rebase ARGS...' (argv[0] is "rebase", cmd-chain-rebase.c);
 * @store may be NULL (then no name is taken as a domain): 0 or -1. */
int cli_chain_rebase(struct cli *cli, int argc, char **argv, const struct st_store *store,
                     struct st_error **errp);

/* The members of one chain's JSON object (the caller opens and closes
 * it), each layer with the snapshot it is the point in time of. */
void cli_chain_write(struct st_jw *w, const strata_chain *chain);
/* The table of 'chain show', and the fault list of 'chain check'. */
void cli_chain_render_text(FILE *out, const strata_chain *chain);
void cli_chain_render_check(FILE *out, const strata_chain *chain);

#endif
