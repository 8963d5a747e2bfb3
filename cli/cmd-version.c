/* cli/cmd-version.c: 'strata version': the program's version and the
 * versions of the tools it drives, for bug reports.  The version is the
 * library's (strata_version()): the program is its client. */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/api.h"
#include "cli/commands.h"

int
cmd_version(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h')
            return cli_command_help(cli);
        return cli_usage(cli, errp, "unknown option '%s'", argv[optind - 1]);
    }
    if (optind < argc)
        return cli_usage(cli, errp, "unexpected argument '%s'", argv[optind]);
    if (cli->json) {
        struct json_object *o = json_object_new_object();

        json_object_object_add(o, "version", json_object_new_string(strata_version()));
        cli_set_result(cli, o);
    } else {
        fprintf(cli->out, "strata %s\n", strata_version());
    }
    return 0;
}
