#!/usr/bin/env bash
# group: qsd delete
# --children, --children-only and --metadata on
#   base <- o1 <- o2 <- o3     (s1 @base, s2 @o1, s3 @o2; o3 abandoned head)
#       \-- r1 (active)        (reverted to s1)
# --children-only on s2 drops s3 and discards o3 without copying (o2
# stays: it is s2's overlay); --metadata on s1 touches no file (and
# with --dry-run prints its plan);
# --children on s2 then discards o2, but never a file the active chain
# or a remaining snapshot needs; a --children delete spanning the
# current branch discards nothing.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

dir=$(mktempdir)
img "$dir/base.qcow2"; wr "$dir/base.qcow2" 'write -P 0x11 0 2M'
img "$dir/o1.qcow2" "$dir/base.qcow2"; wr "$dir/o1.qcow2" 'write -P 0x22 1M 512K'
img "$dir/o2.qcow2" "$dir/o1.qcow2"; wr "$dir/o2.qcow2" 'write -P 0x33 1280K 256K'
img "$dir/o3.qcow2" "$dir/o2.qcow2"; wr "$dir/o3.qcow2" 'write -P 0x34 1792K 256K'
img "$dir/r1.qcow2" "$dir/base.qcow2"; wr "$dir/r1.qcow2" 'write -P 0x44 2M 256K'
st define-as web --disk "vda=$dir/r1.qcow2" >/dev/null
redefine web s1 - 1 "vda=$dir/base.qcow2:$dir/o1.qcow2"
redefine web s2 s1 0 "vda=$dir/o1.qcow2:$dir/o2.qcow2"
redefine web s3 s2 0 "vda=$dir/o2.qcow2:$dir/o3.qcow2"
views web >"$dir/before"
sums() { md5sum "$dir"/*.qcow2; }

st --json snapshot-delete web s2 --children-only --dry-run >"$dir/plan.json"
assert_json "$dir/plan.json" '.steps == [] and .bytes == 0 and .metadata.delete == ["s3"]'
assert_json "$dir/plan.json" ".unlink == [{\"disk\": \"vda\", \"path\": \"$dir/o3.qcow2\", \"discard\": true}]"
assert_eq "$(st snapshot-delete web s2 --children-only)" "Domain snapshot s2 children deleted
Disk vda: removed $dir/o3.qcow2 (only the deleted snapshots used it)"
[ ! -e "$dir/o3.qcow2" ] || fail "o3 was not discarded"
assert_eq "$(names web)" "s1 s2" "snapshots after --children-only"
views web >"$dir/after"
same_views "$dir/before" "$dir/after"

# --metadata: the snapshot goes, every file stays byte for byte.
sums >"$dir/sums.before"
redefine web s9 s2 0 "vda=$dir/o2.qcow2:$dir/o3-missing.qcow2"
# --dry-run goes with --metadata too: the plan, and nothing changes.
st --json snapshot-delete web s9 --metadata --dry-run >"$dir/mplan.json"
assert_json "$dir/mplan.json" '.mode == "metadata" and .steps == [] and .unlink == [] and .metadata.delete == ["s9"]'
assert_contains "$(st snapshot-delete web s9 --metadata --children --dry-run)" "metadata: remove snapshot s9"
assert_eq "$(names web)" "s1 s2 s9" "snapshots after --metadata --dry-run"
st snapshot-delete web s9 --metadata >/dev/null
sums >"$dir/sums.after"
cmp -s "$dir/sums.before" "$dir/sums.after" || fail "--metadata changed a file"
assert_eq "$(names web)" "s1 s2" "snapshots after --metadata"

# --children on s2: o2 goes (only s2 named it); o1 stays (s1's overlay).
st --json snapshot-delete web s2 --children --dry-run >"$dir/plan.json"
assert_json "$dir/plan.json" ".unlink == [{\"disk\": \"vda\", \"path\": \"$dir/o2.qcow2\", \"discard\": true}]"
st snapshot-delete web s2 --children >/dev/null
[ ! -e "$dir/o2.qcow2" ] || fail "o2 was not discarded"
for f in base o1 r1; do [ -e "$dir/$f.qcow2" ] || fail "$f.qcow2 was removed"; done
views web >"$dir/after2"
same_views "$dir/before" "$dir/after2"
st chain check "$dir/r1.qcow2" >/dev/null

# --children spanning the current branch: every file is on the active
# chain, so nothing is discarded and nothing copied.
st --json snapshot-delete web s1 --children --dry-run >"$dir/plan.json"
assert_json "$dir/plan.json" '.steps == [] and (.unlink | map(.path) | index("'"$dir/base.qcow2"'")) == null'
st snapshot-delete web s1 --children >/dev/null
assert_eq "$(names web)" "" "snapshots after --children"
assert_eq "$(st snapshot-current web --name 2>&1 || true)" "strata: domain 'web' has no current snapshot" "current"
[ -e "$dir/base.qcow2" ] && [ -e "$dir/r1.qcow2" ] || fail "the active chain lost a file"
grep -q "^domain vda $(_sum "$dir/r1.qcow2")$" "$dir/before" || fail "the active view changed"
rc=0; st snapshot-delete web --current 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--current without a current snapshot"
assert_contains "$(cat "$dir/err")" "domain 'web' has no current snapshot"
echo ok
