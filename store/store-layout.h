/* store/store-layout.h: the state directory's layout (SPEC §2, see
 * store/store.h): where a domain's files are, and whether a domain is
 * defined.  Apart from store.h, which reads and writes the XML: 'chain
 * show NAME' asks whether NAME names a domain before it reads any. */
#ifndef ST_STORE_STORE_LAYOUT_H
#define ST_STORE_STORE_LAYOUT_H

#include <stdbool.h>

#include "common/cleanup.h"
#include "common/error.h"

struct st_store {
    char *dir;                      /* owned; the state directory */
};

/* @create: make the directory (0700) if missing; otherwise a missing
 * directory is an empty store. */
/* SPEC §2's defaults: --state-dir is $STRATA_STATE_DIR, /var/lib/strata
 * for root, else $XDG_STATE_HOME/strata or ~/.local/state/strata;
 * --run-dir is $XDG_RUNTIME_DIR/strata or /run/strata.  Owned. */
char *st_store_default_state_dir(void);
char *st_store_default_run_dir(void);

struct st_store *st_store_open(const char *dir, bool create, struct st_error **errp);
void st_store_free(struct st_store *store);
ST_DEFINE_CLEANUP(st_cleanup_store, struct st_store *, st_store_free)
#define CLEANUP_STORE ST_CLEANUP(st_cleanup_store)

/* Paths inside the store, owned; @name is not checked here. */
char *st_store_domain_dir(const struct st_store *store, const char *dom);
char *st_store_snapshot_path(const struct st_store *store, const char *dom,
                             const char *snap);

/* domain.xml of @dom, owned; @dom is not checked here. */
char *st_store_domain_xml_path(const struct st_store *store, const char *dom);

bool st_store_domain_exists(const struct st_store *store, const char *dom);
/* Whether @dom is a valid name of a defined domain; if not, false with
 * the error st_store_domain_load() gives (a bad name, or ST_E_NOT_FOUND
 * with a hint).  For commands that must not lock (and so create the
 * directory of) a domain that does not exist. */
bool st_store_domain_require(const struct st_store *store, const char *dom,
                             struct st_error **errp);

#endif
