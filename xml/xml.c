/* xml/xml.c: safe parsing with libxml2 and small tree helpers. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "common/path.h"
#include "common/xalloc.h"
#include "xml/xml.h"

/* Line and column (1-based) of byte @off in @text. */
static void
position(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* libxml2 would not expand entities with our options, but a DTD is
 * never needed in libvirt XML and is the door to entity tricks
 * (billion laughs, external entities, DTD loading): refuse it before
 * the parser sees it. */
static bool
refuse_dtd(const char *text, size_t len, const char *what, struct st_error **errp)
{
    static const char needle[] = "<!DOCTYPE";
    const size_t nlen = sizeof needle - 1;

    for (size_t i = 0; i + nlen <= len; i++) {
        if (text[i] == '<' && memcmp(text + i, needle, nlen) == 0) {
            int line, col;

            position(text, i, &line, &col);
            st_error_set(errp, ST_E_XML,
                         "%s:%d:%d: a DOCTYPE is not allowed (no DTDs or entities in libvirt XML)",
                         what, line, col);
            return false;
        }
    }
    return true;
}

/* Errors are collected from the context; nothing goes to stderr. */
static void
quiet_error(void *ctx ST_UNUSED, const xmlError *err ST_UNUSED)
{
}

static xmlParserCtxt *shared_ctxt;

xmlDoc *
st_xml_parse(const char *text, size_t len, const char *what, struct st_error **errp)
{
    xmlParserCtxt *ctxt;
    xmlDoc *doc;
    const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                     XML_PARSE_NOCDATA | XML_PARSE_NOBLANKS;

    if (len > ST_XML_MAX_BYTES) {
        st_error_set(errp, ST_E_XML, "%s:1:1: document is %zu bytes, more than the limit of %d",
                     what, len, ST_XML_MAX_BYTES);
        return NULL;
    }
    if (!refuse_dtd(text, len, what, errp))
        return NULL;
    /* One context for the process: listing 10,000 snapshots parses
     * 10,000 files, and a fresh context (buffers, dictionary) per file
     * cost more than the parsing itself.  strata is single-threaded. */
    if (!shared_ctxt) {
        if (!(shared_ctxt = xmlNewParserCtxt()))
            abort();
        xmlSetStructuredErrorFunc(NULL, (xmlStructuredErrorFunc) quiet_error);
    }
    ctxt = shared_ctxt;
    doc = xmlCtxtReadMemory(ctxt, text, (int) len, what, NULL, opts);
    if (!doc || !ctxt->wellFormed) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        CLEANUP_FREE char *msg = st_xstrdup(e && e->message ? e->message : "malformed XML");
        size_t n = strlen(msg);

        int depth = 0;

        while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = '\0';
        /* libxml2's own advice (a parser option) means nothing to a
         * user; say what the limit is. */
        if (sscanf(msg, "Excessive depth in document: %d", &depth) == 1) {
            free(msg);
            msg = st_xasprintf("elements nest more than %d levels deep, the limit for a "
                               "domain or snapshot file", depth);
        }
        st_error_set(errp, ST_E_XML, "%s:%d:%d: %s", what, e ? e->line : 1,
                     e && e->int2 > 0 ? e->int2 : 1, msg);
        xmlFreeDoc(doc);
        return NULL;
    }
    if (doc->intSubset || doc->extSubset || !xmlDocGetRootElement(doc)) {
        st_error_set(errp, ST_E_XML, "%s:1:1: no root element or a DTD", what);
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

xmlDoc *
st_xml_parse_file(const char *path, struct st_error **errp)
{
    CLEANUP_FREE char *text = NULL;
    size_t len;

    if (!(text = st_path_read(path, ST_XML_MAX_BYTES, &len, errp)))
        return NULL;
    return st_xml_parse(text, len, path, errp);
}

void
st_xml_error(struct st_error **errp, const char *what, const xmlNode *node,
             const char *fmt, ...)
{
    va_list ap;
    CLEANUP_FREE char *msg = NULL;

    va_start(ap, fmt);
    msg = st_xvasprintf(fmt, ap);
    va_end(ap);
    st_error_set(errp, ST_E_XML, "%s:%ld: %s", what, node ? xmlGetLineNo(node) : 1L, msg);
}

bool
st_xml_is(const xmlNode *node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && strcmp((const char *) node->name, name) == 0;
}

xmlNode *
st_xml_child(const xmlNode *node, const char *name)
{
    for (xmlNode *c = node->children; c; c = c->next)
        if (st_xml_is(c, name))
            return c;
    return NULL;
}

char *
st_xml_text(const xmlNode *node)
{
    xmlChar *s = xmlNodeGetContent(node);
    char *r = st_xstrdup(s ? (const char *) s : "");

    xmlFree(s);
    return r;
}

char *
st_xml_child_text(const xmlNode *node, const char *name)
{
    xmlNode *c = st_xml_child(node, name);

    return c ? st_xml_text(c) : NULL;
}

char *
st_xml_prop(const xmlNode *node, const char *name)
{
    xmlChar *s = xmlGetNoNsProp(node, (const xmlChar *) name);
    char *r;

    if (!s)
        return NULL;
    r = st_xstrdup((const char *) s);
    xmlFree(s);
    return r;
}
