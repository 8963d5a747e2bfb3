#!/usr/bin/env bash
# group: quick qsd
# Overlays made through QMP (blockdev-create) and switched in with one
# transaction for two disks: when the second action is invalid, the
# first disk's graph, read-write state and files are unchanged; a valid
# transaction links both.  Then an overlay is exported over NBD with
# allocation depth from a long-running QSD, and the export is removed.
source "$srcdir/tests/functions.sh"
set -euo pipefail

requires "$QSD" --version
requires nbdinfo --version
drive=$builddir/tests/tools/qmp-drive
requires test -x "$drive"

dir=$(mktempdir)
run=$dir/run
cd "$dir"
qemu-img create -q -f qcow2 a.qcow2 64M
qemu-img create -q -f qcow2 b.qcow2 64M
qemu-io -f qcow2 -c 'write -P 0x61 0 1M' a.qcow2 >/dev/null
sum_a=$(md5sum <a.qcow2)

disks=(open vda "$dir/a.qcow2:qcow2" , open vdb "$dir/b.qcow2:qcow2" ,
       overlay ova "$dir/a.s1.qcow2" "$dir/a.qcow2" qcow2 67108864 ,
       overlay ovb "$dir/b.s1.qcow2" "$dir/b.qcow2" qcow2 67108864)

"$drive" "$run" "${disks[@]}" , ?snapshot vda-0 ova vdb-0 nosuch , chain ova , chain vda-0 \
    , ?txn '[{"type": "blockdev-snapshot", "data": {"node": "vda-0", "overlay": "ova"}},
            {"type": "blockdev-snapshot", "data": {"node": "vdb-0", "overlay": "ova"}}]' \
    , chain ova , chain vda-0 >out
cat out
assert_contains "$(cat out)" "EXPECTED qmp: transaction: Cannot find device='nosuch' nor node-name='nosuch'"
assert_contains "$(cat out)" "EXPECTED qmp: transaction: "
# The graph: ova has no backing and vda-0 is still read-write.
assert_eq "$(grep -c '^vda-0 qcow2 '"$dir"'/a.qcow2$' out)" 2 "vda-0 unchanged and read-write"
assert_eq "$(grep -c '^ova ' out)" 2 "ova alone"
grep -q '^vda-0 .* ro$' out && fail "vda-0 left read-only after the rollback"
# The files: a.qcow2 untouched; the overlay header names its backing
# (blockdev-create wrote it; blockdev-snapshot never does).
assert_eq "$(md5sum <a.qcow2)" "$sum_a" "a.qcow2 changed"
assert_eq "$(qemu-img info -U --output=json a.s1.qcow2 | jq -r '."backing-filename"')" "$dir/a.qcow2"
assert_eq "$(qemu-img info -U --output=json a.s1.qcow2 | jq -r '."backing-filename-format"')" qcow2
test ! -e nosuch

# A valid transaction links both disks; the old tops become read-only.
rm -f a.s1.qcow2 b.s1.qcow2
"$drive" "$run" "${disks[@]}" , snapshot vda-0 ova vdb-0 ovb , chain ova , chain ovb >out
cat out
assert_contains "$(cat out)" "ova qcow2 $dir/a.s1.qcow2
vda-0 qcow2 $dir/a.qcow2 ro"
assert_contains "$(cat out)" "ovb qcow2 $dir/b.s1.qcow2
vdb-0 qcow2 $dir/b.qcow2 ro"

# An overlay that already exists is refused and left alone.
sum=$(md5sum <a.s1.qcow2)
out=$("$drive" "$run" open vda "$dir/a.qcow2:qcow2" , ?overlay ova "$dir/a.s1.qcow2" "$dir/a.qcow2" qcow2 1)
assert_contains "$out" "EXPECTED conflict: overlay '$dir/a.s1.qcow2' already exists"
assert_eq "$(md5sum <a.s1.qcow2)" "$sum"

# Export the overlay read-only with allocation depth from a long-running
# QSD, read its map, then remove the export and stop QSD.
"$drive" -l "$run" open vda "$dir/a.s1.qcow2:qcow2" "$dir/a.qcow2:qcow2" , \
    nbd-start "$run/nbd.sock" , export-add e1 vda-1 snap ro depth , exports >out
cleanup_fn stop_pid "$(cat "$run/qsd.pid")"
assert_contains "$(cat out)" '"node-name":"vda-1"'
map=$(nbdinfo --map=qemu:allocation-depth "nbd+unix:///snap?socket=$run/nbd.sock")
echo "$map"
assert_contains "$map" "0     1048576    2  backing depth 2"
out=$("$drive" -a "$run" ?export-add e1 vda-1 snap2 ro , export-del e1 , exports , stop)
assert_contains "$out" "EXPECTED qmp: block-export-add: Block export id 'e1' is already in use"
assert_contains "$out" "[]"
