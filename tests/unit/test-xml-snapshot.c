/* tests/unit/test-xml-snapshot.c: <domainsnapshot> parse and format are
 * a symmetric pair (golden in/out files), what strata writes validates
 * against libvirt's RelaxNG schema, the goldens reach every element and
 * attribute of that schema, and every bad input is refused with a
 * message that names the file, the line and the cause.
 *
 * STRATA_UPDATE_GOLDEN=1 in the environment writes the out files from
 * the in files instead of comparing them: review the diff. */
#include "config.h"

#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <libxml/relaxng.h>
#include <libxml/xpath.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "common/xalloc.h"
#include "xml/snapshot.h"
#include "xml/xml.h"
#include "tests/unit/testutil.h"

static const char schema_dir[] = "/usr/share/libvirt/schemas";

/* Validate @text against libvirt's schema @rng; skipped (true) when the
 * schemas are not installed. */
static bool
validates(const char *rng, const char *text)
{
    CLEANUP_FREE char *path = st_xasprintf("%s/%s", schema_dir, rng);
    xmlRelaxNGParserCtxt *pctxt;
    xmlRelaxNG *schema;
    xmlRelaxNGValidCtxt *vctxt;
    CLEANUP_XMLDOC xmlDoc *doc = NULL;
    int r;

    if (access(path, R_OK) != 0)
        return true;
    doc = st_xml_parse(text, strlen(text), "formatted", NULL);
    assert_non_null(doc);
    pctxt = xmlRelaxNGNewParserCtxt(path);
    schema = xmlRelaxNGParse(pctxt);
    assert_non_null(schema);
    vctxt = xmlRelaxNGNewValidCtxt(schema);
    r = xmlRelaxNGValidateDoc(vctxt, doc);
    xmlRelaxNGFreeValidCtxt(vctxt);
    xmlRelaxNGFree(schema);
    xmlRelaxNGFreeParserCtxt(pctxt);
    return r == 0;
}

static void
check_pair(const char *name)
{
    CLEANUP_FREE char *in_rel = st_xasprintf("snapshot-xml/in/%s", name);
    CLEANUP_FREE char *out_rel = st_xasprintf("snapshot-xml/out/%s", name);
    CLEANUP_FREE char *in = st_test_read(in_rel);
    CLEANUP_FREE char *out = getenv("STRATA_UPDATE_GOLDEN") ? NULL : st_test_read(out_rel);
    CLEANUP_ERROR struct st_error *err = NULL;
    CLEANUP_SNAPSHOT struct st_snapshot *s = NULL;
    CLEANUP_SNAPSHOT struct st_snapshot *again = NULL;
    CLEANUP_FREE char *text = NULL;
    CLEANUP_FREE char *text2 = NULL;

    /* The inputs are written from the schema: it must accept them. */
    if (strncmp(name, "unknown-", 8) != 0 && !validates("domainsnapshot.rng", in))
        fail_msg("%s: input does not validate against domainsnapshot.rng", name);
    s = st_snapshot_parse(in, strlen(in), in_rel, ST_SNAPSHOT_PARSE_REDEFINE, &err);
    if (!s)
        fail_msg("%s: %s", in_rel, err->msg);
    text = st_snapshot_format(s, 0);
    if (getenv("STRATA_UPDATE_GOLDEN")) {
        CLEANUP_FREE char *path = st_test_data_path(out_rel);

        st_test_write(path, text);
        free(out);
        out = st_xstrdup(text);
    }
    if (strcmp(text, out) != 0)
        fail_msg("%s: formatted XML differs from %s:\n%s", in_rel, out_rel, text);
    /* The output is a fixed point. */
    again = st_snapshot_parse(text, strlen(text), out_rel, ST_SNAPSHOT_PARSE_REDEFINE, &err);
    assert_non_null(again);
    text2 = st_snapshot_format(again, 0);
    assert_string_equal(text, text2);
    if (strncmp(name, "unknown-", 8) != 0 && !validates("domainsnapshot.rng", text))
        fail_msg("%s: output does not validate against domainsnapshot.rng", name);
}

static void
test_golden_pairs(void **state)
{
    CLEANUP_FREE char *dir = st_test_data_path("snapshot-xml/in");
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    (void) state;
    assert_non_null(d);
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        check_pair(e->d_name);
        n++;
    }
    closedir(d);
    assert_true(n >= 5);
}

/* Each bad file, the flags it is parsed with and what the error says. */
static const struct bad {
    const char *file;
    unsigned flags;
    const char *why;
} bad[] = {
    { "malformed.xml", 0, "malformed.xml:3:" },
    { "malformed.xml", 0, "mismatch" },
    { "unknown-element.xml", 0, "unknown-element.xml:3: unknown element <bogus>" },
    { "relative-source.xml", 0, "relative-source.xml:5: 'rel/vda.s1' is not an absolute path" },
    { "duplicate-disk.xml", 0, "duplicate-disk.xml:5: disk 'vda' is listed twice" },
    { "name-dotdot.xml", 0, "name-dotdot.xml:2: " },
    { "name-slash.xml", 0, "'/'" },
    { "name-empty.xml", 0, "empty" },
    { "name-10k.xml", 0, "255" },
    { "bad-state.xml", 0, "bad-state.xml:3: unknown state 'sleeping'" },
    { "bad-time.xml", 0, "bad-time.xml:3: creationTime 'yesterday'" },
    { "bad-mode.xml", 0, "bad-mode.xml:3: unknown snapshot mode 'sometimes'" },
    { "active-not-boolean.xml", ST_SNAPSHOT_PARSE_REDEFINE,
      "active-not-boolean.xml:3: <active> must be 0 or 1, not 'yes'" },
    { "disk-network.xml", ST_SNAPSHOT_PARSE_REDEFINE,
      "disk-network.xml:4: disk 'vda': type 'network' is not supported" },
    { "disk-two-sources.xml", ST_SNAPSHOT_PARSE_REDEFINE,
      "disk-two-sources.xml:6: disk 'vda' has two <source> elements" },
    { "disk-two-drivers.xml", ST_SNAPSHOT_PARSE_REDEFINE,
      "disk-two-drivers.xml:6: disk 'vda' has two <driver> elements" },
    { "block-relative.xml", ST_SNAPSHOT_PARSE_REDEFINE,
      "block-relative.xml:5: 'vg0/lv' is not an absolute path" },
    /* SPEC §8: refused on create (kept on redefine: unknown-in-disks). */
    { "unknown-in-disk.xml", 0, "unknown-in-disk.xml:5: unknown element <throttle> in disk 'vda'" },
    { "unknown-in-disks.xml", 0, "unknown-in-disks.xml:5: unknown element <hint> in <disks>" },
    { "twice.xml", 0, "twice.xml:3: element <name> appears twice" },
    { "no-name.xml", ST_SNAPSHOT_PARSE_REDEFINE, "needs a <name>" },
    { "billion-laughs.xml", ST_SNAPSHOT_PARSE_REDEFINE, "billion-laughs.xml:2:1: a DOCTYPE is not allowed" },
    { "external-entity.xml", ST_SNAPSHOT_PARSE_REDEFINE, "external-entity.xml:2:1: a DOCTYPE is not allowed" },
    { "undeclared-entity.xml", ST_SNAPSHOT_PARSE_REDEFINE, "undeclared-entity.xml:3:" },
};

static void
test_bad_inputs(void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CLEANUP_FREE char *path = NULL;
        CLEANUP_ERROR struct st_error *err = NULL;
        CLEANUP_SNAPSHOT struct st_snapshot *s = NULL;
        CLEANUP_FREE char *rel = st_xasprintf("snapshot-xml/bad/%s", bad[i].file);

        path = st_test_data_path(rel);
        if ((s = st_snapshot_load(path, bad[i].flags, &err)))
            fail_msg("%s was accepted", bad[i].file);
        if (!strstr(err->msg, bad[i].why))
            fail_msg("%s: message '%s' does not say '%s'", bad[i].file, err->msg, bad[i].why);
        assert_true(err->code == ST_E_XML || err->code == ST_E_NAME);
    }
}

/* Every element and attribute of domainsnapshot.rng (and of the parts
 * of domaincommon.rng and storagecommon.rng it uses for a snapshot
 * disk) is in some golden output: it was kept through parse and
 * format.  The embedded domains are kept whole, so only their presence
 * is checked.  Left out, as the schema itself allows nothing there:
 * <source startupPolicy> (storageStartupPolicy is notAllowed in
 * domainsnapshot.rng) and <source><privateData> (notAllowed).
 * type='network' is refused (bad/disk-network.xml). */
static const char *const schema_paths[] = {
    "/domainsnapshot/name", "/domainsnapshot/description",
    "/domainsnapshot/state[.='running']", "/domainsnapshot/state[.='blocked']",
    "/domainsnapshot/state[.='paused']", "/domainsnapshot/state[.='shutdown']",
    "/domainsnapshot/state[.='shutoff']", "/domainsnapshot/state[.='crashed']",
    "/domainsnapshot/state[.='disk-snapshot']",
    "/domainsnapshot/creationTime", "/domainsnapshot/parent/name",
    "/domainsnapshot/memory[@snapshot='no']", "/domainsnapshot/memory[@snapshot='internal']",
    "/domainsnapshot/memory[@snapshot='external'][@file]",
    "/domainsnapshot/memory[not(@snapshot)][@file]",
    "/domainsnapshot/disks/disk[@snapshot='no']", "/domainsnapshot/disks/disk[@snapshot='internal']",
    "/domainsnapshot/disks/disk[@snapshot='manual']",
    "/domainsnapshot/disks/disk[@snapshot='external'][@type='file']",
    "/domainsnapshot/disks/disk[@snapshot='external'][@type='block']",
    "/domainsnapshot/disks/disk[not(@snapshot)]",
    "/domainsnapshot/disks/disk[starts-with(@name, '/')]",
    "/domainsnapshot/disks/disk/source[@file][@index]",
    "/domainsnapshot/disks/disk/source[not(@file)]/seclabel",
    "/domainsnapshot/disks/disk/source[@dev][@index]",
    "/domainsnapshot/disks/disk/source/seclabel[@model='dac'][@relabel='no']",
    "/domainsnapshot/disks/disk/source/seclabel[@relabel='yes']/label",
    "/domainsnapshot/disks/disk/source/seclabel[@labelskip='yes']",
    "/domainsnapshot/disks/disk[@type='file']/source/slices/slice[@type='storage'][@offset][@size]",
    "/domainsnapshot/disks/disk[@type='block']/source/slices/slice",
    "/domainsnapshot/disks/disk/source/encryption[@format='luks'][@engine='qemu']",
    "/domainsnapshot/disks/disk/source/encryption/secret[@type='passphrase'][@uuid]",
    "/domainsnapshot/disks/disk/source/encryption/secret[@usage]",
    "/domainsnapshot/disks/disk/source/encryption/cipher[@name][@size][@mode][@hash]",
    "/domainsnapshot/disks/disk/source/encryption/ivgen[@name][@hash]",
    "/domainsnapshot/disks/disk/source/encryption[@format='qcow']",
    "/domainsnapshot/disks/disk[@type='block']/source/encryption[@format='default']",
    "/domainsnapshot/disks/disk/driver[@type='qcow2']", "/domainsnapshot/disks/disk/driver[@type='qed']",
    "/domainsnapshot/disks/disk/driver[@type='vmdk']", "/domainsnapshot/disks/disk/driver[not(@type)]",
    "/domainsnapshot/disks/disk/driver/metadata_cache/max_size[@unit='bytes']",
    "/domainsnapshot/disks/disk/driver/metadata_cache[not(*)]",
    "/domainsnapshot/domain/devices", "/domainsnapshot/domain[not(name)]/uuid",
    "/domainsnapshot/inactiveDomain/devices/disk/source/seclabel",
    "/domainsnapshot/cookie/*[namespace-uri()='http://libvirt.org/schemas/domain/qemu/1.0']/cpu",
    "/domainsnapshot/cookie/note",
};

static void
test_schema_coverage(void **state)
{
    CLEANUP_FREE char *dir = st_test_data_path("snapshot-xml/out");
    size_t found[ST_ARRAY_SIZE(schema_paths)] = { 0 };
    DIR *d = opendir(dir);
    struct dirent *e;

    (void) state;
    assert_non_null(d);
    while ((e = readdir(d))) {
        CLEANUP_FREE char *rel = st_xasprintf("snapshot-xml/out/%s", e->d_name);
        CLEANUP_FREE char *text = NULL;
        CLEANUP_XMLDOC xmlDoc *doc = NULL;
        xmlXPathContext *ctx;

        if (e->d_name[0] == '.' || strncmp(e->d_name, "unknown-", 8) == 0)
            continue;
        text = st_test_read(rel);
        doc = st_xml_parse(text, strlen(text), rel, NULL);
        assert_non_null(doc);
        ctx = xmlXPathNewContext(doc);
        for (size_t i = 0; i < ST_ARRAY_SIZE(schema_paths); i++) {
            xmlXPathObject *r = xmlXPathEvalExpression(BAD_CAST schema_paths[i], ctx);

            if (!r)
                fail_msg("bad XPath %s", schema_paths[i]);
            found[i] += r->nodesetval ? (size_t) r->nodesetval->nodeNr : 0;
            xmlXPathFreeObject(r);
        }
        xmlXPathFreeContext(ctx);
    }
    closedir(d);
    for (size_t i = 0; i < ST_ARRAY_SIZE(schema_paths); i++)
        if (!found[i])
            fail_msg("no golden output in snapshot-xml/out has %s", schema_paths[i]);
}

/* <active> outside the store is libvirt's: accepted, exposed, never
 * taken as "current" and never written back. */
static void
test_active_in_input(void **state)
{
    CLEANUP_FREE char *in = st_test_read("snapshot-xml/in/active-in-input.xml");
    CLEANUP_SNAPSHOT struct st_snapshot *s = NULL;
    CLEANUP_SNAPSHOT struct st_snapshot *internal = NULL;
    CLEANUP_SNAPSHOT struct st_snapshot *none = NULL;
    CLEANUP_FREE char *text = NULL;
    CLEANUP_FREE char *stored = NULL;

    (void) state;
    s = st_snapshot_parse(in, strlen(in), "in", ST_SNAPSHOT_PARSE_REDEFINE, NULL);
    assert_non_null(s);
    assert_true(s->has_active_in_input);
    assert_true(s->active_in_input);
    assert_false(s->current);
    text = st_snapshot_format(s, 0);
    assert_null(strstr(text, "active"));
    /* In the store's form <active> is whatever strata says. */
    stored = st_snapshot_format(s, ST_SNAPSHOT_FORMAT_INTERNAL);
    assert_non_null(strstr(stored, "<active>0</active>"));
    internal = st_snapshot_parse(in, strlen(in), "in", ST_SNAPSHOT_PARSE_INTERNAL, NULL);
    assert_non_null(internal);
    assert_true(internal->current);
    assert_false(internal->has_active_in_input);
    none = st_snapshot_parse(text, strlen(text), "out", ST_SNAPSHOT_PARSE_REDEFINE, NULL);
    assert_non_null(none);
    assert_false(none->has_active_in_input);
}

/* A huge file is refused before it is parsed. */
static void
test_huge_file(void **state)
{
    CLEANUP_FREE char *dir = st_test_mkdtemp();
    CLEANUP_FREE char *path = st_xasprintf("%s/huge.xml", dir);
    CLEANUP_ERROR struct st_error *err = NULL;
    size_t n = ST_XML_MAX_BYTES + 1;
    char *text = st_xmalloc(n + 1);

    (void) state;
    memset(text, ' ', n);
    memcpy(text, "<domainsnapshot>", 16);
    text[n] = '\0';
    st_test_write(path, text);
    assert_null(st_snapshot_load(path, 0, &err));
    assert_non_null(strstr(err->msg, "larger than"));
    st_error_free(err);
    err = NULL;
    assert_null(st_snapshot_parse(text, n, "huge", 0, &err));
    assert_non_null(strstr(err->msg, "huge:1:1: document is"));
    free(text);
    st_test_rmtree(dir);
}

/* Every state name survives a round trip; the internal form adds
 * <active>, which says that the snapshot is current. */
static void
test_states_and_active(void **state)
{
    (void) state;
    for (int st = ST_SNAPSHOT_STATE_NOSTATE; st < ST_SNAPSHOT_STATE__LAST; st++) {
        CLEANUP_SNAPSHOT struct st_snapshot *s = st_snapshot_new("s", NULL);
        CLEANUP_SNAPSHOT struct st_snapshot *back = NULL;
        CLEANUP_FREE char *text = NULL;

        s->state = st;
        s->current = true;
        text = st_snapshot_format(s, ST_SNAPSHOT_FORMAT_INTERNAL);
        assert_non_null(strstr(text, "<active>1</active>"));
        back = st_snapshot_parse(text, strlen(text), "t", ST_SNAPSHOT_PARSE_INTERNAL, NULL);
        assert_non_null(back);
        assert_int_equal(back->state, st);
        assert_true(back->current);
    }
}

/* What the create issue will do: build a snapshot in code, embed the
 * domain, and get XML that libvirt's schema accepts. */
static void
test_build_programmatically(void **state)
{
    CLEANUP_ERROR struct st_error *err = NULL;
    CLEANUP_DOMAIN struct st_domain *dom = st_domain_new("web", NULL);
    CLEANUP_SNAPSHOT struct st_snapshot *s = st_snapshot_new("s1", NULL);
    CLEANUP_DOMAIN struct st_domain *embedded = NULL;
    CLEANUP_FREE char *text = NULL;

    (void) state;
    assert_true(st_domain_add_disk(dom, "vda", "/img/web.qcow2", NULL, NULL));
    s->state = ST_SNAPSHOT_STATE_DISK_SNAPSHOT;
    s->has_creation_time = true;
    s->creation_time = 1795366092;
    s->memory = ST_SNAPSHOT_MODE_NO;
    assert_true(st_snapshot_add_disk(s, "vda", ST_SNAPSHOT_MODE_EXTERNAL, "/img/web.s1",
                                     "qcow2", NULL));
    assert_false(st_snapshot_add_disk(s, "vda", ST_SNAPSHOT_MODE_NO, NULL, NULL, &err));
    assert_int_equal(err->code, ST_E_CONFLICT);
    st_snapshot_set_domain(s, dom);
    st_snapshot_set_domain(s, dom);     /* replacing is fine */
    text = st_snapshot_format(s, 0);
    assert_true(validates("domainsnapshot.rng", text));
    assert_true(st_snapshot_is_external(s));
    embedded = st_snapshot_get_domain(s, NULL);
    assert_non_null(embedded);
    assert_string_equal(embedded->disks[0].source, "/img/web.qcow2");
    assert_null(st_snapshot_new("../x", NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_pairs),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_schema_coverage),
        cmocka_unit_test(test_active_in_input),
        cmocka_unit_test(test_huge_file),
        cmocka_unit_test(test_states_and_active),
        cmocka_unit_test(test_build_programmatically),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
