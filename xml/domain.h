/* xml/domain.h: libvirt <domain> XML as strata sees it.  Only the name,
 * uuid, description and the file-backed <disk device='disk'> elements
 * are interpreted; the whole document is kept, so that what 'virsh
 * dumpxml' gave us is written back with only our changes in it. */
#ifndef ST_XML_DOMAIN_H
#define ST_XML_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "common/cleanup.h"
#include "common/error.h"

/* The snapshot= attribute of a domain disk or a snapshot disk. */
enum st_snapshot_mode {
    ST_SNAPSHOT_MODE_DEFAULT = 0,   /* attribute absent */
    ST_SNAPSHOT_MODE_NO,
    ST_SNAPSHOT_MODE_INTERNAL,
    ST_SNAPSHOT_MODE_EXTERNAL,
    ST_SNAPSHOT_MODE_MANUAL,
    ST_SNAPSHOT_MODE__LAST
};
/* "no", "internal"...; NULL for DEFAULT. */
const char *st_snapshot_mode_name(enum st_snapshot_mode mode);
/* Parses @s; false when it is not a known mode. */
bool st_snapshot_mode_parse(const char *s, enum st_snapshot_mode *out);

struct st_domain_disk {
    char *target;                   /* owned; <target dev>, unique */
    char *source;                   /* owned; <source file>, absolute; NULL if empty */
    char *format;                   /* owned; <driver type>; NULL if absent */
    enum st_snapshot_mode snapshot; /* the disk's snapshot= attribute */
    xmlNode *node;                  /* borrowed from domain->doc: the <disk> */
};

struct st_domain {
    char *name;                     /* owned; checked with st_name_check */
    char *uuid;                     /* owned; lowercase canonical form */
    char *description;              /* owned; NULL if absent */
    struct st_domain_disk *disks;   /* owned; in document order */
    size_t ndisks;
    xmlDoc *doc;                    /* owned; the whole document, kept */
};

void st_domain_free(struct st_domain *dom);
ST_DEFINE_CLEANUP(st_cleanup_domain, struct st_domain *, st_domain_free)
#define CLEANUP_DOMAIN ST_CLEANUP(st_cleanup_domain)

/**
 * st_domain_parse:
 * @text, @len: the XML (real libvirt domain XML is accepted)
 * @what: file name for messages
 *
 * Refuses a missing or bad name, a malformed uuid, an interpreted disk
 * without target or with a relative source, and duplicate targets.  A
 * missing uuid is generated and written into the kept document.
 */
struct st_domain *st_domain_parse(const char *text, size_t len, const char *what,
                                  struct st_error **errp);
struct st_domain *st_domain_load(const char *path, struct st_error **errp);
/* Parse a copy of the <domain> element @node (e.g. a snapshot's). */
struct st_domain *st_domain_parse_node(const xmlNode *node, const char *what,
                                       struct st_error **errp);
/* A minimal domain for define-as: name, a new uuid, no disks yet. */
struct st_domain *st_domain_new(const char *name, struct st_error **errp);
/* Append a file-backed disk; @format may be NULL (qcow2 is assumed). */
bool st_domain_add_disk(struct st_domain *dom, const char *target, const char *source,
                        const char *format, struct st_error **errp);
/* The disk with that target, or NULL; borrowed. */
struct st_domain_disk *st_domain_find_disk(const struct st_domain *dom, const char *target);
/* Point @disk at a new active file (absolute) and, if @format is not
 * NULL, its format; updates both the struct and the kept XML. */
bool st_domain_disk_set_source(struct st_domain *dom, struct st_domain_disk *disk,
                               const char *source, const char *format,
                               struct st_error **errp);
/* The document in libvirt's layout, owned. */
char *st_domain_format(const struct st_domain *dom);
/* The <domain> element, borrowed, for embedding into a snapshot. */
xmlNode *st_domain_root(const struct st_domain *dom);

#endif
