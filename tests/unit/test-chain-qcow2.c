/* tests/unit/test-chain-qcow2.c: the qcow2 header reader and the chain
 * walk on real images: made by 'qemu-img create' in a temporary
 * directory, then patched by tests/tools/qcow2-poke (no binary fixtures).
 * Each hostile header must give its own fault with a message naming the
 * field, and each chain problem its fault code on the right layer. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/path.h"
#include "common/proc.h"
#include "common/xalloc.h"
#include "chain/backing.h"
#include "chain/chain.h"
#include "chain/qcow2.h"
#include "tests/unit/testutil.h"

static char *dir;

static int
setup(void **state)
{
    (void) state;
    dir = st_test_mkdtemp();
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    st_test_rmtree(dir);
    free(dir);
    return 0;
}

static void
run(char *const argv[])
{
    CLEANUP_ERROR struct st_error *err = NULL;

    if (!st_proc_run(argv, 30000, NULL, &err))
        fail_msg("%s: %s", argv[0], err->msg);
}

/* Path of @name in the test directory; owned. */
static char *
img(const char *name)
{
    return st_path_join(dir, name);
}

/* qemu-img create -f qcow2 [-b BACKING -F BFMT] NAME SIZE [OPTS] */
static char *
create(const char *name, const char *size, const char *backing, const char *bfmt, const char *o)
{
    char *path = img(name);
    char *argv[16];
    int n = 0;

    argv[n++] = "qemu-img";
    argv[n++] = "create";
    argv[n++] = "-q";
    argv[n++] = "-f";
    argv[n++] = "qcow2";
    if (o) {
        argv[n++] = "-o";
        argv[n++] = (char *) o;
    }
    if (backing) {
        argv[n++] = "-b";
        argv[n++] = (char *) backing;
        argv[n++] = "-F";
        argv[n++] = (char *) bfmt;
    }
    argv[n++] = path;
    argv[n++] = (char *) size;
    argv[n] = NULL;
    run(argv);
    return path;
}

static void
poke3(const char *path, const char *field, const char *v1, const char *v2, const char *v3)
{
    CLEANUP_FREE char *tool = NULL;
    const char *b = getenv("builddir");
    char *argv[] = { NULL, (char *) path, (char *) field, (char *) v1, (char *) v2, (char *) v3,
                     NULL };

    tool = st_xasprintf("%s/tests/tools/qcow2-poke", b ? b : "build");
    argv[0] = tool;
    run(argv);
}

static void
poke(const char *path, const char *field, const char *v1, const char *v2)
{
    poke3(path, field, v1, v2, NULL);
}

static struct st_chain *
load(const char *path, const struct st_chain_opts *opts)
{
    CLEANUP_ERROR struct st_error *err = NULL;
    struct st_chain *c = st_chain_load(path, opts, &err);

    if (!c)
        fail_msg("st_chain_load(%s): %s", path, err->msg);
    return c;
}

/* The fault of @code on layer @i, or fail. */
static const struct st_fault *
fault(const struct st_chain *c, size_t i, enum st_fault_code code)
{
    assert_true(i < c->n_layers);
    for (size_t j = 0; j < c->layers[i].n_faults; j++)
        if (c->layers[i].faults[j].code == code)
            return &c->layers[i].faults[j];
    fail_msg("layer %zu has no '%s' fault (%zu faults, first: %s)", i, st_fault_code_name(code),
             c->layers[i].n_faults,
             c->layers[i].n_faults ? c->layers[i].faults[0].message : "none");
    return NULL;
}

static void
assert_contains(const char *s, const char *needle)
{
    if (!strstr(s, needle))
        fail_msg("expected '%s' in '%s'", needle, s);
}

/* A one-layer image whose header @field is poked to @value must give
 * a bad-header fault whose message holds @msg. */
static void
bad_header(const char *field, const char *value, const char *msg)
{
    CLEANUP_FREE char *p = create("bad.qcow2", "64M", NULL, NULL, NULL);
    CLEANUP_CHAIN struct st_chain *c = NULL;

    poke(p, field, value, NULL);
    c = load(p, NULL);
    assert_int_equal(c->n_layers, 1);
    assert_false(c->layers[0].has_header);
    assert_contains(fault(c, 0, ST_FAULT_BAD_HEADER)->message, msg);
    unlink(p);
}

static void
test_clean_relative_chain(void **state)
{
    CLEANUP_FREE char *base = create("base.qcow2", "64M", NULL, NULL, NULL);
    CLEANUP_FREE char *top = create("top.qcow2", "64M", "base.qcow2", "qcow2", NULL);
    CLEANUP_CHAIN struct st_chain *c = NULL;
    char *io[] = { "qemu-io", "-c", "write -P 7 64k 128k", "-c", "write -z 1M 64k", top, NULL };

    (void) state;
    run(io);
    c = load(top, NULL);
    assert_int_equal(c->n_faults, 0);
    assert_int_equal(c->n_layers, 2);
    assert_string_equal(c->layers[0].backing, "base.qcow2");
    assert_string_equal(c->layers[0].backing_format, "qcow2");
    /* Relative to the overlay's directory, not the cwd. */
    assert_string_equal(c->layers[0].backing_resolved, base);
    assert_string_equal(c->layers[1].path, base);
    assert_int_equal(c->layers[0].virtual_size, 64 << 20);
    assert_int_equal(c->layers[0].cluster_size, 65536);
    assert_int_equal(c->layers[0].allocated_bytes, 128 << 10);
    assert_int_equal(c->layers[0].zero_bytes, 64 << 10);
    assert_int_equal(c->layers[1].allocated_bytes, 0);
    assert_null(c->layers[1].backing);
    assert_true(st_chain_layer_is_file(&c->layers[1], base));
    assert_false(st_chain_layer_is_file(&c->layers[0], base));
}

static void
test_top_missing_is_an_error(void **state)
{
    CLEANUP_FREE char *p = img("nosuch.qcow2");
    CLEANUP_ERROR struct st_error *err = NULL;

    (void) state;
    assert_null(st_chain_load(p, NULL, &err));
    assert_int_equal(err->code, ST_E_NOT_FOUND);
    assert_contains(err->msg, "nosuch.qcow2");
}

static void
test_unknown_format_option_is_refused(void **state)
{
    CLEANUP_FREE char *p = create("a.qcow2", "1M", NULL, NULL, NULL);
    CLEANUP_ERROR struct st_error *err = NULL;
    struct st_chain_opts o = { .format = "vmdk" };

    (void) state;
    assert_null(st_chain_load(p, &o, &err));
    assert_int_equal(err->code, ST_E_USAGE);
    assert_contains(err->msg, "'vmdk'");
}

static void
test_truncated_headers(void **state)
{
    CLEANUP_FREE char *p = create("t.qcow2", "64M", NULL, NULL, NULL);
    CLEANUP_CHAIN struct st_chain *c = NULL, *c2 = NULL;

    (void) state;
    poke(p, "truncate", "90", NULL);
    c = load(p, NULL);
    assert_contains(fault(c, 0, ST_FAULT_BAD_HEADER)->message, "version 3 header needs at least 104");
    poke(p, "truncate", "40", NULL);
    c2 = load(p, NULL);
    assert_contains(fault(c2, 0, ST_FAULT_BAD_HEADER)->message, "truncated header: 40 bytes");
}

static void
test_hostile_fields(void **state)
{
    (void) state;
    bad_header("magic", "0x12345678", "not a qcow2 image");
    bad_header("version", "4", "unsupported qcow2 version 4");
    bad_header("version", "1", "unsupported qcow2 version 1");
    bad_header("cluster_bits", "8", "cluster bits 8 out of range");
    bad_header("cluster_bits", "22", "cluster bits 22 out of range");
    bad_header("cluster_bits", "0xFFFFFFFF", "cluster bits 4294967295 out of range");
    bad_header("l1_size", "0xFFFFFFFF", "L1 table of 4294967295 entries is too large");
    bad_header("l1_size", "0", "is too small for virtual size 67108864");
    bad_header("size", "0xFFFFFFFFFFFFFFFF", "is too small for virtual size");
    bad_header("l1_table_offset", "0x10001", "not cluster aligned");
    bad_header("l1_table_offset", "0xFFFFFFFFFFFF0000", "overflows");
    bad_header("header_length", "50", "header length 50 is too short");
    bad_header("header_length", "0x20000", "exceeds the cluster size");
    bad_header("refcount_order", "7", "refcount order 7 out of range");
    bad_header("compression_type", "1", "without the compression type feature bit");
}

static void
test_backing_offset_past_eof(void **state)
{
    CLEANUP_FREE char *base ST_UNUSED = create("b.qcow2", "64M", NULL, NULL, NULL);
    CLEANUP_FREE char *top = create("o.qcow2", "64M", "b.qcow2", "qcow2", NULL);
    CLEANUP_CHAIN struct st_chain *c = NULL, *c2 = NULL;

    (void) state;
    poke(top, "backing_file_offset", "0x7fffffff00", NULL);
    c = load(top, NULL);
    assert_contains(fault(c, 0, ST_FAULT_BAD_HEADER)->message, "is past the end of the file");
    assert_int_equal(c->n_layers, 1);
    /* Inside the file but past the first cluster: QEMU does not read it. */
    poke(top, "backing_file_offset", "0x10000", NULL);
    c2 = load(top, NULL);
    assert_contains(fault(c2, 0, ST_FAULT_BAD_HEADER)->message, "outside the first cluster");
}

static void
test_backing_name_limit(void **state)
{
    CLEANUP_FREE char *top = create("n.qcow2", "64M", NULL, NULL, NULL);
    CLEANUP_CHAIN struct st_chain *c = NULL;

    (void) state;
    poke(top, "backing_file_offset", "512", NULL);
    poke(top, "backing_file_size", "1024", NULL);
    c = load(top, NULL);
    assert_contains(fault(c, 0, ST_FAULT_BAD_HEADER)->message, "1024 bytes is too long");
    poke(top, "backing_file_size", "0xFFFFFFFF", NULL);
    {
        CLEANUP_CHAIN struct st_chain *c2 = load(top, NULL);

        assert_contains(fault(c2, 0, ST_FAULT_BAD_HEADER)->message,
                        "4294967295 bytes is too long (QEMU's limit is 1023)");
    }
}

static void
test_feature_bits(void **state)
{
    CLEANUP_FREE char *p = create("f.qcow2", "64M", NULL, NULL, NULL);
    CLEANUP_CHAIN struct st_chain *c1 = NULL, *c2 = NULL, *c3 = NULL;

    (void) state;
    poke(p, "incompatible_features", "0x3", NULL);
    c1 = load(p, NULL);
    assert_contains(fault(c1, 0, ST_FAULT_DIRTY)->message, "dirty bit");
    assert_contains(fault(c1, 0, ST_FAULT_CORRUPT)->message, "marked corrupt");
    assert_true(c1->layers[0].has_header);

    poke(p, "incompatible_features", "0x80", NULL);
    c2 = load(p, NULL);
    assert_contains(fault(c2, 0, ST_FAULT_UNKNOWN_FEATURE)->message, "feature bit 7");
    /* The file's own feature name table names it. */
    poke3(p, "feature", "0", "7", "frobnicate");
    c3 = load(p, NULL);
    assert_contains(fault(c3, 0, ST_FAULT_UNKNOWN_FEATURE)->message, "bit 7 ('frobnicate')");
}

static void
test_extended_l2_needs_16k_clusters(void **state)
{
    CLEANUP_FREE char *p = create("x.qcow2", "1M", NULL, NULL, "cluster_size=4096");

    (void) state;
    poke(p, "incompatible_features", "0x10", NULL);
    {
        CLEANUP_CHAIN struct st_chain *c = load(p, NULL);

        assert_contains(fault(c, 0, ST_FAULT_BAD_HEADER)->message, "extended L2 entries need clusters");
    }
}

static void
test_extension_limits(void **state)
{
    CLEANUP_FREE char *base ST_UNUSED = create("eb.qcow2", "64M", NULL, NULL, NULL);
    CLEANUP_FREE char *top = create("et.qcow2", "64M", "eb.qcow2", "qcow2", NULL);
    CLEANUP_CHAIN struct st_chain *c = NULL;

    (void) state;
    poke(top, "ext", "backing_format", "qcow2qcow2qcow2qcow2");
    c = load(top, NULL);
    assert_contains(fault(c, 0, ST_FAULT_BAD_HEADER)->message, "backing format extension of 20 bytes is too long");
}

static void
test_missing_backing(void **state)
{
    CLEANUP_FREE char *base = create("gone.qcow2", "64M", NULL, NULL, NULL);
    CLEANUP_FREE char *top = create("orphan.qcow2", "64M", "gone.qcow2", "qcow2", NULL);
    CLEANUP_CHAIN struct st_chain *c = NULL;

    (void) state;
    unlink(base);
    c = load(top, NULL);
    assert_int_equal(c->n_layers, 2);
    assert_false(c->layers[1].exists);
    assert_contains(fault(c, 1, ST_FAULT_MISSING)->message, "does not exist");
    assert_string_equal(c->layers[0].backing_resolved, base);
}

static void
test_loop(void **state)
{
    CLEANUP_FREE char *a = create("la.qcow2", "64M", NULL, NULL, NULL);
    CLEANUP_FREE char *b = create("lb.qcow2", "64M", "la.qcow2", "qcow2", NULL);
    CLEANUP_CHAIN struct st_chain *c = NULL;

    (void) state;
    poke(a, "backing", "lb.qcow2", NULL);
    poke(a, "ext", "backing_format", "qcow2");
    c = load(b, NULL);
    assert_int_equal(c->n_layers, 2);
    assert_contains(fault(c, 1, ST_FAULT_LOOP)->message, "already in the chain");
}

/* A chain deeper than the loop filter is wide makes its bits collide
 * (chain.c, seen_before()): no false loop, and a loop deep down is
 * still found.  Layers are copies of one small overlay whose backing
 * name is rewritten in place ("d0000.qcow2" is as long as any). */
static void
test_deep_chain_loops(void **state)
{
    enum { DEPTH = 700 };
    CLEANUP_FREE char *base = create("d0000.qcow2", "1M", NULL, NULL, "cluster_size=512");
    CLEANUP_FREE char *tpl = create("tpl.qcow2", "1M", "d0000.qcow2", "qcow2", "cluster_size=512");
    CLEANUP_FREE char *top = NULL;
    CLEANUP_FREE char *bytes = NULL;
    CLEANUP_CHAIN struct st_chain *c = NULL;
    size_t len, at;
    char *hit;

    (void) state;
    bytes = st_path_read(tpl, 1 << 20, &len, NULL);
    assert_non_null(bytes);
    hit = memmem(bytes, len, "d0000.qcow2", 11);
    assert_non_null(hit);
    at = (size_t) (hit - bytes);
    for (int i = 1; i < DEPTH; i++) {
        char name[24], below[24];
        CLEANUP_FREE char *path = NULL;

        snprintf(name, sizeof name, "d%04d.qcow2", i);
        snprintf(below, sizeof below, "d%04d.qcow2", i - 1);
        memcpy(bytes + at, below, 11);
        path = img(name);
        assert_true(st_path_write_atomic(path, 0644, bytes, len, NULL));
        if (i == DEPTH - 1)
            top = ST_STEAL(&path);
    }
    c = load(top, NULL);
    assert_int_equal(c->n_layers, DEPTH);
    assert_int_equal(c->n_faults, 0);
    st_chain_free(ST_STEAL(&c));

    /* The base now backs onto a layer halfway up. */
    poke(base, "backing", "d0350.qcow2", NULL);
    poke(base, "ext", "backing_format", "qcow2");
    c = load(top, NULL);
    assert_int_equal(c->n_layers, DEPTH);
    assert_int_equal(c->n_faults, 1);
    assert_contains(fault(c, DEPTH - 1, ST_FAULT_LOOP)->message, "d0350.qcow2");
}

static void
test_missing_backing_format_is_refused(void **state)
{
    CLEANUP_FREE char *base ST_UNUSED = create("nf.qcow2", "64M", NULL, NULL, NULL);
    CLEANUP_FREE char *top = create("nft.qcow2", "64M", "nf.qcow2", "qcow2", NULL);
    CLEANUP_CHAIN struct st_chain *c = NULL, *c2 = NULL;
    struct st_chain_opts o = { .backing_format = "qcow2" };

    (void) state;
    poke(top, "ext-del", "backing_format", NULL);
    c = load(top, NULL);
    assert_int_equal(c->n_layers, 1);
    assert_null(c->layers[0].backing_format);
    assert_contains(fault(c, 0, ST_FAULT_NO_BACKING_FORMAT)->message, "does not probe");
    /* Named by the user: followed, no fault. */
    c2 = load(top, &o);
    assert_int_equal(c2->n_layers, 2);
    assert_int_equal(c2->n_faults, 0);
}

static void
test_format_mismatch(void **state)
{
    CLEANUP_FREE char *base ST_UNUSED = create("mm.qcow2", "64M", NULL, NULL, NULL);
    CLEANUP_FREE char *top = create("mmt.qcow2", "64M", "mm.qcow2", "qcow2", NULL);
    CLEANUP_FREE char *raw = img("r.raw");
    CLEANUP_FREE char *top2 = create("mmr.qcow2", "1M", NULL, NULL, NULL);
    CLEANUP_CHAIN struct st_chain *c = NULL, *c2 = NULL;
    char *mk[] = { "qemu-img", "create", "-q", "-f", "raw", raw, "1M", NULL };

    (void) state;
    poke(top, "ext", "backing_format", "raw");
    c = load(top, NULL);
    assert_string_equal(c->layers[1].format, "raw");
    assert_contains(fault(c, 1, ST_FAULT_FORMAT_MISMATCH)->message, "used as raw but is a qcow2 image");

    run(mk);
    poke(top2, "backing", "r.raw", NULL);
    poke(top2, "ext", "backing_format", "qcow2");
    c2 = load(top2, NULL);
    assert_contains(fault(c2, 1, ST_FAULT_FORMAT_MISMATCH)->message, "recorded as qcow2 but is not");
}

static void
test_backing_sizes(void **state)
{
    CLEANUP_FREE char *small ST_UNUSED = create("small.qcow2", "32M", NULL, NULL, NULL);
    CLEANUP_FREE char *big ST_UNUSED = create("big.qcow2", "128M", NULL, NULL, NULL);
    CLEANUP_FREE char *t1 = create("t1.qcow2", "64M", "small.qcow2", "qcow2", NULL);
    CLEANUP_FREE char *t2 = create("t2.qcow2", "64M", "big.qcow2", "qcow2", NULL);
    CLEANUP_CHAIN struct st_chain *c1 = NULL, *c2 = NULL;

    (void) state;
    c1 = load(t1, NULL);
    assert_contains(fault(c1, 0, ST_FAULT_BACKING_SMALLER)->message, "is smaller than");
    c2 = load(t2, NULL);
    assert_contains(fault(c2, 0, ST_FAULT_BACKING_LARGER)->message, "is larger than");
}

static void
test_depth_limit(void **state)
{
    CLEANUP_CHAIN struct st_chain *c = NULL, *c2 = NULL;
    struct st_chain_opts o = { .max_depth = 3 };
    char name[32], prev[32];
    char *top = NULL;

    (void) state;
    free(create("d0.qcow2", "1M", NULL, NULL, NULL));
    for (int i = 1; i < 5; i++) {
        snprintf(name, sizeof(name), "d%d.qcow2", i);
        snprintf(prev, sizeof(prev), "d%d.qcow2", i - 1);
        free(top);
        top = create(name, "1M", prev, "qcow2", NULL);
    }
    c = load(top, &o);
    assert_int_equal(c->n_layers, 3);
    assert_contains(fault(c, 2, ST_FAULT_TOO_DEEP)->message, "deeper than 3 layers");
    c2 = load(top, NULL);
    assert_int_equal(c2->n_layers, 5);
    assert_int_equal(c2->n_faults, 0);
    free(top);
}

static void
test_unsupported_backing_strings(void **state)
{
    static const char *const strings[] = {
        "json:{\"driver\":\"qcow2\"}", "nbd://localhost/x", "nbd:unix:/tmp/s", "file:base.qcow2",
    };

    (void) state;
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        CLEANUP_FREE char *p = create("u.qcow2", "1M", NULL, NULL, NULL);
        CLEANUP_CHAIN struct st_chain *c = NULL;

        poke(p, "backing", strings[i], NULL);
        poke(p, "ext", "backing_format", "qcow2");
        c = load(p, NULL);
        assert_int_equal(c->n_layers, 1);
        assert_string_equal(c->layers[0].backing, strings[i]);
        assert_null(c->layers[0].backing_resolved);
        assert_contains(fault(c, 0, ST_FAULT_UNSUPPORTED_BACKING)->message, "does not follow");
        unlink(p);
    }
}

/* Big-endian u64 at @off of @path. */
static uint64_t
peek64(const char *path, uint64_t off)
{
    unsigned char b[8];
    FILE *fp = fopen(path, "rb");
    uint64_t v = 0;

    assert_non_null(fp);
    assert_int_equal(fseek(fp, (long) off, SEEK_SET), 0);
    assert_int_equal(fread(b, 1, 8, fp), 8);
    fclose(fp);
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

static void
test_bad_tables(void **state)
{
    CLEANUP_FREE char *p = create("tb.qcow2", "8M", NULL, NULL, "extended_l2=on,cluster_size=64k");
    char *io[] = { "qemu-io", "-c", "write -P 1 4k 4k", p, NULL };
    char off[32], val[32];
    uint64_t l1, l2;

    (void) state;
    run(io);
    {
        CLEANUP_CHAIN struct st_chain *c = load(p, NULL);

        assert_int_equal(c->n_faults, 0);
        assert_int_equal(c->layers[0].allocated_bytes, 4096);
    }
    l1 = peek64(p, 40);
    l2 = peek64(p, l1) & UINT64_C(0x00fffffffffffe00);
    assert_true(l2 != 0);
    /* Subcluster 1 both allocated and zero: invalid (qcow2.txt). */
    snprintf(off, sizeof(off), "%" PRIu64, l2 + 8);
    snprintf(val, sizeof(val), "0x%" PRIx64, (UINT64_C(1) << 33) | 2);
    poke(p, "u64", off, val);
    {
        CLEANUP_CHAIN struct st_chain *c = load(p, NULL);

        assert_contains(fault(c, 0, ST_FAULT_BAD_TABLE)->message, "both allocated and zero");
        assert_false(c->layers[0].has_alloc);
        assert_true(c->layers[0].has_header);
    }
    /* An L2 table past the end of the file. */
    snprintf(off, sizeof(off), "%" PRIu64, l1);
    poke(p, "u64", off, "0x80000000ff0000");
    {
        CLEANUP_CHAIN struct st_chain *c = load(p, NULL);

        assert_contains(fault(c, 0, ST_FAULT_BAD_TABLE)->message, "L2 table at offset");
    }
    /* The L1 table itself past the end of the file. */
    poke(p, "l1_table_offset", "0x100000000", NULL);
    {
        CLEANUP_CHAIN struct st_chain *c = load(p, NULL);

        assert_contains(fault(c, 0, ST_FAULT_BAD_TABLE)->message, "L1 table at offset 4294967296 is past the end");
    }
}

/* A deep chain: every layer's allocation, and a table fault deep down
 * in its place among the layer's other faults (after the header's,
 * before the ones found when the walk reads the layer below). */
static void
test_deep_chain_reads_tables_in_order(void **state)
{
    enum { DEPTH = 20, BAD = 5 };    /* BAD is layer 14 from the top */
    char *paths[DEPTH] = { NULL };     /* owned */
    char name[32], back[32];

    (void) state;
    for (int i = 0; i < DEPTH; i++) {
        snprintf(name, sizeof name, "deep%d.qcow2", i);
        snprintf(back, sizeof back, "deep%d.qcow2", i - 1);
        /* Layer BAD is 2M over a 4M backing: backing-larger on it. */
        paths[i] = create(name, i == BAD ? "2M" : i < BAD ? "4M" : "2M", i ? back : NULL,
                          i ? "qcow2" : NULL, NULL);
        if (i % 3 == 0) {
            char *io[] = { "qemu-io", "-c", "write -P 3 0 128k", paths[i], NULL };

            run(io);
        }
    }
    poke(paths[BAD], "incompatible_features", "0x1", NULL);            /* dirty */
    poke(paths[BAD], "l1_table_offset", "0x100000000", NULL);          /* past EOF */
    {
        CLEANUP_CHAIN struct st_chain *c = load(paths[DEPTH - 1], NULL);
        size_t bad = DEPTH - 1 - BAD;

        assert_int_equal(c->n_layers, DEPTH);
        for (size_t i = 0; i < DEPTH; i++) {
            int layer = DEPTH - 1 - (int) i;

            if (i == bad) {
                assert_false(c->layers[i].has_alloc);
                continue;
            }
            assert_true(c->layers[i].has_alloc);
            assert_int_equal(c->layers[i].allocated_bytes, layer % 3 == 0 ? 131072 : 0);
        }
        assert_int_equal(c->layers[bad].n_faults, 3);
        assert_int_equal(c->layers[bad].faults[0].code, ST_FAULT_DIRTY);
        assert_int_equal(c->layers[bad].faults[1].code, ST_FAULT_BAD_TABLE);
        assert_contains(c->layers[bad].faults[1].message, "L1 table at offset 4294967296");
        assert_int_equal(c->layers[bad].faults[2].code, ST_FAULT_BACKING_LARGER);
        assert_int_equal(c->n_faults, 3);
    }
    /* The walk keeps read layers' files open to close them in batches;
     * with few descriptors allowed it must close early, not fail. */
    {
        struct rlimit old, tight;
        struct st_chain *c;
        CLEANUP_ERROR struct st_error *err = NULL;

        assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
        tight = old;
        tight.rlim_cur = 12;
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &tight), 0);
        c = st_chain_load(paths[DEPTH - 1], NULL, &err);
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
        if (!c)
            fail_msg("walk with 12 descriptors: %s", err->msg);
        assert_int_equal(c->n_layers, DEPTH);
        for (size_t i = 0; i < DEPTH; i++)
            assert_true(c->layers[i].exists);
        st_chain_free(c);
    }
    for (int i = 0; i < DEPTH; i++)
        free(paths[i]);
}

static void
test_unreadable_encrypted_data_file(void **state)
{
    CLEANUP_FREE char *top = create("ur.qcow2", "1M", NULL, NULL, NULL);
    CLEANUP_FREE char *sub = img("adir");
    CLEANUP_FREE char *df = img("df.raw");
    CLEANUP_FREE char *opt = st_xasprintf("data_file=%s", df);
    CLEANUP_FREE char *withdf = create("wdf.qcow2", "1M", NULL, NULL, opt);
    CLEANUP_FREE char *enc = create("enc.qcow2", "1M", NULL, NULL, NULL);
    char *mk[] = { "mkdir", sub, NULL };

    (void) state;
    /* A backing "file" that is a directory cannot be read as an image. */
    run(mk);
    poke(top, "backing", "adir", NULL);
    poke(top, "ext", "backing_format", "qcow2");
    {
        CLEANUP_CHAIN struct st_chain *c = load(top, NULL);

        assert_int_equal(c->n_layers, 2);
        assert_contains(fault(c, 1, ST_FAULT_UNREADABLE)->message, "not a regular file");
    }
    {
        CLEANUP_CHAIN struct st_chain *c = load(withdf, NULL);

        assert_contains(fault(c, 0, ST_FAULT_DATA_FILE)->message, df);
    }
    poke(enc, "crypt_method", "2", NULL);
    {
        CLEANUP_CHAIN struct st_chain *c = load(enc, NULL);

        assert_contains(fault(c, 0, ST_FAULT_ENCRYPTED)->message, "encrypted (method 2)");
    }
}

static void
test_resolve_rules(void **state)
{
    CLEANUP_ERROR struct st_error *err = NULL;
    CLEANUP_FREE char *a = st_backing_resolve("/img/sub/top.qcow2", "../base.qcow2", NULL);
    CLEANUP_FREE char *b = st_backing_resolve("/img/top.qcow2", "/abs/base.qcow2", NULL);
    CLEANUP_FREE char *c = st_backing_resolve("top.qcow2", "base.qcow2", NULL);
    CLEANUP_FREE char *d = st_backing_resolve("rel/top.qcow2", "x/dir:base.qcow2", NULL);

    (void) state;
    assert_string_equal(a, "/img/sub/../base.qcow2");
    assert_string_equal(b, "/abs/base.qcow2");
    assert_string_equal(c, "base.qcow2");
    /* A ':' after a '/' is not a protocol (QEMU's path_has_protocol). */
    assert_string_equal(d, "rel/x/dir:base.qcow2");
    assert_false(st_backing_has_protocol("./a:b"));
    assert_true(st_backing_has_protocol("ssh://h/x"));
    assert_null(st_backing_resolve("/img/top.qcow2", "", &err));
    assert_int_equal(err->code, ST_E_CHAIN);
}

static void
test_parse_from_bytes(void **state)
{
    unsigned char buf[512] = { 0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 2 };
    struct st_qcow2_header h;
    CLEANUP_ERROR struct st_error *err = NULL;

    (void) state;
    buf[23] = 16;               /* cluster bits */
    assert_true(st_qcow2_parse(buf, sizeof(buf), sizeof(buf), &h, NULL));
    assert_int_equal(h.version, 2);
    assert_int_equal(h.cluster_size, 65536);
    assert_null(st_qcow2_backing(&h));
    assert_null(st_qcow2_backing_format(&h));
    st_qcow2_header_clear(&h);
    assert_int_equal(st_qcow2_first_cluster_len(buf, sizeof(buf)), 65536);
    /* A file shorter than the header it claims. */
    assert_false(st_qcow2_parse(buf, 71, 71, &h, &err));
    assert_int_equal(err->code, ST_E_QCOW2);
    assert_contains(err->msg, "71 bytes");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_relative_chain),
        cmocka_unit_test(test_top_missing_is_an_error),
        cmocka_unit_test(test_unknown_format_option_is_refused),
        cmocka_unit_test(test_truncated_headers),
        cmocka_unit_test(test_hostile_fields),
        cmocka_unit_test(test_backing_offset_past_eof),
        cmocka_unit_test(test_backing_name_limit),
        cmocka_unit_test(test_feature_bits),
        cmocka_unit_test(test_extended_l2_needs_16k_clusters),
        cmocka_unit_test(test_extension_limits),
        cmocka_unit_test(test_missing_backing),
        cmocka_unit_test(test_loop),
        cmocka_unit_test(test_deep_chain_loops),
        cmocka_unit_test(test_missing_backing_format_is_refused),
        cmocka_unit_test(test_format_mismatch),
        cmocka_unit_test(test_backing_sizes),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_unsupported_backing_strings),
        cmocka_unit_test(test_bad_tables),
        cmocka_unit_test(test_deep_chain_reads_tables_in_order),
        cmocka_unit_test(test_unreadable_encrypted_data_file),
        cmocka_unit_test(test_resolve_rules),
        cmocka_unit_test(test_parse_from_bytes),
    };
    return cmocka_run_group_tests_name("chain/qcow2", tests, setup, teardown);
}
