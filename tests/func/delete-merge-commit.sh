#!/usr/bin/env bash
# group: qsd delete
# Deleting the middle snapshot of base <- o1 <- o2 <- o3 (active), where
# s2's point in time o1 holds 2 MiB and the next layer o2 only 256 KiB,
# commits o2 into o1 (256 KiB copied, not 2 MiB): every remaining view keeps
# its content, the chain is one layer shorter, s3 now names o1, o2 is
# unlinked, and the second disk (snapshot='no') is left alone.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

dir=$(mktempdir)
img "$dir/base.qcow2"; wr "$dir/base.qcow2" 'write -P 0x11 0 4M'
img "$dir/o1.qcow2" "$dir/base.qcow2"; wr "$dir/o1.qcow2" 'write -P 0x22 1M 2M'
img "$dir/o2.qcow2" "$dir/o1.qcow2"; wr "$dir/o2.qcow2" 'write -P 0x33 2560K 256K'
img "$dir/o3.qcow2" "$dir/o2.qcow2"; wr "$dir/o3.qcow2" 'write -P 0x44 5M 256K'
img "$dir/data.qcow2"; wr "$dir/data.qcow2" 'write -P 0x55 0 512K'
st define-as web --disk "vda=$dir/o3.qcow2" --disk "vdb=$dir/data.qcow2" >/dev/null
redefine web s1 - 0 "vda=$dir/base.qcow2:$dir/o1.qcow2" vdb=no
redefine web s2 s1 0 "vda=$dir/o1.qcow2:$dir/o2.qcow2" vdb=no
redefine web s3 s2 1 "vda=$dir/o2.qcow2:$dir/o3.qcow2" vdb=no
views web >"$dir/before"
data_sum=$(md5sum <"$dir/data.qcow2")

# The plan: commit, 256 KiB, cheaper than streaming o1's 2 MiB.
st --json snapshot-delete web s2 --dry-run >"$dir/plan.json"
assert_json "$dir/plan.json" '.steps | length == 1'
assert_json "$dir/plan.json" '.steps[0].action == "commit" and .steps[0].disk == "vda"'
assert_json "$dir/plan.json" ".steps[0].top == \"$dir/o2.qcow2\" and .steps[0].base == \"$dir/o1.qcow2\""
assert_json "$dir/plan.json" '.bytes == 262144 and ."bytes-always-stream" == 2097152'
assert_json "$dir/plan.json" ".unlink == [{\"disk\": \"vda\", \"path\": \"$dir/o2.qcow2\", \"discard\": false}]"
text=$(st snapshot-delete web s2 --dry-run)
assert_contains "$text" "vda: commit $dir/o2.qcow2 into $dir/o1.qcow2, 262144 bytes (256.0 KiB)"
# A commit copies all of top's allocation: the figure is exact.
assert_json "$dir/plan.json" '(.steps[0]."bytes-upper-bound" | not) and (."bytes-upper-bound" | not)'
assert_contains "$text" "Bytes to copy: 262144 bytes (256.0 KiB) (always commit"
assert_contains "$text" "unlink: $dir/o2.qcow2"
# --dry-run changed nothing.
[ -e "$dir/o2.qcow2" ] || fail "--dry-run removed a file"
assert_eq "$(names web)" "s1 s2 s3" "snapshots after --dry-run"

out=$(st snapshot-delete web s2)
assert_eq "$out" "Domain snapshot s2 deleted
Disk vda: $dir/o1.qcow2 is named instead of $dir/o2.qcow2
Disk vda: removed $dir/o2.qcow2
Merged: 262144 bytes (256.0 KiB) copied; the targets gained 0 bytes of data and 0 bytes of zero clusters"
views web >"$dir/after"
same_views "$dir/before" "$dir/after"
[ ! -e "$dir/o2.qcow2" ] || fail "o2 was not unlinked"
assert_eq "$(chain_len "$dir/o3.qcow2")" 3 "layers under o3"
assert_eq "$(pit_of web s3 vda)" "$dir/o1.qcow2" "s3's point in time"
assert_eq "$(overlay_of web s1 vda)" "$dir/o1.qcow2" "s1's overlay"
assert_eq "$(st snapshot-parent web s3)" s1 "s3's parent"
assert_eq "$(st snapshot-current web --name)" s3 "current"
st chain check "$dir/o3.qcow2" >/dev/null
assert_eq "$(md5sum <"$dir/data.qcow2")" "$data_sum" "vdb's file"
[ ! -e "$dir/state/web/journal" ] || fail "journal left behind"

# Errors: no such snapshot; conflicting options; nothing changes.
rc=0; st snapshot-delete web nosuch 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "delete of a missing snapshot"
assert_contains "$(cat "$dir/err")" "domain 'web' has no snapshot named 'nosuch'"
rc=0; st snapshot-delete web s1 --children --children-only 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--children with --children-only"
assert_contains "$(cat "$dir/err")" "mutually exclusive"
rc=0; st snapshot-delete web s1 --metadata --verify 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--metadata with --verify"
assert_contains "$(cat "$dir/err")" "--metadata touches no file"
# --metadata --dry-run is a plan like any other, and changes nothing.
assert_contains "$(st snapshot-delete web s1 --metadata --dry-run)" "metadata: remove snapshot s1"
views web >"$dir/after2"
same_views "$dir/after" "$dir/after2"
echo ok
