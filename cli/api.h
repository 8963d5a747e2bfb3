/* cli/api.h: what the program's commands need around the public API
 * (include/strata.h): cleanup of its handles, and its last error as the
 * program's error.  A command written on strata.h includes this and
 * nothing below cli/ but common/. */
#ifndef ST_CLI_API_H
#define ST_CLI_API_H

#include "include/strata.h"

#include "common/cleanup.h"
#include "common/error.h"

static inline void cli_api_conn_close(strata_conn **p) { strata_close(*p); }
static inline void cli_api_domain_free(strata_domain **p) { strata_domain_free(*p); }
static inline void cli_api_chain_free(strata_chain **p) { strata_chain_free(*p); }
#define CLEANUP_API_CONN   ST_CLEANUP(cli_api_conn_close)
#define CLEANUP_API_DOMAIN ST_CLEANUP(cli_api_domain_free)
#define CLEANUP_API_CHAIN  ST_CLEANUP(cli_api_chain_free)

/* strata_domain_get_disks()'s array and its length, freed together. */
struct cli_api_disks {
    strata_disk *v;
    int n;
};
static inline void cli_api_disks_free(struct cli_api_disks *d) { strata_disks_free(d->v, d->n); }
#define CLEANUP_API_DISKS  ST_CLEANUP(cli_api_disks_free)

/* Set *@errp from the calling thread's last strata.h error: the codes
 * are the same (lib/error.c asserts it); message, hint, path and errno
 * are copied. */
void cli_api_error(struct st_error **errp);

/* The program's own log sink for the library's warnings and debug
 * lines: on stderr as common/log.c prints them, warnings unless -q. */
void cli_api_log_init(void);

#endif
