/* xml/domain.c: <domain> XML, interpreted where strata needs it and
 * kept verbatim everywhere else. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/name.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "xml/domain.h"
#include "xml/xml.h"
#include "xml/xmlbuf.h"

static const char *const mode_names[] = {
    [ST_SNAPSHOT_MODE_DEFAULT] = NULL,
    [ST_SNAPSHOT_MODE_NO] = "no",
    [ST_SNAPSHOT_MODE_INTERNAL] = "internal",
    [ST_SNAPSHOT_MODE_EXTERNAL] = "external",
    [ST_SNAPSHOT_MODE_MANUAL] = "manual",
};
ST_STATIC_ASSERT(ST_ARRAY_SIZE(mode_names) == ST_SNAPSHOT_MODE__LAST, "mode_names");

const char *
st_snapshot_mode_name(enum st_snapshot_mode mode)
{
    return mode < ST_SNAPSHOT_MODE__LAST ? mode_names[mode] : NULL;
}

bool
st_snapshot_mode_parse(const char *s, enum st_snapshot_mode *out)
{
    for (int i = 1; i < ST_SNAPSHOT_MODE__LAST; i++) {
        if (strcmp(s, mode_names[i]) == 0) {
            *out = i;
            return true;
        }
    }
    return false;
}

static void
free_disks(struct st_domain *dom)
{
    for (size_t i = 0; i < dom->ndisks; i++) {
        free(dom->disks[i].target);
        free(dom->disks[i].source);
        free(dom->disks[i].format);
    }
    free(dom->disks);
    dom->disks = NULL;
    dom->ndisks = 0;
}

void
st_domain_free(struct st_domain *dom)
{
    if (!dom)
        return;
    free(dom->name);
    free(dom->uuid);
    free(dom->description);
    free_disks(dom);
    xmlFreeDoc(dom->doc);
    free(dom);
}

/* 8-4-4-4-12 hex digits, or 32 hex digits (libvirt accepts both);
 * written back in the canonical lowercase dashed form. */
static char *
canonical_uuid(const char *s)
{
    char hex[33];
    size_t n = 0;

    for (const char *p = s; *p; p++) {
        if (*p == '-')
            continue;
        if (!isxdigit((unsigned char) *p) || n == 32)
            return NULL;
        hex[n++] = (char) tolower((unsigned char) *p);
    }
    if (n != 32)
        return NULL;
    hex[32] = '\0';
    return st_xasprintf("%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
                        hex + 20);
}

static char *
new_uuid(void)
{
    unsigned char b[16];
    size_t got = 0;

    while (got < sizeof b) {
        ssize_t r = getrandom(b + got, sizeof b - got, 0);

        if (r > 0) {
            got += (size_t) r;
        } else if (r < 0 && errno != EINTR) {
            /* getrandom refused (seccomp, ENOSYS): looping would hang.
             * A domain uuid needs uniqueness, not secrecy: fill the rest
             * from the clock and the pid. */
            struct timespec ts;
            uint64_t x;

            clock_gettime(CLOCK_REALTIME, &ts);
            x = ((uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec) ^
                ((uint64_t) getpid() << 40);
            for (; got < sizeof b; got++) {
                x = x * 6364136223846793005u + 1442695040888963407u;
                b[got] = (unsigned char) (x >> 56);
            }
        }
    }
    b[6] = (b[6] & 0x0f) | 0x40;        /* version 4 */
    b[8] = (b[8] & 0x3f) | 0x80;        /* RFC 4122 variant */
    return st_xasprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                        "%02x%02x%02x%02x%02x%02x",
                        b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
                        b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* Does strata interpret this <disk>?  Only file-backed disks (type
 * file, libvirt's default) with device disk (the default too). */
static bool
is_file_disk(const xmlNode *disk)
{
    CLEANUP_FREE char *type = st_xml_prop(disk, "type");
    CLEANUP_FREE char *device = st_xml_prop(disk, "device");

    return (!type || strcmp(type, "file") == 0) && (!device || strcmp(device, "disk") == 0);
}

static bool
parse_disk(const xmlNode *node, const char *what, struct st_domain_disk *disk,
           struct st_error **errp)
{
    xmlNode *target = st_xml_child(node, "target");
    xmlNode *source = st_xml_child(node, "source");
    xmlNode *driver = st_xml_child(node, "driver");
    CLEANUP_FREE char *mode = st_xml_prop(node, "snapshot");

    disk->node = (xmlNode *) node;
    if (!target || !(disk->target = st_xml_prop(target, "dev")) || !*disk->target) {
        st_xml_error(errp, what, node, "<disk> has no <target dev='...'>");
        return false;
    }
    if (source && (disk->source = st_xml_prop(source, "file")) && disk->source[0] != '/') {
        st_xml_error(errp, what, source, "disk '%s': source file '%s' is not an absolute path",
                     disk->target, disk->source);
        return false;
    }
    if (driver)
        disk->format = st_xml_prop(driver, "type");
    if (mode && !st_snapshot_mode_parse(mode, &disk->snapshot)) {
        st_xml_error(errp, what, node, "disk '%s': unknown snapshot mode '%s'", disk->target,
                     mode);
        return false;
    }
    return true;
}

/* Fill the struct from dom->doc (which it owns already). */
static bool
interpret(struct st_domain *dom, const char *what, struct st_error **errp)
{
    xmlNode *root = xmlDocGetRootElement(dom->doc);
    xmlNode *devices;
    CLEANUP_FREE char *uuid = NULL;

    if (!st_xml_is(root, "domain")) {
        st_xml_error(errp, what, root, "root element is <%s>, expected <domain>",
                     (const char *) root->name);
        return false;
    }
    if (!(dom->name = st_xml_child_text(root, "name"))) {
        st_xml_error(errp, what, root, "<domain> has no <name>");
        return false;
    }
    if (!st_name_check("domain", dom->name, errp)) {
        st_error_prepend(errp, "%s:%ld: ", what, xmlGetLineNo(st_xml_child(root, "name")));
        return false;
    }
    if ((uuid = st_xml_child_text(root, "uuid"))) {
        if (!(dom->uuid = canonical_uuid(uuid))) {
            st_xml_error(errp, what, st_xml_child(root, "uuid"), "malformed uuid '%s'", uuid);
            return false;
        }
    } else {
        /* As libvirt's define: a domain always has a uuid. */
        xmlNode *name = st_xml_child(root, "name");
        xmlNode *n = xmlNewDocNode(dom->doc, NULL, BAD_CAST "uuid", NULL);

        dom->uuid = new_uuid();
        xmlNodeAddContent(n, BAD_CAST dom->uuid);
        xmlAddNextSibling(name, n);
    }
    dom->description = st_xml_child_text(root, "description");
    if (!(devices = st_xml_child(root, "devices")))
        return true;
    for (xmlNode *d = devices->children; d; d = d->next) {
        struct st_domain_disk disk = { 0 };

        if (!st_xml_is(d, "disk") || !is_file_disk(d))
            continue;
        if (!parse_disk(d, what, &disk, errp)) {
            free(disk.target);
            free(disk.source);
            free(disk.format);
            return false;
        }
        if (st_domain_find_disk(dom, disk.target)) {
            st_xml_error(errp, what, d, "duplicate disk target '%s'", disk.target);
            free(disk.target);
            free(disk.source);
            free(disk.format);
            return false;
        }
        dom->disks = st_xreallocarray(dom->disks, dom->ndisks + 1, sizeof *dom->disks);
        dom->disks[dom->ndisks++] = disk;
    }
    return true;
}

static struct st_domain *
from_doc(xmlDoc *doc, const char *what, struct st_error **errp)
{
    struct st_domain *dom = st_xcalloc(1, sizeof *dom);

    dom->doc = doc;
    if (!interpret(dom, what, errp)) {
        st_domain_free(dom);
        return NULL;
    }
    return dom;
}

struct st_domain *
st_domain_parse(const char *text, size_t len, const char *what, struct st_error **errp)
{
    xmlDoc *doc = st_xml_parse(text, len, what, errp);

    return doc ? from_doc(doc, what, errp) : NULL;
}

struct st_domain *
st_domain_load(const char *path, struct st_error **errp)
{
    xmlDoc *doc = st_xml_parse_file(path, errp);

    return doc ? from_doc(doc, path, errp) : NULL;
}

struct st_domain *
st_domain_parse_node(const xmlNode *node, const char *what, struct st_error **errp)
{
    xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");

    xmlDocSetRootElement(doc, xmlDocCopyNode((xmlNode *) node, doc, 1));
    return from_doc(doc, what, errp);
}

struct st_domain *
st_domain_new(const char *name, struct st_error **errp)
{
    static const char templ[] =
        "<domain type='kvm'><name/><memory unit='KiB'>1048576</memory>"
        "<os><type>hvm</type></os><devices/></domain>";
    xmlDoc *doc;
    xmlNode *root;

    if (!st_name_check("domain", name, errp))
        return NULL;
    if (!(doc = st_xml_parse(templ, sizeof templ - 1, "define-as", errp)))
        return NULL;
    root = xmlDocGetRootElement(doc);
    xmlNodeAddContent(st_xml_child(root, "name"), BAD_CAST name);
    return from_doc(doc, "define-as", errp);
}

/* The bus libvirt would pick for a target name. */
static const char *
bus_for(const char *target)
{
    if (strncmp(target, "vd", 2) == 0)
        return "virtio";
    if (strncmp(target, "sd", 2) == 0)
        return "scsi";
    if (strncmp(target, "hd", 2) == 0)
        return "ide";
    return NULL;
}

bool
st_domain_add_disk(struct st_domain *dom, const char *target, const char *source,
                   const char *format, struct st_error **errp)
{
    xmlNode *root = xmlDocGetRootElement(dom->doc);
    xmlNode *devices = st_xml_child(root, "devices");
    xmlNode *disk, *n;
    struct st_domain_disk d = { 0 };

    if (!*target || strchr(target, '/')) {
        st_error_set(errp, ST_E_USAGE, "disk target '%s' is not a device name", target);
        return false;
    }
    if (st_domain_find_disk(dom, target)) {
        st_error_set(errp, ST_E_CONFLICT, "duplicate disk target '%s'", target);
        return false;
    }
    if (source[0] != '/') {
        st_error_set(errp, ST_E_USAGE, "disk '%s': source file '%s' is not an absolute path",
                     target, source);
        return false;
    }
    if (!devices)
        devices = xmlNewChild(root, NULL, BAD_CAST "devices", NULL);
    disk = xmlNewChild(devices, NULL, BAD_CAST "disk", NULL);
    xmlNewProp(disk, BAD_CAST "type", BAD_CAST "file");
    xmlNewProp(disk, BAD_CAST "device", BAD_CAST "disk");
    n = xmlNewChild(disk, NULL, BAD_CAST "driver", NULL);
    xmlNewProp(n, BAD_CAST "name", BAD_CAST "qemu");
    xmlNewProp(n, BAD_CAST "type", BAD_CAST (format ? format : "qcow2"));
    n = xmlNewChild(disk, NULL, BAD_CAST "source", NULL);
    xmlNewProp(n, BAD_CAST "file", BAD_CAST source);
    n = xmlNewChild(disk, NULL, BAD_CAST "target", NULL);
    xmlNewProp(n, BAD_CAST "dev", BAD_CAST target);
    if (bus_for(target))
        xmlNewProp(n, BAD_CAST "bus", BAD_CAST bus_for(target));
    d.target = st_xstrdup(target);
    d.source = st_xstrdup(source);
    d.format = st_xstrdup(format ? format : "qcow2");
    d.node = disk;
    dom->disks = st_xreallocarray(dom->disks, dom->ndisks + 1, sizeof *dom->disks);
    dom->disks[dom->ndisks++] = d;
    return true;
}

struct st_domain_disk *
st_domain_find_disk(const struct st_domain *dom, const char *target)
{
    for (size_t i = 0; i < dom->ndisks; i++)
        if (strcmp(dom->disks[i].target, target) == 0)
            return &dom->disks[i];
    return NULL;
}

/* The child element @name of @parent, created first in line if missing. */
static xmlNode *
child_or_new(xmlNode *parent, const char *name)
{
    xmlNode *n = st_xml_child(parent, name);

    if (n)
        return n;
    n = xmlNewDocNode(parent->doc, NULL, BAD_CAST name, NULL);
    if (parent->children)
        return xmlAddPrevSibling(parent->children, n);
    return xmlAddChild(parent, n);
}

bool
st_domain_disk_set_source(struct st_domain *dom ST_UNUSED, struct st_domain_disk *disk,
                          const char *source, const char *format, struct st_error **errp)
{
    if (source[0] != '/') {
        st_error_set(errp, ST_E_INTERNAL, "disk '%s': source file '%s' is not absolute",
                     disk->target, source);
        return false;
    }
    xmlSetProp(child_or_new(disk->node, "source"), BAD_CAST "file", BAD_CAST source);
    free(disk->source);
    disk->source = st_xstrdup(source);
    if (format) {
        xmlSetProp(child_or_new(disk->node, "driver"), BAD_CAST "type", BAD_CAST format);
        free(disk->format);
        disk->format = st_xstrdup(format);
    }
    return true;
}

xmlNode *
st_domain_root(const struct st_domain *dom)
{
    return xmlDocGetRootElement(dom->doc);
}

char *
st_domain_format(const struct st_domain *dom)
{
    struct st_xmlbuf buf = { 0 };

    st_xmlbuf_node(&buf, st_domain_root(dom));
    return st_xmlbuf_steal(&buf);
}
