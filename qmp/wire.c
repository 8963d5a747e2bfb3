/* qmp/wire.c: newline-delimited JSON on a non-blocking unix socket,
 * with deadlines and a cap on the line length. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/json.h"
#include "common/xalloc.h"
#include "qmp/wire.h"

enum { READ_CHUNK = 64 * 1024 /* bytes */ };

void
st_qmp_wire_init(struct st_qmp_wire *w, int fd, size_t max_msg)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    memset(w, 0, sizeof *w);
    w->fd = fd;
    w->max_msg = max_msg ? max_msg : ST_QMP_WIRE_MAX_MSG;
}

void
st_qmp_wire_close(struct st_qmp_wire *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    free(w->buf);
    w->buf = NULL;
    w->len = w->cap = w->scanned = 0;
}

int
st_qmp_wire_connect(const char *path, struct st_error **errp)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof sun.sun_path) {
        st_error_set_errno(errp, ENAMETOOLONG, ST_E_QMP,
                           "QMP socket path '%s' is longer than %zu bytes", path,
                           sizeof sun.sun_path - 1);
        return -1;
    }
    strcpy(sun.sun_path, path);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
        st_error_set_errno(errp, errno, ST_E_QMP, "cannot create a socket");
        return -1;
    }
    /* A blocking connect on a unix socket does not wait for accept(),
     * only for room in the listen backlog. */
    if (connect(fd, (struct sockaddr *) &sun, sizeof sun) < 0) {
        st_error_set_errno(errp, errno, ST_E_QMP, "cannot connect to QMP socket '%s'", path);
        close(fd);
        return -1;
    }
    return fd;
}

/* Wait for @events on the socket; false with @errp set at the deadline. */
static bool
wait_fd(struct st_qmp_wire *w, short events, const struct st_deadline *dl,
        const char *what, struct st_error **errp)
{
    for (;;) {
        struct pollfd pfd = { .fd = w->fd, .events = events };
        int r = poll(&pfd, 1, st_deadline_poll_ms(dl));

        if (r > 0)
            return true;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st_error_set_errno(errp, errno, ST_E_QMP, "poll on the QMP socket failed");
            return false;
        }
        st_error_set(errp, ST_E_TIMEOUT, "timed out %s", what);
        return false;
    }
}

bool
st_qmp_wire_send(struct st_qmp_wire *w, struct json_object *obj,
                 const struct st_deadline *dl, struct st_error **errp)
{
    const char *text = st_json_plain(obj);
    size_t textlen = strlen(text);
    CLEANUP_FREE char *line = st_xmalloc(textlen + 2);
    size_t off = 0, len = textlen + 1;

    if (w->fd < 0) {
        st_error_set_errno(errp, EPIPE, ST_E_QMP, "QMP connection is closed");
        return false;
    }
    memcpy(line, text, textlen);
    line[textlen] = '\n';
    line[textlen + 1] = '\0';
    while (off < len) {
        ssize_t r = send(w->fd, line + off, len - off, MSG_NOSIGNAL);

        if (r > 0) {
            off += (size_t) r;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!wait_fd(w, POLLOUT, dl, "sending to QMP", errp))
                goto error;
            continue;
        }
        st_error_set_errno(errp, r < 0 ? errno : EPIPE, ST_E_QMP,
                           "cannot send to the QMP socket");
        goto error;
    }
    return true;

 error:
    /* Half a line went out: whatever is sent next would be glued to it
     * and QSD would answer garbage, so the connection is unusable. */
    if (off > 0)
        st_qmp_wire_close(w);
    return false;
}

/* Return an owned copy of the first complete line, or NULL if none yet. */
static char *
take_line(struct st_qmp_wire *w)
{
    char *nl = memchr(w->buf + w->scanned, '\n', w->len - w->scanned);
    size_t linelen;
    char *line;

    if (!nl) {
        w->scanned = w->len;
        return NULL;
    }
    linelen = (size_t) (nl - w->buf);
    line = st_xstrndup(w->buf, linelen);
    memmove(w->buf, nl + 1, w->len - linelen - 1);
    w->len -= linelen + 1;
    w->scanned = 0;
    return line;
}

struct json_object *
st_qmp_wire_recv(struct st_qmp_wire *w, const struct st_deadline *dl, struct st_error **errp)
{
    for (;;) {
        CLEANUP_FREE char *line = NULL;
        ssize_t r;

        if (w->buf && (line = take_line(w))) {
            struct json_object *obj;

            if (strlen(line) > w->max_msg) {
                st_error_set_errno(errp, EMSGSIZE, ST_E_QMP,
                                   "QMP message longer than %zu bytes", w->max_msg);
                return NULL;
            }
            if (line[0] == '\0')
                continue;   /* tolerate blank lines */
            if (!(obj = st_json_parse(line, "QMP message", errp)))
                return NULL;
            if (!json_object_is_type(obj, json_type_object)) {
                json_object_put(obj);
                st_error_set(errp, ST_E_QMP, "QMP message is not a JSON object");
                return NULL;
            }
            return obj;
        }
        /* Bounded before any growth: no line longer than max_msg. */
        if (w->len > w->max_msg) {
            st_error_set_errno(errp, EMSGSIZE, ST_E_QMP,
                               "QMP message longer than %zu bytes", w->max_msg);
            return NULL;
        }
        if (w->eof || w->fd < 0) {
            st_error_set_errno(errp, ECONNRESET, ST_E_QMP, "QMP connection closed by QSD");
            return NULL;
        }
        if (w->cap - w->len < READ_CHUNK) {
            w->cap = w->len + READ_CHUNK;
            w->buf = st_xrealloc(w->buf, w->cap);
        }
        r = read(w->fd, w->buf + w->len, READ_CHUNK);
        if (r > 0) {
            w->len += (size_t) r;
            continue;
        }
        if (r == 0) {
            w->eof = true;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (!wait_fd(w, POLLIN, dl, "waiting for QMP", errp))
                return NULL;
            continue;
        }
        if (errno == ECONNRESET) {
            w->eof = true;
            continue;
        }
        st_error_set_errno(errp, errno, ST_E_QMP, "cannot read from the QMP socket");
        return NULL;
    }
}
