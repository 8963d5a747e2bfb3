#!/usr/bin/env bash
# group: live export
# export of a point in time: on a live two-disk domain (the writable
# exports of the active layers keep working, through a live
# snapshot-create-as too) and on a domain that is
# not live (a detached export QSD ended by --stop, or --foreground ended
# by SIGINT).  The snapshot's export reads exactly what the disk held
# when it was taken, read-only, with qemu:allocation-depth showing the
# layers.  Unknown snapshot/disk, a client that disconnects mid-read and
# a QSD killed while exporting give clear errors and leave no socket.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/live-functions.sh"
set -euo pipefail

requires "$QEMU_IMG" --version
requires qemu-io --version
requires "$QSD" --version
requires nbdcopy --version
requires nbdinfo --version
requires jq --version

dir=$(mktempdir)
st=("$STRATA" --state-dir "$dir/state" --run-dir "$dir/run")
cleanup_fn strata_stop_all web
run=$dir/run/web

"$QEMU_IMG" create -q -f qcow2 "$dir/vda.qcow2" 16M
"$QEMU_IMG" create -q -f qcow2 "$dir/vdb.qcow2" 8M
qemu-io -c 'write -P 0x11 0 1M' "$dir/vda.qcow2" >/dev/null
qemu-io -c 'write -P 0x21 1M 1M' "$dir/vdb.qcow2" >/dev/null
"$QEMU_IMG" convert -O raw "$dir/vda.qcow2" "$dir/vda-s1.raw"
"$QEMU_IMG" convert -O raw "$dir/vdb.qcow2" "$dir/vdb-s1.raw"
"${st[@]}" -q define-as web --disk "vda=$dir/vda.qcow2" --disk "vdb=$dir/vdb.qcow2" >/dev/null
snap_offline web s1

pid=$("${st[@]}" --json start web | jq -r .pid)
cleanup_fn kill -9 "$pid"
vda="nbd+unix:///vda?socket=$run/nbd.sock"
qemu-io -f raw -c 'write -P 0x33 2M 1M' "$vda" >/dev/null

"${st[@]}" --json export web --snapshot s1 >"$dir/exp.json"
assert_json "$dir/exp.json" '[.exports[].name] == ["vda@s1", "vdb@s1"]'
assert_json "$dir/exp.json" '.exports | all(.writable == false)'
uri=$(jq -r '.exports[0].uri' "$dir/exp.json")
assert_eq "$uri" "nbd+unix:///vda@s1?socket=$run/nbd.sock" "URI of vda@s1"
nbdcopy "$uri" "$dir/got-a.raw"
cmp "$dir/got-a.raw" "$dir/vda-s1.raw" || fail "vda@s1 does not read as vda did at s1"
nbdcopy "$(jq -r '.exports[1].uri' "$dir/exp.json")" "$dir/got-b.raw"
cmp "$dir/got-b.raw" "$dir/vdb-s1.raw" || fail "vdb@s1 does not read as vdb did at s1"
# Read-only.
rc=0; qemu-io -f raw -c 'write 0 64K' "$uri" >"$dir/err" 2>&1 || rc=$?
assert_contains "$(cat "$dir/err")" "ermission denied"
# Allocation depth: at s1 the data is in its own file (1); through the
# active layer it is one layer down (2) and the new write is local (1).
nbdinfo --map=qemu:allocation-depth "$uri" >"$dir/map"
assert_contains "$(cat "$dir/map")" "         0     1048576    1  local"
nbdinfo --map=qemu:allocation-depth "$vda" >"$dir/map"
assert_contains "$(cat "$dir/map")" "         0     1048576    2  backing depth 2"
assert_contains "$(cat "$dir/map")" "   2097152     1048576    1  local"
# The writable export keeps working with the snapshot exported.
qemu-io -f raw -c 'write -P 0x44 4M 64K' -c 'read -P 0x44 4M 64K' -c 'read -P 0x11 0 1M' "$vda" \
    >"$dir/io" || fail "active export: $(cat "$dir/io")"
# Exporting again gives the same exports.
"${st[@]}" --json export web --snapshot s1 >"$dir/exp2.json"
assert_json "$dir/exp2.json" "[.exports[].uri] == $(jq -c '[.exports[].uri]' "$dir/exp.json")"
"${st[@]}" --json status web >"$dir/status.json"
assert_json "$dir/status.json" '[.exports[].name] | sort == ["vda", "vda@s1", "vdb", "vdb@s1"]'

# A client that disconnects mid-read: the export goes on serving.
"$QEMU_IMG" create -q -f qcow2 "$dir/dummy" 1M
rc=0; nbdcopy --connections=1 --request-size=65536 "$uri" - 2>/dev/null | head -c 100000 >/dev/null || rc=$?
nbdcopy "$uri" "$dir/again.raw"
cmp "$dir/again.raw" "$dir/vda-s1.raw" || fail "export broken after a client went away"

# Bad input: clear errors, the live exports untouched.
rc=0; "${st[@]}" export web --snapshot nope 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "unknown snapshot"
assert_contains "$(cat "$dir/err")" "domain 'web' has no snapshot 'nope'"
rc=0; "${st[@]}" export web --snapshot s1 --disk vdz 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "unknown disk"
assert_contains "$(cat "$dir/err")" "snapshot 's1' of domain 'web' has no disk 'vdz'"
rc=0; "${st[@]}" export web --nbd tcp:127.0.0.1:1 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--nbd on a live domain"
assert_contains "$(cat "$dir/err")" "its QSD's NBD server listens on unix:$run/nbd.sock"

# --stop removes only what it names.
out=$("${st[@]}" export web --stop --snapshot s1 --disk vda)
assert_eq "$out" "Removed export vda@s1"
"${st[@]}" --json status web >"$dir/status.json"
assert_json "$dir/status.json" '[.exports[].name] | sort == ["vda", "vdb", "vdb@s1"]'
out=$("${st[@]}" export web --stop)
assert_eq "$out" "Removed export vdb@s1"
rc=0; "${st[@]}" export web --stop 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--stop with nothing exported"
assert_contains "$(cat "$dir/err")" "domain 'web' has no matching export"

# A live snapshot through the domain's QSD: the writable export follows
# the new active layer, the data is there, and s2 reads what was
# written before it.
nbdcopy "$vda" "$dir/vda-s2.raw"
"${st[@]}" -q snapshot-create-as web s2 --disk-only >/dev/null
qemu-io -f raw -c 'read -P 0x44 4M 64K' -c 'read -P 0x33 2M 1M' -c 'write -P 0x55 8M 64K' \
    "$vda" >"$dir/io" || fail "active export after the live snapshot: $(cat "$dir/io")"
"${st[@]}" --json export web --snapshot s2 --disk vda >"$dir/exp.json"
uri=$(jq -r '.exports[0].uri' "$dir/exp.json")
nbdcopy "$uri" "$dir/got-a.raw"
cmp "$dir/got-a.raw" "$dir/vda-s2.raw" || fail "vda@s2 does not read as vda did at s2"
nbdinfo --map=qemu:allocation-depth "$vda" >"$dir/map"
assert_contains "$(cat "$dir/map")" "         0     1048576    3  backing depth 3"
assert_contains "$(cat "$dir/map")" "   2097152     1048576    2  backing depth 2"
assert_contains "$(cat "$dir/map")" "   8388608       65536    1  local"
"${st[@]}" -q export web --stop >/dev/null
"${st[@]}" -q stop web
wait_for_exit "$pid" 10

# Not live: a detached export QSD, ended by --stop.
"${st[@]}" --json export web --snapshot s1 --disk vda >"$dir/exp.json"
uri=$(jq -r '.exports[0].uri' "$dir/exp.json")
assert_eq "$uri" "nbd+unix:///vda@s1?socket=$run/export/nbd.sock" "URI of the export-only QSD"
epid=$(cat "$run/export/qsd.pid")
cleanup_fn kill -9 "$epid"
nbdcopy "$uri" "$dir/got-a.raw"
cmp "$dir/got-a.raw" "$dir/vda-s1.raw" || fail "offline vda@s1 differs"
rc=0; out=$("${st[@]}" status web) || rc=$?
assert_eq "$rc" 2 "status while only an export QSD runs"
assert_eq "$out" "Domain 'web' is not running
Export-only QSD: pid $epid, NBD unix:$run/export/nbd.sock
  vda@s1           read-only  $uri" "status with an export-only QSD"
rc=0; "${st[@]}" start web 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "start while an export QSD runs"
assert_contains "$(cat "$dir/err")" "export-only QSD running"
out=$("${st[@]}" export web --stop)
assert_eq "$out" "Removed export vda@s1
Export QSD of domain 'web' stopped"
wait_for_exit "$epid" 10
[ ! -e "$run/export" ] || fail "export --stop left $run/export"

# Nodes opened for an export are closed with it, also when another
# export still used them at the time (closed with the last user).
"${st[@]}" -q export web --snapshot s1 --disk vdb >/dev/null
"${st[@]}" -q export web --snapshot s1 --disk vda >/dev/null
"${st[@]}" -q export web --disk vda >/dev/null    # vda.s2 <- vda.s1 on vda.qcow2's node
epid=$(cat "$run/export/qsd.pid")
cleanup_fn kill -9 "$epid"
nodes() { "$builddir/tests/tools/qmp-drive" -a "$run/export" graph | grep -c 'driver=file ' || true; }
assert_eq "$(nodes)" 4 "file nodes with three exports (vdb.qcow2, vda.qcow2, vda.s1, vda.s2)"
"${st[@]}" -q export web --stop --snapshot s1 --disk vda >/dev/null
assert_eq "$(nodes)" 4 "vda.qcow2 stays open under vda@current"
"${st[@]}" -q export web --stop --disk vda >/dev/null
assert_eq "$(nodes)" 1 "only vdb@s1's node is left"
"${st[@]}" -q export web --stop >/dev/null
wait_for_exit "$epid" 10

# A disk that cannot be opened: the other disk's export is undone and
# the export QSD started for them stopped.
"${st[@]}" -q define-as bad --disk "vda=$dir/vda.qcow2" --disk "vdb=$dir/missing.qcow2" >/dev/null
cleanup_fn strata_stop_all bad
rc=0; "${st[@]}" export bad 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "export with a missing file"
assert_contains "$(cat "$dir/err")" "disk 'vdb': "
[ ! -e "$dir/run/bad/export" ] || fail "a failed export left $dir/run/bad/export"

# The export QSD killed while exporting: no socket left behind.
"${st[@]}" -q export web --snapshot s1 >/dev/null
epid=$(cat "$run/export/qsd.pid")
cleanup_fn kill -9 "$epid"
kill -9 "$epid"
wait_for_exit "$epid" 10
rc=0; "${st[@]}" export web --stop 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--stop after the QSD died"
assert_contains "$(cat "$dir/err")" "domain 'web' is not live and has no exports"
[ ! -e "$run/export" ] || fail "stale files of the killed export QSD: $(ls -la "$run/export")"

# --foreground: serves until SIGINT, then removes everything.
"${st[@]}" export web --snapshot s1 --disk vdb --foreground >"$dir/fg.out" 2>"$dir/fg.err" &
fg=$!
cleanup_fn kill -9 "$fg"
wait_for_file "$dir/fg.out"
assert_eq "$(cat "$dir/fg.out")" "vdb@s1 nbd+unix:///vdb@s1?socket=$run/export/nbd.sock"
fgqsd=$(cat "$run/export/qsd.pid")
cleanup_fn kill -9 "$fgqsd"
nbdcopy "nbd+unix:///vdb@s1?socket=$run/export/nbd.sock" "$dir/got-b.raw"
cmp "$dir/got-b.raw" "$dir/vdb-s1.raw" || fail "foreground vdb@s1 differs"
kill -INT "$fg"
rc=0; wait "$fg" || rc=$?
assert_eq "$rc" 0 "exit status of export --foreground after SIGINT ($(cat "$dir/fg.err"))"
wait_for_exit "$fgqsd" 10
[ ! -e "$run/export" ] || fail "--foreground left $run/export"

# The live QSD killed while exporting: the next command cleans up.
pid=$("${st[@]}" --json start web | jq -r .pid)
cleanup_fn kill -9 "$pid"
"${st[@]}" -q export web --snapshot s1 >/dev/null
kill -9 "$pid"
wait_for_exit "$pid" 10
"${st[@]}" -q export web --snapshot s1 --disk vda >/dev/null   # now on an export-only QSD
epid=$(cat "$run/export/qsd.pid")
cleanup_fn kill -9 "$epid"
for f in qsd.pid qmp.sock nbd.sock exports.json; do
    [ ! -e "$run/$f" ] || fail "the killed live QSD left $run/$f"
done
"${st[@]}" -q export web --stop >/dev/null
wait_for_exit "$epid" 10
echo "export ok"
