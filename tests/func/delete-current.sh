#!/usr/bin/env bash
# group: qsd delete
# Deleting the current snapshot (--current) whose overlay is the active
# layer: the active layer is committed into the point in time (active
# commit with pivot), the domain's disk then names the survivor, the
# parent becomes current, and what the guest sees is unchanged.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

dir=$(mktempdir)
img "$dir/base.qcow2"; wr "$dir/base.qcow2" 'write -P 0x11 0 2M'
img "$dir/o1.qcow2" "$dir/base.qcow2"; wr "$dir/o1.qcow2" 'write -P 0x22 1M 2M'
img "$dir/o2.qcow2" "$dir/o1.qcow2"; wr "$dir/o2.qcow2" 'write -P 0x33 1536K 256K'
st define-as web --disk "vda=$dir/o2.qcow2" >/dev/null
redefine web s1 - 0 "vda=$dir/base.qcow2:$dir/o1.qcow2"
redefine web s2 s1 1 "vda=$dir/o1.qcow2:$dir/o2.qcow2"
views web >"$dir/before"

st --json snapshot-delete web --current --dry-run >"$dir/plan.json"
assert_json "$dir/plan.json" '.snapshot == "s2" and .steps[0].action == "commit" and .steps[0].active'
assert_json "$dir/plan.json" '.metadata."current-changes" and .metadata."new-current" == "s1"'
assert_contains "$(st snapshot-delete web --current --dry-run)" "active commit (pivot) of $dir/o2.qcow2 into $dir/o1.qcow2"

assert_eq "$(st snapshot-delete web --current | sed -n 1p)" "Domain snapshot s2 deleted"
views web >"$dir/after"
same_views "$dir/before" "$dir/after"
assert_eq "$(active_of web vda)" "$dir/o1.qcow2" "the domain's active file"
assert_eq "$(st snapshot-current web --name)" s1 "current"
[ ! -e "$dir/o2.qcow2" ] || fail "o2 was not unlinked"
# The guest's view is now o1 alone on base: what o2 showed before.
grep -q "^domain vda $(_sum "$dir/o1.qcow2")$" "$dir/before" || fail "o1 does not hold the old active view"
st chain check "$dir/o1.qcow2" >/dev/null

# Then s1, current now with o1 active: o1 holds as much as base (2 MiB
# each), and a tie streams base into o1, which ends up flattened.
st --json snapshot-delete web s1 --dry-run >"$dir/plan.json"
assert_json "$dir/plan.json" '.steps[0].action == "stream" and .steps[0]."new-backing" == null'
st snapshot-delete web s1 >/dev/null
views web >"$dir/after2"
same_views "$dir/before" "$dir/after2"
assert_eq "$(chain_len "$dir/o1.qcow2")" 1 "o1 flattened"
assert_eq "$(names web)" "" "no snapshot left"
[ ! -e "$dir/base.qcow2" ] || fail "base was not unlinked"
echo ok
