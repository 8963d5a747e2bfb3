/* live/nbdaddr.c: NBD server addresses and URIs. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/path.h"
#include "common/xalloc.h"
#include "live/nbdaddr.h"

void
st_nbd_addr_clear(struct st_nbd_addr *a)
{
    free(a->path);
    free(a->host);
    free(a->port);
    a->path = a->host = a->port = NULL;
    a->tcp = false;
}

void
st_nbd_addr_set_unix(struct st_nbd_addr *a, const char *path)
{
    st_nbd_addr_clear(a);
    a->path = st_xstrdup(path);
}

void
st_nbd_addr_copy(struct st_nbd_addr *dst, const struct st_nbd_addr *src)
{
    st_nbd_addr_clear(dst);
    dst->tcp = src->tcp;
    dst->path = src->path ? st_xstrdup(src->path) : NULL;
    dst->host = src->host ? st_xstrdup(src->host) : NULL;
    dst->port = src->port ? st_xstrdup(src->port) : NULL;
}

static bool
str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

bool
st_nbd_addr_equal(const struct st_nbd_addr *a, const struct st_nbd_addr *b)
{
    return a->tcp == b->tcp && str_eq(a->path, b->path) && str_eq(a->host, b->host) &&
           str_eq(a->port, b->port);
}

static bool
valid_port(const char *s)
{
    char *end;
    long v;

    if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 5)
        return false;
    errno = 0;
    v = strtol(s, &end, 10);
    return errno == 0 && *end == '\0' && v >= 1 && v <= 65535;
}

static bool
parse_tcp(const char *rest, struct st_nbd_addr *out, struct st_error **errp)
{
    const char *colon;
    CLEANUP_FREE char *host = NULL;

    if (rest[0] == '[') {
        const char *close = strchr(rest, ']');

        if (!close || close[1] != ':') {
            st_error_set(errp, ST_E_USAGE, "--nbd tcp:[ADDRESS]:PORT: missing ']:' in '%s'", rest);
            return false;
        }
        host = st_xstrndup(rest + 1, (size_t) (close - rest - 1));
        colon = close + 1;
    } else {
        if (!(colon = strrchr(rest, ':'))) {
            st_error_set(errp, ST_E_USAGE, "--nbd tcp:HOST:PORT: no port in '%s'", rest);
            return false;
        }
        host = st_xstrndup(rest, (size_t) (colon - rest));
        if (strchr(host, ':')) {
            st_error_set(errp, ST_E_USAGE,
                         "--nbd tcp: write an IPv6 address in brackets, as tcp:[%s]:PORT", host);
            return false;
        }
    }
    if (!*host) {
        st_error_set(errp, ST_E_USAGE, "--nbd tcp:HOST:PORT: empty host");
        return false;
    }
    if (!valid_port(colon + 1)) {
        st_error_set(errp, ST_E_USAGE, "--nbd tcp: port '%s' is not a number 1..65535",
                     colon + 1);
        return false;
    }
    out->tcp = true;
    out->host = ST_STEAL(&host);
    out->port = st_xstrdup(colon + 1);
    return true;
}

bool
st_nbd_addr_parse(const char *spec, struct st_nbd_addr *out, struct st_error **errp)
{
    memset(out, 0, sizeof *out);
    if (strncmp(spec, "unix:", 5) == 0) {
        if (!spec[5]) {
            st_error_set(errp, ST_E_USAGE, "--nbd unix:PATH: empty path");
            return false;
        }
        if (!(out->path = st_path_absolute(spec + 5, errp)))
            return false;
        return true;
    }
    if (strncmp(spec, "tcp:", 4) == 0)
        return parse_tcp(spec + 4, out, errp);
    st_error_set(errp, ST_E_USAGE, "--nbd '%s': expected unix:PATH or tcp:HOST:PORT", spec);
    return false;
}

char *
st_nbd_addr_format(const struct st_nbd_addr *a)
{
    if (!a->tcp)
        return st_xasprintf("unix:%s", a->path);
    if (strchr(a->host, ':'))
        return st_xasprintf("tcp:[%s]:%s", a->host, a->port);
    return st_xasprintf("tcp:%s:%s", a->host, a->port);
}

/* Percent-encode every byte outside RFC 3986's unreserved set and
 * @keep; appended to @fp. */
static void
encode(FILE *fp, const char *s, const char *keep)
{
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p) || strchr(keep, *p))
            fputc(*p, fp);
        else
            fprintf(fp, "%%%02X", *p);
    }
}

char *
st_nbd_addr_uri(const struct st_nbd_addr *a, const char *name)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);

    if (!fp)
        abort();   /* out of memory: xalloc's policy */
    if (a->tcp) {
        if (strchr(a->host, ':'))
            fprintf(fp, "nbd://[%s]:%s/", a->host, a->port);
        else
            fprintf(fp, "nbd://%s:%s/", a->host, a->port);
        encode(fp, name, "@");
    } else {
        fputs("nbd+unix:///", fp);
        encode(fp, name, "@");
        fputs("?socket=", fp);
        encode(fp, a->path, "/");
    }
    if (fclose(fp) != 0)
        abort();   /* out of memory: xalloc's policy */
    return buf;
}
