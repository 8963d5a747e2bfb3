/* live/opdirs.h: the run directories of transient QSDs (RUN/op-XXXXXX,
 * live/session.h) and what a strata that died leaves there.  Each
 * records its owner (RUN/op-XXXXXX/strata.pid), so that the next
 * strata can tell a directory in use from a dead one's. */
#ifndef ST_LIVE_OPDIRS_H
#define ST_LIVE_OPDIRS_H

#include <stdbool.h>

#include "common/error.h"

/* Write this process's pid into @dir/strata.pid. */
bool st_opdir_claim(const char *dir, struct st_error **errp);

/**
 * st_opdirs_sweep:
 *
 * For each RUN/op-* whose owner is gone (its strata.pid names no live
 * process, or it has none and is over a minute old): a QSD still running there (its pid file names a live
 * process whose command line names the directory: an orphan, which
 * would hold the images' write locks) is sent SIGTERM, then SIGKILL
 * after @grace_ms; then the directory is removed.  Directories in use
 * are left alone.  Returns how many were removed; failures are logged.
 */
unsigned st_opdirs_sweep(const char *run_root, int grace_ms);

#endif
