/* qmp/transaction.h: several graph changes applied as one QMP
 * `transaction`: either every action applies or none does (QEMU rolls
 * back the earlier actions when a later one fails; qmp-notes).  Used
 * for multi-disk snapshots:
 *
 *   vda-0 <- vda-1      +  vdb-0 <- vdb-1        (one transaction)
 */
#ifndef ST_QMP_TRANSACTION_H
#define ST_QMP_TRANSACTION_H

#include <stdbool.h>
#include <json-c/json.h>

#include "common/cleanup.h"
#include "common/error.h"
#include "qmp/client.h"

struct st_qmp_txn;

/* An empty transaction; owned. */
struct st_qmp_txn *st_qmp_txn_new(void);
void st_qmp_txn_free(struct st_qmp_txn *txn);
ST_DEFINE_CLEANUP(st_cleanup_qmp_txn, struct st_qmp_txn *, st_qmp_txn_free)
#define CLEANUP_QMP_TXN ST_CLEANUP(st_cleanup_qmp_txn)

/* Append an action of QMP type @type with arguments @data (consumed). */
void st_qmp_txn_add(struct st_qmp_txn *txn, const char *type, struct json_object *data);
/* Append blockdev-snapshot: @overlay (opened with "backing": null, its
 * header already naming the backing) goes on top of @node. */
void st_qmp_txn_add_snapshot(struct st_qmp_txn *txn, const char *node, const char *overlay);
/* Number of actions. */
size_t st_qmp_txn_len(const struct st_qmp_txn *txn);

/**
 * st_qmp_txn_run:
 *
 * Run the transaction.  Returns false with @errp set (ST_E_QMP
 * "transaction: <desc>") if any action failed; then none applied.
 */
bool st_qmp_txn_run(struct st_qmp *qmp, const struct st_qmp_txn *txn, struct st_error **errp);

/* One node pair of st_qmp_transaction_snapshot(). */
struct st_qmp_snapshot_pair {
    const char *node;       /* current top format node */
    const char *overlay;    /* new overlay format node */
};

/* blockdev-snapshot of every pair in one transaction. */
bool st_qmp_transaction_snapshot(struct st_qmp *qmp, const struct st_qmp_snapshot_pair *pairs,
                                 size_t n, struct st_error **errp);

#endif
