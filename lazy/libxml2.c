/* lazy/libxml2.c: the libxml2 functions strata calls, loaded on first
 * use (lazy.h says why).  Add a line here when xml/ calls a new one: the
 * link fails until you do. */
#include "config.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>

#include "lazy/lazy.h"

static struct st_lazylib libxml2 = {
    .soname = ST_SONAME_LIBXML2, .package = "libxml2", .purpose = "XML",
};

ST_LAZY(libxml2, xmlNodePtr, xmlAddChild, (xmlNodePtr parent, xmlNodePtr cur), (parent, cur))
ST_LAZY(libxml2, xmlNodePtr, xmlAddNextSibling, (xmlNodePtr cur, xmlNodePtr elem), (cur, elem))
ST_LAZY(libxml2, xmlNodePtr, xmlAddPrevSibling, (xmlNodePtr cur, xmlNodePtr elem), (cur, elem))
ST_LAZY(libxml2, xmlErrorPtr, xmlCtxtGetLastError, (void *ctx), (ctx))
ST_LAZY(libxml2, xmlDocPtr, xmlCtxtReadMemory,
        (xmlParserCtxtPtr ctxt, const char *buffer, int size, const char *URL,
         const char *encoding, int options),
        (ctxt, buffer, size, URL, encoding, options))
ST_LAZY(libxml2, xmlNodePtr, xmlDocCopyNode, (xmlNodePtr node, xmlDocPtr doc, int recursive),
        (node, doc, recursive))
ST_LAZY(libxml2, xmlNodePtr, xmlDocGetRootElement, (const xmlDoc *doc), (doc))
ST_LAZY(libxml2, xmlNodePtr, xmlDocSetRootElement, (xmlDocPtr doc, xmlNodePtr root), (doc, root))
ST_LAZY_VOID(libxml2, xmlFreeDoc, (xmlDocPtr cur), (cur))
ST_LAZY_VOID(libxml2, xmlFreeNode, (xmlNodePtr cur), (cur))
ST_LAZY(libxml2, long, xmlGetLineNo, (const xmlNode *node), (node))
ST_LAZY(libxml2, xmlChar *, xmlGetNoNsProp, (const xmlNode *node, const xmlChar *name), (node, name))
ST_LAZY(libxml2, int, xmlIsBlankNode, (const xmlNode *node), (node))
ST_LAZY(libxml2, xmlNodePtr, xmlNewChild,
        (xmlNodePtr parent, xmlNsPtr ns, const xmlChar *name, const xmlChar *content),
        (parent, ns, name, content))
ST_LAZY(libxml2, xmlDocPtr, xmlNewDoc, (const xmlChar *version), (version))
ST_LAZY(libxml2, xmlNodePtr, xmlNewDocNode,
        (xmlDocPtr doc, xmlNsPtr ns, const xmlChar *name, const xmlChar *content),
        (doc, ns, name, content))
ST_LAZY(libxml2, xmlParserCtxtPtr, xmlNewParserCtxt, (void), ())
ST_LAZY(libxml2, xmlAttrPtr, xmlNewProp, (xmlNodePtr node, const xmlChar *name, const xmlChar *value),
        (node, name, value))
ST_LAZY_VOID(libxml2, xmlNodeAddContent, (xmlNodePtr cur, const xmlChar *content), (cur, content))
ST_LAZY(libxml2, xmlChar *, xmlNodeGetContent, (const xmlNode *cur), (cur))
ST_LAZY(libxml2, xmlChar *, xmlNodeListGetString, (xmlDocPtr doc, const xmlNode *list, int inLine),
        (doc, list, inLine))
ST_LAZY(libxml2, xmlAttrPtr, xmlSetProp, (xmlNodePtr node, const xmlChar *name, const xmlChar *value),
        (node, name, value))
ST_LAZY_VOID(libxml2, xmlSetStructuredErrorFunc, (void *ctx, xmlStructuredErrorFunc handler),
             (ctx, handler))
ST_LAZY_VOID(libxml2, xmlUnlinkNode, (xmlNodePtr cur), (cur))

/* xmlFree is a variable (a function pointer) in libxml2's ABI, not a
 * function: strata's copy starts out pointing at a forwarder that calls
 * whatever the library's own variable holds. */
static void XMLCALL
free_forward(void *mem)
{
    xmlFreeFunc *real = st_lazylib_sym(&libxml2, "xmlFree");

    (*real)(mem);
}

xmlFreeFunc xmlFree = free_forward;
