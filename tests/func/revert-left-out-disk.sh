#!/usr/bin/env bash
# group: qsd snapshot
# Data loss: a revert to a snapshot that left a disk out (--diskspec
# vdb,snapshot=no) put that disk straight back on the file it had then,
# even after a later snapshot had taken that file as its point in time:
# the guest's writes changed the later snapshot.  Now such a disk gets a
# new overlay on that file, as a snapshotted disk does (libvirt makes
# one for every disk too); a disk still on the file it had then keeps it.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version

dir=$(mktempdir)
img "$dir/vda.qcow2"; wr "$dir/vda.qcow2" 'write -P 0x11 0 1M'
img "$dir/vdb.qcow2"; wr "$dir/vdb.qcow2" 'write -P 0x22 0 1M'
st define-as web --disk "vda=$dir/vda.qcow2" --disk "vdb=$dir/vdb.qcow2" >/dev/null

# s1 leaves vdb out; nothing snapshots vdb before the revert: it keeps
# its file, and the guest's writes go on there.
st snapshot-create-as web s1 --disk-only --diskspec vdb,snapshot=no >/dev/null
wr "$dir/vdb.qcow2" 'write -P 0x33 1M 64K'
st snapshot-revert web s1 >/dev/null
assert_eq "$(active_of web vdb)" "$dir/vdb.qcow2" "vdb's file after a revert to s1 (untouched since)"

# s2 takes vdb.qcow2 as its point in time; a revert to s1 must not put
# vdb back on it.
st snapshot-create-as web s2 --disk-only >/dev/null
assert_eq "$(pit_of web s2 vdb)" "$dir/vdb.qcow2" "s2's point in time of vdb"
s2_vdb=$(_sum "$dir/vdb.qcow2")
md5_pit=$(md5sum <"$dir/vdb.qcow2")
wr "$(active_of web vdb)" 'write -P 0x44 2M 64K'
st snapshot-revert web s1 >"$dir/out"
active=$(active_of web vdb)
[ "$active" != "$dir/vdb.qcow2" ] || fail "vdb was put back on s2's point in time"
assert_eq "$(qemu-img info -U --output=json "$active" | jq -r '."backing-filename"')" "$dir/vdb.qcow2" \
    "vdb's new overlay backs onto the file s1 named"
wr "$active" 'write -P 0x55 0 1M'
assert_eq "$(md5sum <"$dir/vdb.qcow2")" "$md5_pit" "s2's point-in-time file of vdb after writes"
assert_eq "$(_sum "$dir/vdb.qcow2")" "$s2_vdb" "s2's view of vdb after writes"
st chain check web >/dev/null || fail "chain check after the revert"
left_behind web "after the revert"
no_qsd_left
