/* xml/domain-runtime.c: dropping a running domain's runtime-only XML
 * (domain-runtime.h), as libvirt's inactive format leaves it out. */
#include "config.h"

#include <string.h>

#include <libxml/tree.h>

#include "common/cleanup.h"
#include "xml/domain-runtime.h"
#include "xml/xml.h"

/* Character devices that may be of type pty. */
static bool
is_chardev(const xmlNode *n)
{
    static const char *const names[] = { "serial", "console", "parallel", "channel" };

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (st_xml_is(n, names[i]))
            return true;
    return false;
}

static bool
prop_is(const xmlNode *n, const char *name, const char *value)
{
    CLEANUP_FREE char *v = st_xml_prop(n, name);

    return v && strcmp(v, value) == 0;
}

static bool
prop_starts(const xmlNode *n, const char *name, const char *prefix)
{
    CLEANUP_FREE char *v = st_xml_prop(n, name);

    return v && strncmp(v, prefix, strlen(prefix)) == 0;
}

static size_t
unset(xmlNode *n, const char *name)
{
    return xmlUnsetProp(n, BAD_CAST name) == 0 ? 1 : 0;
}

static void
drop(xmlNode *n)
{
    xmlUnlinkNode(n);
    xmlFreeNode(n);
}

/* Whether child @c of @parent is runtime-only and goes. */
static bool
runtime_child(const xmlNode *parent, const xmlNode *c)
{
    if (st_xml_is(c, "alias"))
        return true;
    if (st_xml_is(parent, "disk") && st_xml_is(c, "backingStore"))
        return true;
    if (is_chardev(parent) && prop_is(parent, "type", "pty") && st_xml_is(c, "source"))
        return true;
    if (st_xml_is(parent, "seclabel") && prop_is(parent, "type", "dynamic") &&
        (st_xml_is(c, "label") || st_xml_is(c, "imagelabel")))
        return true;
    if (st_xml_is(parent, "interface") && st_xml_is(c, "target") &&
        (prop_starts(c, "dev", "vnet") || prop_starts(c, "dev", "macvtap")))
        return true;
    return false;
}

static size_t
walk(xmlNode *n)
{
    size_t removed = 0;
    xmlNode *c, *next;

    if (st_xml_is(n, "disk")) {
        xmlNode *src = st_xml_child(n, "source");

        if (src)
            removed += unset(src, "index");
    }
    if (is_chardev(n) && prop_is(n, "type", "pty"))
        removed += unset(n, "tty");
    for (c = n->children; c; c = next) {
        next = c->next;
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (runtime_child(n, c)) {
            drop(c);
            removed++;
        } else {
            removed += walk(c);
        }
    }
    return removed;
}

size_t
st_domain_drop_runtime(struct st_domain *dom)
{
    xmlNode *root = xmlDocGetRootElement(dom->doc);

    if (!root)
        return 0;
    return unset(root, "id") + walk(root);
}
