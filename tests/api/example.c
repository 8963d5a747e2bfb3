/* tests/api/example.c: a program that uses libstrata the way a backup
 * pipeline would, built against an installed library with
 * `pkg-config --cflags --libs strata` (tests/func/api-example.sh).
 *
 *   example DIR STATE-DIR RUN-DIR
 *
 * DIR holds vda.qcow2 and vdb.qcow2 (64 MiB, empty).  The program
 * defines a two-disk domain, writes, snapshots twice, lists, reverts to
 * the first snapshot, makes a branch, deletes the root with a merge
 * while a progress callback watches the bytes, inspects a chain, and
 * checks every result and the content of each point in time (read
 * with qemu-io, which exits non-zero when a pattern does not match).
 * Exits 0 when all is as expected; prints what differed otherwise. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strata.h>

#define MiB (1024 * 1024)

static int failures;

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (!(cond)) {                                                        \
            const strata_error *e_ = strata_last_error();                     \
            fprintf(stderr, "%s:%d: %s failed (last error: %s: %s)\n",        \
                    __FILE__, __LINE__, #cond,                                \
                    strata_error_code_name(strata_error_get_code(e_)),        \
                    e_ ? strata_error_get_message(e_) : "none");              \
            failures++;                                                       \
            goto out;                                                         \
        }                                                                     \
    } while (0)

/* qemu-io on @path (qcow2): "write" or "read" of pattern @pat at @mib. */
static int
qemu_io(const char *path, const char *op, int pat, int mib)
{
    char cmd[4096];

    snprintf(cmd, sizeof cmd, "qemu-io -f qcow2 %s -c '%s -P 0x%02x %dM 1M' '%s' >/dev/null",
             strcmp(op, "read") == 0 ? "-r -U" : "", op, pat, mib, path);
    return system(cmd) == 0 ? 0 : -1;
}

/* The active file of disk @i of @dom, into @buf. */
static int
active(strata_domain *dom, int i, char *buf, size_t len)
{
    strata_disk *disks = NULL;
    int n = strata_domain_get_disks(dom, &disks);

    if (n <= i) {
        strata_disks_free(disks, n);
        return -1;
    }
    snprintf(buf, len, "%s", disks[i].path);
    strata_disks_free(disks, n);
    return 0;
}

/* Both disks of @dom read @pats[k] (0: zeros) at k MiB. */
static int
content(strata_domain *dom, const int *pats, int npats)
{
    char path[4096];

    for (int d = 0; d < 2; d++) {
        if (active(dom, d, path, sizeof path) < 0)
            return -1;
        for (int k = 0; k < npats; k++)
            if (qemu_io(path, "read", pats[k], k) < 0) {
                fprintf(stderr, "%s at %d MiB is not 0x%02x\n", path, k, pats[k]);
                return -1;
            }
    }
    return 0;
}

static int
write_both(strata_domain *dom, int pat, int mib)
{
    char path[4096];

    for (int d = 0; d < 2; d++)
        if (active(dom, d, path, sizeof path) < 0 || qemu_io(path, "write", pat, mib) < 0)
            return -1;
    return 0;
}

static strata_snapshot *
snapshot(strata_domain *dom, const char *name)
{
    char xml[256];

    snprintf(xml, sizeof xml, "<domainsnapshot><name>%s</name></domainsnapshot>", name);
    return strata_snapshot_create_xml(dom, xml, 0);
}

/* Two names, in order. */
static int
names_are(char **names, int n, const char *a, const char *b)
{
    return n == 2 && strcmp(names[0], a) == 0 && strcmp(names[1], b) == 0;
}

struct watch {
    unsigned calls;
    uint64_t last_done, last_total;
    int backwards;
};

static int
on_progress(uint64_t done, uint64_t total, void *opaque)
{
    struct watch *w = opaque;

    if (done < w->last_done)
        w->backwards = 1;
    w->calls++;
    w->last_done = done;
    w->last_total = total;
    return 0;                   /* non-zero would cancel */
}

int
main(int argc, char **argv)
{
    char vda[4096], vdb[4096], path[4096];
    strata_conn *conn = NULL;
    strata_domain *dom = NULL;
    strata_snapshot *s1 = NULL, *s2 = NULL, *s3 = NULL, *cur = NULL, *parent = NULL;
    strata_plan *plan = NULL;
    strata_chain *chain = NULL;
    char **names = NULL;
    char *xml = NULL;
    struct watch w = { 0 };
    strata_delete_params params = { .progress = on_progress, .opaque = &w };
    int n;

    if (argc != 4) {
        fprintf(stderr, "usage: %s DIR STATE-DIR RUN-DIR\n", argv[0]);
        return 2;
    }
    snprintf(vda, sizeof vda, "%s/vda.qcow2", argv[1]);
    snprintf(vdb, sizeof vdb, "%s/vdb.qcow2", argv[1]);
    printf("libstrata %s\n", strata_version());

    CHECK((conn = strata_open(argv[2], argv[3], 0)));
    {
        const strata_disk disks[] = {
            { .dev = "vda", .path = vda, .format = "qcow2" },
            { .dev = "vdb", .path = vdb, .format = NULL },
        };

        CHECK((dom = strata_domain_define_disks(conn, "api-vm", disks, 2, 0)));
    }
    CHECK(strcmp(strata_domain_get_name(dom), "api-vm") == 0);
    CHECK((n = strata_list_domains(conn, &names)) == 1 && strcmp(names[0], "api-vm") == 0);
    strata_names_free(names);
    names = NULL;
    CHECK((xml = strata_domain_get_xml(dom, 0)) && strstr(xml, "vdb.qcow2"));
    free(xml);
    xml = NULL;

    /* Two points in time: 0x11 at 0, then 0x22 at 1 MiB. */
    CHECK(write_both(dom, 0x11, 0) == 0);
    CHECK((s1 = snapshot(dom, "s1")));
    CHECK(write_both(dom, 0x22, 1) == 0);
    CHECK((s2 = snapshot(dom, "s2")));
    CHECK(strata_snapshot_num(dom, 0) == 2);
    CHECK((n = strata_snapshot_list_names(dom, &names, 0)) >= 0 &&
          names_are(names, n, "s1", "s2"));
    strata_names_free(names);
    names = NULL;
    CHECK(strata_snapshot_num(dom, STRATA_LIST_ROOTS) == 1);
    CHECK(strata_snapshot_num(dom, STRATA_LIST_LEAVES) == 1);
    CHECK((cur = strata_snapshot_current(dom)) &&
          strcmp(strata_snapshot_get_name(cur), "s2") == 0);
    CHECK((parent = strata_snapshot_get_parent(s2)) &&
          strcmp(strata_snapshot_get_name(parent), "s1") == 0);
    CHECK((xml = strata_snapshot_get_xml(s2, 0)) && strstr(xml, "<name>s2</name>") &&
          strstr(xml, "<parent>"));
    CHECK(!strata_snapshot_get_parent(s1) &&
          strata_error_get_code(strata_last_error()) == STRATA_ERR_NOT_FOUND);

    /* Back to s1: 1 MiB reads zeros again; then a branch s3. */
    CHECK(strata_snapshot_revert(s1, 0) == 0);
    CHECK(content(dom, (const int[]) { 0x11, 0 }, 2) == 0);
    CHECK(write_both(dom, 0x33, 2) == 0);
    CHECK((s3 = snapshot(dom, "s3")));
    CHECK((n = strata_snapshot_list_children_names(s1, &names, 0)) >= 0 &&
          names_are(names, n, "s2", "s3"));
    strata_names_free(names);
    names = NULL;

    /* Delete the root s1: its data (1 MiB per disk) merges into both
     * branches, shown first as a plan. */
    CHECK((plan = strata_snapshot_delete_plan(s1, 0)));
    CHECK(strata_plan_num_steps(plan) >= 2);
    CHECK(strata_plan_get_bytes(plan) >= 2 * MiB);
    for (size_t i = 0; i < strata_plan_num_steps(plan); i++) {
        const strata_plan_step *s = strata_plan_get_step(plan, i);

        CHECK(s && s->disk && s->top && s->base);
        printf("plan: %s %s %s <- %s, %" PRIu64 " bytes\n", s->disk,
               s->kind == STRATA_STEP_COMMIT ? "commit" : "stream", s->base, s->top, s->bytes);
    }
    CHECK(strata_plan_get_deleted(plan)[0] && strcmp(strata_plan_get_deleted(plan)[0], "s1") == 0);
    CHECK(strata_snapshot_delete(s1, 0, &params) == 0);
    printf("progress: %u calls, %" PRIu64 " of %" PRIu64 " bytes\n", w.calls, w.last_done,
           w.last_total);
    CHECK(w.calls > 0 && !w.backwards);
    CHECK(w.last_done == w.last_total && w.last_done >= 2 * MiB);
    CHECK(strata_snapshot_num(dom, 0) == 2);
    CHECK(!strata_snapshot_lookup(dom, "s1") &&
          strata_error_get_code(strata_last_error()) == STRATA_ERR_NOT_FOUND);

    /* Every point kept its content. */
    CHECK(content(dom, (const int[]) { 0x11, 0, 0x33 }, 3) == 0);
    CHECK(strata_snapshot_revert(s2, 0) == 0);
    CHECK(content(dom, (const int[]) { 0x11, 0x22, 0 }, 3) == 0);

    /* The chain under vda, read from the headers: no fault, 64 MiB. */
    CHECK((chain = strata_chain_open_disk(dom, "vda", 0)));
    CHECK(strata_chain_num_layers(chain) >= 2 && strata_chain_num_faults(chain) == 0);
    CHECK(active(dom, 0, path, sizeof path) == 0);
    CHECK(strcmp(strata_chain_get_layer(chain, 0)->abs_path, path) == 0);
    for (size_t i = 0; i < strata_chain_num_layers(chain); i++) {
        const strata_layer *l = strata_chain_get_layer(chain, i);

        CHECK(l->exists && l->has_header && l->virtual_size == 64 * MiB && l->has_alloc);
        printf("layer %zu: %s, %" PRIu64 " bytes allocated\n", i, l->path, l->allocated_bytes);
    }
    CHECK(!strata_chain_get_layer(chain, strata_chain_num_layers(chain)));

    printf("all checks passed\n");
out:
    strata_chain_free(chain);
    strata_plan_free(plan);
    strata_names_free(names);
    free(xml);
    strata_snapshot_free(parent);
    strata_snapshot_free(cur);
    strata_snapshot_free(s3);
    strata_snapshot_free(s2);
    strata_snapshot_free(s1);
    strata_domain_free(dom);
    strata_close(conn);
    return failures ? 1 : 0;
}
