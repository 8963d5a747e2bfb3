/* live/nbdclients.h: how many clients an NBD server has now, as the
 * kernel's socket tables tell (QMP has no such query): what a revert
 * that cuts clients off reports. */
#ifndef ST_LIVE_NBDCLIENTS_H
#define ST_LIVE_NBDCLIENTS_H

#include "live/nbdaddr.h"

/**
 * st_nbd_server_connections:
 *
 * The connections accepted by the server listening at @addr and still
 * open: for a unix socket the connected entries of /proc/net/unix
 * bound to its path (an accepted socket carries the listener's path,
 * a client's does not); for TCP the established entries of
 * /proc/net/tcp and tcp6 whose local port is the server's.  Counts
 * every export's clients together.  Returns: the count, or -1 when the
 * tables cannot be read.
 */
int st_nbd_server_connections(const struct st_nbd_addr *addr);

#endif
