#!/usr/bin/env bash
# group: live export nbdkit
# A chain whose base is served by nbdkit (the overlay's backing file is
# nbd+unix:///?socket=..., opened through QSD's nbd driver): verify
# equals the reference digest, export reads the same bytes and its
# allocation depth puts the remote base under the overlay, and the
# domain can be started live on it.  What strata does not do above a
# remote base yet is refused with a message that says what it does:
# snapshot-create, blockpull (it said "no backing file"), and the
# delete of a snapshot (defined by --redefine) whose merge would stream
# the remote base into a local file; nothing changes.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/live-functions.sh"
set -euo pipefail

requires "$QEMU_IMG" --version
requires qemu-io --version
requires "$QSD" --version
requires nbdkit --version
requires nbdcopy --version
requires nbdinfo --version
requires basenc --version
requires jq --version

dir=$(mktempdir)
st=("$STRATA" --state-dir "$dir/state" --run-dir "$dir/run")
cleanup_fn strata_stop_all remote

# The remote base: 8 MiB of a pattern, read-only through nbdkit's file plugin.
"$QEMU_IMG" create -q -f raw "$dir/base.raw" 8M
qemu-io -f raw -c 'write -P 0x5a 0 2M' -c 'write -P 0x6b 6M 1M' "$dir/base.raw" >/dev/null
nbdkit -r -U "$dir/kit.sock" -P "$dir/kit.pid" file "$dir/base.raw"
wait_for_file "$dir/kit.pid"
cleanup_fn kill -9 "$(cat "$dir/kit.pid")"
"$QEMU_IMG" create -q -f qcow2 -u -b "nbd+unix:///?socket=$dir/kit.sock" -F raw "$dir/top.qcow2" 8M
qemu-io -c 'write -P 0x77 1M 64K' "$dir/top.qcow2" >/dev/null
"${st[@]}" -q define-as remote --disk "vda=$dir/top.qcow2" >/dev/null

want=$(ref_digest "$dir/top.qcow2")
assert_eq "$("${st[@]}" verify remote)" "xxh128-64k:$want  vda" "verify over the remote base"

"${st[@]}" --json export remote >"$dir/exp.json"
uri=$(jq -r '.exports[0].uri' "$dir/exp.json")
epid=$(cat "$dir/run/remote/export/qsd.pid")
cleanup_fn kill -9 "$epid"
nbdcopy "$uri" "$dir/got.raw"
"$QEMU_IMG" convert -U -O raw "$dir/top.qcow2" "$dir/want.raw"
cmp "$dir/got.raw" "$dir/want.raw" || fail "export over the remote base differs"
nbdinfo --map=qemu:allocation-depth "$uri" >"$dir/map"
assert_contains "$(cat "$dir/map")" "   1048576       65536    1  local"
assert_contains "$(cat "$dir/map")" "         0     1048576    2  backing depth 2"
"${st[@]}" -q export remote --stop >/dev/null
wait_for_exit "$epid" 10

# Live on the remote base: writes go to the overlay.
pid=$("${st[@]}" --json start remote | jq -r .pid)
cleanup_fn kill -9 "$pid"
vda="nbd+unix:///vda?socket=$dir/run/remote/nbd.sock"
qemu-io -f raw -c 'write -P 0x88 7M 64K' -c 'read -P 0x5a 0 1M' -c 'read -P 0x6b 6M 1M' "$vda" \
    >"$dir/io" || fail "live over the remote base: $(cat "$dir/io")"
"${st[@]}" -q stop remote
wait_for_exit "$pid" 10
qemu-io -r -c 'read -P 0x88 7M 64K' "$dir/top.qcow2" >"$dir/io" ||
    fail "the live write is not in the overlay: $(cat "$dir/io")"

# Not supported above a remote base: refused, saying what is, nothing
# changed.
source "$srcdir/tests/delete-functions.sh"
st() { "${st[@]}" "$@"; }
rc=0; st snapshot-create-as remote s1 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "snapshot-create above a remote base"
assert_contains "$(cat "$dir/err")" "backs onto a base served over NBD ('nbd+unix:///?socket=$dir/kit.sock')"
assert_contains "$(cat "$dir/err")" "does not take snapshots above one yet"
assert_contains "$(cat "$dir/err")" "hint: to snapshot this disk, copy the base"
rc=0; st blockpull remote vda 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "blockpull of a remote base"
assert_contains "$(cat "$dir/err")" "which blockpull does not pull"
# A snapshot made by hand (an overlay on top.qcow2) and redefined, the
# overlay holding more than top.qcow2 so that the planner streams: the
# stream would copy top.qcow2, remote base and all, into the overlay.
"$QEMU_IMG" create -q -f qcow2 -F qcow2 -b "$dir/top.qcow2" "$dir/top.s1"
qemu-io -c 'write -P 0x99 2M 1M' "$dir/top.s1" >/dev/null
want=$(ref_digest "$dir/top.s1")
redefine remote s1 - 1 "vda=$dir/top.qcow2:$dir/top.s1"
st dumpxml remote | sed "s|$dir/top.qcow2|$dir/top.s1|" >"$dir/remote.xml"
st define "$dir/remote.xml" >/dev/null
assert_eq "$(active_of remote vda)" "$dir/top.s1" "the domain on the hand-made overlay"
views_before=$(md5sum "$dir/top.qcow2" "$dir/top.s1")
rc=0; st snapshot-delete remote s1 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "delete whose merge streams the remote base"
assert_contains "$(cat "$dir/err")" "copying the base served over NBD"
assert_contains "$(cat "$dir/err")" "--metadata"
assert_eq "$(md5sum "$dir/top.qcow2" "$dir/top.s1")" "$views_before" "files after the refused delete"
[ ! -e "$dir/state/remote/journal" ] || fail "journal left by the refused delete"
assert_eq "$(st snapshot-list remote --name | sed '/^$/d')" s1 "snapshots after the refused delete"
# A commit keeps the base remote: --no-stream merges it.
st snapshot-delete remote s1 --no-stream >/dev/null
assert_eq "$(active_of remote vda)" "$dir/top.qcow2" "the disk after the commit"
assert_eq "$(st verify remote)" "xxh128-64k:$want  vda" "content after the commit above the remote base"

# The remote server gone: a clear error, nothing left running.
kill -9 "$(cat "$dir/kit.pid")"
wait_for_exit "$(cat "$dir/kit.pid")" 10
rc=0; "${st[@]}" verify remote 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "verify with the remote base gone"
assert_contains "$(cat "$dir/err")" "remote base 'nbd+unix:///?socket=$dir/kit.sock'"
echo "nbd base ok"
