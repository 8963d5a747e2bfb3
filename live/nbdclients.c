/* live/nbdclients.c: counting an NBD server's connections from
 * /proc/net (nbdclients.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "live/nbdclients.h"

/* /proc/net/unix: "Num RefCount Protocol Flags Type St Inode [Path]";
 * St 03 is SS_CONNECTED. */
static int
count_unix(const char *path)
{
    FILE *f = fopen("/proc/net/unix", "re");
    char line[4096];
    int n = 0;

    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        char p[4096];
        unsigned st;

        if (sscanf(line, "%*s %*s %*s %*s %*s %x %*s %4095s", &st, p) == 2 && st == 3 &&
            strcmp(p, path) == 0)
            n++;
    }
    fclose(f);
    return n;
}

/* /proc/net/tcp{,6}: "sl local_address rem_address st ..." with
 * addresses as HEX:PORT (port in hex); st 01 is ESTABLISHED. */
static int
count_tcp(const char *table, unsigned port)
{
    FILE *f = fopen(table, "re");
    char line[512];
    int n = 0;

    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        char local[128];
        unsigned st;
        char *colon;

        if (sscanf(line, "%*s %127s %*s %x", local, &st) != 2 || st != 1 ||
            !(colon = strrchr(local, ':')))
            continue;
        if (strtoul(colon + 1, NULL, 16) == port)
            n++;
    }
    fclose(f);
    return n;
}

int
st_nbd_server_connections(const struct st_nbd_addr *addr)
{
    int n4, n6;

    if (!addr->tcp)
        return addr->path ? count_unix(addr->path) : -1;
    n4 = count_tcp("/proc/net/tcp", (unsigned) strtoul(addr->port, NULL, 10));
    n6 = count_tcp("/proc/net/tcp6", (unsigned) strtoul(addr->port, NULL, 10));
    if (n4 < 0 && n6 < 0)
        return -1;
    return (n4 > 0 ? n4 : 0) + (n6 > 0 ? n6 : 0);
}
