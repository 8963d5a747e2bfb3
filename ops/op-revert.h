/* ops/op-revert.h: revert a domain to an external snapshot (SPEC §5).
 * Each disk the snapshot covers gets a fresh overlay on the snapshot's
 * point-in-time file (the file its embedded <domain> names); the files
 * of the branch left behind stay, so it can be reverted to again:
 *
 *   before:  vda.qcow2 <- vda.s1 <- vda.s2 (active)        revert to s1
 *   after:   vda.qcow2 <- vda.s1 <- vda.s2
 *                      <- vda.s1-1 (active)
 *
 * (vda.s1-1: store/naming.h's st_naming_revert_overlay(), never a file
 * that exists or that metadata names.)  The domain XML becomes the
 * snapshot's embedded <domain> with each disk on its new overlay, and
 * the snapshot becomes current, so a later snapshot makes a branch. */
#ifndef ST_OPS_OP_REVERT_H
#define ST_OPS_OP_REVERT_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "common/error.h"
#include "ops/op-util.h"
#include "ops/revert-abandon.h"
#include "store/store.h"

/* What becomes of the active layer the revert leaves (ops/revert-abandon.h). */
enum st_revert_current {
    ST_REVERT_CURRENT_LEAVE,    /* it stays as it is (the library's behaviour) */
    ST_REVERT_CURRENT_ASK,      /* data named by no snapshot: refuse; data that is a
                                 * snapshot's overlay: it stays; empty: remove it */
    ST_REVERT_CURRENT_DISCARD,  /* remove it */
    ST_REVERT_CURRENT_KEEP,     /* data: make it snapshot keep_name first; then as ASK */
};

struct st_revert_opts {
    const char *run_dir;        /* run root (live QSD in RUN/DOM, else transient) */
    bool force;                 /* a live domain: swap the exports, cutting clients off */
    enum st_revert_current current;
    const char *keep_name;      /* KEEP: the new snapshot's name; NULL: the Unix time */
};

struct st_revert_result {
    char *name;                 /* owned; the snapshot reverted to */
    bool live;                  /* exports of the running QSD were swapped */
    int clients_cut;            /* live: NBD connections cut off by the swap; -1 unknown */
    struct st_op_disk_result *disks;    /* owned; backing: the snapshot's point in time */
    size_t ndisks;
    int64_t total_us;
    /* Not LEAVE: the layers left behind and what became of them. */
    bool abandon_reported;
    struct st_abandoned *abandoned;     /* owned */
    size_t nabandoned;
    char *kept_as;              /* owned; KEEP: the snapshot made of the old state, or NULL */
};

void st_revert_result_clear(struct st_revert_result *res);

/**
 * st_op_revert:
 * @dom: the domain; the caller holds its lock
 * @snap: the snapshot's name, or NULL for the current one
 *
 * Phases as in op-create.c: validate (the snapshot records its
 * <domain>, no memory state, every point-in-time file is there; a live
 * domain needs opts->force), plan (names, new domain XML), journal
 * (files to be made), run (overlays through blockdev-create on the
 * point-in-time nodes; live: block-export-del then block-export-add of
 * each disk's export on its new overlay), commit (domain XML, then the
 * current mark), clean.  Before the switch a failure removes the new
 * overlays and changes nothing else.
 *
 * Returns: false with @errp set (ST_E_NOT_FOUND, ST_E_CONFLICT for a
 * live domain without @force, ST_E_CHAIN for a missing file, ST_E_QMP).
 */
bool st_op_revert(const struct st_store *store, const char *dom, const char *snap,
                  const struct st_revert_opts *opts, struct st_revert_result *res,
                  struct st_error **errp);

/* {"name", "live", "clients-cut" (live only; null when unknown),
 * "disks": [{"disk", "backing", "overlay"}], "total-us"}, and when not
 * LEAVE "kept-as" (snapshot name or null) and "abandoned":
 * st_abandoned_json(); owned. */
struct json_object *st_revert_result_json(const struct st_revert_result *res);

#endif
