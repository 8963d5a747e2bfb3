/* tests/unit/test-xml-domain.c: real libvirt domain XML is accepted and
 * written back with only strata's changes; the disks strata interprets
 * are checked (absolute sources, unique targets); what define-as builds
 * validates against libvirt's domain.rng. */
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
#include "xml/domain.h"
#include "xml/xml.h"
#include "tests/unit/testutil.h"

static bool
validates(const char *text)
{
    const char *path = "/usr/share/libvirt/schemas/domain.rng";
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
test_golden_pairs(void **state)
{
    static const char *const names[] = { "virsh-test.xml", "kept-verbatim.xml" };

    (void) state;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        CLEANUP_FREE char *in_rel = st_xasprintf("domain-xml/in/%s", names[i]);
        CLEANUP_FREE char *out_rel = st_xasprintf("domain-xml/out/%s", names[i]);
        CLEANUP_FREE char *in = st_test_read(in_rel);
        CLEANUP_FREE char *out = st_test_read(out_rel);
        CLEANUP_ERROR struct st_error *err = NULL;
        CLEANUP_DOMAIN struct st_domain *dom = st_domain_parse(in, strlen(in), in_rel, &err);
        CLEANUP_FREE char *text = NULL;

        if (!dom)
            fail_msg("%s: %s", in_rel, err->msg);
        text = st_domain_format(dom);
        if (strcmp(text, out) != 0)
            fail_msg("%s differs from %s:\n%s", in_rel, out_rel, text);
    }
}

/* Only file-backed device='disk' disks are interpreted. */
static void
test_interpreted_fields(void **state)
{
    CLEANUP_FREE char *in = st_test_read("domain-xml/in/kept-verbatim.xml");
    CLEANUP_DOMAIN struct st_domain *dom = st_domain_parse(in, strlen(in), "k", NULL);

    (void) state;
    assert_non_null(dom);
    assert_string_equal(dom->name, "db");
    assert_string_equal(dom->uuid, "0d8e5c1a-3b7e-4f7e-9a57-3c2f1d0e9b11");
    assert_string_equal(dom->description, "database <primary>");
    assert_int_equal(dom->ndisks, 1);
    assert_string_equal(dom->disks[0].target, "vda");
    assert_string_equal(dom->disks[0].source, "/srv/db.qcow2");
    assert_string_equal(dom->disks[0].format, "qcow2");
    assert_int_equal(dom->disks[0].snapshot, ST_SNAPSHOT_MODE_DEFAULT);
}

static const struct bad {
    const char *file;
    const char *why;
} bad[] = {
    { "relative-source.xml", "relative-source.xml:6: disk 'vda': source file 'images/web.qcow2' is not an absolute path" },
    { "duplicate-target.xml", "duplicate-target.xml:8: duplicate disk target 'vda'" },
    { "name-dotdot.xml", "name-dotdot.xml:2: " },
    { "name-slash.xml", "'/'" },
    { "name-empty.xml", "empty" },
    { "bad-uuid.xml", "bad-uuid.xml:3: malformed uuid 'not-a-uuid'" },
    { "no-target.xml", "no-target.xml:4: <disk> has no <target dev='...'>" },
    { "wrong-root.xml", "expected <domain>" },
    { "malformed.xml", "malformed.xml:5:" },
};

static void
test_bad_inputs(void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CLEANUP_FREE char *rel = st_xasprintf("domain-xml/bad/%s", bad[i].file);
        CLEANUP_FREE char *path = st_test_data_path(rel);
        CLEANUP_ERROR struct st_error *err = NULL;
        CLEANUP_DOMAIN struct st_domain *dom = st_domain_load(path, &err);

        if (dom)
            fail_msg("%s was accepted", bad[i].file);
        if (!strstr(err->msg, bad[i].why))
            fail_msg("%s: message '%s' does not say '%s'", bad[i].file, err->msg, bad[i].why);
    }
}

/* define-as: a new domain, disks added, sources changed (what create
 * and revert will do), still valid libvirt XML after each step. */
static void
test_build_and_set_source(void **state)
{
    CLEANUP_ERROR struct st_error *err = NULL;
    CLEANUP_DOMAIN struct st_domain *dom = st_domain_new("web", NULL);
    CLEANUP_DOMAIN struct st_domain *back = NULL;
    CLEANUP_FREE char *text = NULL;
    CLEANUP_FREE char *text2 = NULL;

    (void) state;
    assert_non_null(dom);
    assert_int_equal(strlen(dom->uuid), 36);
    assert_true(st_domain_add_disk(dom, "vda", "/img/web.qcow2", NULL, NULL));
    assert_true(st_domain_add_disk(dom, "sdb", "/img/data.raw", "raw", NULL));
    assert_false(st_domain_add_disk(dom, "vda", "/img/x.qcow2", NULL, &err));
    assert_int_equal(err->code, ST_E_CONFLICT);
    st_error_free(err);
    err = NULL;
    assert_false(st_domain_add_disk(dom, "vdc", "rel.qcow2", NULL, &err));
    assert_non_null(strstr(err->msg, "not an absolute path"));
    text = st_domain_format(dom);
    assert_true(validates(text));

    assert_true(st_domain_disk_set_source(dom, st_domain_find_disk(dom, "vda"),
                                          "/img/web.s1", "qcow2", NULL));
    text2 = st_domain_format(dom);
    assert_true(validates(text2));
    back = st_domain_parse(text2, strlen(text2), "t", NULL);
    assert_non_null(back);
    assert_string_equal(back->uuid, dom->uuid);
    assert_string_equal(st_domain_find_disk(back, "vda")->source, "/img/web.s1");
    assert_string_equal(st_domain_find_disk(back, "sdb")->format, "raw");
    assert_null(st_domain_find_disk(back, "vdc"));
    assert_null(st_domain_new("a/b", NULL));
}

/* A domain without uuid gets one, written into the kept XML. */
static void
test_uuid_generated(void **state)
{
    static const char xml[] = "<domain type='kvm'><name>x</name><memory>1</memory></domain>";
    CLEANUP_DOMAIN struct st_domain *dom = st_domain_parse(xml, strlen(xml), "x", NULL);
    CLEANUP_FREE char *text = NULL;

    (void) state;
    assert_non_null(dom);
    text = st_domain_format(dom);
    assert_non_null(strstr(text, dom->uuid));
    assert_int_equal(dom->uuid[14], '4');
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_pairs),
        cmocka_unit_test(test_interpreted_fields),
        cmocka_unit_test(test_bad_inputs),
        cmocka_unit_test(test_build_and_set_source),
        cmocka_unit_test(test_uuid_generated),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
