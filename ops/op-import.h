/* ops/op-import.h: import-libvirt, taking a VM over from libvirt's own
 * files (SPEC §7a): read and check everything first
 * (ops/import-read.c), then define the domain and all its snapshots in
 * one step (ops/op-import.c). */
#ifndef ST_OPS_OP_IMPORT_H
#define ST_OPS_OP_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "xml/domain.h"
#include "xml/snapshot.h"

/* Where libvirt keeps a VM: its domains' XML and their snapshots'. */
#define ST_LIBVIRT_CONFIG_DIR "/etc/libvirt/qemu"
#define ST_LIBVIRT_SNAPSHOT_DIR "/var/lib/libvirt/qemu/snapshot"

/* One problem found.  A fatal one stops the import; the others say
 * what strata keeps as metadata only (internal snapshots, memory
 * state, disks it does not manage). */
struct st_import_problem {
    bool fatal;
    enum st_errcode code;       /* for the import's error, when fatal */
    char *file;                 /* owned; the file concerned */
    char *snapshot;             /* owned or NULL */
    char *disk;                 /* owned or NULL */
    char *message;              /* owned; names the object, no file name */
    char *hint;                 /* owned or NULL */
};

struct st_import_snapshot {
    struct st_snapshot *snap;   /* owned; ->current from its <active> */
    char *file;                 /* owned; where it was read */
};

struct st_import {
    char *domain_file;          /* owned */
    char *snapshot_dir;         /* owned; SNAPSHOT-DIR/DOMAIN */
    struct st_domain *dom;      /* owned */
    struct st_import_snapshot *snaps;   /* owned; parents before children */
    size_t nsnaps;
    const char *current;        /* the current snapshot's name (in snaps), or NULL */
    struct st_import_problem *problems; /* owned, in the order found */
    size_t nproblems, nfatal;
};

void st_import_free(struct st_import *imp);
ST_DEFINE_CLEANUP(st_cleanup_import, struct st_import *, st_import_free)
#define CLEANUP_IMPORT ST_CLEANUP(st_cleanup_import)

/**
 * st_import_read:
 * @config_dir: where DOMAIN.xml is (libvirt's /etc/libvirt/qemu)
 * @snapshot_dir: where DOMAIN/NAME.xml are (/var/lib/libvirt/qemu/snapshot)
 *
 * Reads the domain and every snapshot file and checks them against the
 * images: each file parses and names the snapshot of its file name, one
 * at most is <active>, every parent has its file, each external disk's
 * overlay exists and is backed by the file the embedded domain names,
 * the domain's disks exist and their chains hold the current snapshot's
 * files, and no QEMU has a disk open (a VM running under libvirt).
 * Problems are collected in ->problems, not returned: only a domain
 * file that cannot be read or parsed, or an unreadable snapshot
 * directory, is an error.  Nothing is written anywhere.
 */
struct st_import *st_import_read(const char *config_dir, const char *snapshot_dir,
                                 const char *name, struct st_error **errp);

/**
 * st_op_import:
 * @imp: read by st_import_read(); refused when it holds a fatal problem
 * @wait: wait for the domain's lock, else ST_E_BUSY at once
 *
 * Defines the domain and all its snapshots in one step: everything is
 * written into a staging directory in the state dir and checked by
 * reading it back as the store would, then exchanged with the domain's
 * directory in one rename (renameat2 RENAME_EXCHANGE).  A failure or a
 * crash before the exchange leaves no domain; the staging directory a
 * crash leaves is removed by the next import.  A domain of that name
 * that already exists is ST_E_CONFLICT.
 */
bool st_op_import(const char *state_dir, const struct st_import *imp, bool wait,
                  struct st_error **errp);

/**
 * st_op_export_libvirt:
 * @dir: where DOMAIN.xml and snapshot/DOMAIN/NAME.xml are written
 * @order: out: the snapshots written, parents first (borrowed from
 *   @tree_out, which the caller frees)
 *
 * Writes the domain and its snapshots in libvirt's internal form
 * (xml/libvirt-form.h), under the domain's lock.  A snapshot file in
 * the target directory that names no snapshot of the domain is
 * ST_E_CONFLICT (libvirt would take it back too); nothing is written
 * then.
 */
struct st_tree;
struct st_tree_node;
bool st_op_export_libvirt(const char *state_dir, const char *name, const char *dir,
                          struct st_domain **dom_out, struct st_tree **tree_out,
                          struct st_tree_node ***order, size_t *norder,
                          struct st_error **errp);

#endif
