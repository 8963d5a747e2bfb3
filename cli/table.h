/* cli/table.h: virsh's table layout (vshTable): a header row, a line
 * of dashes, every cell but the last padded to its column's width, one
 * leading space and three between columns. */
#ifndef ST_CLI_TABLE_H
#define ST_CLI_TABLE_H

#include <stddef.h>
#include <stdio.h>

struct cli_table {
    size_t ncols;
    char **cells;       /* owned; row-major, nrows * ncols */
    size_t nrows;       /* including the header */
};

/* A table whose header row holds the @ncols strings that follow. */
struct cli_table *cli_table_new(size_t ncols, ...);
/* Append a row of ncols strings (copied; NULL is printed as ""). */
void cli_table_add(struct cli_table *t, ...);
void cli_table_print(const struct cli_table *t, FILE *fp);
void cli_table_free(struct cli_table *t);

#endif
