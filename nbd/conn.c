/* nbd/conn.c: open read-only libnbd handles and ask them what the
 * server can do (size, contexts, multi-conn, request limits). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "nbd/conn.h"

ST_LOG_INIT("nbd.conn");

void
st_nbd_set_error(struct st_error **errp, const char *uri, const char *fmt, ...)
{
    /* Read libnbd's thread-local error before anything can reset it. */
    const char *msg = nbd_get_error();
    int errnum = nbd_get_errno();
    CLEANUP_FREE char *what = NULL;
    size_t len, tail;
    const char *etext;
    va_list ap;

    va_start(ap, fmt);
    what = st_xvasprintf(fmt, ap);
    va_end(ap);
    if (!msg)
        msg = "unknown libnbd error";
    len = strlen(msg);
    /* libnbd ends its message with ": strerror(errno)"; the reporter
     * prints errnum's text itself, so keep it once. */
    if (errnum) {
        etext = strerror(errnum);
        tail = strlen(etext);
        if (len > tail + 2 && strcmp(msg + len - tail, etext) == 0 &&
            strncmp(msg + len - tail - 2, ": ", 2) == 0)
            len -= tail + 2;
    }
    st_error_set_errno(errp, errnum, ST_E_NBD, "NBD export '%s': %s: %.*s",
                       uri, what, (int) len, msg);
}

/* nbd_connect_uri() waits for the handshake for ever: a server that
 * accepts and then says nothing (a paused QSD) would hang strata.  So
 * connect asynchronously and give up when the server makes no progress
 * for st_nbd_stall_ms(), as reads do. */
static bool
connect_with_deadline(struct nbd_handle *h, const char *uri, int deadline_ms,
                      struct st_error **errp)
{
    if (nbd_aio_connect_uri(h, uri) == -1) {
        st_nbd_set_error(errp, uri, "cannot connect");
        return false;
    }
    while (nbd_aio_is_ready(h) != 1) {
        int r;

        if (nbd_aio_is_dead(h) == 1 || nbd_aio_is_closed(h) == 1) {
            st_nbd_set_error(errp, uri, "cannot connect");
            return false;
        }
        if ((r = nbd_poll(h, deadline_ms)) == -1) {
            st_nbd_set_error(errp, uri, "cannot connect");
            return false;
        }
        if (r == 0) {
            st_nbd_set_stall_error(errp, uri, "the handshake", deadline_ms);
            return false;
        }
    }
    return true;
}

static struct nbd_handle *
open_within(const char *uri, unsigned want, int deadline_ms, struct st_error **errp)
{
    CLEANUP_NBD struct nbd_handle *h = NULL;

    if (!(h = nbd_create())) {
        st_nbd_set_error(errp, uri, "cannot create a libnbd handle");
        return NULL;
    }
    if (((want & ST_NBD_WANT_ALLOCATION) &&
         nbd_add_meta_context(h, ST_NBD_CTX_ALLOCATION) == -1) ||
        ((want & ST_NBD_WANT_DEPTH) && nbd_add_meta_context(h, ST_NBD_CTX_DEPTH) == -1)) {
        st_nbd_set_error(errp, uri, "cannot request meta contexts");
        return NULL;
    }
    if (!connect_with_deadline(h, uri, deadline_ms, errp))
        return NULL;
    st_debug("connected to %s: size %" PRId64 ", read-only %d, multi-conn %d, "
             "%s %d, %s %d", uri, nbd_get_size(h), nbd_is_read_only(h),
             nbd_can_multi_conn(h), ST_NBD_CTX_ALLOCATION,
             nbd_can_meta_context(h, ST_NBD_CTX_ALLOCATION), ST_NBD_CTX_DEPTH,
             nbd_can_meta_context(h, ST_NBD_CTX_DEPTH));
    return ST_STEAL(&h);
}

struct nbd_handle *
st_nbd_open(const char *uri, unsigned want, struct st_error **errp)
{
    return open_within(uri, want, st_nbd_stall_ms(), errp);
}

struct nbd_handle *
st_nbd_open_extra(const char *uri, unsigned want)
{
    int ms = st_nbd_stall_ms() < ST_NBD_EXTRA_MS ? st_nbd_stall_ms() : ST_NBD_EXTRA_MS;
    struct st_error *err = NULL;
    struct nbd_handle *h = open_within(uri, want, ms, &err);

    if (!h) {
        st_debug("no extra connection to %s: %s", uri, err->msg);
        st_error_free(err);
    }
    return h;
}

bool
st_nbd_has_context(struct nbd_handle *h, const char *name)
{
    return nbd_can_meta_context(h, name) == 1;
}

int64_t
st_nbd_size(struct nbd_handle *h, const char *uri, struct st_error **errp)
{
    int64_t size = nbd_get_size(h);

    if (size < 0) {
        st_nbd_set_error(errp, uri, "cannot get the export size");
        return -1;
    }
    return size;
}

unsigned
st_nbd_connections(struct nbd_handle *h, unsigned wanted)
{
    if (wanted == 0)
        wanted = ST_NBD_DEFAULT_CONNECTIONS;
    if (wanted > ST_NBD_MAX_CONNECTIONS)
        wanted = ST_NBD_MAX_CONNECTIONS;
    if (wanted > 1 && nbd_is_read_only(h) != 1 && nbd_can_multi_conn(h) != 1) {
        st_debug("writable export without multi-conn: using one connection");
        return 1;
    }
    return wanted;
}

uint64_t
st_nbd_max_request(struct nbd_handle *h, uint64_t cap)
{
    int64_t max = nbd_get_block_size(h, LIBNBD_SIZE_MAXIMUM);
    uint64_t limit = 32 * 1024 * 1024;

    if (max > 0)
        limit = (uint64_t) max;
    return limit < cap ? limit : cap;
}

/* Requests in flight per handle for one st_nbd_pread() call at most;
 * further pieces wait for the first ones (bounded cookie array). */
#define MAX_IN_FLIGHT 64

/* A server that answers nothing for this long is taken as stuck (a
 * paused or wedged QSD), so a read never hangs for good.  Tests shorten
 * it with STRATA_NBD_STALL_MS. */
enum { DEFAULT_STALL_MS = 60 * 1000 };

int
st_nbd_stall_ms(void)
{
    const char *env = getenv("STRATA_NBD_STALL_MS");
    long v = env ? strtol(env, NULL, 10) : 0;

    return v > 0 && v < INT32_MAX ? (int) v : DEFAULT_STALL_MS;
}

void
st_nbd_set_stall_error(struct st_error **errp, const char *uri, const char *what, int ms)
{
    st_error_set(errp, ST_E_TIMEOUT, "NBD export '%s': no reply to %s within %d ms", uri, what, ms);
    st_error_hint(errp, "is the server stopped or wedged? ('strata status' shows a live domain's QSD)");
}

/* The error for a server that made no progress for st_nbd_stall_ms(). */
static bool
stalled(const char *uri, const char *what, struct st_error **errp)
{
    st_nbd_set_stall_error(errp, uri, what, st_nbd_stall_ms());
    return false;
}

bool
st_nbd_wait_command(struct nbd_handle *h, const char *uri, int64_t cookie, const char *what,
                    struct st_error **errp)
{
    for (;;) {
        int r = nbd_aio_command_completed(h, (uint64_t) cookie);

        if (r == 1)
            return true;
        if (r == -1) {
            st_nbd_set_error(errp, uri, "%s", what);
            return false;
        }
        if ((r = nbd_poll(h, st_nbd_stall_ms())) == -1) {
            st_nbd_set_error(errp, uri, "%s", what);
            return false;
        }
        if (r == 0)
            return stalled(uri, what, errp);
    }
}

/* Wait until every command on @h is done.  Returns 1, 0 if the
 * connection died (libnbd then retires the commands with errors), -1 if
 * the server made no progress for st_nbd_stall_ms(). */
static int
drain(struct nbd_handle *h)
{
    while (nbd_aio_in_flight(h) > 0) {
        int r = nbd_poll(h, st_nbd_stall_ms());

        if (r == -1)
            return 0;
        if (r == 0)
            return -1;
    }
    return 1;
}

bool
st_nbd_pread(struct nbd_handle *h, const char *uri, void *buf,
             uint64_t offset, uint64_t len, uint64_t max,
             struct st_error **errp)
{
    uint8_t *p = buf;

    while (len > 0) {
        int64_t cookies[MAX_IN_FLIGHT];
        uint64_t offs[MAX_IN_FLIGHT];
        size_t n = 0;

        for (; n < MAX_IN_FLIGHT && len > 0; n++) {
            uint64_t count = len < max ? len : max;

            offs[n] = offset;
            cookies[n] = nbd_aio_pread(h, p, count, offset, NBD_NULL_COMPLETION, 0);
            if (cookies[n] == -1) {
                st_nbd_set_error(errp, uri, "read at offset %" PRIu64, offset);
                drain(h);
                return false;
            }
            p += count;
            offset += count;
            len -= count;
        }
        switch (drain(h)) {
        case 1:
            break;
        case 0:
            st_nbd_set_error(errp, uri, "read at offset %" PRIu64, offs[0]);
            return false;
        default: {
            CLEANUP_FREE char *what = st_xasprintf("a read at offset %" PRIu64, offs[0]);

            return stalled(uri, what, errp);
        }
        }
        for (size_t i = 0; i < n; i++) {
            if (nbd_aio_command_completed(h, (uint64_t) cookies[i]) == -1) {
                st_nbd_set_error(errp, uri, "read at offset %" PRIu64, offs[i]);
                /* Retire the other cookies' results too. */
                for (size_t j = i + 1; j < n; j++)
                    nbd_aio_command_completed(h, (uint64_t) cookies[j]);
                return false;
            }
        }
    }
    return true;
}
