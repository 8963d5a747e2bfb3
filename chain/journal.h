/* chain/journal.h: DOMAIN/journal, the intent log of a mutating
 * operation (SPEC §8).  Before an operation touches an image it writes
 * what it is about to do; it rewrites the journal (atomically) as each
 * phase ends, and removes it when metadata and files agree again.  A
 * journal found by a later command means an operation was interrupted:
 * the journal says which, how far it got, and which files it made.
 *
 *   { "operation": "snapshot-create", "snapshot": "s2", "phase": "switched",
 *     "started": 1795366092, "pid": 4242,
 *     "created-files": ["/img/vda.s2"], "detail": { ... per operation ... } } */
#ifndef ST_CHAIN_JOURNAL_H
#define ST_CHAIN_JOURNAL_H

#include <stdbool.h>

#include <json-c/json.h>

#include "common/error.h"
#include "chain/store.h"

/* A new journal document for @operation on @snapshot, phase "planned";
 * owned (json_object_put). */
struct json_object *st_journal_new(const char *operation, const char *snapshot);

/* Set the phase (and write it).  Phases are the operation's own words. */
bool st_journal_set_phase(const struct st_store *store, const char *dom,
                          struct json_object *journal, const char *phase,
                          struct st_error **errp);

/* Record a file the operation created (rollback removes only these). */
void st_journal_add_created(struct json_object *journal, const char *path);

/* Write @journal to DOMAIN/journal atomically. */
bool st_journal_write(const struct st_store *store, const char *dom,
                      struct json_object *journal, struct st_error **errp);

/**
 * st_journal_read:
 *
 * Returns: the domain's journal (owned), or NULL: with @errp unset when
 * there is none, with @errp set when it cannot be read or parsed.
 */
struct json_object *st_journal_read(const struct st_store *store, const char *dom,
                                    struct st_error **errp);

/* Remove DOMAIN/journal (durably); a missing journal is fine. */
bool st_journal_clear(const struct st_store *store, const char *dom, struct st_error **errp);

/**
 * st_journal_refuse_if_pending:
 *
 * For a mutating command: fail with ST_E_CONFLICT describing the
 * interrupted operation if DOMAIN/journal exists.  Returns true when
 * there is none.
 */
bool st_journal_refuse_if_pending(const struct st_store *store, const char *dom,
                                  struct st_error **errp);

#endif
