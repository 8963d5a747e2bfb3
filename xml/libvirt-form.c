/* xml/libvirt-form.c: libvirt's own files, read and written
 * (xml/libvirt-form.h). */
#include "config.h"

#include <string.h>

#include <libxml/tree.h>

#include "common/xalloc.h"
#include "xml/libvirt-form.h"
#include "xml/xml.h"

/* virXMLSaveFile()'s prologue and epilogue around "virsh COMMAND". */
static const char warning_head[] =
    "<!--\n"
    "WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\n"
    "OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n"
    "  virsh ";
static const char warning_tail[] =
    "\n"
    "or other application using the libvirt API.\n"
    "-->\n\n";

struct st_snapshot *
st_libvirt_snapshot_parse(const char *text, size_t len, const char *what, int *active,
                          struct st_error **errp)
{
    CLEANUP_XMLDOC xmlDoc *doc = st_xml_parse(text, len, what, errp);
    xmlNode *root, *next, *seen = NULL;
    xmlBuffer *buf;
    struct st_snapshot *snap;

    *active = -1;
    if (!doc)
        return NULL;
    root = xmlDocGetRootElement(doc);
    for (xmlNode *c = root->children; c; c = next) {
        CLEANUP_FREE char *v = NULL;

        next = c->next;
        if (!st_xml_is(c, "active"))
            continue;
        if (seen) {
            st_xml_error(errp, what, c, "a second <active> (the first is on line %d)",
                         (int) xmlGetLineNo(seen));
            return NULL;
        }
        v = st_xml_text(c);
        if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
            st_xml_error(errp, what, c, "<active> must be 0 or 1, not '%s'", v);
            return NULL;
        }
        *active = v[0] == '1';
        seen = c;
    }
    if (seen) {
        xmlUnlinkNode(seen);
        xmlFreeNode(seen);
    }
    /* The document without its comments and <active>: only the root
     * element is written, and comments inside it are the parser's to
     * judge. */
    if (!(buf = xmlBufferCreate()))
        abort();
    if (xmlNodeDump(buf, doc, root, 0, 0) < 0) {
        xmlBufferFree(buf);
        st_error_set(errp, ST_E_XML, "%s: cannot be written back after removing <active>", what);
        return NULL;
    }
    snap = st_snapshot_parse((const char *) xmlBufferContent(buf),
                             (size_t) xmlBufferLength(buf), what, ST_SNAPSHOT_PARSE_REDEFINE,
                             errp);
    xmlBufferFree(buf);
    return snap;
}

char *
st_libvirt_snapshot_format(const struct st_snapshot *snap)
{
    CLEANUP_FREE char *body = st_snapshot_format(snap, ST_SNAPSHOT_FORMAT_INTERNAL);

    return st_xasprintf("%ssnapshot-edit%s%s", warning_head, warning_tail, body);
}

char *
st_libvirt_domain_format(const struct st_domain *dom)
{
    CLEANUP_FREE char *body = st_domain_format(dom);

    return st_xasprintf("%sedit %s%s%s", warning_head, dom->name, warning_tail, body);
}
