/* xml/snapshot.h: libvirt <domainsnapshot> XML <-> struct st_snapshot,
 * as a symmetric parse/format pair (the golden tests in
 * tests/data/snapshot-xml check that format(parse(x)) == x).  The
 * embedded <domain> and <inactiveDomain>, the <cookie>, each disk's
 * <source> and <driver> beyond the path and format (seclabel,
 * encryption, metadata_cache...) and, on redefine, unknown elements
 * are kept as XML and written back unchanged. */
#ifndef ST_XML_SNAPSHOT_H
#define ST_XML_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "xml/domain.h"

enum st_snapshot_state {
    ST_SNAPSHOT_STATE_NONE = 0,     /* <state> absent */
    ST_SNAPSHOT_STATE_NOSTATE,
    ST_SNAPSHOT_STATE_RUNNING,
    ST_SNAPSHOT_STATE_BLOCKED,
    ST_SNAPSHOT_STATE_PAUSED,
    ST_SNAPSHOT_STATE_SHUTDOWN,
    ST_SNAPSHOT_STATE_SHUTOFF,
    ST_SNAPSHOT_STATE_CRASHED,
    ST_SNAPSHOT_STATE_PMSUSPENDED,
    ST_SNAPSHOT_STATE_DISK_SNAPSHOT,
    ST_SNAPSHOT_STATE__LAST
};
/* "running", "disk-snapshot"...; NULL for NONE. */
const char *st_snapshot_state_name(enum st_snapshot_state state);

struct st_snapshot_disk {
    char *name;                     /* owned; target dev (or a path) */
    enum st_snapshot_mode snapshot;
    char *type;                     /* owned; "file", "block" or NULL */
    char *source;                   /* owned; <source file|dev>, absolute, or NULL */
    char *format;                   /* owned; <driver type> or NULL */
    /* The input's <source> and <driver> (borrowed from snap->doc, or
     * NULL): their other attributes and their children (<seclabel>,
     * <encryption>, <metadata_cache>...) are written back unchanged
     * around the path and format above, which strata may change. */
    xmlNode *source_node;
    xmlNode *driver_node;
    xmlNode **unknown;              /* borrowed; owned array (redefine only) */
    size_t nunknown;
};

struct st_snapshot {
    char *name;                     /* owned */
    char *description;              /* owned or NULL */
    enum st_snapshot_state state;
    char *parent;                   /* owned; parent's name or NULL for a root */
    bool has_creation_time;
    int64_t creation_time;          /* Unix seconds */
    enum st_snapshot_mode memory;   /* <memory snapshot=> */
    char *memory_file;              /* owned or NULL */
    struct st_snapshot_disk *disks; /* owned */
    size_t ndisks;
    bool current;                   /* <active>1</active> in the internal form */
    /* <active> outside the store's files (libvirt's own snapshot files
     * carry it): accepted and otherwise ignored, as libvirt's public
     * parser does, but exposed for an importer; never written back. */
    bool has_active_in_input;
    bool active_in_input;
    bool summary;                   /* parsed with ST_SNAPSHOT_PARSE_SUMMARY */
    xmlDoc *doc;                    /* owned; holds the kept nodes below */
    xmlNode *domain;                /* borrowed from doc: <domain> or NULL */
    xmlNode *inactive_domain;       /* borrowed from doc: <inactiveDomain> or NULL */
    xmlNode *cookie;                /* borrowed from doc: <cookie> or NULL */
    xmlNode **unknown;              /* borrowed from doc; owned array (redefine only) */
    size_t nunknown;
    xmlNode **disks_unknown;        /* borrowed: unknown children of <disks> (redefine only) */
    size_t ndisks_unknown;
};

void st_snapshot_free(struct st_snapshot *snap);
ST_DEFINE_CLEANUP(st_cleanup_snapshot, struct st_snapshot *, st_snapshot_free)
#define CLEANUP_SNAPSHOT ST_CLEANUP(st_cleanup_snapshot)

enum {
    /* Unknown elements are kept (libvirt's --redefine) instead of
     * refused; <active> is accepted and exposed (active_in_input). */
    ST_SNAPSHOT_PARSE_REDEFINE = 1 << 0,
    /* The store's internal form: <active> is snap->current, name required. */
    ST_SNAPSHOT_PARSE_INTERNAL = 1 << 1,
    /* Keep only the interpreted fields and drop the XML (embedded
     * domain, cookie, unknown elements): for listing many snapshots.
     * Such a snapshot cannot be saved (snap->summary). */
    ST_SNAPSHOT_PARSE_SUMMARY = 1 << 2,
};
enum {
    /* Write <active>: the store's internal form. */
    ST_SNAPSHOT_FORMAT_INTERNAL = 1 << 0,
};

struct st_snapshot *st_snapshot_parse(const char *text, size_t len, const char *what,
                                      unsigned flags, struct st_error **errp);
struct st_snapshot *st_snapshot_load(const char *path, unsigned flags,
                                     struct st_error **errp);
/* The XML, owned, in libvirt's element order and layout. */
char *st_snapshot_format(const struct st_snapshot *snap, unsigned flags);

/* A new snapshot built in code (create): @name checked; no disks yet. */
struct st_snapshot *st_snapshot_new(const char *name, struct st_error **errp);
/* Append a disk (@type "file" when @source is set and @type NULL). */
bool st_snapshot_add_disk(struct st_snapshot *snap, const char *name,
                          enum st_snapshot_mode mode, const char *source,
                          const char *format, struct st_error **errp);
/* Replace the embedded <domain> by a copy of @dom's document. */
void st_snapshot_set_domain(struct st_snapshot *snap, const struct st_domain *dom);
/* Interpret the embedded <domain> (disks as they were at the snapshot);
 * NULL with ST_E_NOT_FOUND when there is none. */
struct st_domain *st_snapshot_get_domain(const struct st_snapshot *snap,
                                         struct st_error **errp);
/* The disk with that name, or NULL; borrowed. */
struct st_snapshot_disk *st_snapshot_find_disk(const struct st_snapshot *snap,
                                               const char *name);
/* True when memory or any disk is external (virsh's "Location"). */
bool st_snapshot_is_external(const struct st_snapshot *snap);

#endif
