/* store/created.h: DOMAIN/created, the lasting record of the image files
 * strata made for a domain.
 *
 * The journal says which files an operation made, but it is removed
 * when the operation ends; this record outlives it, so that a later
 * 'chain check' can tell a file strata made (and may remove once nothing
 * names it) from a user's file of a similar name (never touched).  An
 * entry is proof only while the file at its path has the identity
 * recorded (device, inode, birth time): a file a user put at the same
 * name later is not strata's.
 *
 *   [ { "path": "/img/vda.s2", "device": 2049, "inode": 1234,
 *       "birth-ns": 1795366092000000000, "operation": "snapshot-create",
 *       "snapshot": "s2" }, ... ]
 *
 * Written atomically (st_path_write_atomic), under the domain lock. */
#ifndef ST_STORE_CREATED_H
#define ST_STORE_CREATED_H

#include <stdbool.h>

#include <json-c/json.h>

#include "common/error.h"
#include "store/store.h"

/* The record (owned array; empty when the domain has none). */
struct json_object *st_created_load(const struct st_store *store, const char *dom,
                                    struct st_error **errp);

/* Add the identities of @journal's "created-ids" that the record lacks,
 * each with the journal's operation and snapshot.  Called before the
 * journal naming them is written, so a file strata made is always in
 * the record before any later command can see it. */
bool st_created_add_from_journal(const struct st_store *store, const char *dom,
                                 struct json_object *journal, struct st_error **errp);

/* The entry of @record for @path whose identity is the file now at
 * @path, or NULL (no entry, no file, or another file). */
struct json_object *st_created_find(struct json_object *record, const char *path);

/* Drop from @record the entries that no longer prove a file (the file
 * at their path is gone, or is another one), of the paths in @paths
 * (NULL-terminated) or, with @paths NULL, of every path.  Returns how
 * many were dropped.  An entry whose file is still there and still the
 * one recorded always stays, so that a file kept on purpose (metadata
 * still names it) stays provably strata's. */
size_t st_created_record_prune(struct json_object *record, char *const *paths);

/* Drop the entries whose file is gone or is no longer strata's: of
 * @paths, the files an operation just removed (st_created_forget), or
 * of every path (st_created_prune, for a cleanup of the whole domain).
 * The record is rewritten only when it changed. */
bool st_created_forget(const struct st_store *store, const char *dom, char *const *paths,
                       struct st_error **errp);
bool st_created_prune(const struct st_store *store, const char *dom, struct st_error **errp);

/* Drop every entry for @path, its file kept: 'strata move --copy' leaves
 * the original to the user, no longer a file strata made and may
 * remove. */
bool st_created_disown(const struct st_store *store, const char *dom, const char *path,
                       struct st_error **errp);

#endif
