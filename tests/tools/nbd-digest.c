/* tests/tools/nbd-digest.c: print the digest of an NBD export
 * (nbd/digest.h; xxh128-64k unless --digest says otherwise), for tests
 * and benchmarks: the reader without strata's exports around it.
 *
 *   nbd-digest URI [--digest ALG] [--connections N] [--json] [--progress]
 *
 * Exit 0 with the digest on stdout; 1 with the error on stderr. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/log.h"
#include "nbd/digest.h"

/* --progress: one "progress DONE/TOTAL" line per callback, on stderr. */
static bool
print_progress(uint64_t done, uint64_t total, void *opaque)
{
    (void) opaque;
    fprintf(stderr, "progress %" PRIu64 "/%" PRIu64 "\n", done, total);
    return true;
}

static void
usage(void)
{
    fprintf(stderr, "usage: nbd-digest URI [--digest ALG] [--connections N] [--json] [--progress]\n");
    exit(1);
}

static void
report(const struct st_error *err)
{
    if (err->errnum)
        fprintf(stderr, "nbd-digest: %s: %s\n", err->msg, strerror(err->errnum));
    else
        fprintf(stderr, "nbd-digest: %s\n", err->msg);
    if (err->hint)
        fprintf(stderr, "nbd-digest: hint: %s\n", err->hint);
}

static unsigned
parse_connections(const char *s)
{
    char *end;
    unsigned long n = strtoul(s, &end, 10);

    if (*s == '\0' || *end != '\0' || n < 1 || n > ST_NBD_MAX_CONNECTIONS) {
        fprintf(stderr, "nbd-digest: --connections must be 1..%d, not '%s'\n",
                ST_NBD_MAX_CONNECTIONS, s);
        exit(1);
    }
    return (unsigned) n;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "connections", required_argument, NULL, 'c' },
        { "digest", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },
        { "progress", no_argument, NULL, 'p' },
        { NULL, 0, NULL, 0 },
    };
    struct st_nbd_read_opts opts = { 0 };
    struct st_nbd_digest d;
    enum st_nbd_digest_alg alg = ST_NBD_DIGEST_DEFAULT;
    CLEANUP_ERROR struct st_error *err = NULL;
    bool json = false;
    int c;

    st_log_init_from_env();
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': opts.connections = parse_connections(optarg); break;
        case 'd':
            if (!st_nbd_digest_alg_from_name(optarg, &alg)) {
                fprintf(stderr, "nbd-digest: unknown digest algorithm '%s'\n", optarg);
                exit(1);
            }
            break;
        case 'j': json = true; break;
        case 'p': opts.progress = print_progress; break;
        default: usage();
        }
    }
    if (optind != argc - 1)
        usage();
    if (!st_nbd_digest_uri(argv[optind], alg, &opts, &d, &err)) {
        report(err);
        return 1;
    }
    if (json) {
        CLEANUP_JSON struct json_object *o = json_object_new_object();
        CLEANUP_FREE char *text = NULL;

        json_object_object_add(o, "digest", json_object_new_string(d.hex));
        json_object_object_add(o, "algorithm", json_object_new_string(st_nbd_digest_alg_name(d.alg)));
        json_object_object_add(o, "size", json_object_new_int64((int64_t) d.size));
        json_object_object_add(o, "bytes-read", json_object_new_int64((int64_t) d.bytes_read));
        json_object_object_add(o, "connections", json_object_new_int64((int64_t) d.connections));
        text = st_json_pretty(o);
        fputs(text, stdout);
    } else {
        printf("%s\n", d.hex);
    }
    return 0;
}
