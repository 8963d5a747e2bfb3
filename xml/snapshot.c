/* xml/snapshot.c: <domainsnapshot> parse and format, a symmetric pair. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/name.h"
#include "common/xalloc.h"
#include "xml/snapshot.h"
#include "xml/xml.h"
#include "xml/xmlbuf.h"

static const char *const state_names[] = {
    [ST_SNAPSHOT_STATE_NONE] = NULL,
    [ST_SNAPSHOT_STATE_NOSTATE] = "nostate",
    [ST_SNAPSHOT_STATE_RUNNING] = "running",
    [ST_SNAPSHOT_STATE_BLOCKED] = "blocked",
    [ST_SNAPSHOT_STATE_PAUSED] = "paused",
    [ST_SNAPSHOT_STATE_SHUTDOWN] = "shutdown",
    [ST_SNAPSHOT_STATE_SHUTOFF] = "shutoff",
    [ST_SNAPSHOT_STATE_CRASHED] = "crashed",
    [ST_SNAPSHOT_STATE_PMSUSPENDED] = "pmsuspended",
    [ST_SNAPSHOT_STATE_DISK_SNAPSHOT] = "disk-snapshot",
};
ST_STATIC_ASSERT(ST_ARRAY_SIZE(state_names) == ST_SNAPSHOT_STATE__LAST, "state_names");

const char *
st_snapshot_state_name(enum st_snapshot_state state)
{
    return state < ST_SNAPSHOT_STATE__LAST ? state_names[state] : NULL;
}

static void
free_disk(struct st_snapshot_disk *d)
{
    free(d->name);
    free(d->type);
    free(d->source);
    free(d->format);
    free(d->unknown);
}

void
st_snapshot_free(struct st_snapshot *snap)
{
    if (!snap)
        return;
    free(snap->name);
    free(snap->description);
    free(snap->parent);
    free(snap->memory_file);
    for (size_t i = 0; i < snap->ndisks; i++)
        free_disk(&snap->disks[i]);
    free(snap->disks);
    free(snap->unknown);
    free(snap->disks_unknown);
    xmlFreeDoc(snap->doc);
    free(snap);
}

/* Context of one parse, to keep the helpers' argument lists short. */
struct parse {
    const char *what;
    unsigned flags;
    struct st_snapshot *snap;
};

static bool
parse_mode(struct parse *p, const xmlNode *node, enum st_snapshot_mode *out,
           struct st_error **errp)
{
    CLEANUP_FREE char *s = st_xml_prop(node, "snapshot");

    if (s && !st_snapshot_mode_parse(s, out)) {
        st_xml_error(errp, p->what, node, "unknown snapshot mode '%s'", s);
        return false;
    }
    return true;
}

static bool
check_absolute(struct parse *p, const xmlNode *node, const char *path,
               struct st_error **errp)
{
    if (path && path[0] != '/') {
        st_xml_error(errp, p->what, node, "'%s' is not an absolute path", path);
        return false;
    }
    return true;
}

/* SPEC §8: an unknown element is refused on create and kept on
 * redefine (and in the store's files, which redefine wrote). */
static bool
keep_unknown(struct parse *p, xmlNode *c, xmlNode ***arr, size_t *n, const char *where,
             struct st_error **errp)
{
    if (!(p->flags & (ST_SNAPSHOT_PARSE_REDEFINE | ST_SNAPSHOT_PARSE_INTERNAL))) {
        st_xml_error(errp, p->what, c, "unknown element <%s> in %s", (const char *) c->name,
                     where);
        return false;
    }
    *arr = st_xreallocarray(*arr, *n + 1, sizeof **arr);
    (*arr)[(*n)++] = c;
    return true;
}

static bool
parse_disk(struct parse *p, xmlNode *node, struct st_snapshot_disk *d, struct st_error **errp)
{
    CLEANUP_FREE char *where = NULL;

    if (!(d->name = st_xml_prop(node, "name")) || !*d->name) {
        st_xml_error(errp, p->what, node, "<disk> has no name");
        return false;
    }
    if (!parse_mode(p, node, &d->snapshot, errp))
        return false;
    d->type = st_xml_prop(node, "type");
    /* The schema also allows type='network' (an NBD, RBD, iSCSI...
     * overlay); strata's chains are local files and block devices, and
     * keeping such a disk without being able to follow it would only
     * fail later, in a revert or a delete. */
    if (d->type && strcmp(d->type, "file") != 0 && strcmp(d->type, "block") != 0) {
        st_xml_error(errp, p->what, node, "disk '%s': type '%s' is not supported", d->name,
                     d->type);
        st_error_hint(errp, "strata keeps overlays in local files: use type='file' with <source file='/PATH'/>");
        return false;
    }
    where = st_xasprintf("disk '%s'", d->name);
    for (xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (st_xml_is(c, "source")) {
            const char *attr = d->type && strcmp(d->type, "block") == 0 ? "dev" : "file";

            if (d->source_node) {
                st_xml_error(errp, p->what, c, "disk '%s' has two <source> elements", d->name);
                return false;
            }
            d->source_node = c;
            d->source = st_xml_prop(c, attr);
            if (!check_absolute(p, c, d->source, errp))
                return false;
        } else if (st_xml_is(c, "driver")) {
            if (d->driver_node) {
                st_xml_error(errp, p->what, c, "disk '%s' has two <driver> elements", d->name);
                return false;
            }
            d->driver_node = c;
            d->format = st_xml_prop(c, "type");
        } else if (!keep_unknown(p, c, &d->unknown, &d->nunknown, where, errp)) {
            return false;
        }
    }
    return true;
}

static bool
parse_disks(struct parse *p, xmlNode *node, struct st_error **errp)
{
    struct st_snapshot *snap = p->snap;

    for (xmlNode *c = node->children; c; c = c->next) {
        struct st_snapshot_disk d = { 0 };

        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!st_xml_is(c, "disk")) {
            if (!keep_unknown(p, c, &snap->disks_unknown, &snap->ndisks_unknown, "<disks>",
                              errp))
                return false;
            continue;
        }
        if (!parse_disk(p, c, &d, errp)) {
            free_disk(&d);
            return false;
        }
        if (st_snapshot_find_disk(snap, d.name)) {
            st_xml_error(errp, p->what, c, "disk '%s' is listed twice", d.name);
            free_disk(&d);
            return false;
        }
        snap->disks = st_xreallocarray(snap->disks, snap->ndisks + 1, sizeof *snap->disks);
        snap->disks[snap->ndisks++] = d;
    }
    return true;
}

static bool
parse_state(struct parse *p, xmlNode *node, struct st_error **errp)
{
    CLEANUP_FREE char *s = st_xml_text(node);

    for (int i = 1; i < ST_SNAPSHOT_STATE__LAST; i++) {
        if (strcmp(s, state_names[i]) == 0) {
            p->snap->state = i;
            return true;
        }
    }
    st_xml_error(errp, p->what, node, "unknown state '%s'", s);
    return false;
}

static bool
parse_time(struct parse *p, xmlNode *node, struct st_error **errp)
{
    CLEANUP_FREE char *s = st_xml_text(node);
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 0) {
        st_xml_error(errp, p->what, node, "creationTime '%s' is not a number of seconds", s);
        return false;
    }
    p->snap->has_creation_time = true;
    p->snap->creation_time = v;
    return true;
}

static bool
parse_memory(struct parse *p, xmlNode *node, struct st_error **errp)
{
    if (!parse_mode(p, node, &p->snap->memory, errp))
        return false;
    p->snap->memory_file = st_xml_prop(node, "file");
    return check_absolute(p, node, p->snap->memory_file, errp);
}

static bool
parse_active(struct parse *p, xmlNode *node, struct st_error **errp)
{
    CLEANUP_FREE char *s = st_xml_text(node);

    /* The schema's values; anything else is no file libvirt wrote. */
    if (strcmp(s, "0") != 0 && strcmp(s, "1") != 0) {
        st_xml_error(errp, p->what, node, "<active> must be 0 or 1, not '%s'", s);
        return false;
    }
    /* Only the store's own files say which snapshot is current this
     * way.  Elsewhere (libvirt's internal snapshot files) it is kept
     * aside for an importer, as libvirt's public parser ignores it:
     * --redefine --current decides, not the file. */
    if (p->flags & ST_SNAPSHOT_PARSE_INTERNAL) {
        p->snap->current = s[0] == '1';
    } else {
        p->snap->has_active_in_input = true;
        p->snap->active_in_input = s[0] == '1';
    }
    return true;
}

/* Each known element may appear once; @seen holds the ones met so far. */
static const char *const known[] = {
    "name", "description", "state", "parent", "creationTime", "memory", "disks",
    "domain", "inactiveDomain", "cookie", "active",
};

static bool
parse_element(struct parse *p, xmlNode *c, struct st_error **errp)
{
    struct st_snapshot *snap = p->snap;

    if (st_xml_is(c, "name")) {
        snap->name = st_xml_text(c);
        if (!st_name_check("snapshot", snap->name, errp)) {
            st_error_prepend(errp, "%s:%ld: ", p->what, xmlGetLineNo(c));
            return false;
        }
    } else if (st_xml_is(c, "description")) {
        snap->description = st_xml_text(c);
    } else if (st_xml_is(c, "state")) {
        return parse_state(p, c, errp);
    } else if (st_xml_is(c, "parent")) {
        if (!(snap->parent = st_xml_child_text(c, "name"))) {
            st_xml_error(errp, p->what, c, "<parent> has no <name>");
            return false;
        }
        if (!st_name_check("parent snapshot", snap->parent, errp)) {
            st_error_prepend(errp, "%s:%ld: ", p->what, xmlGetLineNo(c));
            return false;
        }
    } else if (st_xml_is(c, "creationTime")) {
        return parse_time(p, c, errp);
    } else if (st_xml_is(c, "memory")) {
        return parse_memory(p, c, errp);
    } else if (st_xml_is(c, "disks")) {
        return parse_disks(p, c, errp);
    } else if (st_xml_is(c, "domain")) {
        snap->domain = c;
    } else if (st_xml_is(c, "inactiveDomain")) {
        snap->inactive_domain = c;
    } else if (st_xml_is(c, "cookie")) {
        snap->cookie = c;
    } else if (st_xml_is(c, "active")) {
        return parse_active(p, c, errp);
    }
    return true;
}

static bool
parse_root(struct parse *p, xmlNode *root, struct st_error **errp)
{
    unsigned seen = 0;

    if (!st_xml_is(root, "domainsnapshot")) {
        st_xml_error(errp, p->what, root, "root element is <%s>, expected <domainsnapshot>",
                     (const char *) root->name);
        return false;
    }
    for (xmlNode *c = root->children; c; c = c->next) {
        size_t i;

        if (c->type != XML_ELEMENT_NODE)
            continue;
        for (i = 0; i < ST_ARRAY_SIZE(known); i++)
            if (st_xml_is(c, known[i]))
                break;
        if (i == ST_ARRAY_SIZE(known)) {
            if (!keep_unknown(p, c, &p->snap->unknown, &p->snap->nunknown,
                              "<domainsnapshot>", errp))
                return false;
            continue;
        }
        if (seen & (1u << i)) {
            st_xml_error(errp, p->what, c, "element <%s> appears twice", known[i]);
            return false;
        }
        seen |= 1u << i;
        if (!parse_element(p, c, errp))
            return false;
    }
    if (!p->snap->name && (p->flags & (ST_SNAPSHOT_PARSE_REDEFINE | ST_SNAPSHOT_PARSE_INTERNAL))) {
        st_xml_error(errp, p->what, root, "a redefined snapshot needs a <name>");
        return false;
    }
    return true;
}

static struct st_snapshot *
from_doc(xmlDoc *doc, const char *what, unsigned flags, struct st_error **errp)
{
    struct parse p = { .what = what, .flags = flags };

    p.snap = st_xcalloc(1, sizeof *p.snap);
    p.snap->doc = doc;
    if (!parse_root(&p, xmlDocGetRootElement(doc), errp)) {
        st_snapshot_free(p.snap);
        return NULL;
    }
    if (flags & ST_SNAPSHOT_PARSE_SUMMARY) {
        struct st_snapshot *snap = p.snap;

        for (size_t i = 0; i < snap->ndisks; i++) {
            struct st_snapshot_disk *d = &snap->disks[i];

            d->source_node = d->driver_node = NULL;
            free(d->unknown);
            d->unknown = NULL;
            d->nunknown = 0;
        }
        snap->domain = snap->inactive_domain = snap->cookie = NULL;
        free(snap->unknown);
        snap->unknown = NULL;
        snap->nunknown = 0;
        free(snap->disks_unknown);
        snap->disks_unknown = NULL;
        snap->ndisks_unknown = 0;
        xmlFreeDoc(snap->doc);
        snap->doc = NULL;
        snap->summary = true;
    }
    return p.snap;
}

struct st_snapshot *
st_snapshot_parse(const char *text, size_t len, const char *what, unsigned flags,
                  struct st_error **errp)
{
    xmlDoc *doc = st_xml_parse(text, len, what, errp);

    return doc ? from_doc(doc, what, flags, errp) : NULL;
}

struct st_snapshot *
st_snapshot_load(const char *path, unsigned flags, struct st_error **errp)
{
    xmlDoc *doc = st_xml_parse_file(path, errp);

    return doc ? from_doc(doc, path, flags, errp) : NULL;
}

/* <@name @attr='@value'>: strata's interpreted value first, then the
 * other attributes and the children of @kept (the input's element, or
 * NULL) unchanged, so that nothing the input said is lost. */
static void
format_kept(struct st_xmlbuf *buf, const char *name, const char *attr, const char *value,
            const xmlNode *kept)
{
    st_xmlbuf_start(buf, name);
    st_xmlbuf_attr(buf, attr, value);
    if (kept)
        st_xmlbuf_attrs_except(buf, kept, attr);
    if (!kept || !st_xmlbuf_has_children(kept)) {
        st_xmlbuf_end_empty(buf);
        return;
    }
    st_xmlbuf_end_open(buf);
    st_xmlbuf_children(buf, kept);
    st_xmlbuf_close(buf, name);
}

static void
format_disk(struct st_xmlbuf *buf, const struct st_snapshot_disk *d)
{
    const char *type = d->type;

    st_xmlbuf_start(buf, "disk");
    st_xmlbuf_attr(buf, "name", d->name);
    st_xmlbuf_attr(buf, "snapshot", st_snapshot_mode_name(d->snapshot));
    if (!d->source && !d->format && !d->source_node && !d->driver_node && !d->nunknown) {
        st_xmlbuf_end_empty(buf);
        return;
    }
    /* libvirt always names the type once there is a source or driver. */
    if (d->source || d->format || d->source_node || d->driver_node)
        st_xmlbuf_attr(buf, "type", type ? type : "file");
    st_xmlbuf_end_open(buf);
    /* libvirt's order: <driver>, then <source>. */
    if (d->format || d->driver_node)
        format_kept(buf, "driver", "type", d->format, d->driver_node);
    if (d->source || d->source_node)
        format_kept(buf, "source", type && strcmp(type, "block") == 0 ? "dev" : "file",
                    d->source, d->source_node);
    for (size_t i = 0; i < d->nunknown; i++)
        st_xmlbuf_node(buf, d->unknown[i]);
    st_xmlbuf_close(buf, "disk");
}

char *
st_snapshot_format(const struct st_snapshot *snap, unsigned flags)
{
    struct st_xmlbuf buf = { 0 };
    char tmp[32];

    st_xmlbuf_start(&buf, "domainsnapshot");
    st_xmlbuf_end_open(&buf);
    st_xmlbuf_element(&buf, "name", snap->name);
    st_xmlbuf_element(&buf, "description", snap->description);
    st_xmlbuf_element(&buf, "state", st_snapshot_state_name(snap->state));
    if (snap->parent) {
        st_xmlbuf_start(&buf, "parent");
        st_xmlbuf_end_open(&buf);
        st_xmlbuf_element(&buf, "name", snap->parent);
        st_xmlbuf_close(&buf, "parent");
    }
    if (snap->has_creation_time) {
        snprintf(tmp, sizeof tmp, "%" PRId64, snap->creation_time);
        st_xmlbuf_element(&buf, "creationTime", tmp);
    }
    if (snap->memory || snap->memory_file) {
        st_xmlbuf_start(&buf, "memory");
        st_xmlbuf_attr(&buf, "snapshot", st_snapshot_mode_name(snap->memory));
        st_xmlbuf_attr(&buf, "file", snap->memory_file);
        st_xmlbuf_end_empty(&buf);
    }
    if (snap->ndisks || snap->ndisks_unknown) {
        st_xmlbuf_start(&buf, "disks");
        st_xmlbuf_end_open(&buf);
        for (size_t i = 0; i < snap->ndisks; i++)
            format_disk(&buf, &snap->disks[i]);
        for (size_t i = 0; i < snap->ndisks_unknown; i++)
            st_xmlbuf_node(&buf, snap->disks_unknown[i]);
        st_xmlbuf_close(&buf, "disks");
    }
    if (snap->domain)
        st_xmlbuf_node(&buf, snap->domain);
    if (snap->inactive_domain)
        st_xmlbuf_node(&buf, snap->inactive_domain);
    if (snap->cookie)
        st_xmlbuf_node(&buf, snap->cookie);
    for (size_t i = 0; i < snap->nunknown; i++)
        st_xmlbuf_node(&buf, snap->unknown[i]);
    if (flags & ST_SNAPSHOT_FORMAT_INTERNAL)
        st_xmlbuf_element(&buf, "active", snap->current ? "1" : "0");
    st_xmlbuf_close(&buf, "domainsnapshot");
    return st_xmlbuf_steal(&buf);
}

struct st_snapshot *
st_snapshot_new(const char *name, struct st_error **errp)
{
    struct st_snapshot *snap;

    if (!st_name_check("snapshot", name, errp))
        return NULL;
    snap = st_xcalloc(1, sizeof *snap);
    snap->name = st_xstrdup(name);
    snap->doc = xmlNewDoc(BAD_CAST "1.0");
    xmlDocSetRootElement(snap->doc, xmlNewDocNode(snap->doc, NULL, BAD_CAST "domainsnapshot",
                                                  NULL));
    return snap;
}

bool
st_snapshot_add_disk(struct st_snapshot *snap, const char *name, enum st_snapshot_mode mode,
                     const char *source, const char *format, struct st_error **errp)
{
    struct st_snapshot_disk d = { 0 };

    if (st_snapshot_find_disk(snap, name)) {
        st_error_set(errp, ST_E_CONFLICT, "snapshot '%s': disk '%s' is listed twice",
                     snap->name, name);
        return false;
    }
    if (source && source[0] != '/') {
        st_error_set(errp, ST_E_USAGE, "snapshot '%s': disk '%s': '%s' is not an absolute path",
                     snap->name, name, source);
        return false;
    }
    d.name = st_xstrdup(name);
    d.snapshot = mode;
    d.type = source || format ? st_xstrdup("file") : NULL;
    d.source = source ? st_xstrdup(source) : NULL;
    d.format = format ? st_xstrdup(format) : NULL;
    snap->disks = st_xreallocarray(snap->disks, snap->ndisks + 1, sizeof *snap->disks);
    snap->disks[snap->ndisks++] = d;
    return true;
}

void
st_snapshot_set_domain(struct st_snapshot *snap, const struct st_domain *dom)
{
    xmlNode *root, *copy;

    if (!snap->doc) {
        snap->doc = xmlNewDoc(BAD_CAST "1.0");
        xmlDocSetRootElement(snap->doc, xmlNewDocNode(snap->doc, NULL,
                                                      BAD_CAST "domainsnapshot", NULL));
    }
    root = xmlDocGetRootElement(snap->doc);
    copy = xmlDocCopyNode(st_domain_root(dom), snap->doc, 1);

    if (snap->domain) {
        xmlUnlinkNode(snap->domain);
        xmlFreeNode(snap->domain);
    }
    snap->domain = xmlAddChild(root, copy);
}

struct st_domain *
st_snapshot_get_domain(const struct st_snapshot *snap, struct st_error **errp)
{
    CLEANUP_FREE char *what = NULL;

    if (!snap->domain) {
        st_error_set(errp, ST_E_NOT_FOUND, "snapshot '%s' records no <domain>", snap->name);
        return NULL;
    }
    what = st_xasprintf("snapshot '%s'", snap->name);
    return st_domain_parse_node(snap->domain, what, errp);
}

struct st_snapshot_disk *
st_snapshot_find_disk(const struct st_snapshot *snap, const char *name)
{
    for (size_t i = 0; i < snap->ndisks; i++)
        if (strcmp(snap->disks[i].name, name) == 0)
            return &snap->disks[i];
    return NULL;
}

bool
st_snapshot_is_external(const struct st_snapshot *snap)
{
    if (snap->memory == ST_SNAPSHOT_MODE_EXTERNAL)
        return true;
    for (size_t i = 0; i < snap->ndisks; i++)
        if (snap->disks[i].snapshot == ST_SNAPSHOT_MODE_EXTERNAL)
            return true;
    return false;
}
