/* cli/report.h: turning a struct st_error into what the user sees:
 * "strata: MESSAGE: strerror" and "strata: hint: ..." on stderr, and
 * with --json the {"error": {...}} object on stdout. */
#ifndef ST_CLI_REPORT_H
#define ST_CLI_REPORT_H

#include <stdbool.h>

#include "common/error.h"

/* Print @err on stderr (always) and, when @json, as the only document on stdout. */
void cli_report_error(const struct st_error *err, bool json);

#endif
