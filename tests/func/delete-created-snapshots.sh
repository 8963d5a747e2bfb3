#!/usr/bin/env bash
# group: qsd delete
# Deletes on snapshots made by snapshot-create-as and snapshot-revert (not
# redefined XML): a two-disk domain where vdb is snapshot='no'; s1, s2,
# revert to s1, s3 on the new branch.  Deleting s2 (a leaf on the
# abandoned branch) and then s1 (whose point in time backs two branches)
# keeps every remaining view, touches vdb in no way, and leaves chains
# that 'chain check' accepts; deleting s1 then, whose overlay holds the
# abandoned branch's writes that only s1 names, is refused: they would
# be lost.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

dir=$(mktempdir)
img "$dir/vda.qcow2"; wr "$dir/vda.qcow2" 'write -P 0x11 0 4M'
img "$dir/vdb.qcow2"; wr "$dir/vdb.qcow2" 'write -P 0x22 0 1M'
st define-as web --disk "vda=$dir/vda.qcow2" --disk "vdb=$dir/vdb.qcow2" >/dev/null
st snapshot-create-as web s1 --disk-only --diskspec vdb,snapshot=no >/dev/null
wr "$(active_of web vda)" 'write -P 0x33 1M 512K'
st snapshot-create-as web s2 --disk-only --diskspec vdb,snapshot=no >/dev/null
wr "$(active_of web vda)" 'write -P 0x34 2M 256K'
st snapshot-revert web s1 >/dev/null
wr "$(active_of web vda)" 'write -P 0x44 3M 256K'
st snapshot-create-as web s3 --disk-only --diskspec vdb,snapshot=no >/dev/null
wr "$(active_of web vda)" 'write -P 0x55 3M 128K'
wr "$dir/vdb.qcow2" 'write -P 0x66 1M 1M'
views web >"$dir/before"
vdb_sum=$(md5sum <"$dir/vdb.qcow2")
s2_head=$(overlay_of web s2 vda)
head_sum=$(_sum "$s2_head")

st --json snapshot-delete web s2 --dry-run >"$dir/plan.json"
assert_json "$dir/plan.json" '[.steps[].disk] == ["vda"] and .steps[0].action == "commit"'
st snapshot-delete web s2 >/dev/null
views web >"$dir/after"
same_views "$dir/before" "$dir/after"
assert_eq "$(_sum "$(overlay_of web s1 vda)")" "$head_sum" "the abandoned branch's head"

# s1's overlay now holds the abandoned branch's head, with writes only
# s1 names and nothing to merge them into (s1's point in time backs
# another branch): the delete is refused, naming the file and the bytes,
# and changes nothing, dry run or not; deleting it on purpose takes
# --metadata and then --remove-orphans.
s1_head=$(overlay_of web s1 vda)
md5sum "$dir"/*.qcow2 "$dir"/vda.s* >"$dir/sums.before" 2>/dev/null || true
for dry in --dry-run ""; do
    rc=0; st snapshot-delete web s1 $dry >/dev/null 2>"$dir/err" || rc=$?
    assert_eq "$rc" 1 "delete s1 $dry with a left branch's writes on its overlay"
    assert_contains "$(cat "$dir/err")" "disk 'vda': '$s1_head', the overlay of snapshot 's1', holds"
    assert_contains "$(cat "$dir/err")" "deleting 's1' would lose them"
done
md5sum "$dir"/*.qcow2 "$dir"/vda.s* 2>/dev/null | cmp -s - "$dir/sums.before" || fail "a refused delete changed a file"
assert_eq "$(_sum "$s1_head")" "$head_sum" "the abandoned branch's head after the refusal"
views web >"$dir/after2"
same_views "$dir/before" "$dir/after2"
assert_eq "$(md5sum <"$dir/vdb.qcow2")" "$vdb_sum" "vdb"
assert_eq "$(names web)" "s1 s3" "snapshots left"
st chain check "$(active_of web vda)" >/dev/null
st chain check "$(pit_of web s3 vda)" >/dev/null
echo ok
