/* qmp/transaction.c: build and run QMP transactions. */
#include "config.h"

#include <stdlib.h>

#include "common/json.h"
#include "common/xalloc.h"
#include "qmp/transaction.h"

struct st_qmp_txn {
    struct json_object *actions;    /* owned array of {"type", "data"} */
};

struct st_qmp_txn *
st_qmp_txn_new(void)
{
    struct st_qmp_txn *txn = st_xcalloc(1, sizeof *txn);

    txn->actions = json_object_new_array();
    return txn;
}

void
st_qmp_txn_free(struct st_qmp_txn *txn)
{
    if (!txn)
        return;
    json_object_put(txn->actions);
    free(txn);
}

void
st_qmp_txn_add(struct st_qmp_txn *txn, const char *type, struct json_object *data)
{
    struct json_object *a = json_object_new_object();

    json_object_object_add(a, "type", json_object_new_string(type));
    json_object_object_add(a, "data", data ? data : json_object_new_object());
    json_object_array_add(txn->actions, a);
}

void
st_qmp_txn_add_snapshot(struct st_qmp_txn *txn, const char *node, const char *overlay)
{
    struct json_object *d = json_object_new_object();

    json_object_object_add(d, "node", json_object_new_string(node));
    json_object_object_add(d, "overlay", json_object_new_string(overlay));
    st_qmp_txn_add(txn, "blockdev-snapshot", d);
}

size_t
st_qmp_txn_len(const struct st_qmp_txn *txn)
{
    return json_object_array_length(txn->actions);
}

bool
st_qmp_txn_run(struct st_qmp *qmp, const struct st_qmp_txn *txn, struct st_error **errp)
{
    struct json_object *args = json_object_new_object();

    json_object_object_add(args, "actions", json_object_get(txn->actions));
    return st_qmp_run(qmp, "transaction", args, errp);
}

bool
st_qmp_transaction_snapshot(struct st_qmp *qmp, const struct st_qmp_snapshot_pair *pairs,
                            size_t n, struct st_error **errp)
{
    CLEANUP_QMP_TXN struct st_qmp_txn *txn = st_qmp_txn_new();

    for (size_t i = 0; i < n; i++)
        st_qmp_txn_add_snapshot(txn, pairs[i].node, pairs[i].overlay);
    return st_qmp_txn_run(qmp, txn, errp);
}
