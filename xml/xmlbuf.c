/* xml/xmlbuf.c: the deterministic XML writer (libvirt's layout). */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "xml/xmlbuf.h"

static void
add(struct st_xmlbuf *buf, const char *s, size_t n)
{
    if (buf->len + n + 1 > buf->cap) {
        size_t cap = buf->cap ? buf->cap : 256;

        while (buf->len + n + 1 > cap)
            cap *= 2;
        buf->data = st_xrealloc(buf->data, cap);
        buf->cap = cap;
    }
    memcpy(buf->data + buf->len, s, n);
    buf->len += n;
    buf->data[buf->len] = '\0';
}

static void
adds(struct st_xmlbuf *buf, const char *s)
{
    add(buf, s, strlen(s));
}

static void
add_indent(struct st_xmlbuf *buf)
{
    static const char spaces[] = "                                ";

    for (int n = buf->indent; n > 0; n -= 32)
        add(buf, spaces, n > 32 ? 32 : (size_t) n);
}

/* As libvirt's virBufferEscapeString: the five XML specials, in text
 * and attributes alike (values are written in single quotes). */
static void
add_escaped(struct st_xmlbuf *buf, const char *s)
{
    const char *run = s;

    for (; *s; s++) {
        const char *rep = NULL;

        switch (*s) {
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '&': rep = "&amp;"; break;
        case '\'': rep = "&apos;"; break;
        case '"': rep = "&quot;"; break;
        default: continue;
        }
        add(buf, run, (size_t) (s - run));
        adds(buf, rep);
        run = s + 1;
    }
    adds(buf, run);
}

void
st_xmlbuf_start(struct st_xmlbuf *buf, const char *name)
{
    add_indent(buf);
    adds(buf, "<");
    adds(buf, name);
}

void
st_xmlbuf_attr(struct st_xmlbuf *buf, const char *name, const char *value)
{
    if (!value)
        return;
    adds(buf, " ");
    adds(buf, name);
    adds(buf, "='");
    add_escaped(buf, value);
    adds(buf, "'");
}

void
st_xmlbuf_end_empty(struct st_xmlbuf *buf)
{
    adds(buf, "/>\n");
}

void
st_xmlbuf_end_open(struct st_xmlbuf *buf)
{
    adds(buf, ">\n");
    buf->indent += 2;
}

void
st_xmlbuf_close(struct st_xmlbuf *buf, const char *name)
{
    buf->indent -= 2;
    add_indent(buf);
    adds(buf, "</");
    adds(buf, name);
    adds(buf, ">\n");
}

void
st_xmlbuf_element(struct st_xmlbuf *buf, const char *name, const char *text)
{
    if (!text)
        return;
    st_xmlbuf_start(buf, name);
    adds(buf, ">");
    add_escaped(buf, text);
    adds(buf, "</");
    adds(buf, name);
    adds(buf, ">\n");
}

void
st_xmlbuf_comment(struct st_xmlbuf *buf, const char *text)
{
    add_indent(buf);
    adds(buf, "<!--\n");
    adds(buf, text);
    adds(buf, "\n-->\n");
}

static bool
is_blank(const xmlNode *n)
{
    return n->type == XML_TEXT_NODE && xmlIsBlankNode(n);
}

/* Qualified name of an element or attribute ("prefix:name"). */
static void
add_qname(struct st_xmlbuf *buf, const xmlNs *ns, const xmlChar *name)
{
    if (ns && ns->prefix) {
        adds(buf, (const char *) ns->prefix);
        adds(buf, ":");
    }
    adds(buf, (const char *) name);
}

static void
add_attrs_except(struct st_xmlbuf *buf, const xmlNode *node, const char *skip)
{
    /* libvirt writes namespace declarations after the attributes. */
    for (const xmlAttr *a = node->properties; a; a = a->next) {
        xmlChar *v;

        if (skip && !a->ns && strcmp((const char *) a->name, skip) == 0)
            continue;
        v = xmlNodeListGetString(node->doc, a->children, 1);
        adds(buf, " ");
        add_qname(buf, a->ns, a->name);
        adds(buf, "='");
        if (v)
            add_escaped(buf, (const char *) v);
        adds(buf, "'");
        xmlFree(v);
    }
    for (const xmlNs *ns = node->nsDef; ns; ns = ns->next) {
        adds(buf, ns->prefix ? " xmlns:" : " xmlns");
        if (ns->prefix)
            adds(buf, (const char *) ns->prefix);
        adds(buf, "='");
        add_escaped(buf, (const char *) ns->href);
        adds(buf, "'");
    }
}

static void
add_attrs(struct st_xmlbuf *buf, const xmlNode *node)
{
    add_attrs_except(buf, node, NULL);
}

void
st_xmlbuf_attrs_except(struct st_xmlbuf *buf, const xmlNode *node, const char *skip)
{
    add_attrs_except(buf, node, skip);
}

/* Mixed content is written on one line, exactly as it reads. */
static void
add_inline(struct st_xmlbuf *buf, const xmlNode *node)
{
    switch (node->type) {
    case XML_ELEMENT_NODE:
        adds(buf, "<");
        add_qname(buf, node->ns, node->name);
        add_attrs(buf, node);
        if (!node->children) {
            adds(buf, "/>");
            return;
        }
        adds(buf, ">");
        for (const xmlNode *c = node->children; c; c = c->next)
            add_inline(buf, c);
        adds(buf, "</");
        add_qname(buf, node->ns, node->name);
        adds(buf, ">");
        return;
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
        add_escaped(buf, (const char *) node->content);
        return;
    case XML_COMMENT_NODE:
        adds(buf, "<!--");
        adds(buf, (const char *) node->content);
        adds(buf, "-->");
        return;
    default:
        return;
    }
}

void
st_xmlbuf_node(struct st_xmlbuf *buf, const xmlNode *node)
{
    bool has_text = false, has_other = false;

    if (node->type == XML_COMMENT_NODE) {
        add_indent(buf);
        add_inline(buf, node);
        adds(buf, "\n");
        return;
    }
    if (node->type != XML_ELEMENT_NODE)
        return;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (!is_blank(c))
                has_text = true;
        } else if (c->type == XML_ELEMENT_NODE || c->type == XML_COMMENT_NODE) {
            has_other = true;
        }
    }
    add_indent(buf);
    if (has_text) {
        /* Text (or mixed content) is significant: keep it on one line. */
        add_inline(buf, node);
        adds(buf, "\n");
        return;
    }
    adds(buf, "<");
    add_qname(buf, node->ns, node->name);
    add_attrs(buf, node);
    if (!has_other) {
        adds(buf, "/>\n");
        return;
    }
    adds(buf, ">\n");
    buf->indent += 2;
    for (const xmlNode *c = node->children; c; c = c->next)
        st_xmlbuf_node(buf, c);
    buf->indent -= 2;
    add_indent(buf);
    adds(buf, "</");
    add_qname(buf, node->ns, node->name);
    adds(buf, ">\n");
}

bool
st_xmlbuf_has_children(const xmlNode *node)
{
    for (const xmlNode *c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE || c->type == XML_COMMENT_NODE)
            return true;
    return false;
}

void
st_xmlbuf_children(struct st_xmlbuf *buf, const xmlNode *node)
{
    for (const xmlNode *c = node->children; c; c = c->next)
        st_xmlbuf_node(buf, c);
}

char *
st_xmlbuf_steal(struct st_xmlbuf *buf)
{
    char *r = buf->data ? buf->data : st_xstrdup("");

    buf->data = NULL;
    buf->len = buf->cap = 0;
    buf->indent = 0;
    return r;
}

void
st_xmlbuf_reset(struct st_xmlbuf *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->len = buf->cap = 0;
    buf->indent = 0;
}
