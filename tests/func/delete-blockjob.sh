#!/usr/bin/env bash
# group: qsd delete
# blockcommit and blockpull on a disk's active chain
#   base <- mid <- top <- act (active)
# commit top..mid into base (act then backs onto base), an active
# commit with --pivot (the domain then names base), a pull that
# flattens; the guest's view never changes.  A commit into a file a
# snapshot names, or through a file that backs another branch, is
# refused and changes nothing.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

dir=$(mktempdir)
mk() {
    rm -f "$dir"/*.qcow2
    img "$dir/base.qcow2"; wr "$dir/base.qcow2" 'write -P 0x11 0 2M'
    img "$dir/mid.qcow2" "$dir/base.qcow2"; wr "$dir/mid.qcow2" 'write -P 0x22 1M 1M'
    img "$dir/top.qcow2" "$dir/mid.qcow2"; wr "$dir/top.qcow2" 'write -P 0x33 1536K 1M'
    img "$dir/act.qcow2" "$dir/top.qcow2"; wr "$dir/act.qcow2" 'write -P 0x44 3M 256K'
}
mk
st define-as web --disk "vda=$dir/act.qcow2" >/dev/null
want=$(_sum "$dir/act.qcow2")

# A snapshot on base: committing into base would change what it sees.
redefine web s1 - 0 "vda=$dir/base.qcow2:$dir/mid.qcow2"
md5sum "$dir"/*.qcow2 >"$dir/sums.before"
rc=0; st blockcommit web vda --top "$dir/top.qcow2" 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "blockcommit into a snapshot's point in time"
assert_contains "$(cat "$dir/err")" "disk 'vda': snapshot 's1' names '$dir/mid.qcow2'"
md5sum "$dir"/*.qcow2 | cmp -s - "$dir/sums.before" || fail "a refused blockcommit changed a file"
st snapshot-delete web s1 --metadata >/dev/null

# Another branch on mid: committing through mid is refused.
img "$dir/other.qcow2" "$dir/mid.qcow2"
redefine web s2 - 0 "vda=$dir/other.qcow2:$dir/other2.qcow2"
rc=0; st blockcommit web vda --top "$dir/top.qcow2" --base "$dir/base.qcow2" 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "blockcommit through a shared file"
assert_contains "$(cat "$dir/err")" "'$dir/mid.qcow2' backs 2 files (branches)"
st snapshot-delete web s2 --metadata >/dev/null
rm "$dir/other.qcow2"

assert_eq "$(st blockcommit web vda --top "$dir/top.qcow2" --base "$dir/base.qcow2")" "Commit complete"
assert_eq "$(chain_len "$dir/act.qcow2")" 2 "layers after blockcommit"
assert_eq "$(_sum "$dir/act.qcow2")" "$want" "guest view after blockcommit"
st chain check "$dir/act.qcow2" >/dev/null

rc=0; st blockcommit web vda --top "$dir/act.qcow2" 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "committing the active layer without --active"
assert_contains "$(cat "$dir/err")" "needs --active --pivot"
assert_eq "$(st blockcommit web vda --active --pivot)" "Successfully pivoted"
assert_eq "$(active_of web vda)" "$dir/base.qcow2" "active after the pivot"
assert_eq "$(_sum "$dir/base.qcow2")" "$want" "guest view after the pivot"

# blockpull: flatten a fresh chain into its active layer.
mk
st undefine web >/dev/null
st define-as web --disk "vda=$dir/act.qcow2" >/dev/null
st --json blockpull web vda --base "$dir/mid.qcow2" >"$dir/out.json"
assert_json "$dir/out.json" ".job == \"pull\" and .base == \"$dir/mid.qcow2\""
assert_eq "$(chain_len "$dir/act.qcow2")" 3 "layers after a pull down to mid"
assert_eq "$(st blockpull web vda)" "Pull complete"
assert_eq "$(chain_len "$dir/act.qcow2")" 1 "layers after a full pull"
assert_eq "$(_sum "$dir/act.qcow2")" "$want" "guest view after blockpull"

# --speed: a positive integer that fits, or a usage error before any work.
for v in 0 -1 abc 99999999999999999999999 ''; do
    for cmd in "blockcommit web vda" "blockpull web vda" "snapshot-delete web --current"; do
        rc=0
        # shellcheck disable=SC2086
        st $cmd --speed "$v" 2>"$dir/err" || rc=$?
        assert_eq "$rc" 1 "$cmd --speed '$v'"
        assert_contains "$(cat "$dir/err")" "--speed wants a positive number of bytes per second, not '$v'"
    done
done
echo ok
