/* qmp/wire.h: QMP framing on a stream socket.  QMP messages are JSON
 * documents, one per line; this layer reads and writes whole lines
 * with deadlines on a non-blocking descriptor and refuses any line
 * longer than a fixed maximum, so a runaway peer cannot make strata
 * allocate without bound (STYLE §3.4: untrusted sizes checked first). */
#ifndef ST_QMP_WIRE_H
#define ST_QMP_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "common/deadline.h"
#include "common/error.h"

enum { ST_QMP_WIRE_MAX_MSG = 10 * 1024 * 1024 /* bytes, newline excluded */ };

struct st_qmp_wire {
    int fd;             /* owned; O_NONBLOCK; -1 once closed */
    char *buf;          /* owned; bytes read and not yet returned */
    size_t len;         /* bytes used in buf */
    size_t cap;         /* bytes allocated in buf */
    size_t scanned;     /* prefix of buf known to hold no newline */
    size_t max_msg;     /* longest line accepted */
    bool eof;           /* the peer closed its end */
};

/* Take ownership of the connected stream socket @fd (made non-blocking
 * here).  @max_msg of 0 means ST_QMP_WIRE_MAX_MSG. */
void st_qmp_wire_init(struct st_qmp_wire *w, int fd, size_t max_msg);
/* Close the socket and free the buffer; safe to repeat. */
void st_qmp_wire_close(struct st_qmp_wire *w);

/**
 * st_qmp_wire_connect:
 * @path: unix socket of a QMP monitor
 *
 * Returns: a connected, non-blocking socket, or -1 with @errp set
 * (ST_E_QMP, errnum from connect()).
 */
int st_qmp_wire_connect(const char *path, struct st_error **errp);

/* Send @obj as one line (plain JSON + "\n"), all of it before @dl.
 * Errors: ST_E_QMP (errnum EPIPE when the peer is gone), ST_E_TIMEOUT. */
bool st_qmp_wire_send(struct st_qmp_wire *w, struct json_object *obj,
                      const struct st_deadline *dl, struct st_error **errp);

/**
 * st_qmp_wire_recv:
 * @dl: when to give up waiting
 *
 * Read the next line and parse it.  Partial reads are kept across calls.
 *
 * Returns: an owned JSON object, or NULL with @errp set: ST_E_TIMEOUT at
 * the deadline (nothing is lost: the partial line stays buffered),
 * ST_E_QMP with errnum ECONNRESET when the peer closed the connection,
 * ST_E_QMP with errnum EMSGSIZE for a line over the limit (the
 * connection is then unusable), ST_E_QMP for a line that is not a JSON
 * object.
 */
struct json_object *st_qmp_wire_recv(struct st_qmp_wire *w, const struct st_deadline *dl,
                                     struct st_error **errp);

#endif
