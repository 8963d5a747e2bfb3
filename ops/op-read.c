/* ops/op-read.c: digests and diffs through temporary exports
 * (op-read.h). */
#include "config.h"

#include "ops/op-read.h"

bool
st_op_digest_view(struct st_exporter *ex, const struct st_view *v, enum st_nbd_digest_alg alg,
                  const struct st_nbd_read_opts *ropts, struct st_nbd_digest *out,
                  struct st_error **errp)
{
    struct st_export e = { 0 };
    bool ok = st_exporter_add(ex, v, true, &e, errp) &&
              st_nbd_digest_uri(e.uri, alg, ropts, out, errp);

    if (e.id)
        st_exporter_del(ex, &e, NULL);
    st_export_clear(&e);
    if (!ok)
        st_error_prepend(errp, "disk '%s': ", v->dev);
    return ok;
}

bool
st_op_diff_views(struct st_exporter *ex, const struct st_view *newer, const struct st_view *older,
                 unsigned depth, const struct st_nbd_read_opts *ropts, struct st_nbd_diff *out,
                 struct st_error **errp)
{
    struct st_export en = { 0 }, eo = { 0 };
    bool ok = st_exporter_add(ex, newer, true, &en, errp) &&
              st_exporter_add(ex, older, true, &eo, errp) &&
              st_nbd_diff_uri(en.uri, eo.uri, depth, ropts, out, errp);

    if (eo.id)
        st_exporter_del(ex, &eo, NULL);
    if (en.id)
        st_exporter_del(ex, &en, NULL);
    st_export_clear(&eo);
    st_export_clear(&en);
    if (!ok)
        st_error_prepend(errp, "disk '%s': ", newer->dev);
    return ok;
}
