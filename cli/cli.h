/* cli/cli.h: what every command handler shares: the global options, the
 * spooled output, and the command table entry.  cli/ is the only layer
 * that prints or exits. */
#ifndef ST_CLI_CLI_H
#define ST_CLI_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/error.h"

/* Declared only: commands that print JSON include json-c themselves. */
struct json_object;

struct cli {
    const char *state_dir;      /* resolved: --state-dir, $STRATA_STATE_DIR, default */
    const char *run_dir;        /* resolved: --run-dir, $XDG_RUNTIME_DIR/strata, /run/strata */
    bool json;                  /* --json: one JSON document on stdout */
    const char *prog;           /* "strata" */
    const char *command;        /* the command being run, for messages */
    const struct command *cmd;  /* its table entry (usage errors, --help) */
    FILE *out;                  /* spool for results; written to stdout at the end */
    char *out_buf;              /* owned by the memstream */
    size_t out_len;
    struct json_object *result; /* --json: the document to print; owned */
};

/* A command returns 0 (ok), 2 (a check said "no") or -1 with @errp set. */
typedef int (*cli_run_fn)(struct cli *cli, int argc, char **argv, struct st_error **errp);

struct command {
    const char *name;
    cli_run_fn run;
    const char *synopsis;       /* arguments after the name, for --help */
    const char *summary;        /* one line */
    const char *page;           /* the man page (section 1) that documents it */
    const char *examples;       /* whole command lines, each ending in '\n' */
};

/* Global options, accepted anywhere on the command line (getopt codes). */
enum { CLI_OPT_STATE_DIR = 256, CLI_OPT_RUN_DIR, CLI_OPT_JSON, CLI_OPT__LAST };

/* Apply one global option (-q, -v or a CLI_OPT_*); false for any other.
 * @state_dir and @run_dir are owned, replaced. */
bool cli_apply_global(int c, const char *arg, struct cli *cli, char **state_dir, char **run_dir);
/* Take global options out of argv[1..] (before any "--"), so that
 * 'strata snapshot-list --json web' works as virsh users expect.  Takes
 * only exact spellings (no abbreviations or bundles).  Returns the new
 * argc; argv stays NULL-terminated. */
int cli_extract_globals(int argc, char **argv, struct cli *cli, char **state_dir, char **run_dir);

/* After the global options: fill in the default dirs (owned by the
 * caller, as *@state_dir and *@run_dir), open the spool (cli->out) and
 * reset getopt for the command.  False (said on stderr) if the spool
 * cannot be opened. */
bool cli_begin(struct cli *cli, char **state_dir, char **run_dir);
/* After the command returned @status and cli->out was closed: report
 * the error (exit 1), or print @print_result's JSON (when --json and
 * cli->result are set) or the spool.  Frees the spool; returns the exit
 * status. */
int cli_finish(struct cli *cli, int status, struct st_error **errp,
               void (*print_result)(const struct cli *cli));

/* Set a usage error for the current command (exit 1, code "usage"). */
int cli_usage(struct cli *cli, struct st_error **errp, const char *fmt, ...) ST_PRINTF(3, 4);
/* --speed BYTES-PER-SECOND: a positive integer into @out; 0, or -1 with
 * a usage error (out of range included). */
int cli_parse_speed(struct cli *cli, const char *arg, int64_t *out, struct st_error **errp);
/* Print the command's synopsis, summary, examples and man page to
 * stdout (for CMD --help); returns 0. */
int cli_command_help(struct cli *cli);
/* The --json result: takes ownership of @obj. */
void cli_set_result(struct cli *cli, struct json_object *obj);

#endif
