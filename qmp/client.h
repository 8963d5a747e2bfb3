/* qmp/client.h: a QMP client.  It reads the greeting (recording the
 * QEMU version), negotiates capabilities, runs commands one at a time
 * with request ids, and queues every event that arrives meanwhile so
 * that job and export code can wait for the events it cares about.
 * Every message sent and received is logged with st_debug() under
 * "qmp.client". */
#ifndef ST_QMP_CLIENT_H
#define ST_QMP_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/deadline.h"
#include "common/error.h"

struct st_qmp;

/* Called when the connection drops, to explain why (e.g. "QSD (pid 42)
 * was killed by signal 9 (Killed)"); returns an owned string or NULL. */
typedef char *(*st_qmp_hangup_fn)(void *opaque);

/* Decides whether an event (borrowed; {"event", "data", "timestamp"})
 * is the one waited for. */
typedef bool (*st_qmp_event_pred_fn)(struct json_object *event, void *opaque);

/**
 * st_qmp_connect:
 * @sock_path: the QMP monitor's unix socket
 * @timeout_ms: deadline for connecting, the greeting and qmp_capabilities
 *
 * Returns: an owned client in command mode (free with st_qmp_free()), or
 * NULL with @errp set (ST_E_QMP, or ST_E_TIMEOUT).
 */
struct st_qmp *st_qmp_connect(const char *sock_path, int timeout_ms, struct st_error **errp);
/* Close the connection; NULL is a no-op. */
void st_qmp_free(struct st_qmp *qmp);
ST_DEFINE_CLEANUP(st_cleanup_qmp, struct st_qmp *, st_qmp_free)
#define CLEANUP_QMP ST_CLEANUP(st_cleanup_qmp)

/* Let the owner explain a dropped connection (qmp/qsd.c knows how QSD
 * ended).  @opaque is borrowed for the client's life. */
void st_qmp_set_hangup_fn(struct st_qmp *qmp, st_qmp_hangup_fn fn, void *opaque);
/* Deadline of each st_qmp_execute() (default 60 s; negative: none). */
void st_qmp_set_timeout(struct st_qmp *qmp, int timeout_ms);
/* QEMU version from the greeting: major * 10000 + minor * 100 + micro. */
int st_qmp_qemu_version(const struct st_qmp *qmp);
/* The same as "7.2.22"; borrowed. */
const char *st_qmp_qemu_version_string(const struct st_qmp *qmp);
/* True once the connection is known to be gone. */
bool st_qmp_is_closed(const struct st_qmp *qmp);

/**
 * st_qmp_execute:
 * @cmd: command name, e.g. "blockdev-add"
 * @args: arguments object, consumed (may be NULL)
 *
 * Send one command and wait for its reply (events that arrive meanwhile
 * are queued).  A QMP error {"error": {"class", "desc"}} becomes
 * ST_E_QMP with the message "<cmd>: <desc>"; a connection lost meanwhile
 * becomes ST_E_QMP "<cmd>: QSD went away (...)"; no reply before the
 * client's timeout is ST_E_TIMEOUT naming @cmd.
 *
 * Returns: the owned "return" value (often an empty object), or NULL
 * with @errp set.
 */
struct json_object *st_qmp_execute(struct st_qmp *qmp, const char *cmd, struct json_object *args,
                                   struct st_error **errp);
/* st_qmp_execute() that drops the reply. */
bool st_qmp_run(struct st_qmp *qmp, const char *cmd, struct json_object *args,
                struct st_error **errp);

/**
 * st_qmp_take_event:
 * @pred: which event; NULL takes the oldest
 *
 * Remove and return the oldest queued event matching @pred, without
 * reading the socket.  Returns: an owned event, or NULL if none queued.
 */
struct json_object *st_qmp_take_event(struct st_qmp *qmp, st_qmp_event_pred_fn pred,
                                      void *opaque);

/**
 * st_qmp_pump:
 *
 * Read from QSD until at least one event has been queued or @dl passes.
 * Reaching the deadline is not an error (returns true): callers loop on
 * their own conditions.  Returns false with @errp set when the
 * connection fails.
 */
bool st_qmp_pump(struct st_qmp *qmp, const struct st_deadline *dl, struct st_error **errp);

/**
 * st_qmp_wait_event:
 *
 * Wait for an event matching @pred (queued or new) until @dl.  Returns:
 * the owned event, or NULL with @errp set: ST_E_TIMEOUT naming @what at
 * the deadline, ST_E_QMP when the connection fails.
 */
struct json_object *st_qmp_wait_event(struct st_qmp *qmp, st_qmp_event_pred_fn pred, void *opaque,
                                      const char *what, const struct st_deadline *dl,
                                      struct st_error **errp);

/**
 * st_qmp_step_fn:
 * @step: what just happened: a command name after its successful reply
 *   ("job-finalize", "blockdev-reopen", "quit", ...), or "job-STATUS"
 *   when a job of strata's reached STATUS ("job-pending",
 *   "job-concluded", ...), "job-progress" on each progress poll, or
 *   "flush" when st_qmp_blockdev_flush() succeeded
 * @done, @total: a job's progress for "job-progress", else 0
 *
 * A hook called at each step of the conversation.  The supervisor uses
 * it for fault injection in tests ($STRATA_TEST_KILL_QSD, qmp/qsd.h),
 * so that a test can kill QSD exactly after a named step.
 */
typedef void (*st_qmp_step_fn)(const char *step, uint64_t done, uint64_t total, void *opaque);
void st_qmp_set_step_fn(struct st_qmp *qmp, st_qmp_step_fn fn, void *opaque);
/* Report @step to the hook, if any (qmp/job.c reports job steps). */
void st_qmp_step(struct st_qmp *qmp, const char *step, uint64_t done, uint64_t total);

/* Predicate helper: an event named @name whose data member "id" (if
 * @id is non-NULL) equals @id. */
bool st_qmp_event_is(struct json_object *event, const char *name, const char *id);

#endif
