/* xml/xmlbuf.h: the deterministic XML writer.  Output looks as libvirt
 * writes it (2-space indent, attributes in single quotes, one element
 * per line, short text inline) so that golden files compare byte for
 * byte and diffs of the store stay readable. */
#ifndef ST_XML_XMLBUF_H
#define ST_XML_XMLBUF_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "common/compiler.h"

struct st_xmlbuf {
    char *data;     /* owned; NUL-terminated */
    size_t len;
    size_t cap;
    int indent;     /* spaces at the start of the next line */
};

/* Open tag without its end: "<name" at the current indent. */
void st_xmlbuf_start(struct st_xmlbuf *buf, const char *name);
/* " name='value'" with value escaped; nothing when @value is NULL. */
void st_xmlbuf_attr(struct st_xmlbuf *buf, const char *name, const char *value);
/* "/>" and end of line. */
void st_xmlbuf_end_empty(struct st_xmlbuf *buf);
/* ">" and end of line; the children are indented two more spaces. */
void st_xmlbuf_end_open(struct st_xmlbuf *buf);
/* "</name>" one level less indented. */
void st_xmlbuf_close(struct st_xmlbuf *buf, const char *name);
/* "<name>text</name>" on one line; nothing when @text is NULL. */
void st_xmlbuf_element(struct st_xmlbuf *buf, const char *name, const char *text);
/* "<!--\ntext\n-->" as libvirt writes its warning header. */
void st_xmlbuf_comment(struct st_xmlbuf *buf, const char *text);
/* An element subtree kept from the input, re-indented the same way. */
void st_xmlbuf_node(struct st_xmlbuf *buf, const xmlNode *node);
/* The attributes of @node other than @skip (NULL: all), as the input
 * had them, for an element written by hand but kept from the input. */
void st_xmlbuf_attrs_except(struct st_xmlbuf *buf, const xmlNode *node, const char *skip);
/* True when @node has element or comment children to write back. */
bool st_xmlbuf_has_children(const xmlNode *node);
/* Each element and comment child of @node, as st_xmlbuf_node(). */
void st_xmlbuf_children(struct st_xmlbuf *buf, const xmlNode *node);
/* Hand out the text (owned; "" when nothing was written); @buf is reset. */
char *st_xmlbuf_steal(struct st_xmlbuf *buf);
void st_xmlbuf_reset(struct st_xmlbuf *buf);

#endif
