/* cli/cli.c: what the commands share: global options, usage errors,
 * --help of a command. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "common/errname.h"
#include "common/log.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "store/store-layout.h"
#include "cli/cli.h"
#include "cli/report.h"

int
cli_parse_speed(struct cli *cli, const char *arg, int64_t *out, struct st_error **errp)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(arg, &end, 10);
    if (end == arg || *end || errno == ERANGE || v <= 0)
        return cli_usage(cli, errp, "--speed wants a positive number of bytes per second, not '%s'",
                         arg);
    *out = (int64_t) v;
    return 0;
}

int
cli_usage(struct cli *cli, struct st_error **errp, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = st_xvasprintf(fmt, ap);
    va_end(ap);
    if (cli->command)
        st_error_set(errp, ST_E_USAGE, "%s: %s", cli->command, msg);
    else
        st_error_set(errp, ST_E_USAGE, "%s", msg);
    free(msg);
    if (cli->cmd)
        st_error_hint(errp, "usage: strata %s %s", cli->cmd->name, cli->cmd->synopsis);
    else
        st_error_hint(errp, "run 'strata --help' for the list of commands");
    return -1;
}

int
cli_command_help(struct cli *cli)
{
    const char *e = cli->cmd->examples;
    struct json_object *j = json_object_new_object();
    struct json_object *ex = json_object_new_array();
    char *usage = st_xasprintf("strata %s %s", cli->cmd->name, cli->cmd->synopsis);

    /* --json: the same facts as one document, not the text. */
    json_object_object_add(j, "usage", json_object_new_string(usage));
    json_object_object_add(j, "summary", json_object_new_string(cli->cmd->summary));
    json_object_object_add(j, "examples", ex);
    json_object_object_add(j, "page", json_object_new_string(cli->cmd->page));
    free(usage);
    fprintf(cli->out, "usage: strata %s %s\n\n%s.\n\nExamples:\n", cli->cmd->name,
            cli->cmd->synopsis, cli->cmd->summary);
    while (e && *e) {
        size_t n = strcspn(e, "\n");

        fprintf(cli->out, "  %.*s\n", (int) n, e);
        json_object_array_add(ex, json_object_new_string_len(e, (int) n));
        e += n + (e[n] == '\n');
    }
    fprintf(cli->out, "\nSee %s(1).\n", cli->cmd->page);
    cli_set_result(cli, j);
    return 0;
}

/* SPEC §2: --state-dir, $STRATA_STATE_DIR, /var/lib/strata for root,
 * else $XDG_STATE_HOME/strata or ~/.local/state/strata. */
bool
cli_apply_global(int c, const char *arg, struct cli *cli, char **state_dir, char **run_dir)
{
    switch (c) {
    case CLI_OPT_STATE_DIR:
        free(*state_dir);
        *state_dir = st_xstrdup(arg);
        return true;
    case CLI_OPT_RUN_DIR:
        free(*run_dir);
        *run_dir = st_xstrdup(arg);
        return true;
    case CLI_OPT_JSON:
        cli->json = true;
        return true;
    case 'q':
        st_quiet = 1;
        return true;
    case 'v':
        st_verbose++;
        return true;
    default:
        return false;
    }
}

int
cli_extract_globals(int argc, char **argv, struct cli *cli, char **state_dir, char **run_dir)
{
    int out = 1;
    int i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int c = 0;
        const char *val = NULL;

        if (strcmp(a, "--") == 0)
            break;
        if (strcmp(a, "--json") == 0)
            c = CLI_OPT_JSON;
        else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
            c = 'q';
        else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
            c = 'v';
        else if (strncmp(a, "--state-dir=", 12) == 0)
            c = CLI_OPT_STATE_DIR, val = a + 12;
        else if (strncmp(a, "--run-dir=", 10) == 0)
            c = CLI_OPT_RUN_DIR, val = a + 10;
        else if ((strcmp(a, "--state-dir") == 0 || strcmp(a, "--run-dir") == 0) && i + 1 < argc) {
            c = a[2] == 's' ? CLI_OPT_STATE_DIR : CLI_OPT_RUN_DIR;
            val = argv[++i];
        }
        if (c) {
            cli_apply_global(c, val, cli, state_dir, run_dir);
            continue;
        }
        argv[out++] = argv[i];
    }
    for (; i < argc; i++)
        argv[out++] = argv[i];
    argv[out] = NULL;
    return out;
}

/* *@dir made absolute: a daemonized QSD runs in /, and these paths go
 * into its sockets and into what the store records. */
static bool
make_absolute(char **dir)
{
    struct st_error *err = NULL;
    char *abs = st_path_absolute(*dir, &err);

    if (!abs) {
        fprintf(stderr, "strata: %s\n", err->msg);
        st_error_free(err);
        return false;
    }
    free(*dir);
    *dir = abs;
    return true;
}

bool
cli_begin(struct cli *cli, char **state_dir, char **run_dir)
{
    if (!*state_dir)
        *state_dir = st_store_default_state_dir();
    if (!*run_dir)
        *run_dir = st_store_default_run_dir();
    if (!make_absolute(state_dir) || !make_absolute(run_dir))
        return false;
    cli->state_dir = *state_dir;
    cli->run_dir = *run_dir;
    st_log_init_from_env();
    if (!(cli->out = open_memstream(&cli->out_buf, &cli->out_len))) {
        fprintf(stderr, "strata: open_memstream: %s\n", strerror(errno));
        return false;
    }
    optind = 1;
    opterr = 0;
    return true;
}

int
cli_finish(struct cli *cli, int status, struct st_error **errp,
           void (*print_result)(const struct cli *cli))
{
    if (status < 0) {
        if (!*errp)
            st_error_set(errp, ST_E_INTERNAL, "%s failed without saying why", cli->command);
        cli_report_error(*errp, cli->json);
        status = 1;
    } else if (cli->json && cli->result && print_result) {
        print_result(cli);
    } else {
        fwrite(cli->out_buf, 1, cli->out_len, stdout);
    }
    free(cli->out_buf);
    cli->out_buf = NULL;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "strata: stdout: %s\n", strerror(errno));
        return 1;
    }
    return status;
}
