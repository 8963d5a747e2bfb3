/* cli/commands.h: every command handler, one cmd-*.c file per group.
 * main.c's table lists them; add a line here and there together. */
#ifndef ST_CLI_COMMANDS_H
#define ST_CLI_COMMANDS_H

#include "cli/cli.h"

/* cmd-version.c */
int cmd_version(struct cli *cli, int argc, char **argv, struct st_error **errp);

/* cmd-chain.c */
int cmd_chain(struct cli *cli, int argc, char **argv, struct st_error **errp);

#endif
