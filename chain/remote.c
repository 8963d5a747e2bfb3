/* chain/remote.c: a chain on top of an NBD export. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "chain/remote.h"


static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode [s, s+n); NULL on a bad escape or an encoded NUL. */
static char *
decode(const char *s, size_t n)
{
    char *out = st_xmalloc(n + 1), *p = out;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
            int lo = hi >= 0 ? hexval(s[i + 2]) : -1;

            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                free(out);
                return NULL;
            }
            *p++ = (char) (hi * 16 + lo);
            i += 2;
        } else {
            *p++ = s[i];
        }
    }
    *p = '\0';
    return out;
}

bool
st_remote_parse_uri(const char *uri, char **name, char **socket)
{
    static const char scheme[] = "nbd+unix:///";
    const char *q, *sock;

    *name = *socket = NULL;
    if (strncmp(uri, scheme, sizeof scheme - 1) != 0)
        return false;
    uri += sizeof scheme - 1;
    if (!(q = strchr(uri, '?')) || strncmp(q + 1, "socket=", 7) != 0)
        return false;
    sock = q + 8;
    if (!*sock || strchr(sock, '&') || strchr(sock, '#'))
        return false;
    if (!(*name = decode(uri, (size_t) (q - uri))))
        return false;
    if (!(*socket = decode(sock, strlen(sock))) || (*socket)[0] != '/') {
        free(*name);
        free(*socket);
        *name = *socket = NULL;
        return false;
    }
    return true;
}
