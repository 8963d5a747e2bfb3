/* ops/revert-abandon.h: what a revert does with the active layer it
 * leaves behind (issue 18, "nothing left behind").
 *
 * A revert puts each disk on a fresh overlay; the layer that was active
 * holds whatever was written since the last snapshot.  libvirt throws
 * that state away; the library keeps today's behaviour (the file stays
 * as it is, ST_REVERT_CURRENT_LEAVE); the program makes the choice
 * explicit:
 *
 *   ASK      the layer holds data and no snapshot names it: refuse
 *            (nothing changes); it holds data and is a snapshot's
 *            overlay (the usual case: written since that snapshot):
 *            it stays, as that snapshot's branch head, which metadata
 *            names and a delete merges; it is empty: remove it
 *   DISCARD  remove it, data or not
 *   KEEP     it holds data: first make it a snapshot (ops/op-create.c),
 *            whose fresh, empty overlay is then the layer removed
 *
 * Only a file the domain's record proves strata made is removed
 * (store/created.h).  A layer that a snapshot names as its overlay has
 * that name dropped from the snapshot's <disks> first (metadata never
 * names a file strata removed; the snapshot's point in time, in its
 * <domain>, is untouched), then the file goes.  A layer that is some
 * snapshot's point in time is never removed. */
#ifndef ST_OPS_REVERT_ABANDON_H
#define ST_OPS_REVERT_ABANDON_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "common/error.h"
#include "xml/domain.h"
#include "store/store.h"

enum st_abandon_action {
    ST_ABANDON_LEFT,            /* stays where it is (LEAVE, not strata's, or a point in time) */
    ST_ABANDON_REMOVED,         /* unlinked */
    ST_ABANDON__LAST
};

struct st_abandoned {
    char *dev;                  /* owned */
    char *path;                 /* owned; the layer the revert leaves */
    uint64_t allocated;         /* guest bytes written in it, zeroes too (qcow2); its size (raw) */
    bool ours;                  /* the record proves strata made it */
    char *overlay_of;           /* owned; the snapshot naming it as overlay, or NULL */
    char *pit_of;               /* owned; a snapshot whose point in time it is, or NULL */
    enum st_abandon_action action;
    bool remove;                /* planned: remove it after the revert */
};

void st_abandoned_free(struct st_abandoned *a, size_t n);

/* Look at the active layer of each disk in @devs (NULL-terminated) of
 * @dom; a disk whose file is missing is left out.  Owned array in @out. */
bool st_abandoned_examine(const struct st_store *store, const struct st_domain *dom,
                          const struct st_tree *tree, char *const *devs,
                          struct st_abandoned **out, size_t *n, struct st_error **errp);

/* Whether any layer of @a holds data. */
bool st_abandoned_has_data(const struct st_abandoned *a, size_t n);

/* After the revert committed its metadata: for each layer planned for
 * removal, drop the overlay name that names it, then unlink it.  With
 * @only_empty a layer that holds data by now (a live domain's client
 * wrote before the swap cut it off) is left, with a warning. */
bool st_abandoned_remove(const struct st_store *store, const char *dom, struct st_abandoned *a,
                         size_t n, bool only_empty, struct st_error **errp);

/* The plan of @a for the revert's journal, so that a recover that
 * finishes the revert removes what the command would have and nothing
 * else: {"only-empty", "layers": [{"disk", "path", "allocated-bytes",
 * "ours", "overlay-of", "pit-of", "remove"}]}; owned. */
struct json_object *st_abandoned_plan_json(const struct st_abandoned *a, size_t n,
                                           bool only_empty);

/* The plan written by st_abandoned_plan_json() (actions "left"); owned
 * array in @out.  false with @errp set when it is malformed. */
bool st_abandoned_plan_parse(struct json_object *plan, struct st_abandoned **out, size_t *n,
                             bool *only_empty, struct st_error **errp);

/* [{"disk", "path", "allocated-bytes", "overlay-of", "action"}]; owned. */
struct json_object *st_abandoned_json(const struct st_abandoned *a, size_t n);

const char *st_abandon_action_name(enum st_abandon_action a);

#endif
