/* ops/delete-world.h: the planner's input (ops/plan.h) read from a
 * domain, its snapshot tree and the qcow2 headers of every file they
 * name.  Per disk, the file graph holds each named file (the domain's
 * active file, each snapshot's point in time and overlay) and every
 * file below them, one entry per file identity (device, inode):
 *
 *   base <- o1 <- o2        s1: point in time base (embedded <domain>),
 *       \                       overlay o1 (<disks><disk><source>)
 *        <- r1 (active)     after a revert to s1
 */
#ifndef ST_OPS_DELETE_WORLD_H
#define ST_OPS_DELETE_WORLD_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "xml/domain.h"
#include "ops/plan.h"
#include "store/tree.h"

struct st_delete_world;

/**
 * st_delete_world_load:
 * @dom, @tree: borrowed for the world's life (its snapshot names)
 *
 * Read the headers (and L1/L2 tables, for allocated bytes) of every
 * file the metadata names, one file at a time so that shared lower
 * files are read once.  Missing files are left out (a snapshot naming
 * one gets -1 there, so the planner leaves that disk alone).
 *
 * Returns: an owned world, or NULL with @errp set.
 */
struct st_delete_world *st_delete_world_load(const struct st_domain *dom,
                                             const struct st_tree *tree,
                                             struct st_error **errp);
/* Mark the files of @w that @record (store/created.h) proves strata made. */
void st_delete_world_mark_made(struct st_delete_world *w, struct json_object *record);

void st_delete_world_free(struct st_delete_world *w);
ST_DEFINE_CLEANUP(st_cleanup_delete_world, struct st_delete_world *, st_delete_world_free)
#define CLEANUP_DELETE_WORLD ST_CLEANUP(st_cleanup_delete_world)

/* The planner's input; borrowed from @w. */
const struct st_plan_input *st_delete_world_input(const struct st_delete_world *w);

/* Index of snapshot @name in the input, or -1. */
int st_delete_world_find_snap(const struct st_delete_world *w, const char *name);

/* The file snapshot @snap names for disk @disk (point in time first,
 * then overlay) that could not be read, or NULL; borrowed. */
const char *st_delete_world_missing(const struct st_delete_world *w, size_t snap, size_t disk);

/* Index of the file at @path (same device and inode) in disk @disk's
 * graph, or -1. */
int st_delete_world_find_file(const struct st_delete_world *w, size_t disk, const char *path);

#endif
