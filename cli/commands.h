/* cli/commands.h: every command handler, one cmd-*.c file per group.
 * main.c's table lists them; add a line here and there together. */
#ifndef ST_CLI_COMMANDS_H
#define ST_CLI_COMMANDS_H

#include "cli/cli.h"

/* cmd-version.c */
int cmd_version(struct cli *cli, int argc, char **argv, struct st_error **errp);

/* cmd-chain.c */
int cmd_chain(struct cli *cli, int argc, char **argv, struct st_error **errp);

/* cmd-domain.c */
int cmd_define(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_define_as(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_undefine(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_list(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_dumpxml(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_domblklist(struct cli *cli, int argc, char **argv, struct st_error **errp);

/* cmd-snapshot.c */
int cmd_snapshot_create(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_snapshot_list(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_snapshot_info(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_snapshot_dumpxml(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_snapshot_parent(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_snapshot_current(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_snapshot_edit(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_snapshot_delete(struct cli *cli, int argc, char **argv, struct st_error **errp);

/* cmd-delete.c */
int cmd_snapshot_delete_merge(struct cli *cli, int argc, char **argv, struct st_error **errp);

/* cmd-blockjob.c */
int cmd_blockcommit(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_blockpull(struct cli *cli, int argc, char **argv, struct st_error **errp);

/* cmd-live.c */
int cmd_start(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_status(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_stop(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_export(struct cli *cli, int argc, char **argv, struct st_error **errp);

/* cmd-verify.c */
int cmd_verify(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_diff(struct cli *cli, int argc, char **argv, struct st_error **errp);

/* cmd-libvirt.c */
int cmd_import_libvirt(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_export_libvirt(struct cli *cli, int argc, char **argv, struct st_error **errp);

/* cmd-move.c */
int cmd_move(struct cli *cli, int argc, char **argv, struct st_error **errp);

/* cmd-snapshot-create.c */
int cmd_snapshot_create_new(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_snapshot_create_as(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_snapshot_revert(struct cli *cli, int argc, char **argv, struct st_error **errp);
int cmd_recover(struct cli *cli, int argc, char **argv, struct st_error **errp);

#endif
