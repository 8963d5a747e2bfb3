/* qmp/client.c: greeting, capabilities, commands with ids, and the
 * event queue. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "qmp/client.h"
#include "qmp/wire.h"

ST_LOG_INIT("qmp.client");

enum {
    DEFAULT_TIMEOUT_MS = 60 * 1000,
    MAX_QUEUED_EVENTS = 4096,       /* oldest dropped beyond this */
    MAX_LOGGED_BYTES = 64 * 1024,   /* longer messages are cut in the debug log */
};

struct st_qmp {
    struct st_qmp_wire wire;
    int timeout_ms;
    unsigned long next_id;
    int version;                    /* major * 10000 + minor * 100 + micro */
    char version_string[64];
    bool closed;
    struct json_object **events;    /* owned, oldest first */
    size_t n_events;
    st_qmp_hangup_fn hangup_fn;
    void *hangup_opaque;
    st_qmp_step_fn step_fn;
    void *step_opaque;
};

static void
log_message(const char *dir, struct json_object *obj)
{
    const char *text;
    size_t len;

    if (st_verbose <= 0)
        return;
    text = st_json_plain(obj);
    len = strlen(text);
    if (len > MAX_LOGGED_BYTES)
        st_debug("%s %.*s... (%zu bytes)", dir, (int) MAX_LOGGED_BYTES, text, len);
    else
        st_debug("%s %s", dir, text);
}

void
st_qmp_free(struct st_qmp *qmp)
{
    if (!qmp)
        return;
    st_qmp_wire_close(&qmp->wire);
    for (size_t i = 0; i < qmp->n_events; i++)
        json_object_put(qmp->events[i]);
    free(qmp->events);
    free(qmp);
}

void
st_qmp_set_step_fn(struct st_qmp *qmp, st_qmp_step_fn fn, void *opaque)
{
    qmp->step_fn = fn;
    qmp->step_opaque = opaque;
}

void
st_qmp_step(struct st_qmp *qmp, const char *step, uint64_t done, uint64_t total)
{
    if (qmp->step_fn)
        qmp->step_fn(step, done, total, qmp->step_opaque);
}

void
st_qmp_set_hangup_fn(struct st_qmp *qmp, st_qmp_hangup_fn fn, void *opaque)
{
    qmp->hangup_fn = fn;
    qmp->hangup_opaque = opaque;
}

void
st_qmp_set_timeout(struct st_qmp *qmp, int timeout_ms)
{
    qmp->timeout_ms = timeout_ms;
}

int
st_qmp_qemu_version(const struct st_qmp *qmp)
{
    return qmp->version;
}

const char *
st_qmp_qemu_version_string(const struct st_qmp *qmp)
{
    return qmp->version_string;
}

bool
st_qmp_is_closed(const struct st_qmp *qmp)
{
    return qmp->closed;
}

static void
queue_event(struct st_qmp *qmp, struct json_object *ev)
{
    if (qmp->n_events == MAX_QUEUED_EVENTS) {
        st_debug("event queue full; dropping the oldest event");
        json_object_put(qmp->events[0]);
        memmove(qmp->events, qmp->events + 1, (qmp->n_events - 1) * sizeof *qmp->events);
        qmp->n_events--;
    }
    qmp->events = st_xreallocarray(qmp->events, qmp->n_events + 1, sizeof *qmp->events);
    qmp->events[qmp->n_events++] = ev;
}

/* Rewrite a lost-connection error so that it names @cmd and says how
 * QSD ended; other errors get the command name prepended. */
static void
explain_failure(struct st_qmp *qmp, const char *cmd, struct st_error *err,
                struct st_error **errp)
{
    bool gone = err->code == ST_E_QMP &&
                (err->errnum == ECONNRESET || err->errnum == EPIPE);

    if (gone) {
        CLEANUP_FREE char *how = NULL;

        qmp->closed = true;
        st_qmp_wire_close(&qmp->wire);
        if (qmp->hangup_fn)
            how = qmp->hangup_fn(qmp->hangup_opaque);
        st_error_free(err);
        st_error_set_errno(errp, ECONNRESET, ST_E_QMP, "%s: QSD went away (%s)", cmd,
                           how ? how : "connection closed");
        st_error_hint(errp, "see the QSD log in the run directory");
        return;
    }
    if (err->errnum == EMSGSIZE)
        qmp->closed = true;     /* framing lost: nothing more can be read */
    st_error_propagate(errp, err);
    st_error_prepend(errp, "%s: ", cmd);
}

/* Read one message, logging it.  Events are queued and returned too
 * (borrowed then); NULL on failure. */
static struct json_object *
read_message(struct st_qmp *qmp, const struct st_deadline *dl, struct st_error **errp)
{
    struct json_object *msg;

    if (qmp->closed) {
        st_error_set_errno(errp, ECONNRESET, ST_E_QMP, "QMP connection closed");
        return NULL;
    }
    if (!(msg = st_qmp_wire_recv(&qmp->wire, dl, errp)))
        return NULL;
    if (st_json_get_string(msg, "event")) {
        log_message("<- event", msg);
        queue_event(qmp, msg);
        return msg;
    }
    log_message("<-", msg);
    return msg;
}

struct json_object *
st_qmp_execute(struct st_qmp *qmp, const char *cmd, struct json_object *args,
               struct st_error **errp)
{
    struct st_deadline dl = st_deadline_in_ms(qmp->timeout_ms);
    CLEANUP_JSON struct json_object *req = json_object_new_object();
    CLEANUP_FREE char *id = st_xasprintf("st-%lu", ++qmp->next_id);
    struct st_error *err = NULL;

    json_object_object_add(req, "execute", json_object_new_string(cmd));
    if (args)
        json_object_object_add(req, "arguments", args);
    json_object_object_add(req, "id", json_object_new_string(id));
    log_message("->", req);
    if (qmp->closed) {
        st_error_set_errno(&err, ECONNRESET, ST_E_QMP, "connection closed");
        explain_failure(qmp, cmd, err, errp);
        return NULL;
    }
    if (!st_qmp_wire_send(&qmp->wire, req, &dl, &err)) {
        explain_failure(qmp, cmd, err, errp);
        return NULL;
    }
    for (;;) {
        CLEANUP_JSON struct json_object *msg = NULL;
        struct json_object *ret, *qerr;
        const char *rid;

        if (!(msg = read_message(qmp, &dl, &err))) {
            if (err->code == ST_E_TIMEOUT) {
                st_error_free(err);
                st_error_set(errp, ST_E_TIMEOUT, "%s: no reply from QSD within %d ms", cmd,
                             qmp->timeout_ms);
                return NULL;
            }
            explain_failure(qmp, cmd, err, errp);
            return NULL;
        }
        if (st_json_get_string(msg, "event")) {
            msg = NULL;     /* the queue owns it */
            continue;
        }
        rid = st_json_get_string(msg, "id");
        if (!rid || strcmp(rid, id) != 0) {
            /* A late reply to a command that timed out earlier. */
            st_debug("ignoring a reply to another request");
            continue;
        }
        if ((qerr = st_json_get_object(msg, "error"))) {
            const char *desc = st_json_get_string(qerr, "desc");
            const char *klass = st_json_get_string(qerr, "class");

            st_error_set(errp, ST_E_QMP, "%s: %s", cmd, desc ? desc : "unknown error");
            if (klass && strcmp(klass, "CommandNotFound") == 0)
                st_error_hint(errp, "this QEMU (%s) does not know the command",
                              qmp->version_string);
            return NULL;
        }
        if (!(ret = st_json_get(msg, "return"))) {
            st_error_set(errp, ST_E_QMP, "%s: reply has neither \"return\" nor \"error\"", cmd);
            return NULL;
        }
        st_qmp_step(qmp, cmd, 0, 0);
        return json_object_get(ret);
    }
}

bool
st_qmp_run(struct st_qmp *qmp, const char *cmd, struct json_object *args, struct st_error **errp)
{
    struct json_object *ret = st_qmp_execute(qmp, cmd, args, errp);

    json_object_put(ret);
    return ret != NULL;
}

struct json_object *
st_qmp_take_event(struct st_qmp *qmp, st_qmp_event_pred_fn pred, void *opaque)
{
    for (size_t i = 0; i < qmp->n_events; i++) {
        struct json_object *ev = qmp->events[i];

        if (pred && !pred(ev, opaque))
            continue;
        memmove(qmp->events + i, qmp->events + i + 1,
                (qmp->n_events - i - 1) * sizeof *qmp->events);
        qmp->n_events--;
        return ev;
    }
    return NULL;
}

bool
st_qmp_pump(struct st_qmp *qmp, const struct st_deadline *dl, struct st_error **errp)
{
    for (;;) {
        struct st_error *err = NULL;
        struct json_object *msg = read_message(qmp, dl, &err);

        if (msg && st_json_get_string(msg, "event"))
            return true;
        if (msg) {
            st_debug("ignoring a reply to another request");
            json_object_put(msg);
            continue;
        }
        if (err->code == ST_E_TIMEOUT) {
            st_error_free(err);
            return true;
        }
        explain_failure(qmp, "waiting for events", err, errp);
        return false;
    }
}

struct json_object *
st_qmp_wait_event(struct st_qmp *qmp, st_qmp_event_pred_fn pred, void *opaque, const char *what,
                  const struct st_deadline *dl, struct st_error **errp)
{
    for (;;) {
        struct json_object *ev = st_qmp_take_event(qmp, pred, opaque);

        if (ev)
            return ev;
        if (st_deadline_expired(dl)) {
            st_error_set(errp, ST_E_TIMEOUT, "timed out waiting for %s", what);
            return NULL;
        }
        if (!st_qmp_pump(qmp, dl, errp))
            return NULL;
    }
}

bool
st_qmp_event_is(struct json_object *event, const char *name, const char *id)
{
    const char *ev = st_json_get_string(event, "event");
    const char *evid;

    if (!ev || strcmp(ev, name) != 0)
        return false;
    if (!id)
        return true;
    evid = st_json_get_string(st_json_get_object(event, "data"), "id");
    return evid && strcmp(evid, id) == 0;
}

static bool
parse_greeting(struct st_qmp *qmp, struct json_object *greeting, struct st_error **errp)
{
    struct json_object *v;
    int64_t major, minor, micro;

    v = st_json_get_object(st_json_get_object(st_json_get_object(greeting, "QMP"), "version"),
                           "qemu");
    if (!v || !st_json_get_int64(v, "major", &major) || !st_json_get_int64(v, "minor", &minor) ||
        !st_json_get_int64(v, "micro", &micro) || major < 0 || major > 999 || minor < 0 ||
        minor > 99 || micro < 0 || micro > 99) {
        st_error_set(errp, ST_E_QMP, "QMP greeting has no usable QEMU version");
        return false;
    }
    qmp->version = (int) (major * 10000 + minor * 100 + micro);
    snprintf(qmp->version_string, sizeof qmp->version_string, "%d.%d.%d", (int) major,
             (int) minor, (int) micro);
    return true;
}

struct st_qmp *
st_qmp_connect(const char *sock_path, int timeout_ms, struct st_error **errp)
{
    struct st_deadline dl = st_deadline_in_ms(timeout_ms);
    struct st_qmp *qmp;
    CLEANUP_JSON struct json_object *greeting = NULL;
    int fd;

    if ((fd = st_qmp_wire_connect(sock_path, errp)) < 0)
        return NULL;
    qmp = st_xcalloc(1, sizeof *qmp);
    st_qmp_wire_init(&qmp->wire, fd, 0);
    qmp->timeout_ms = timeout_ms;
    if (!(greeting = st_qmp_wire_recv(&qmp->wire, &dl, errp))) {
        st_error_prepend(errp, "QMP greeting: ");
        st_qmp_free(qmp);
        return NULL;
    }
    log_message("<-", greeting);
    if (!parse_greeting(qmp, greeting, errp) ||
        !st_qmp_run(qmp, "qmp_capabilities", NULL, errp)) {
        st_qmp_free(qmp);
        return NULL;
    }
    qmp->timeout_ms = DEFAULT_TIMEOUT_MS;
    st_debug("connected to QEMU %s at %s", qmp->version_string, sock_path);
    return qmp;
}
