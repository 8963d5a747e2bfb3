/* chain/remote.h: chains whose base is served over NBD.  A qcow2 overlay
 * may name an NBD export as its backing file
 * ('qemu-img create -b nbd+unix:///NAME?socket=PATH -F raw'): a base kept
 * on a remote server (nbdkit, qemu-nbd, another QSD).  chain/chain.c
 * reports such a backing string and does not follow it;
 * st_session_open_chain() opens it through QSD's nbd driver as the
 * bottom of the chain, with the URI parsed here. */
#ifndef ST_CHAIN_REMOTE_H
#define ST_CHAIN_REMOTE_H

#include <stdbool.h>

#include "common/error.h"

/**
 * st_remote_parse_uri:
 * @uri: "nbd+unix:///NAME?socket=PATH" (NAME may be empty; %XX decoded)
 * @name, @socket: out, owned
 *
 * Returns: false (no error) when @uri is not of that form.  Pure.
 */
bool st_remote_parse_uri(const char *uri, char **name, char **socket);

#endif
