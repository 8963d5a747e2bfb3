/* lazy/libnbd.c: the libnbd functions strata calls, loaded on first use
 * (lazy.h says why: libnbd pulls in GnuTLS and friends, ~8 ms a start).
 * Add a line here when nbd/ calls a new one: the link fails until you do. */
#include "config.h"

#include <libnbd.h>

#include "lazy/lazy.h"

static struct st_lazylib libnbd = {
    .soname = ST_SONAME_LIBNBD, .package = "libnbd0", .purpose = "NBD",
};

ST_LAZY(libnbd, int, nbd_add_meta_context, (struct nbd_handle *h, const char *name), (h, name))
ST_LAZY(libnbd, int, nbd_aio_command_completed, (struct nbd_handle *h, uint64_t cookie), (h, cookie))
ST_LAZY(libnbd, int, nbd_aio_in_flight, (struct nbd_handle *h), (h))
ST_LAZY(libnbd, int, nbd_aio_connect_uri, (struct nbd_handle *h, const char *uri), (h, uri))
ST_LAZY(libnbd, int, nbd_aio_is_ready, (struct nbd_handle *h), (h))
ST_LAZY(libnbd, int, nbd_aio_is_dead, (struct nbd_handle *h), (h))
ST_LAZY(libnbd, int, nbd_aio_is_closed, (struct nbd_handle *h), (h))
ST_LAZY(libnbd, int64_t, nbd_aio_block_status,
        (struct nbd_handle *h, uint64_t count, uint64_t offset, nbd_extent_callback extent_callback,
         nbd_completion_callback completion_callback, uint32_t flags),
        (h, count, offset, extent_callback, completion_callback, flags))
ST_LAZY(libnbd, int64_t, nbd_aio_pread,
        (struct nbd_handle *h, void *buf, size_t count, uint64_t offset,
         nbd_completion_callback completion_callback, uint32_t flags),
        (h, buf, count, offset, completion_callback, flags))
ST_LAZY(libnbd, int, nbd_can_meta_context, (struct nbd_handle *h, const char *metacontext),
        (h, metacontext))
ST_LAZY(libnbd, int, nbd_can_multi_conn, (struct nbd_handle *h), (h))
ST_LAZY_VOID(libnbd, nbd_close, (struct nbd_handle *h), (h))
ST_LAZY(libnbd, struct nbd_handle *, nbd_create, (void), ())
ST_LAZY(libnbd, int64_t, nbd_get_block_size, (struct nbd_handle *h, int size_type), (h, size_type))
ST_LAZY(libnbd, int, nbd_get_errno, (void), ())
ST_LAZY(libnbd, const char *, nbd_get_error, (void), ())
ST_LAZY(libnbd, int64_t, nbd_get_size, (struct nbd_handle *h), (h))
ST_LAZY(libnbd, int, nbd_is_read_only, (struct nbd_handle *h), (h))
ST_LAZY(libnbd, int, nbd_poll, (struct nbd_handle *h, int timeout), (h, timeout))
