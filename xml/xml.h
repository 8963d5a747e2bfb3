/* xml/xml.h: safe parsing with libxml2 and small tree helpers.  Every
 * document strata reads comes from a user or from the store, so it is
 * parsed without network access, without DTDs (a DOCTYPE is refused,
 * which rules out entity expansion and external entities), under a
 * size limit, and every error names the file with line:column. */
#ifndef ST_XML_XML_H
#define ST_XML_XML_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "common/cleanup.h"
#include "common/error.h"

enum { ST_XML_MAX_BYTES = 4 * 1024 * 1024 /* largest XML file accepted */ };

ST_DEFINE_CLEANUP(st_cleanup_xmldoc, xmlDoc *, xmlFreeDoc)
#define CLEANUP_XMLDOC ST_CLEANUP(st_cleanup_xmldoc)

/**
 * st_xml_parse:
 * @text: the document (need not be NUL-terminated)
 * @len: its length in bytes; more than ST_XML_MAX_BYTES is refused
 * @what: the file name or description used in messages ("web.xml")
 *
 * Returns: a new document (caller owns), or NULL with ST_E_XML set and
 * the message starting "WHAT:LINE:COLUMN: ".
 */
xmlDoc *st_xml_parse(const char *text, size_t len, const char *what, struct st_error **errp);
/* st_xml_parse() of a file read with the size limit. */
xmlDoc *st_xml_parse_file(const char *path, struct st_error **errp);

/* ST_E_XML "WHAT:LINE: MSG" about @node (libxml2 keeps no column for
 * nodes, so semantic errors carry the line only). */
void st_xml_error(struct st_error **errp, const char *what, const xmlNode *node,
                  const char *fmt, ...) ST_PRINTF(4, 5);

/* The first child element named @name, or NULL; borrowed. */
xmlNode *st_xml_child(const xmlNode *node, const char *name);
/* Text content of @node, owned (never NULL: "" for an empty element). */
char *st_xml_text(const xmlNode *node);
/* Text of the child element @name, owned, or NULL when absent. */
char *st_xml_child_text(const xmlNode *node, const char *name);
/* Attribute value, owned, or NULL when absent. */
char *st_xml_prop(const xmlNode *node, const char *name);
/* True for an element node named @name. */
bool st_xml_is(const xmlNode *node, const char *name);

#endif
