#!/usr/bin/env bash
# group: qsd live snapshot
# Snapshots of a live domain ('strata start') go through its running QSD:
# state disk-snapshot, the writable NBD exports move to the new overlays
# and keep working (writes land in the overlays, the point-in-time files
# stay as they were).  Revert of a live domain is refused without
# --force; with it each export is re-added on the new overlay and reads
# the snapshot's content.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/live-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires "$QEMU_IMG" --version
requires qemu-io --version
requires nbdcopy --version
requires jq --version

dir=$(mktempdir)
st=("$STRATA" -q --state-dir "$dir/state" --run-dir "$dir/run")
cleanup_fn strata_stop_all web
sock=$dir/run/web/nbd.sock
vda="nbd+unix:///vda?socket=$sock"
vdb="nbd+unix:///vdb?socket=$sock"
"$QEMU_IMG" create -q -f qcow2 "$dir/vda.qcow2" 8M
"$QEMU_IMG" create -q -f qcow2 "$dir/vdb.qcow2" 4M
"${st[@]}" define-as web --disk "vda=$dir/vda.qcow2" --disk "vdb=$dir/vdb.qcow2" >/dev/null
"${st[@]}" --json start web >"$dir/start.json"
pid=$(jq -r .pid "$dir/start.json")
cleanup_fn kill -9 "$pid"

qemu-io -f raw -c 'write -q -P 0x11 0 1M' "$vda"
qemu-io -f raw -c 'write -q -P 0x22 0 1M' "$vdb"
nbdcopy "$vda" "$dir/vda-at-s1.raw"
nbdcopy "$vdb" "$dir/vdb-at-s1.raw"

# s1 through the live QSD.
"${st[@]}" --json snapshot-create-as web s1 --disk-only >"$dir/s1.json"
assert_json "$dir/s1.json" '.live == true and (.disks | length) == 2'
"${st[@]}" snapshot-info web s1 | grep -q '^State: *disk-snapshot$' || fail "s1 state"
kill -0 "$pid" || fail "the domain's QSD died"
[ -z "$(ls -d "$dir"/run/op-* 2>/dev/null)" ] || fail "a transient QSD was used"
"${st[@]}" domblklist web | grep -q "$dir/vda.s1" || fail "domain not on vda.s1"
# The exports keep working and now write into the overlays.
base_sum=$(md5sum "$dir/vda.qcow2" "$dir/vdb.qcow2")
qemu-io -f raw -c 'write -q -P 0x33 512K 1M' "$vda"
qemu-io -f raw -c 'write -q -P 0x44 2M 1M' "$vdb"
qemu-io -f raw -c 'read -q -P 0x11 0 512K' -c 'read -q -P 0x33 512K 1M' "$vda" >"$dir/io" ||
    fail "vda export after the live snapshot: $(cat "$dir/io")"
assert_eq "$(md5sum "$dir/vda.qcow2" "$dir/vdb.qcow2")" "$base_sum" "point-in-time files written to"
qemu-img compare -q -U -f qcow2 -F raw "$dir/vda.qcow2" "$dir/vda-at-s1.raw" ||
    fail "vda's point in time changed"
"$QEMU_IMG" map -U --output=json "$dir/vda.s1" |
    jq -e 'map(select(.depth == 0 and .data)) | length > 0' >/dev/null ||
    fail "the write did not land in vda.s1"
nbdcopy "$vda" "$dir/vda-at-s2.raw"

# A live snapshot that fails on the second disk: the first disk's new
# overlay is closed in QSD and removed, the exports stay where they were.
rc=0; "${st[@]}" snapshot-create-as web bad --diskspec "vdb,file=$dir/nodir/vdb.bad" 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "live snapshot with a missing target directory"
assert_contains "$(cat "$dir/err")" "disk 'vdb'"
[ ! -e "$dir/vda.bad" ] || fail "vda.bad left behind"
[ ! -e "$dir/state/web/snapshots/bad.xml" ] || fail "metadata written for a failed snapshot"
"${st[@]}" --json status web | jq -e '[.exports[] | select(.name == "vda")] | length == 1' >/dev/null ||
    fail "vda export gone"
qemu-io -f raw -c 'read -q -P 0x33 512K 1M' "$vda" >/dev/null || fail "vda export after the failed snapshot"
"$QEMU_IMG" info -U --output=json "$dir/vda.s1" | jq -e '."backing-filename"' >/dev/null || fail "vda.s1"
cmp "$dir/vda-at-s2.raw" <(nbdcopy "$vda" -) || fail "vda content changed by the failed snapshot"

"${st[@]}" snapshot-create-as web s2 --disk-only >/dev/null

# Revert of a live domain: refused without --force, nothing changed.
: >"$dir/err"
before=$(ls "$dir")
rc=0; "${st[@]}" snapshot-revert web s1 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "live revert without --force"
assert_contains "$(cat "$dir/err")" "domain 'web' is live"
assert_contains "$(cat "$dir/err")" "--force"
assert_eq "$(ls "$dir")" "$before" "files after the refused revert"
"${st[@]}" domblklist web | grep -q "$dir/vda.s2" || fail "domain changed by a refused revert"

# With --force the exports are swapped onto fresh overlays on s1's files.
"${st[@]}" --json snapshot-revert web s1 --force >"$dir/rev.json"
assert_json "$dir/rev.json" ".live == true and .disks[0].overlay == \"$dir/vda.s1-1\""
# s2's overlay was empty: removed, and s2's metadata no longer names it.
assert_json "$dir/rev.json" "[.abandoned[] | .action] == [\"removed\", \"removed\"] and .abandoned[0].path == \"$dir/vda.s2\" and .abandoned[0][\"overlay-of\"] == \"s2\""
[ ! -e "$dir/vda.s2" ] || fail "the empty vda.s2 was left"
nbdcopy "$vda" "$dir/vda-now.raw"
nbdcopy "$vdb" "$dir/vdb-now.raw"
cmp "$dir/vda-now.raw" "$dir/vda-at-s1.raw" || fail "vda after the live revert is not s1"
cmp "$dir/vdb-now.raw" "$dir/vdb-at-s1.raw" || fail "vdb after the live revert is not s1"
"${st[@]}" --json status web >"$dir/status.json"
jq -e '.exports | map(select(.name == "vda")) | length == 1' "$dir/status.json" >/dev/null ||
    fail "vda export missing after the revert: $(cat "$dir/status.json")"
qemu-io -f raw -c 'write -q -P 0x55 0 64K' "$vda"
"${st[@]}" snapshot-create-as web s3 --disk-only >/dev/null
nbdcopy "$vdb" "$dir/vdb-at-s3.raw"

# Interrupted live reverts.  Before the switch: rolled back, the exports
# still serve the s3 branch.
crash() {
    local rc=0
    STRATA_TEST_CRASH=$1 "${st[@]}" snapshot-revert web s2 --force >/dev/null 2>&1 || rc=$?
    assert_eq "$rc" 137 "strata at crash point $1"
    [ -e "$dir/state/web/journal" ] || fail "no journal after a crash at $1"
}
crash revert-overlays
"${st[@]}" --json recover web | jq -e '.action == "rolled-back"' >/dev/null || fail "live roll-back"
[ ! -e "$dir/vda.s2-1" ] || fail "live roll-back left vda.s2-1"
qemu-io -f raw -c 'read -q -P 0x55 0 64K' "$vda" >/dev/null || fail "vda export after roll-back"
# Half-way through moving the exports (vda moved, vdb not): the switch
# happened, so recover moves vdb too and writes the metadata.
crash revert-swapped-one
"${st[@]}" --json recover web | jq -e '.action == "rolled-forward"' >/dev/null || fail "live roll-forward"
nbdcopy "$vda" "$dir/vda-now.raw"
nbdcopy "$vdb" "$dir/vdb-now.raw"
cmp "$dir/vda-now.raw" "$dir/vda-at-s2.raw" || fail "vda after the recovered revert is not s2"
cmp -s "$dir/vdb-now.raw" "$dir/vdb-at-s3.raw" && fail "vdb export was not moved by recover"
"${st[@]}" domblklist web | grep -q "$dir/vdb.s2-1" || fail "domain not on vdb.s2-1"
assert_eq "$("${st[@]}" snapshot-current web --name)" s2
"${st[@]}" stop web
wait_for_exit "$pid" 10

# Offline afterwards: the branch left behind (s2's point in time; its
# empty overlay went with the first revert) still reads as s2 did.
qemu-img compare -q -f qcow2 -F raw "$dir/vda.s1" "$dir/vda-at-s2.raw" ||
    fail "the s2 branch changed"
# s3's overlay was empty: the recovered revert removed it, as the
# revert itself would have; s3's data is in its point in time.
[ ! -e "$dir/vda.s3" ] || fail "the recovered revert left s3's empty overlay"
qemu-io -f qcow2 -r -c 'read -q -P 0x55 0 64K' "$dir/vda.s1-1" >/dev/null || fail "s3 branch data"
printf 's1\n  |\n  +- s2\n  +- s3\n    \n\n' >"$dir/tree.want"
"${st[@]}" snapshot-list web --tree | diff -u "$dir/tree.want" - || fail "tree"
echo ok
