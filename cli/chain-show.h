/* cli/chain-show.h: 'strata chain show|check' in two parts: the file
 * form and the rendering (cmd-chain.c), and the domain form
 * (cmd-chain-domain.c), which reads the store's XML. */
#ifndef ST_CLI_CHAIN_SHOW_H
#define ST_CLI_CHAIN_SHOW_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/jsonw.h"
#include "chain/chain.h"
#include "store/store-layout.h"
#include "cli/cli.h"

/* One line (--help prints it after "usage:"): the rebase form is an
 * alternative of the whole. */
#define CLI_CHAIN_SYNOPSIS \
    "{{show | check} {FILE | DOMAIN [DEV]} [--format F] [--backing-format F] [--max-depth N] " \
    "[--no-allocation] [--remove-orphans] | rebase FILE {--relative | --absolute | " \
    "--map OLD=NEW...} [--dry-run] [--format F] [--backing-format F] [--max-depth N]}"
#define CLI_CHAIN_SUMMARY \
    "show or check a backing chain read from the image headers, or rewrite its backing strings"

/* Which snapshot has a layer as its point in time (domain form only). */
struct cli_chain_pit {
    dev_t dev;
    ino_t ino;
    const char *snapshot;       /* borrowed from the tree */
};

struct cli_chain_pits {
    struct cli_chain_pit *v;    /* owned */
    size_t n;
};

struct cli_chain_args {
    struct st_chain_opts opts;
    const char *target;         /* FILE or DOM */
    const char *dev;            /* DEV of the domain form, or NULL */
    bool remove_orphans;        /* check DOMAIN: remove the orphans strata can prove it made */
};

/* The domain form: 0, 2 (check found faults) or -1. */
typedef int (*cli_chain_domain_fn)(struct cli *cli, const struct st_store *store,
                                   struct cli_chain_args *a, bool check, struct st_error **errp);

/* 'chain ARGS...' (argv[0] is "chain"): 0, 2 or -1. */
int cli_chain_run(struct cli *cli, int argc, char **argv, cli_chain_domain_fn domain_form,
                  struct st_error **errp);

/* 'chain rebase ARGS...' (argv[0] is "rebase", cmd-chain-rebase.c);
 * @store may be NULL (then no name is taken as a domain): 0 or -1. */
int cli_chain_rebase(struct cli *cli, int argc, char **argv, const struct st_store *store,
                     struct st_error **errp);

/* The members of one chain's JSON object (the caller opens and closes
 * it); @pits may be NULL. */
void cli_chain_write(struct st_jw *w, const struct st_chain *chain,
                     const struct cli_chain_pits *pits);
/* The table of 'chain show', and the fault list of 'chain check'. */
void cli_chain_render_text(FILE *out, const struct st_chain *chain,
                           const struct cli_chain_pits *pits);
void cli_chain_render_check(FILE *out, const struct st_chain *chain);

#endif
