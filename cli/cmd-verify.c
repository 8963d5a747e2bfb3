/* cli/cmd-verify.c: 'strata verify' (the xxh128-64k or sha256-64k digest
 * of a disk at a point in time, nbd/digest.h) and 'strata diff' (the extents that
 * differ between two points on one branch, nbd/diff.h).  Both read
 * through exports made for the occasion on the live QSD, or on a
 * transient one, and removed afterwards. */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/json.h"
#include "common/progress.h"
#include "common/xalloc.h"
#include "nbd/diff.h"
#include "nbd/digest.h"
#include "store/store.h"
#include "store/view.h"
#include "live/exporter.h"
#include "ops/op-read.h"
#include "cli/commands.h"

enum { O_SNAPSHOT = 256, O_DISK, O_EXPECT, O_CONNECTIONS, O_DIGEST };

static const struct option verify_opts[] = {
    { "help", no_argument, NULL, 'h' },
    { "snapshot", required_argument, NULL, O_SNAPSHOT },
    { "disk", required_argument, NULL, O_DISK },
    { "expect", required_argument, NULL, O_EXPECT },
    { "connections", required_argument, NULL, O_CONNECTIONS },
    { "digest", required_argument, NULL, O_DIGEST },
    { NULL, 0, NULL, 0 },
};

struct verify_args {
    const char *args[3];
    int nargs;
    const char *snapshot;
    const char *disk;
    const char *expect;
    unsigned connections;
    /* --digest, or ST_NBD_DIGEST__LAST: from --expect, else the default */
    enum st_nbd_digest_alg alg;
};

static int
parse_args(struct cli *cli, int argc, char **argv, bool diff, struct verify_args *a,
           struct st_error **errp)
{
    int c, idx = -1;

    optind = 0;
    while ((c = getopt_long(argc, argv, "h", verify_opts, &idx)) != -1) {
        switch (c) {
        case 'h':
            cli_command_help(cli);
            return 1;
        case O_SNAPSHOT:
            if (diff)
                goto unknown;
            a->snapshot = optarg;
            break;
        case O_DISK:
            a->disk = optarg;
            break;
        case O_EXPECT:
            if (diff)
                goto unknown;
            a->expect = optarg;
            break;
        case O_DIGEST:
            if (diff)
                goto unknown;
            if (!st_nbd_digest_alg_from_name(optarg, &a->alg))
                return cli_usage(cli, errp, "unknown digest algorithm '%s' (%s or %s)", optarg,
                                 st_nbd_digest_alg_name(ST_NBD_DIGEST_XXH128_64K),
                                 st_nbd_digest_alg_name(ST_NBD_DIGEST_SHA256_64K));
            break;
        case O_CONNECTIONS: {
            char *end;
            long v = strtol(optarg, &end, 10);

            if (*end || end == optarg || v < 1 || v > ST_NBD_MAX_CONNECTIONS)
                return cli_usage(cli, errp, "--connections must be 1..%d",
                                 ST_NBD_MAX_CONNECTIONS);
            a->connections = (unsigned) v;
            break;
        }
        default:
        unknown:
            /* A known option of the other command: name it, not its
             * argument (which getopt has taken too). */
            if (c != '?' && idx >= 0)
                return cli_usage(cli, errp, "unknown option '--%s'", verify_opts[idx].name);
            return cli_usage(cli, errp, "unknown option '%s'", argv[optind - 1]);
        }
        idx = -1;
    }
    for (; optind < argc; optind++) {
        if (a->nargs == (diff ? 3 : 1))
            return cli_usage(cli, errp, "unexpected argument '%s'", argv[optind]);
        a->args[a->nargs++] = argv[optind];
    }
    if (a->nargs < (diff ? 3 : 1))
        return cli_usage(cli, errp, diff ? "expected DOMAIN S1 S2" : "missing domain name");
    return 0;
}

static bool
on_progress(uint64_t done, uint64_t total, void *opaque)
{
    st_progress_update(opaque, done, total);
    return true;
}

int
cmd_verify(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct verify_args a = { .alg = ST_NBD_DIGEST__LAST };
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_VIEWS struct st_views views = { 0 };
    CLEANUP_EXPORTER struct st_exporter *ex = NULL;
    struct json_object *o, *arr;
    char expect[2 * ST_NBD_DIGEST_MAX_LEN + 1];
    const char *alg_name;
    bool mismatch = false;
    int r = parse_args(cli, argc, argv, false, &a, errp);

    if (r)
        return r < 0 ? -1 : 0;
    /* --expect ALG:HEX or HEX: the algorithm from --digest, else from
     * the prefix or the length. */
    if (a.expect) {
        CLEANUP_ERROR struct st_error *err = NULL;

        if (!st_nbd_digest_parse(a.expect, &a.alg, expect, &err)) {
            cli_usage(cli, errp, "--expect: %s", err->msg);
            if (err->hint)      /* the algorithms there are, say */
                st_error_hint(errp, "%s", err->hint);
            return -1;
        }
    }
    if (a.alg == ST_NBD_DIGEST__LAST)
        a.alg = ST_NBD_DIGEST_DEFAULT;
    alg_name = st_nbd_digest_alg_name(a.alg);
    if (!(store = st_store_open(cli->state_dir, false, errp)))
        return -1;
    if (!st_views_resolve(store, a.args[0], a.snapshot, a.disk, &views, errp))
        return -1;
    if (a.expect && views.n > 1)
        return cli_usage(cli, errp, "--expect needs --disk: domain '%s' has %zu disks",
                         a.args[0], views.n);
    if (!(ex = st_exporter_open(cli->run_dir, a.args[0], ST_EXPORTER_NEED_READ, NULL, errp)))
        return -1;

    o = json_object_new_object();
    arr = json_object_new_array();
    json_object_object_add(o, "domain", json_object_new_string(a.args[0]));
    json_object_object_add(o, "snapshot", st_json_string_or_null(a.snapshot));
    json_object_object_add(o, "algorithm", json_object_new_string(alg_name));
    json_object_object_add(o, "disks", arr);
    cli_set_result(cli, o);
    for (size_t i = 0; i < views.n; i++) {
        const struct st_view *v = &views.v[i];
        struct st_nbd_digest d;
        struct st_progress bar;
        CLEANUP_FREE char *label = st_xasprintf("verify %s", v->dev);
        struct st_nbd_read_opts ropts = {
            .connections = a.connections, .progress = on_progress, .opaque = &bar,
        };
        struct json_object *j;
        bool ok;

        st_progress_begin(&bar, label, st_progress_wanted(cli->json));
        ok = st_op_digest_view(ex, v, a.alg, &ropts, &d, errp);
        st_progress_end(&bar);
        if (!ok)
            return -1;
        fprintf(cli->out, "%s:%s  %s\n", alg_name, d.hex, v->dev);
        j = json_object_new_object();
        json_object_object_add(j, "disk", json_object_new_string(v->dev));
        json_object_object_add(j, "file", json_object_new_string(v->path));
        json_object_object_add(j, "digest", json_object_new_string(d.hex));
        json_object_object_add(j, "size", json_object_new_int64((int64_t) d.size));
        json_object_object_add(j, "bytes-read", json_object_new_int64((int64_t) d.bytes_read));
        json_object_object_add(j, "connections", json_object_new_int64(d.connections));
        if (a.expect) {
            bool match = strcmp(expect, d.hex) == 0;

            json_object_object_add(j, "match", json_object_new_boolean(match));
            if (!match) {
                mismatch = true;
                if (!cli->json)
                    fprintf(stderr, "strata: disk '%s': digest %s:%s does not match the expected %s:%s\n",
                            v->dev, alg_name, d.hex, alg_name, expect);
            }
        }
        json_object_array_add(arr, j);
    }
    return mismatch ? 2 : 0;
}

/* The diff of one disk into @j; *differ set when anything differs. */
static bool
diff_disk(struct cli *cli, struct st_exporter *ex, const struct st_view *older,
          const struct st_view *newer, unsigned connections, struct json_object *j, bool *differ,
          struct st_error **errp)
{
    struct st_nbd_diff d = { 0 };
    struct st_progress bar;
    CLEANUP_FREE char *label = st_xasprintf("diff %s", newer->dev);
    struct st_nbd_read_opts ropts = { .connections = connections, .progress = on_progress,
                                      .opaque = &bar };
    struct json_object *ranges = json_object_new_array();
    unsigned depth;
    bool ok;

    json_object_object_add(j, "disk", json_object_new_string(newer->dev));
    json_object_object_add(j, "ranges", ranges);
    if (!st_view_depth_between(newer, older, &depth, errp))
        return false;
    json_object_object_add(j, "depth", json_object_new_int64(depth));
    if (depth == 0) {
        json_object_object_add(j, "bytes", json_object_new_int64(0));
        return true;        /* one file: nothing can differ */
    }
    st_progress_begin(&bar, label, st_progress_wanted(cli->json));
    ok = st_op_diff_views(ex, newer, older, depth, &ropts, &d, errp);
    st_progress_end(&bar);
    if (!ok)
        return false;
    for (size_t i = 0; i < d.ranges.n; i++) {
        struct json_object *r = json_object_new_object();

        json_object_object_add(r, "offset", json_object_new_int64((int64_t) d.ranges.v[i].offset));
        json_object_object_add(r, "length", json_object_new_int64((int64_t) d.ranges.v[i].length));
        json_object_array_add(ranges, r);
        fprintf(cli->out, "%s %llu %llu\n", newer->dev, (unsigned long long) d.ranges.v[i].offset,
                (unsigned long long) d.ranges.v[i].length);
    }
    if (d.ranges.n)
        *differ = true;
    json_object_object_add(j, "bytes",
                           json_object_new_int64((int64_t) st_nbd_ranges_bytes(&d.ranges)));
    json_object_object_add(j, "candidate-bytes", json_object_new_int64((int64_t) d.candidate_bytes));
    json_object_object_add(j, "bytes-read", json_object_new_int64((int64_t) d.bytes_read));
    st_nbd_diff_clear(&d);
    return true;
}

/* "current" is the current state (the active layers), on either side:
 * the active layers are the newest point of their branch, so "current
 * S1" compares as "S1 current" (the extents that differ are the same
 * either way).  Two snapshots must come older first. */
int
cmd_diff(struct cli *cli, int argc, char **argv, struct st_error **errp)
{
    struct verify_args a = { 0 };
    CLEANUP_STORE struct st_store *store = NULL;
    CLEANUP_VIEWS struct st_views older = { 0 };
    CLEANUP_VIEWS struct st_views newer = { 0 };
    CLEANUP_EXPORTER struct st_exporter *ex = NULL;
    const char *dom, *s1, *s2;
    struct json_object *o, *arr;
    bool differ = false;
    int r = parse_args(cli, argc, argv, true, &a, errp);

    if (r)
        return r < 0 ? -1 : 0;
    dom = a.args[0];
    if (strcmp(a.args[1], "current") == 0 && strcmp(a.args[2], "current") != 0) {
        a.args[1] = a.args[2];
        a.args[2] = "current";
    }
    s1 = strcmp(a.args[1], "current") == 0 ? NULL : a.args[1];
    s2 = strcmp(a.args[2], "current") == 0 ? NULL : a.args[2];
    if (!(store = st_store_open(cli->state_dir, false, errp)))
        return -1;
    if (!st_views_resolve(store, dom, s1, a.disk, &older, errp) ||
        !st_views_resolve(store, dom, s2, a.disk, &newer, errp))
        return -1;
    if (!(ex = st_exporter_open(cli->run_dir, dom, ST_EXPORTER_NEED_READ, NULL, errp)))
        return -1;
    o = json_object_new_object();
    arr = json_object_new_array();
    json_object_object_add(o, "domain", json_object_new_string(dom));
    json_object_object_add(o, "from", json_object_new_string(a.args[1]));
    json_object_object_add(o, "to", json_object_new_string(a.args[2]));
    json_object_object_add(o, "granularity", json_object_new_int64(ST_NBD_DIFF_GRANULARITY));
    json_object_object_add(o, "disks", arr);
    cli_set_result(cli, o);
    for (size_t i = 0; i < newer.n; i++) {
        const struct st_view *ov = st_views_find(&older, newer.v[i].dev);
        struct json_object *j;

        if (!ov)
            continue;       /* not captured at S1: no common point to compare */
        j = json_object_new_object();
        json_object_array_add(arr, j);
        if (!diff_disk(cli, ex, ov, &newer.v[i], a.connections, j, &differ, errp))
            return -1;
    }
    json_object_object_add(o, "differ", json_object_new_boolean(differ));
    return differ ? 2 : 0;
}
