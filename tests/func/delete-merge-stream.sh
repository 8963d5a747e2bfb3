#!/usr/bin/env bash
# group: qsd delete
# The same shape as delete-merge-commit.sh, but s2's point in time o1
# holds 1 MiB and the next layer o2 2 MiB: o1 is streamed up into o2
# (1 MiB copied, not 2 MiB), o1 goes, s1's overlay is renamed to o2, and
# o2 then backs onto base (first cut short by --timeout, then finished by 'recover').
# Then the root s1 goes too (o2 committed into
# base, the cheaper way), leaving base <- o3 with every view unchanged;
# then s3, now the root, by a stream, which removes the base file and
# says so.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

dir=$(mktempdir)
img "$dir/base.qcow2"; wr "$dir/base.qcow2" 'write -P 0x11 0 4M'
img "$dir/o1.qcow2" "$dir/base.qcow2"; wr "$dir/o1.qcow2" 'write -P 0x22 3M 1M'
img "$dir/o2.qcow2" "$dir/o1.qcow2"; wr "$dir/o2.qcow2" 'write -P 0x33 512K 2M'
img "$dir/o3.qcow2" "$dir/o2.qcow2"; wr "$dir/o3.qcow2" 'write -P 0x44 5M 256K'
st define-as web --disk "vda=$dir/o3.qcow2" >/dev/null
redefine web s1 - 0 "vda=$dir/base.qcow2:$dir/o1.qcow2"
redefine web s2 s1 0 "vda=$dir/o1.qcow2:$dir/o2.qcow2"
redefine web s3 s2 1 "vda=$dir/o2.qcow2:$dir/o3.qcow2"
views web >"$dir/before"

st --json snapshot-delete web s2 --dry-run >"$dir/plan.json"
assert_json "$dir/plan.json" '.steps[0].action == "stream"'
assert_json "$dir/plan.json" ".steps[0].top == \"$dir/o2.qcow2\" and .steps[0].base == \"$dir/o1.qcow2\""
assert_json "$dir/plan.json" ".steps[0].\"new-backing\" == \"$dir/base.qcow2\""
assert_json "$dir/plan.json" '.bytes == 1048576 and ."bytes-always-commit" == 2097152'
# A stream's figure is o1's allocation: an upper bound (the job skips
# what o2 already holds), and said so in JSON and in text.
assert_json "$dir/plan.json" '.steps[0]."bytes-upper-bound" and ."bytes-upper-bound"'
text=$(st snapshot-delete web s2 --dry-run)
assert_contains "$text" "vda: stream $dir/o1.qcow2 into $dir/o2.qcow2, which then backs onto $dir/base.qcow2, at most 1048576 bytes (1.0 MiB)"
assert_contains "$text" "Bytes to copy: at most 1048576 bytes (1.0 MiB)"
assert_contains "$text" "a stream copies only what its overlay does not already hold"

# A job past its --timeout is cancelled (QEMU copies 512 KiB chunks, so
# a 1 MiB stream at 4 KiB/s cannot end within a second): nothing changes
# but the journal, and 'strata recover' finishes the delete.
rc=0; st snapshot-delete web s2 --speed 4096 --timeout 1 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "a delete past its --timeout"
assert_contains "$(cat "$dir/err")" "disk 'vda': stream of '$dir/o1.qcow2' into '$dir/o2.qcow2'"
assert_json "$dir/state/web/journal" '.phase == "data" and .detail."done-steps" == 0'
[ -e "$dir/o1.qcow2" ] || fail "o1 was removed by a cancelled delete"
views web | grep -v '^s2 ' >"$dir/mid"
same_views "$dir/before" "$dir/mid"

st --json recover web >"$dir/out.json"
assert_json "$dir/out.json" '.operation == "snapshot-delete" and .action == "rolled-forward"'
assert_eq "$(names web)" "s1 s3" "snapshots after recover"
views web >"$dir/after"
same_views "$dir/before" "$dir/after"
[ ! -e "$dir/o1.qcow2" ] || fail "o1 was not unlinked"
assert_eq "$(qemu-img info -U --output=json "$dir/o2.qcow2" | jq -r '."full-backing-filename"')" \
    "$dir/base.qcow2" "o2's backing"
assert_eq "$(chain_len "$dir/o3.qcow2")" 3 "layers under o3"
assert_eq "$(overlay_of web s1 vda)" "$dir/o2.qcow2" "s1's overlay"
assert_eq "$(pit_of web s3 vda)" "$dir/o2.qcow2" "s3's point in time"
st chain check "$dir/o3.qcow2" >/dev/null

# The root: o2 (3 MiB) is committed into base (4 MiB).
st --json snapshot-delete web s1 --dry-run >"$dir/plan.json"
assert_json "$dir/plan.json" '.steps[0].action == "commit" and .steps[0].active == false'
st snapshot-delete web s1 >/dev/null
views web >"$dir/after2"
same_views "$dir/before" "$dir/after2"
assert_eq "$(names web)" s3 "snapshots left"
assert_eq "$(pit_of web s3 vda)" "$dir/base.qcow2" "s3's point in time"
assert_eq "$(chain_len "$dir/o3.qcow2")" 2 "layers under o3"
assert_eq "$(st snapshot-list web --roots --name | sed '/^$/d')" s3 "root"
st chain check "$dir/o3.qcow2" >/dev/null

# The root s3 by a stream (its layer o3 holds more than base): the
# disk's original base file goes, and the result says so, in text and
# in --json, not only in --dry-run.
wr "$dir/o3.qcow2" 'write -P 0x66 0 8M'
views web >"$dir/before3"
st --json snapshot-delete web s3 --dry-run >"$dir/plan.json"
assert_json "$dir/plan.json" '.steps[0].action == "stream"'
st --json snapshot-delete web s3 >"$dir/res.json"
assert_json "$dir/res.json" ".removed == [\"$dir/base.qcow2\"] and .deleted == [\"s3\"]"
[ ! -e "$dir/base.qcow2" ] || fail "base was not removed"
views web >"$dir/after3"
same_views "$dir/before3" "$dir/after3"
echo ok
