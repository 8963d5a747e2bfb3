/* nbd/conn.h: libnbd handles to one NBD export, opened for reading only
 * (strata never issues a write, trim or zero on them, except
 * nbd/changed.c's write-zeroes to a scratch null-co node), with the meta
 * contexts that verify and diff use negotiated up front. */
#ifndef ST_NBD_CONN_H
#define ST_NBD_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <libnbd.h>

#include "common/cleanup.h"
#include "common/error.h"

/* nbd_close() accepts NULL (libnbd tests/close-null.c). */
ST_DEFINE_CLEANUP(st_cleanup_nbd, struct nbd_handle *, nbd_close)
#define CLEANUP_NBD ST_CLEANUP(st_cleanup_nbd)

/* The two meta contexts strata asks every server for. */
#define ST_NBD_CTX_ALLOCATION "base:allocation"
#define ST_NBD_CTX_DEPTH      "qemu:allocation-depth"

/* Default number of parallel connections for reading a whole export. */
#define ST_NBD_DEFAULT_CONNECTIONS 4
/* Upper bound accepted from callers (each connection is a thread, a
 * socket and a buffer of ST_NBD_CHUNK_SIZE bytes). */
#define ST_NBD_MAX_CONNECTIONS 64

/* Largest read strata issues.  A freshly started QSD 7.2 serves reads
 * of up to 512 KiB fast and larger ones about six times slower
 * (nbdcopy --requests=4 --connections=4 of a 2 GiB, half-allocated qcow2
 * export: 1.1-1.8 s at 128-512 KiB, 11-15 s at 1-2 MiB); 256 KiB is
 * also nbdcopy's default. */
#define ST_NBD_READ_SIZE (UINT64_C(256) * 1024)

/* Options shared by the whole-export readers (digest, diff). */
struct st_nbd_read_opts {
    unsigned connections;       /* 0: the reader's default (digest 2,
                                 * diff ST_NBD_DEFAULT_CONNECTIONS) */
    /* Called after each piece is done, from the calling thread (digest)
     * or a reader thread (diff), never two calls at once; @done grows
     * to @total.  Returning false cancels the read: the call fails with
     * ST_E_JOB ("cancelled").  May be NULL. */
    bool (*progress)(uint64_t done, uint64_t total, void *opaque);
    void *opaque;
};

/* Which meta contexts st_nbd_open() asks for. */
#define ST_NBD_WANT_ALLOCATION 1u   /* base:allocation */
#define ST_NBD_WANT_DEPTH      2u   /* qemu:allocation-depth */
#define ST_NBD_WANT_ALL (ST_NBD_WANT_ALLOCATION | ST_NBD_WANT_DEPTH)

/**
 * st_nbd_open:
 * @uri: an NBD URI: nbd+unix:///NAME?socket=PATH or nbd://HOST[:PORT]/NAME
 * @want: ST_NBD_WANT_* flags, usually ST_NBD_WANT_ALL
 * @errp: error out
 *
 * Connect to @uri asking for the meta contexts in @want (a server
 * without them still connects; ask st_nbd_has_context()).  libnbd 1.14
 * answers every block-status request for every negotiated context, and
 * QEMU computes allocation depth by walking the backing chain, so a
 * reader that needs only base:allocation should not ask for depth.  URIs that name a local file or command
 * (?tls-psk-file=, nbd+vsock with ?tls-certificates) are refused by
 * libnbd's defaults.
 *
 * Returns: an owned handle (CLEANUP_NBD / nbd_close()), or NULL with
 * @errp set to ST_E_NBD, the message naming @uri.
 */
struct nbd_handle *st_nbd_open(const char *uri, unsigned want, struct st_error **errp);

/**
 * st_nbd_open_extra:
 *
 * An additional connection to @uri for parallel reads: like
 * st_nbd_open(), but the handshake may take at most ST_NBD_EXTRA_MS
 * (or the stall limit, if lower), and failing is not an error: the
 * caller goes on with the connections it has.  A server that serves one
 * client at a time (qemu-nbd --shared=1) accepts the socket and never
 * answers; waiting the stall limit for it would cost a minute.
 * Returns: an owned handle, or NULL (the reason is logged).
 */
#define ST_NBD_EXTRA_MS 2000
struct nbd_handle *st_nbd_open_extra(const char *uri, unsigned want);

/* Whether the server negotiated meta context @name on @h. */
bool st_nbd_has_context(struct nbd_handle *h, const char *name);

/**
 * st_nbd_size:
 * Size in bytes of the export behind @h (@uri names it in errors).
 * Returns: the size, or -1 with @errp set (ST_E_NBD).
 */
int64_t st_nbd_size(struct nbd_handle *h, const char *uri, struct st_error **errp);

/**
 * st_nbd_connections:
 * @h: a connected handle
 * @wanted: connections the caller asked for (0 means the default)
 *
 * How many connections may be opened to the same export: @wanted,
 * clamped to 1..ST_NBD_MAX_CONNECTIONS, and 1 when the export is
 * writable and the server does not advertise multi-conn (then another
 * client's writes need not be visible consistently across
 * connections; NBD protocol, NBD_FLAG_CAN_MULTI_CONN).  A read-only
 * export cannot change under us, so any number is consistent.
 */
unsigned st_nbd_connections(struct nbd_handle *h, unsigned wanted);

/**
 * st_nbd_max_request:
 * The largest read the server accepts in one request: its advertised
 * maximum block size, else 32 MiB (the NBD protocol's default limit),
 * at most @cap.
 */
uint64_t st_nbd_max_request(struct nbd_handle *h, uint64_t cap);

/**
 * st_nbd_pread:
 * @h: connected handle, with no other command in flight
 * @uri: names the export in errors
 * @buf: @len bytes out
 * @offset, @len: the range; within the export
 * @max: largest single request (st_nbd_max_request())
 * @errp: error out
 *
 * Read the range with every request of at most @max bytes in flight at
 * once (a 4 MiB chunk is sixteen 256 KiB requests that the server works
 * on together, where nbd_pread() would wait for each).  Waits until no
 * request is left in flight, also on failure, so @buf may be freed
 * afterwards.
 *
 * Returns: true, or false with @errp set (ST_E_NBD, naming @uri and
 * the offset).
 */
bool st_nbd_pread(struct nbd_handle *h, const char *uri, void *buf,
                  uint64_t offset, uint64_t len, uint64_t max,
                  struct st_error **errp);

/* How long a reader waits for a server that answers nothing before it
 * takes it as stuck (a paused or wedged QSD): 60 s, or
 * $STRATA_NBD_STALL_MS (tests shorten it). */
int st_nbd_stall_ms(void);

/* ST_E_TIMEOUT "NBD export '@uri': no reply to @what within @ms ms",
 * with the hint every stalled NBD call gives. */
void st_nbd_set_stall_error(struct st_error **errp, const char *uri, const char *what, int ms);

/**
 * st_nbd_wait_command:
 * @cookie: of an aio command on @h
 * @what: for messages: "block status at offset 4096"
 *
 * Wait for that command, failing (ST_E_TIMEOUT) when the server makes
 * no progress for st_nbd_stall_ms(), so no call into a stopped server
 * hangs.  Returns: true when the command succeeded; false with @errp
 * set (ST_E_NBD with libnbd's reason, or ST_E_TIMEOUT).
 */
bool st_nbd_wait_command(struct nbd_handle *h, const char *uri, int64_t cookie, const char *what,
                         struct st_error **errp);

/**
 * st_nbd_set_error:
 * Convert the calling thread's last libnbd error into @errp
 * (ST_E_NBD, nbd_get_errno()), the message
 * "NBD export 'URI': WHAT: libnbd message", WHAT formatted from @fmt.
 * For use right at the call site of a failed nbd_* function.
 */
void st_nbd_set_error(struct st_error **errp, const char *uri, const char *fmt, ...)
    ST_PRINTF(3, 4);

#endif
