#!/usr/bin/env bash
# group: qsd delete
# After a revert the file graph branches:
#   base <- o1 <- o2          (s1 @base, s2 @o1; o2 the abandoned branch's head)
#       \-- r1 <- r2 (active) (reverted to s1, then s3 @r1)
# Deleting the leaf s2 on the abandoned branch commits its head into o1
# and keeps that head's content; --no-stream refuses to delete s1 (base
# backs two branches) and changes nothing; deleting s1 streams base into
# both branches (checked by --verify too), and no other branch or
# snapshot sees any change.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

dir=$(mktempdir)
img "$dir/base.qcow2"; wr "$dir/base.qcow2" 'write -P 0x11 0 4M'
img "$dir/o1.qcow2" "$dir/base.qcow2"; wr "$dir/o1.qcow2" 'write -P 0x22 1M 512K'
img "$dir/o2.qcow2" "$dir/o1.qcow2"; wr "$dir/o2.qcow2" 'write -P 0x33 1280K 256K'
img "$dir/r1.qcow2" "$dir/base.qcow2"; wr "$dir/r1.qcow2" 'write -P 0x44 2M 256K'
img "$dir/r2.qcow2" "$dir/r1.qcow2"; wr "$dir/r2.qcow2" 'write -P 0x55 2304K 256K'
st define-as web --disk "vda=$dir/r2.qcow2" >/dev/null
redefine web s1 - 0 "vda=$dir/base.qcow2:$dir/o1.qcow2"
redefine web s2 s1 0 "vda=$dir/o1.qcow2:$dir/o2.qcow2"
redefine web s3 s1 1 "vda=$dir/r1.qcow2:$dir/r2.qcow2"
views web >"$dir/before"
head_sum=$(_sum "$dir/o2.qcow2")

# The leaf on the abandoned branch: o2 (256 KiB) into o1 (512 KiB).
st --json snapshot-delete web s2 --dry-run >"$dir/plan.json"
assert_json "$dir/plan.json" ".steps[0].action == \"commit\" and .steps[0].head == \"$dir/o2.qcow2\""
assert_json "$dir/plan.json" '.steps[0].active == false and .metadata."current-changes" == false'
st snapshot-delete web s2 >/dev/null
views web >"$dir/after"
same_views "$dir/before" "$dir/after"
assert_eq "$(overlay_of web s1 vda)" "$dir/o1.qcow2" "s1's overlay"
assert_eq "$(_sum "$dir/o1.qcow2")" "$head_sum" "the abandoned branch's head"
[ ! -e "$dir/o2.qcow2" ] || fail "o2 was not unlinked"
assert_eq "$(active_of web vda)" "$dir/r2.qcow2" "the domain's active file"

# base backs o1 and r1: never committed into; --no-stream refuses.
sums() { md5sum "$dir"/*.qcow2; (cd "$dir/state" && find . -type f ! -name lock -exec md5sum {} + | sort); }
sums >"$dir/sums.before"
rc=0; st snapshot-delete web s1 --no-stream 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--no-stream on a shared base"
assert_contains "$(cat "$dir/err")" "snapshot 's1': disk 'vda': '$dir/base.qcow2' backs 2 branches"
sums >"$dir/sums.after"
cmp -s "$dir/sums.before" "$dir/sums.after" || fail "a refused delete changed something"

# Stream base into both branches.
st --json snapshot-delete web s1 --dry-run >"$dir/plan.json"
assert_json "$dir/plan.json" '[.steps[].action] == ["stream", "stream"] and .bytes == 8388608'
assert_json "$dir/plan.json" "[.steps[].top] | sort == [\"$dir/o1.qcow2\", \"$dir/r1.qcow2\"]"
# --verify: each remaining view digested over NBD before and after.
STRATA_DEBUG=1 st snapshot-delete web s1 --verify >/dev/null 2>"$dir/log"
for v in vda@current vda@s3; do
    assert_eq "$(grep -c "ops.delete: digest $v = " "$dir/log")" 2 "digests of $v"
    assert_eq "$(grep "ops.delete: digest $v = " "$dir/log" | sort -u | wc -l)" 1 "digest of $v before and after"
done
grep -q "digest vda@s1 " "$dir/log" && fail "the deleted snapshot was digested"
views web >"$dir/after2"
same_views "$dir/before" "$dir/after2"
assert_eq "$(_sum "$dir/o1.qcow2")" "$head_sum" "the abandoned branch's head after the stream"
[ ! -e "$dir/base.qcow2" ] || fail "base was not unlinked"
assert_eq "$(chain_len "$dir/r2.qcow2")" 2 "layers under r2"
assert_eq "$(chain_len "$dir/o1.qcow2")" 1 "layers under o1"
assert_eq "$(names web)" s3 "snapshots left"
st chain check "$dir/r2.qcow2" >/dev/null
st chain check "$dir/o1.qcow2" >/dev/null
echo ok
