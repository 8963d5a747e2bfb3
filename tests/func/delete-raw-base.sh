#!/usr/bin/env bash
# group: qsd delete
# A raw base takes part in a merge: deleting s1 (point in time: the raw
# base.img) commits the small overlay vda.s1 into it.  Every name that
# pointed at the qcow2 overlay now points at the raw base, and says
# 'raw': the domain and s2's embedded <domain> stay openable, and
# reverting to s2 shows the data s2 saw.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version

dir=$(mktempdir)
st() { "$STRATA" --state-dir "$dir/state" --run-dir "$dir/run" "$@"; }

truncate -s 8M "$dir/base.img"
qemu-io -f raw -c 'write -P 0x11 0 4M' "$dir/base.img" >/dev/null
st define-as web --disk "vda=$dir/base.img,format=raw" >/dev/null
st snapshot-create-as web s1 --disk-only >/dev/null
qemu-io -f qcow2 -c 'write -P 0x22 1M 64K' "$dir/base.s1" >/dev/null
st snapshot-create-as web s2 --disk-only >/dev/null
qemu-io -f qcow2 -c 'write -P 0x33 2M 64K' "$dir/base.s2" >/dev/null
qemu-img convert -O raw "$dir/base.s1" "$dir/s2-view.raw"

st --json snapshot-delete web s1 --dry-run >"$dir/plan.json"
assert_json "$dir/plan.json" '.steps[0].action == "commit"'
st snapshot-delete web s1 >/dev/null

[ ! -e "$dir/base.s1" ] || fail "the committed overlay was not unlinked"
xml=$(st snapshot-dumpxml web s2)
assert_contains "$xml" "<source file='$dir/base.img'/>"
echo "$xml" | grep -B2 "<source file='$dir/base.img'/>" | grep -q "type='raw'" ||
    fail "s2's embedded domain names base.img without type='raw': $xml"
assert_exit 0 st chain check web
assert_same_content "$dir/base.img" "$dir/s2-view.raw"

st snapshot-revert web s2 >/dev/null
active=$(st --json domblklist web | jq -r '.disks[0].source')
qemu-img compare -U -f qcow2 -F raw "$active" "$dir/s2-view.raw" >/dev/null ||
    fail "after revert to s2 the disk does not show s2's data"
echo ok
