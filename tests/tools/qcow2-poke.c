/* tests/tools/qcow2-poke.c: patch one field of a real qcow2 image, so
 * tests can build hostile headers from 'qemu-img create' output instead
 * of committing binary fixtures.
 *
 *   qcow2-poke FILE FIELD VALUE     big-endian header field (see fields[])
 *   qcow2-poke FILE truncate BYTES  cut the file
 *   qcow2-poke FILE u64 OFFSET VALUE  write a big-endian u64 anywhere
 *                                   (L1/L2 entries)
 *   qcow2-poke FILE backing NAME    rewrite the backing name ("" for none)
 *   qcow2-poke FILE ext TYPE DATA   set header extension TYPE to DATA
 *   qcow2-poke FILE ext-del TYPE    remove header extension TYPE
 *   qcow2-poke FILE feature TYPE BIT NAME   add a feature-table row
 *
 * TYPE is backing_format, feature_table, data_file or a number.  The
 * extension area and the backing name are rewritten after the header
 * as QEMU lays them out.  Numbers take C syntax (0x..). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct field {
    const char *name;
    unsigned offset;
    unsigned width;
};

static const struct field fields[] = {
    { "magic", 0, 4 },
    { "version", 4, 4 },
    { "backing_file_offset", 8, 8 },
    { "backing_file_size", 16, 4 },
    { "cluster_bits", 20, 4 },
    { "size", 24, 8 },
    { "crypt_method", 32, 4 },
    { "l1_size", 36, 4 },
    { "l1_table_offset", 40, 8 },
    { "refcount_table_offset", 48, 8 },
    { "refcount_table_clusters", 56, 4 },
    { "nb_snapshots", 60, 4 },
    { "snapshots_offset", 64, 8 },
    { "incompatible_features", 72, 8 },
    { "compatible_features", 80, 8 },
    { "autoclear_features", 88, 8 },
    { "refcount_order", 96, 4 },
    { "header_length", 100, 4 },
    { "compression_type", 104, 1 },
};

enum { MAX_EXTS = 64, BUF_LEN = 4096 };

struct ext {
    uint32_t type;
    uint32_t len;
    unsigned char data[BUF_LEN];
};

static unsigned char buf[BUF_LEN];
static struct ext exts[MAX_EXTS];
static size_t n_exts;

static void die(const char *fmt, const char *arg) __attribute__((format(printf, 1, 0), noreturn));

static void
die(const char *fmt, const char *arg)
{
    fprintf(stderr, "qcow2-poke: ");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    fprintf(stderr, fmt, arg);
#pragma GCC diagnostic pop
    fprintf(stderr, "\n");
    exit(1);
}

static uint64_t
get_be(const unsigned char *p, unsigned width)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < width; i++)
        v = v << 8 | p[i];
    return v;
}

static void
put_be(unsigned char *p, unsigned width, uint64_t v)
{
    for (unsigned i = width; i-- > 0;) {
        p[i] = (unsigned char) v;
        v >>= 8;
    }
}

static uint64_t
number(const char *s)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno || end == s || *end)
        die("not a number: '%s'", s);
    return v;
}

static uint32_t
ext_type(const char *s)
{
    if (strcmp(s, "backing_format") == 0)
        return 0xe2792aca;
    if (strcmp(s, "feature_table") == 0)
        return 0x6803f857;
    if (strcmp(s, "data_file") == 0)
        return 0x44415441;
    return (uint32_t) number(s);
}

/* Read the extensions QEMU would read (header_length up to the backing
 * name), so they can be edited and written back. */
static void
load_exts(void)
{
    uint32_t version = (uint32_t) get_be(buf + 4, 4);
    uint64_t off = version >= 3 ? get_be(buf + 100, 4) : 72;
    uint64_t end = get_be(buf + 8, 8) ? get_be(buf + 8, 8) : BUF_LEN;

    if (end > BUF_LEN)
        end = BUF_LEN;
    while (off + 8 <= end && n_exts < MAX_EXTS) {
        struct ext *e = &exts[n_exts];

        e->type = (uint32_t) get_be(buf + off, 4);
        e->len = (uint32_t) get_be(buf + off + 4, 4);
        if (e->type == 0 || e->len > end - off - 8)
            break;
        memcpy(e->data, buf + off + 8, e->len);
        n_exts++;
        off += 8 + ((e->len + 7) & ~7u);
    }
}

/* Write header_length.. as: extensions, end marker, backing name. */
static void
store(const char *backing)
{
    uint32_t version = (uint32_t) get_be(buf + 4, 4);
    size_t off = version >= 3 ? get_be(buf + 100, 4) : 72;
    size_t blen = strlen(backing);

    if (off > BUF_LEN)
        die("header_length too large for this tool%s", "");
    memset(buf + off, 0, BUF_LEN - off);
    for (size_t i = 0; i < n_exts; i++) {
        size_t pad = (exts[i].len + 7) & ~7u;

        if (off + 8 + pad + 8 > BUF_LEN)
            die("extensions do not fit in %s bytes", "4096");
        put_be(buf + off, 4, exts[i].type);
        put_be(buf + off + 4, 4, exts[i].len);
        memcpy(buf + off + 8, exts[i].data, exts[i].len);
        off += 8 + pad;
    }
    off += 8;   /* end marker: zeros */
    if (off + blen > BUF_LEN)
        die("backing name does not fit in %s bytes", "4096");
    if (blen) {
        memcpy(buf + off, backing, blen);
        put_be(buf + 8, 8, off);
    } else {
        put_be(buf + 8, 8, 0);
    }
    put_be(buf + 16, 4, blen);
}

static struct ext *
find_ext(uint32_t type)
{
    for (size_t i = 0; i < n_exts; i++)
        if (exts[i].type == type)
            return &exts[i];
    return NULL;
}

int
main(int argc, char **argv)
{
    const char *file, *op;
    char backing[1024] = "";
    ssize_t got;
    int fd;

    if (argc < 3)
        die("usage: qcow2-poke FILE FIELD VALUE (see the source for more)%s", "");
    file = argv[1];
    op = argv[2];
    if ((fd = open(file, O_RDWR)) < 0)
        die("cannot open '%s'", file);
    if (strcmp(op, "truncate") == 0) {
        if (argc != 4 || ftruncate(fd, (off_t) number(argv[3])) < 0)
            die("truncate failed on '%s'", file);
        return close(fd) < 0;
    }
    if (strcmp(op, "u64") == 0) {
        unsigned char v[8];

        if (argc != 5)
            die("usage: qcow2-poke FILE u64 OFFSET VALUE%s", "");
        put_be(v, 8, number(argv[4]));
        if (pwrite(fd, v, 8, (off_t) number(argv[3])) != 8)
            die("cannot write '%s'", file);
        return close(fd) < 0;
    }
    if ((got = pread(fd, buf, BUF_LEN, 0)) < 72)
        die("cannot read the header of '%s'", file);

    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        if (strcmp(op, fields[i].name) == 0) {
            if (argc != 4)
                die("usage: qcow2-poke FILE %s VALUE", op);
            put_be(buf + fields[i].offset, fields[i].width, number(argv[3]));
            if (pwrite(fd, buf, 112, 0) != 112)
                die("cannot write '%s'", file);
            return close(fd) < 0;
        }
    }

    /* Layout edits: keep the current backing name unless replaced. */
    {
        uint64_t boff = get_be(buf + 8, 8), bsize = get_be(buf + 16, 4);

        if (boff && bsize < sizeof(backing) && boff + bsize <= BUF_LEN)
            memcpy(backing, buf + boff, bsize);
    }
    load_exts();
    if (strcmp(op, "backing") == 0 && argc == 4) {
        if (strlen(argv[3]) >= sizeof(backing))
            die("backing name too long: '%s'", argv[3]);
        strcpy(backing, argv[3]);
    } else if (strcmp(op, "ext") == 0 && argc == 5) {
        struct ext *e = find_ext(ext_type(argv[3]));

        if (!e) {
            if (n_exts == MAX_EXTS)
                die("too many extensions in '%s'", file);
            e = &exts[n_exts++];
            e->type = ext_type(argv[3]);
        }
        e->len = (uint32_t) strlen(argv[4]);
        memcpy(e->data, argv[4], e->len);
    } else if (strcmp(op, "ext-del") == 0 && argc == 4) {
        struct ext *e = find_ext(ext_type(argv[3]));

        if (e) {
            memmove(e, e + 1, (size_t) (exts + n_exts - (e + 1)) * sizeof(*e));
            n_exts--;
        }
    } else if (strcmp(op, "feature") == 0 && argc == 6) {
        struct ext *e = find_ext(0x6803f857);
        unsigned char *row;

        if (!e) {
            e = &exts[n_exts++];
            e->type = 0x6803f857;
            e->len = 0;
        }
        if (e->len + 48 > 1024)
            die("feature table full in '%s'", file);
        row = e->data + e->len;
        memset(row, 0, 48);
        row[0] = (unsigned char) number(argv[3]);
        row[1] = (unsigned char) number(argv[4]);
        strncpy((char *) row + 2, argv[5], 46);
        e->len += 48;
    } else {
        die("unknown field or bad arguments: '%s'", op);
    }
    store(backing);
    if (pwrite(fd, buf, BUF_LEN, 0) != BUF_LEN)
        die("cannot write '%s'", file);
    return close(fd) < 0;
}
