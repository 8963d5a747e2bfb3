/* qmp/blockdev.h: a backing chain as QSD block nodes.  Each layer is
 * two nodes with explicit drivers (never format probing):
 *
 *   <name>-file  protocol node: driver "file" (or "nbd")
 *   <name>       format node: driver "qcow2" or "raw", file = <name>-file,
 *                backing = the format node of the layer below (or null)
 *
 * Default names are "<prefix>-<n>" with n counted from the base
 * (base = 0), so adding an overlay on top never renames older layers:
 *
 *   vda-0 (base) <- vda-1 <- vda-2 (top) */
#ifndef ST_QMP_BLOCKDEV_H
#define ST_QMP_BLOCKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "qmp/client.h"

struct st_qmp_layer {
    const char *path;       /* image file; for NBD, the server's unix socket */
    const char *format;     /* "qcow2" or "raw" (raw only as the base) */
    const char *nbd_export; /* non-NULL: open through the nbd driver, this export */
    const char *node_name;  /* NULL: "<prefix>-<n>" as above */
    bool read_only;         /* open read-only */
};

/**
 * st_qmp_blockdev_open_chain:
 * @layers: the chain top-down (layers[0] is the active layer), @n >= 1
 * @prefix: node-name prefix (e.g. the disk target "vda"); used for
 *   layers without an explicit node name
 *
 * blockdev-add every layer bottom-up, each with its backing given
 * explicitly (the base with "backing": null), so the header's backing
 * string is never followed.  On failure the nodes added so far are
 * deleted again.
 *
 * Returns: the node names top-down (owned strv: the format node names;
 * the file nodes are "<name>-file"), or NULL with @errp set (ST_E_QMP
 * "blockdev-add: <desc>", prefixed with the layer's path).
 */
char **st_qmp_blockdev_open_chain(struct st_qmp *qmp, const struct st_qmp_layer *layers, size_t n,
                                  const char *prefix, struct st_error **errp);

/**
 * st_qmp_blockdev_open_chain_on:
 * @below: format node already in QSD that the lowest of @layers backs
 *   onto, or NULL (then the lowest layer is the base)
 *
 * st_qmp_blockdev_open_chain() for the upper part of a chain whose
 * lower part is already open (a branch sharing its base with another,
 * a snapshot's point in time below the active layer).
 */
char **st_qmp_blockdev_open_chain_on(struct st_qmp *qmp, const struct st_qmp_layer *layers,
                                     size_t n, const char *prefix, const char *below,
                                     struct st_error **errp);

/**
 * st_qmp_blockdev_close_chain:
 * @nodes: format node names top-down (as open returned them)
 *
 * blockdev-del each format node then its file node, top-down.  Keeps
 * going after an error and reports the first one.
 */
bool st_qmp_blockdev_close_chain(struct st_qmp *qmp, char *const *nodes, struct st_error **errp);

/* blockdev-del of one layer: format node @name, then "<name>-file". */
bool st_qmp_blockdev_del_layer(struct st_qmp *qmp, const char *name, struct st_error **errp);

/* A node of the live graph (all strings owned). */
struct st_qmp_node {
    char *name;             /* node name */
    char *driver;           /* "qcow2", "file", "raw", "nbd", "commit_top", ... */
    char *filename;         /* what QSD reports; json:{...} for unusual nodes */
    char *backing;          /* node name of the live "backing" child, or NULL */
    char *file;             /* node name of the "file" child, or NULL */
    bool read_only;
};

struct st_qmp_graph {
    size_t n;
    struct st_qmp_node *nodes;  /* owned */
};

/**
 * st_qmp_blockdev_reopen_rw:
 * @n: a format node; @f: its file node (from st_qmp_graph_read())
 *
 * Make @n and @f read-write with blockdev-reopen, keeping @n's backing.
 * File nodes are reopened with the aio mode strata opens them with
 * (io_uring unless QSD refused it), or, if QSD says that is not the
 * node's, with the other.
 */
bool st_qmp_blockdev_reopen_rw(struct st_qmp *qmp, const struct st_qmp_node *n,
                               const struct st_qmp_node *f, struct st_error **errp);

/**
 * st_qmp_blockdev_reopen_target:
 *
 * st_qmp_blockdev_reopen_rw() for the target of a block job, with
 * "discard": "unmap" on both nodes and "detect-zeroes": "unmap" on @n:
 * QEMU 7.2's block-commit and block-stream write a zero cluster of the
 * source as data (32 MiB of zeros committed grew the base by 32 MiB,
 * measured here); with these a zero write leaves the target sparse.
 * A later reopen (st_qmp_blockdev_flush()) returns to the defaults.
 */
bool st_qmp_blockdev_reopen_target(struct st_qmp *qmp, const struct st_qmp_node *n,
                                   const struct st_qmp_node *f, struct st_error **errp);

/**
 * st_qmp_blockdev_flush:
 * @name: a format node
 *
 * Write back what QSD holds for @name and its file node (qcow2's table
 * caches, then fdatasync), and report whether that worked.  QMP has no
 * flush command; blockdev-reopen flushes a node before it reopens it
 * and fails with "Error flushing drive" when that fails, so @name is
 * reopened with the options it has (read-write, its live backing).
 * Verified here (QEMU 7.2): a stream or commit target reopened this way
 * keeps every copied cluster when QSD is killed right afterwards;
 * without it the target's tables were lost.  Works while @name's job is
 * pending.  A read-only node holds nothing to write back: true.
 */
bool st_qmp_blockdev_flush(struct st_qmp *qmp, const char *name, struct st_error **errp);

/**
 * st_qmp_graph_read:
 *
 * Read the live graph: edges from x-debug-query-block-graph (the real
 * links; query-named-block-nodes only shows header strings) and the
 * driver, filename and read-only flag from query-named-block-nodes.
 * Returns: an owned graph, or NULL with @errp set.
 */
struct st_qmp_graph *st_qmp_graph_read(struct st_qmp *qmp, struct st_error **errp);
void st_qmp_graph_free(struct st_qmp_graph *g);
ST_DEFINE_CLEANUP(st_cleanup_qmp_graph, struct st_qmp_graph *, st_qmp_graph_free)
#define CLEANUP_QMP_GRAPH ST_CLEANUP(st_cleanup_qmp_graph)
/* The node named @name (borrowed), or NULL. */
const struct st_qmp_node *st_qmp_graph_find(const struct st_qmp_graph *g, const char *name);
/* Node names from @top down its live backing links (owned strv), or
 * NULL with ST_E_NOT_FOUND if @top is not in the graph.  Implicit
 * filter nodes that jobs insert are skipped. */
char **st_qmp_graph_chain(const struct st_qmp_graph *g, const char *top, struct st_error **errp);

struct st_qmp_overlay_opts {
    const char *path;           /* new qcow2 file; must not exist unless claimed */
    bool claimed;               /* the caller created @path empty, exclusively,
                                 * and owns it: write the image into it */
    const char *node_name;      /* format node; the file node is "<node_name>-file" */
    const char *backing_file;   /* string written in the header (required) */
    const char *backing_fmt;    /* "qcow2" or "raw" (required) */
    uint64_t size;              /* virtual size in bytes (the backing's size) */
    int timeout_ms;             /* each creation job; 0 = 60 s */
};

/**
 * st_qmp_overlay_create:
 *
 * Create a qcow2 overlay with blockdev-create (file, then qcow2 with
 * backing-file/backing-fmt, each a job waited for and dismissed) and
 * open it with "backing": null, ready for blockdev-snapshot, which
 * does not write the header itself (qmp-notes).  Callers never run
 * qemu-img create.  On failure the nodes are deleted and the file
 * removed.  Returns false with @errp set (ST_E_CONFLICT if @path exists).
 */
bool st_qmp_overlay_create(struct st_qmp *qmp, const struct st_qmp_overlay_opts *opts,
                           struct st_error **errp);

#endif
