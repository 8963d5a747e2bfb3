/* tests/tools/nbd-diff.c: print the byte ranges that differ between two
 * NBD exports (nbd/diff.h), for tests until the CLI's 'diff' exists.
 *
 *   nbd-diff URI-NEW URI-OLD [--depth K] [--connections N] [--json] [--progress]
 *
 * Text: one "OFFSET LENGTH" line per range.  Exit 0 when nothing
 * differs, 2 when something does, 1 on error. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/log.h"
#include "nbd/diff.h"

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
    fprintf(stderr, "usage: nbd-diff URI-NEW URI-OLD [--depth K] [--connections N] [--json] [--progress]\n");
    exit(1);
}

static void
report(const struct st_error *err)
{
    if (err->errnum)
        fprintf(stderr, "nbd-diff: %s: %s\n", err->msg, strerror(err->errnum));
    else
        fprintf(stderr, "nbd-diff: %s\n", err->msg);
    if (err->hint)
        fprintf(stderr, "nbd-diff: hint: %s\n", err->hint);
}

static unsigned
parse_uint(const char *opt, const char *s, unsigned long min, unsigned long max)
{
    char *end;
    unsigned long n = strtoul(s, &end, 10);

    if (*s == '\0' || *end != '\0' || n < min || n > max) {
        fprintf(stderr, "nbd-diff: %s must be %lu..%lu, not '%s'\n", opt, min, max, s);
        exit(1);
    }
    return (unsigned) n;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "connections", required_argument, NULL, 'c' },
        { "depth", required_argument, NULL, 'd' },
        { "json", no_argument, NULL, 'j' },
        { "progress", no_argument, NULL, 'p' },
        { NULL, 0, NULL, 0 },
    };
    struct st_nbd_read_opts opts = { 0 };
    ST_CLEANUP(st_nbd_diff_clear) struct st_nbd_diff d = { 0 };
    CLEANUP_ERROR struct st_error *err = NULL;
    unsigned depth = 0;
    bool json = false;
    int c;

    st_log_init_from_env();
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'c': opts.connections = parse_uint("--connections", optarg, 1, ST_NBD_MAX_CONNECTIONS); break;
        case 'd': depth = parse_uint("--depth", optarg, 0, 1000000); break;
        case 'j': json = true; break;
        case 'p': opts.progress = print_progress; break;
        default: usage();
        }
    }
    if (optind != argc - 2)
        usage();
    if (!st_nbd_diff_uri(argv[optind], argv[optind + 1], depth, &opts, &d, &err)) {
        report(err);
        return 1;
    }
    if (json) {
        CLEANUP_JSON struct json_object *o = json_object_new_object();
        struct json_object *list = json_object_new_array();
        CLEANUP_FREE char *text = NULL;

        for (size_t i = 0; i < d.ranges.n; i++) {
            struct json_object *r = json_object_new_object();

            json_object_object_add(r, "offset", json_object_new_int64((int64_t) d.ranges.v[i].offset));
            json_object_object_add(r, "length", json_object_new_int64((int64_t) d.ranges.v[i].length));
            json_object_array_add(list, r);
        }
        json_object_object_add(o, "ranges", list);
        json_object_object_add(o, "size-new", json_object_new_int64((int64_t) d.size_new));
        json_object_object_add(o, "size-old", json_object_new_int64((int64_t) d.size_old));
        json_object_object_add(o, "candidate-bytes", json_object_new_int64((int64_t) d.candidate_bytes));
        json_object_object_add(o, "bytes-read", json_object_new_int64((int64_t) d.bytes_read));
        json_object_object_add(o, "granularity", json_object_new_int64((int64_t) ST_NBD_DIFF_GRANULARITY));
        text = st_json_pretty(o);
        fputs(text, stdout);
    } else {
        for (size_t i = 0; i < d.ranges.n; i++)
            printf("%" PRIu64 " %" PRIu64 "\n", d.ranges.v[i].offset, d.ranges.v[i].length);
    }
    return d.ranges.n ? 2 : 0;
}
