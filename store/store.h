/* store/store.h: the state directory of SPEC §2.
 *
 *   STATE/DOMAIN/domain.xml          the domain (libvirt <domain>)
 *   STATE/DOMAIN/snapshots/NAME.xml  one snapshot each, internal form
 *   STATE/DOMAIN/lock                flock()ed by mutating commands
 *
 * Directories are 0700, files 0600, and every write is atomic (temp
 * file, fsync, rename, fsync dir), so a reader sees either the old or
 * the new file.  Names are checked with st_name_check() before they
 * become paths.  Callers that change anything hold the domain lock. */
#ifndef ST_STORE_STORE_H
#define ST_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "xml/domain.h"
#include "xml/snapshot.h"
#include "store/tree.h"
#include "store/store-layout.h"

/**
 * st_store_lock:
 * @wait: block until the lock is free; else fail at once with ST_E_BUSY
 *
 * Takes the exclusive lock of domain @dom (creating its directory).
 * Returns the lock fd (close it to unlock; CLEANUP_CLOSE does), or -1.
 */
int st_store_lock(const struct st_store *store, const char *dom, bool wait,
                  struct st_error **errp);

/* Domains (st_store_domain_exists() and _require() in store-layout.h).
 * ST_E_NOT_FOUND when there is no such domain. */
struct st_domain *st_store_domain_load(const struct st_store *store, const char *name,
                                       struct st_error **errp);
/* Write domain.xml (creating the domain directory). */
bool st_store_domain_save(const struct st_store *store, const struct st_domain *dom,
                          struct st_error **errp);
/* Names of the defined domains, sorted; owned NULL-terminated strv. */
char **st_store_domain_list(const struct st_store *store, struct st_error **errp);
/* Remove the domain; with snapshots left, ST_E_CONFLICT unless
 * @snapshots_metadata (which removes their metadata too). */
bool st_store_domain_undefine(const struct st_store *store, const char *name,
                              bool snapshots_metadata, struct st_error **errp);

/* Snapshots. */
typedef void (*st_store_warn_fn)(const struct st_error *err, void *opaque);
/* The usual @warn: each problem as "strata: warning: snapshot: ..." on
 * stderr (st_warn; silent with -q). */
void st_store_warn_log(const struct st_error *err, void *opaque);
enum {
    /* Load only what listing needs (ST_SNAPSHOT_PARSE_SUMMARY): about
     * twice as fast for 10,000 snapshots, but the tree's snapshots
     * cannot be saved or formatted in full. */
    ST_STORE_TREE_SUMMARY = 1 << 0,
};

/**
 * st_store_tree_load:
 * @flags: ST_STORE_TREE_SUMMARY or 0
 * @warn: told about each unreadable snapshot file (by name) and each
 *   tree problem; those files are left out, the rest is loaded
 *
 * Returns the snapshot tree of @dom (empty if it has none).
 */
struct st_tree *st_store_tree_load(const struct st_store *store, const char *dom,
                                   unsigned flags, st_store_warn_fn warn, void *opaque,
                                   struct st_error **errp);
/* Write NAME.xml in the internal form (<active> from snap->current);
 * a summary snapshot is refused (ST_E_INTERNAL). */
bool st_store_snapshot_save(const struct st_store *store, const char *dom,
                            const struct st_snapshot *snap, struct st_error **errp);
bool st_store_snapshot_delete(const struct st_store *store, const char *dom,
                              const char *name, struct st_error **errp);
/* Make @node current (NULL: none) in @tree and on disk: the new current
 * is written first, then the old one cleared, so that a crash leaves at
 * worst two marked files, which the loader resolves with a warning. */
bool st_store_set_current(const struct st_store *store, const char *dom,
                          struct st_tree *tree, struct st_tree_node *node,
                          struct st_error **errp);

#endif
