/* tests/unit/test-xml-snapshot.c: <domainsnapshot> parse and format are
 * a symmetric pair (golden in/out files), what strata writes validates
 * against libvirt's RelaxNG schema, and every bad input is refused with
 * a message that names the file, the line and the cause. */
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
    CLEANUP_FREE char *out = st_test_read(out_rel);
    CLEANUP_ERROR struct st_error *err = NULL;
    CLEANUP_SNAPSHOT struct st_snapshot *s = NULL;
    CLEANUP_SNAPSHOT struct st_snapshot *again = NULL;
    CLEANUP_FREE char *text = NULL;
    CLEANUP_FREE char *text2 = NULL;

    s = st_snapshot_parse(in, strlen(in), in_rel, ST_SNAPSHOT_PARSE_REDEFINE, &err);
    if (!s)
        fail_msg("%s: %s", in_rel, err->msg);
    text = st_snapshot_format(s, 0);
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
    { "active-outside-store.xml", 0, "<active> is only allowed" },
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
 * <active>, which is refused outside the store. */
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
        cmocka_unit_test(test_huge_file),
        cmocka_unit_test(test_states_and_active),
        cmocka_unit_test(test_build_programmatically),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
