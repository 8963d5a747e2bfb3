/* live/nbdaddr.h: where a QSD's NBD server listens, as the user writes
 * it (--nbd unix:PATH | --nbd tcp:HOST:PORT) and as clients reach it
 * (NBD URIs, https://github.com/NetworkBlockDevice/nbd/blob/master/doc/uri.md).
 * Pure logic. */
#ifndef ST_LIVE_NBDADDR_H
#define ST_LIVE_NBDADDR_H

#include <stdbool.h>

#include "common/error.h"

struct st_nbd_addr {
    bool tcp;
    char *path;                 /* unix: the socket (absolute); owned */
    char *host;                 /* tcp: host or address, without brackets; owned */
    char *port;                 /* tcp: port number; owned */
};

/**
 * st_nbd_addr_parse:
 * @spec: "unix:PATH" (PATH made absolute) or "tcp:HOST:PORT" (an IPv6
 *   address in brackets: "tcp:[::1]:10809"); PORT 1..65535
 *
 * Returns: true, or false with @errp set (ST_E_USAGE) and @out cleared.
 */
bool st_nbd_addr_parse(const char *spec, struct st_nbd_addr *out, struct st_error **errp);
/* A unix address for @path (copied). */
void st_nbd_addr_set_unix(struct st_nbd_addr *a, const char *path);
void st_nbd_addr_clear(struct st_nbd_addr *a);
void st_nbd_addr_copy(struct st_nbd_addr *dst, const struct st_nbd_addr *src);
bool st_nbd_addr_equal(const struct st_nbd_addr *a, const struct st_nbd_addr *b);
/* Back to the --nbd form; owned. */
char *st_nbd_addr_format(const struct st_nbd_addr *a);
/* The URI of export @name: nbd+unix:///NAME?socket=PATH or
 * nbd://HOST:PORT/NAME, with reserved characters percent-encoded;
 * owned. */
char *st_nbd_addr_uri(const struct st_nbd_addr *a, const char *name);

#endif
