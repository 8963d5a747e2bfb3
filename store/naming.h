/* store/naming.h: file names of new overlays.  Pure: no file is read.
 *
 *   create s2 on vda.s1:      /img/vda.s1   -> /img/vda.s2   (SPEC §3)
 *   revert to s1 (pit vda.qcow2): /img/vda.qcow2 -> /img/vda.s1-1, -2, ...
 */
#ifndef ST_STORE_NAMING_H
#define ST_STORE_NAMING_H

#include <stdbool.h>

/**
 * st_naming_overlay_default:
 * @active: the disk's active file
 * @snap: the snapshot's name (already checked with st_name_check())
 *
 * The default overlay name of SPEC §3, as libvirt makes it: @active with
 * everything after the last dot of its last component replaced by @snap;
 * with no dot there, ".@snap" is appended.  Returns: owned path.
 */
char *st_naming_overlay_default(const char *active, const char *snap);

/* Says whether @path is already used (exists, or named by metadata). */
typedef bool (*st_naming_taken_fn)(const char *path, void *opaque);

/**
 * st_naming_revert_overlay:
 * @pit: the snapshot's point-in-time file (the new overlay's backing)
 * @snap: the snapshot reverted to
 * @taken: collision check
 *
 * The name of the fresh overlay a revert puts on @pit: the default
 * overlay name for "@snap-N" with the smallest N >= 1 that @taken says
 * is free (vda.qcow2 + s1 -> vda.s1-1, then vda.s1-2, ...).  A revert
 * never reuses a file, so the branch left behind keeps its files.
 * Returns: owned path.
 */
char *st_naming_revert_overlay(const char *pit, const char *snap, st_naming_taken_fn taken,
                               void *opaque);

#endif
