#!/usr/bin/env bash
# group: qsd api delete
# strata_domain_block_commit() and strata_domain_block_pull() (through
# tests/api/client) on a disk's active chain
#   base <- mid <- top <- act (active)
# do what blockcommit and blockpull do: the same chains afterwards, the
# guest's view unchanged, a progress callback that sees bytes move, 1
# when there is nothing left to do, the program's refusal (a snapshot
# names the target: STRATA_ERR_CONFLICT) with no file changed, and a
# job cancelled from its callback (STRATA_ERR_JOB) that changed no view
# and that the same call then finishes.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version

client=$builddir/tests/api/client
[ -x "$client" ] || fail "$client not built"
export LD_LIBRARY_PATH=$builddir
dir=$(mktempdir)
c() { "$client" "$dir/state" "$dir/run" web "$@"; }
mk() {
    st undefine web >/dev/null 2>&1 || true
    rm -f "$dir"/*.qcow2
    img "$dir/base.qcow2"; wr "$dir/base.qcow2" 'write -P 0x11 0 2M'
    img "$dir/mid.qcow2" "$dir/base.qcow2"; wr "$dir/mid.qcow2" 'write -P 0x22 1M 1M'
    img "$dir/top.qcow2" "$dir/mid.qcow2"; wr "$dir/top.qcow2" 'write -P 0x33 1536K 4M'
    img "$dir/act.qcow2" "$dir/top.qcow2"; wr "$dir/act.qcow2" 'write -P 0x44 7M 256K'
    st define-as web --disk "vda=$dir/act.qcow2" >/dev/null
}
chain_files() { st --json chain show "$1" | jq -r '.layers[].path' | tr '\n' ' '; }
mk
want=$(_sum "$dir/act.qcow2")

# Refused as the program refuses it: a snapshot's point in time is base.
redefine web s1 - 0 "vda=$dir/base.qcow2:$dir/mid.qcow2"
md5sum "$dir"/*.qcow2 >"$dir/sums.before"
rc=0; c blockcommit vda "$dir/top.qcow2" - 2>"$dir/err" || rc=$?
assert_eq "$rc" 3 "API commit into a snapshot's point in time"
assert_contains "$(cat "$dir/err")" "error conflict: disk 'vda': snapshot 's1' names '$dir/mid.qcow2'"
md5sum "$dir"/*.qcow2 | cmp -s - "$dir/sums.before" || fail "a refused API commit changed a file"
st snapshot-delete web s1 --metadata >/dev/null

# Cancelled from the progress callback: no view changed, nothing lost,
# and the same call finishes it.
c blockcommit vda "$dir/top.qcow2" "$dir/base.qcow2" cancel | grep -q '^cancelled after' ||
    fail "the commit was not cancelled"
assert_eq "$(_sum "$dir/act.qcow2")" "$want" "guest view after a cancelled commit"
assert_eq "$(chain_len "$dir/act.qcow2")" 4 "layers after a cancelled commit"
assert_eq "$(c blockcommit vda "$dir/top.qcow2" "$dir/base.qcow2")" "0 moved" "API commit"
assert_eq "$(chain_files "$dir/act.qcow2")" "$dir/act.qcow2 $dir/base.qcow2 " "chain after the commit"
assert_eq "$(_sum "$dir/act.qcow2")" "$want" "guest view after the API commit"
# Run again: top is out of the chain and its data is in base.
assert_eq "$(c blockcommit vda "$dir/top.qcow2" "$dir/base.qcow2")" "1 still" "API commit again"

# Active commit and pivot: the domain names base.
assert_eq "$(c blockcommit vda - - active)" "0 moved" "API active commit"
assert_eq "$(active_of web vda)" "$dir/base.qcow2" "active after the API pivot"
assert_eq "$(_sum "$dir/base.qcow2")" "$want" "guest view after the API pivot"

# Pull: down to mid, then all; then nothing is left to pull.
mk
c blockpull vda "$dir/mid.qcow2" cancel | grep -q '^cancelled after' || fail "the pull was not cancelled"
assert_eq "$(_sum "$dir/act.qcow2")" "$want" "guest view after a cancelled pull"
assert_eq "$(c blockpull vda "$dir/mid.qcow2")" "0 moved" "API pull down to mid"
assert_eq "$(chain_files "$dir/act.qcow2")" "$dir/act.qcow2 $dir/mid.qcow2 $dir/base.qcow2 " \
    "chain after a pull down to mid"
assert_eq "$(c blockpull vda -)" "0 moved" "API full pull"
assert_eq "$(chain_len "$dir/act.qcow2")" 1 "layers after a full API pull"
assert_eq "$(c blockpull vda -)" "1 still" "API pull with nothing to pull"
assert_eq "$(_sum "$dir/act.qcow2")" "$want" "guest view after the API pulls"

# A file that is not in the chain: the program's message.
rc=0; c blockpull vda "$dir/nowhere.qcow2" 2>"$dir/err" || rc=$?
assert_eq "$rc" 3 "API pull onto a file outside the chain"
assert_contains "$(cat "$dir/err")" "error not-found: disk 'vda': base '$dir/nowhere.qcow2' is not in the active chain"
no_qsd_left
