/* chain/remote.c: a chain on top of an NBD export. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/strv.h"
#include "common/xalloc.h"
#include "qmp/blockdev.h"
#include "chain/chain.h"
#include "chain/remote.h"

ST_LOG_INIT("chain.remote");

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

/* Faults of a remote chain that still let QEMU read it right (the
 * remote backing itself is the "unsupported-backing" of the bottom). */
static bool
fault_ok(const struct st_chain *chain, size_t i, enum st_fault_code code)
{
    switch (code) {
    case ST_FAULT_BACKING_SMALLER:
    case ST_FAULT_BACKING_LARGER:
    case ST_FAULT_DIRTY:
    case ST_FAULT_BAD_TABLE:
        return true;
    case ST_FAULT_UNSUPPORTED_BACKING:
        return i == chain->n_layers - 1;
    default:
        return false;
    }
}

char *
st_remote_open_chain(struct st_session *sess, const char *path, const char *format,
                     bool writable, struct st_error **errp)
{
    struct st_chain_opts copts = { .format = format, .skip_allocation = true };
    CLEANUP_CHAIN struct st_chain *chain = NULL;
    CLEANUP_FREE char *name = NULL;
    CLEANUP_FREE char *sock = NULL;
    CLEANUP_FREE char *below = NULL;
    CLEANUP_FREE struct st_qmp_layer *layers = NULL;
    CLEANUP_STRV char **names = NULL;
    CLEANUP_STRV char **opened = NULL;
    const struct st_layer *bottom;
    struct st_qmp *qmp = st_session_qmp(sess);
    size_t n_new;

    if (!(chain = st_chain_load(path, &copts, errp)))
        return NULL;
    bottom = &chain->layers[chain->n_layers - 1];
    if (!bottom->backing || bottom->backing_resolved ||
        !st_remote_parse_uri(bottom->backing, &name, &sock))
        return st_session_open_chain(sess, path, format, writable, errp);
    for (size_t i = 0; i < chain->n_layers; i++) {
        const struct st_layer *l = &chain->layers[i];

        for (size_t f = 0; f < l->n_faults; f++) {
            if (fault_ok(chain, i, l->faults[f].code))
                continue;
            st_error_set(errp, ST_E_CHAIN, "chain of '%s': %s", path, l->faults[f].message);
            st_error_set_path(errp, l->path);
            return NULL;
        }
    }

    /* Top-down, the first file QSD already holds ends the new part. */
    for (n_new = 0; n_new < chain->n_layers; n_new++) {
        struct st_error *err = NULL;

        below = st_session_find_node(sess, chain->layers[n_new].abs_path, &err);
        if (err) {
            st_error_propagate(errp, err);
            return NULL;
        }
        if (below)
            break;
    }
    if (n_new == 0)
        return ST_STEAL(&below);
    if (!below) {
        CLEANUP_QMP_GRAPH struct st_qmp_graph *g = st_qmp_graph_read(qmp, errp);
        char *node = st_session_node_name(bottom->backing);

        if (!g) {
            free(node);
            return NULL;
        }
        if (!st_qmp_graph_find(g, node)) {
            struct st_qmp_layer nl = {
                .path = sock,
                .format = bottom->backing_format ? bottom->backing_format : "raw",
                .nbd_export = name,
                .node_name = node,
                .read_only = true,
            };
            char **nn = st_qmp_blockdev_open_chain(qmp, &nl, 1, "nbd", errp);

            if (!nn) {
                st_error_prepend(errp, "remote base '%s' of '%s': ", bottom->backing, path);
                free(node);
                return NULL;
            }
            st_strv_free(nn);
            st_debug("opened remote base %s as %s", bottom->backing, node);
        }
        below = node;
    }
    layers = st_xcalloc(n_new, sizeof *layers);
    for (size_t i = 0; i < n_new; i++) {
        const struct st_layer *l = &chain->layers[i];

        st_strv_add_owned(&names, st_session_node_name(l->abs_path));
        layers[i].path = l->abs_path;
        layers[i].format = l->format;
        layers[i].node_name = names[i];
        layers[i].read_only = !(writable && i == 0);
    }
    if (!(opened = st_qmp_blockdev_open_chain_on(qmp, layers, n_new, "l", below, errp)))
        return NULL;
    return st_xstrdup(opened[0]);
}
