#!/usr/bin/env bash
# group: qsd chain
# 'chain check DOMAIN' lists the files strata made that nothing
# references (DOMAIN/created holds their identities) and
# --remove-orphans removes those and only those: never a user's file,
# whatever its name; never a file at an orphan's path that is not the
# one strata made; never an orphan a user's overlay backs onto.  Orphans
# are made here the way a user would: 'snapshot-delete --metadata'
# forgets the snapshots and touches no file.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

dir=$(mktempdir)
img "$dir/vda.qcow2"; wr "$dir/vda.qcow2" 'write -P 0x10 0 1M'
st define-as web --disk "vda=$dir/vda.qcow2" >/dev/null
st snapshot-create-as web s1 --disk-only >/dev/null
wr "$dir/vda.s1" 'write -P 0x11 1M 256K'
st snapshot-create-as web s2 --disk-only >/dev/null
wr "$dir/vda.s2" 'write -P 0x12 2M 256K'
st snapshot-revert web s1 --keep-current=s3 >/dev/null   # active: vda.s1-1
left_behind web "before the metadata deletes"
# A user's files of strata-like names beside them: never orphans.
img "$dir/vda.s7" "$dir/vda.qcow2"
img "$dir/vda.s1-9"
st chain check web >/dev/null

# The metadata goes, the files stay: vda.s1, vda.s2 and vda.s3 (s3's
# empty overlay was removed by the revert) are named by nothing now.
for s in s3 s2 s1; do st snapshot-delete web "$s" --metadata >/dev/null; done
assert_exit 2 st --json chain check web >"$dir/check.json"
assert_json "$dir/check.json" "[.orphans[].path] == [\"$dir/vda.s1\", \"$dir/vda.s2\"]"
assert_json "$dir/check.json" '.orphans[0] | .operation == "snapshot-create" and .snapshot == "s1" and .["backed-by"] == null and .removed == false'
assert_json "$dir/check.json" '.["orphan-count"] == 2 and .["fault-count"] == 0 and .clean == false'
assert_exit 2 st chain check web >"$dir/check.txt"
assert_contains "$(cat "$dir/check.txt")" "orphans (files strata made that nothing references):"
assert_contains "$(cat "$dir/check.txt")" "  $dir/vda.s2: made by snapshot-create 's2'"
# chain show, and check with a disk, say nothing of orphans.
st --json chain show web >"$dir/show.json"
assert_json "$dir/show.json" 'has("orphans") | not'
st --json chain check web vda >"$dir/check-vda.json"
assert_json "$dir/check-vda.json" 'has("orphans") | not'

# A user's overlay on vda.s2 keeps it (and vda.s1 beneath it).
img "$dir/mine.qcow2" "$dir/vda.s2"
assert_exit 2 st --json chain check web --remove-orphans >"$dir/rm.json"
assert_json "$dir/rm.json" "[.orphans[] | {p: .path, b: .[\"backed-by\"], r: .removed}] == [{\"p\": \"$dir/vda.s1\", \"b\": \"$dir/mine.qcow2\", \"r\": false}, {\"p\": \"$dir/vda.s2\", \"b\": \"$dir/mine.qcow2\", \"r\": false}]"
[ -e "$dir/vda.s1" ] && [ -e "$dir/vda.s2" ] || fail "an orphan a user's overlay backs onto was removed"
assert_exit 2 st chain check web >"$dir/check.txt"
assert_contains "$(cat "$dir/check.txt")" "  $dir/vda.s1: made by snapshot-create 's1', kept: '$dir/mine.qcow2' backs onto it"
rm "$dir/mine.qcow2"

# A file a user put at an orphan's path (strata's is gone) is not strata's.
rm "$dir/vda.s2"
img "$dir/vda.s2"
st --json chain check web --remove-orphans >"$dir/rm.json" || true
assert_json "$dir/rm.json" "[.orphans[] | {p: .path, r: .removed}] == [{\"p\": \"$dir/vda.s1\", \"r\": true}]"
[ ! -e "$dir/vda.s1" ] || fail "the orphan vda.s1 is still there"
for f in vda.s2 vda.s7 vda.s1-9 vda.qcow2 vda.s1-1; do
    [ -e "$dir/$f" ] || fail "'$f' was removed"
done
st --json chain check web >"$dir/check.json"
assert_json "$dir/check.json" '.orphans == [] and .clean'
assert_json "$dir/state/web/created" "[.[].path] == [\"$dir/vda.s1-1\"]"

# Bad input.
assert_exit 1 st chain check "$dir/vda.s1-1" --remove-orphans 2>"$dir/err"
assert_contains "$(cat "$dir/err")" "no domain named '$dir/vda.s1-1'"
assert_contains "$(cat "$dir/err")" "hint: --remove-orphans works on 'chain check DOMAIN' only"
assert_exit 1 st chain check web vda --remove-orphans 2>"$dir/err"
assert_contains "$(cat "$dir/err")" "--remove-orphans needs 'chain check DOMAIN' without a disk"
assert_exit 1 st chain show web --remove-orphans 2>"$dir/err"
assert_contains "$(cat "$dir/err")" "without a disk"
cp "$dir/state/web/created" "$dir/created.good"
echo '{"not": "an array"}' >"$dir/state/web/created"
assert_exit 1 st chain check web 2>"$dir/err"
assert_contains "$(cat "$dir/err")" "record of created files '$dir/state/web/created' is not a JSON array"
echo 'garbage' >"$dir/state/web/created"
assert_exit 1 st chain check web 2>"$dir/err"
assert_contains "$(cat "$dir/err")" "$dir/state/web/created"
cp "$dir/created.good" "$dir/state/web/created"
# An operation in flight: its files are not orphans, and nothing is removed.
STRATA_TEST_CRASH=create-overlays st snapshot-create-as web s9 --disk-only >/dev/null 2>&1 || true
[ -f "$dir/state/web/journal" ] || fail "no journal after the crash"
st --json chain check web >"$dir/check.json"
assert_json "$dir/check.json" '.orphans == []'
assert_exit 1 st chain check web --remove-orphans 2>"$dir/err"
assert_contains "$(cat "$dir/err")" "interrupted"
kill_orphan_qsds
st recover web >/dev/null
left_behind web "after recover"
echo ok
