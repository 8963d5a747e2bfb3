/* store/journal.h: DOMAIN/journal, the intent log of a mutating
 * operation (SPEC §8).  Before an operation touches an image it writes
 * what it is about to do; it rewrites the journal (atomically) as each
 * phase ends, and removes it when metadata and files agree again.  A
 * journal found by a later command means an operation was interrupted:
 * the journal says which, how far it got, and which files it made.
 *
 *   { "operation": "snapshot-create", "snapshot": "s2", "phase": "switched",
 *     "started": 1795366092, "pid": 4242,
 *     "created-files": ["/img/vda.s2"], "detail": { ... per operation ... } } */
#ifndef ST_STORE_JOURNAL_H
#define ST_STORE_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "common/error.h"
#include "store/store.h"

/* A new journal document for @operation on @snapshot, phase "planned";
 * owned (json_object_put). */
struct json_object *st_journal_new(const char *operation, const char *snapshot);

/* Set the phase (and write it).  Phases are the operation's own words. */
bool st_journal_set_phase(const struct st_store *store, const char *dom,
                          struct json_object *journal, const char *phase,
                          struct st_error **errp);

/* Record a file the operation is about to create (rollback removes only
 * these).  Written before the file exists, to cover a crash in between. */
void st_journal_add_created(struct json_object *journal, const char *path);

/* Record the identity of a created file once it exists ("created-ids"):
 * recover removes a journalled path only when the file there is the one
 * strata made, never one a user put at that name after a crash. */
struct st_file_id {
    dev_t dev;
    ino_t ino;
    int64_t birth_ns;           /* creation time where the filesystem keeps it, else -1:
                                 * an inode number alone may be reused */
};

/* The identity of the open file @fd; false with errno set. */
bool st_file_id_of_fd(int fd, struct st_file_id *id);

void st_journal_add_created_id(struct json_object *journal, const char *path,
                               const struct st_file_id *id);

/**
 * st_journal_created_is_ours:
 *
 * Whether the file now at @path is the one the journalled operation
 * created: its identity is recorded and matches; or, with no identity
 * recorded (a crash between writing the journal and creating the file),
 * it is an empty regular file, which is all strata makes before it
 * records the identity.  False when there is no file.
 */
bool st_journal_created_is_ours(struct json_object *journal, const char *path);

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
