#!/usr/bin/env bash
# group: quick live
# start/status/stop of a two-disk domain: each active layer exported
# writable over a 0600 unix socket in the 0700 run dir, writes through
# NBD land in the active files; a second start is refused; a QSD killed
# with SIGKILL is detected and its pid file and sockets removed by status
# and by start; --nbd tcp on a port in use fails cleanly; stop removes
# every file it made.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/live-functions.sh"
set -euo pipefail

requires "$QEMU_IMG" --version
requires "$QSD" --version
requires nbdcopy --version
requires nbdinfo --version
requires nbdkit --version
requires jq --version
requires qemu-io --version

dir=$(mktempdir)
st=("$STRATA" --state-dir "$dir/state" --run-dir "$dir/run")
cleanup_fn strata_stop_all web
run=$dir/run/web

"$QEMU_IMG" create -q -f qcow2 "$dir/vda.qcow2" 16M
"$QEMU_IMG" create -q -f qcow2 "$dir/vdb.qcow2" 8M
"${st[@]}" -q define-as web --disk "vda=$dir/vda.qcow2" --disk "vdb=$dir/vdb.qcow2" >/dev/null

# Not running yet: exit 2 and a clear line.
rc=0; out=$("${st[@]}" status web) || rc=$?
assert_eq "$rc" 2 "status of a stopped domain"
assert_eq "$out" "Domain 'web' is not running"

"${st[@]}" --json start web >"$dir/start.json"
assert_json "$dir/start.json" '.exports | map(.name) | sort == ["vda","vdb"]'
assert_json "$dir/start.json" "[.exports[].uri] | sort == [\"nbd+unix:///vda?socket=$run/nbd.sock\", \"nbd+unix:///vdb?socket=$run/nbd.sock\"]"
assert_json "$dir/start.json" '.exports | all(.writable)'
pid=$(jq -r .pid "$dir/start.json")
cleanup_fn kill -9 "$pid"
assert_eq "$(cat "$run/qsd.pid")" "$pid" "pid file"
assert_eq "$(stat -c %a "$run")" 700 "mode of the run dir"
assert_eq "$(stat -c %a "$run/nbd.sock")" 600 "mode of the NBD socket"

# A second start is refused and leaves the first alone.
rc=0; "${st[@]}" start web 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "second start"
assert_contains "$(cat "$dir/err")" "domain 'web' is already live"
kill -0 "$pid" || fail "the first QSD died"

# Writes through the exports land in the active files.
head -c 1048576 /dev/urandom >"$dir/data"
nbdcopy "$dir/data" "nbd+unix:///vda?socket=$run/nbd.sock"
qemu-io -f raw -c 'write -P 0x42 4M 64K' "nbd+unix:///vdb?socket=$run/nbd.sock" >/dev/null
"${st[@]}" --json status web >"$dir/status.json"
assert_json "$dir/status.json" ".running and .pid == $pid and .jobs == [] and (.exports | length) == 2"
assert_json "$dir/status.json" ".nbd == \"unix:$run/nbd.sock\""
out=$("${st[@]}" status web)
assert_contains "$out" "QSD pid:      $pid"
assert_contains "$out" "vda              writable   nbd+unix:///vda?socket=$run/nbd.sock"

# A client still connected when stop comes: it is cut off, and what it
# wrote is on disk (quit closes, so flushes, every image).
mkfifo "$dir/fifo"
qemu-io -f raw "nbd+unix:///vdb?socket=$run/nbd.sock" <"$dir/fifo" >"$dir/qio.out" 2>&1 &
qio=$!
cleanup_fn kill -9 "$qio"
exec 7>"$dir/fifo"
echo "write -P 0x43 5M 64K" >&7
_seen() { qemu-io -r -f raw -c 'read -P 0x43 5M 64K' "nbd+unix:///vdb?socket=$run/nbd.sock" >/dev/null 2>&1; }
_wait_until 10 "the connected client's write" _seen
out=$("${st[@]}" stop web)
exec 7>&-
wait "$qio" || true
assert_eq "$out" "Domain 'web' stopped (QSD pid $pid)"
wait_for_exit "$pid" 10
for f in qsd.pid qmp.sock nbd.sock exports.json; do
    [ ! -e "$run/$f" ] || fail "stop left $run/$f"
done
"$QEMU_IMG" convert -O raw "$dir/vda.qcow2" "$dir/vda.raw"
cmp -n 1048576 "$dir/data" "$dir/vda.raw" || fail "vda does not hold the bytes written"
"$QEMU_IMG" convert -O raw "$dir/vdb.qcow2" "$dir/vdb.raw"
cmp -i 4194304:0 -n 65536 "$dir/vdb.raw" <(head -c 65536 /dev/zero | tr '\0' 'B') ||
    fail "vdb does not hold the bytes written"
cmp -i 5242880:0 -n 65536 "$dir/vdb.raw" <(head -c 65536 /dev/zero | tr '\0' 'C') ||
    fail "vdb does not hold the bytes the client connected at stop wrote"
rc=0; "${st[@]}" stop web 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "stop of a stopped domain"
assert_contains "$(cat "$dir/err")" "domain 'web' is not running"

# A QSD killed with SIGKILL: status finds and removes its files.
pid=$("${st[@]}" --json start web | jq -r .pid)
cleanup_fn kill -9 "$pid"
kill -9 "$pid"
wait_for_exit "$pid" 10
[ -S "$run/nbd.sock" ] || fail "expected the dead QSD's socket to be left behind"
rc=0; out=$("${st[@]}" status web) || rc=$?
assert_eq "$rc" 2 "status after SIGKILL"
assert_eq "$out" "Domain 'web' is not running (removed the pid file and sockets its dead QSD left)"
for f in qsd.pid qmp.sock nbd.sock exports.json; do
    [ ! -e "$run/$f" ] || fail "status left $run/$f of the dead QSD"
done
# ... and so does start (killed again, no status in between).
pid=$("${st[@]}" --json start web | jq -r .pid)
cleanup_fn kill -9 "$pid"
kill -9 "$pid"
wait_for_exit "$pid" 10
pid=$("${st[@]}" --json start web | jq -r .pid)
cleanup_fn kill -9 "$pid"
nbdinfo --size "nbd+unix:///vda?socket=$run/nbd.sock" >/dev/null
"${st[@]}" -q stop web
wait_for_exit "$pid" 10

# TCP: only on request, on the address given; a port in use fails
# cleanly (no QSD, no files left).
nbdkit -P "$dir/kit.pid" -p 0 --print-uri -i 127.0.0.1 memory 1M >"$dir/kit.uri" 2>/dev/null ||
    nbdkit -P "$dir/kit.pid" -i 127.0.0.1 -p 10809 memory 1M
wait_for_file "$dir/kit.pid"
kitpid=$(cat "$dir/kit.pid")
cleanup_fn kill -9 "$kitpid"
port=$(ss -Hltnp 2>/dev/null | awk -v p="pid=$kitpid," '$0 ~ p { n = split($4, a, ":"); print a[n]; exit }')
[ -n "$port" ] || fail "cannot find nbdkit's port"
rc=0; "${st[@]}" start web --nbd "tcp:127.0.0.1:$port" 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "start on a port in use"
assert_contains "$(cat "$dir/err")" "Address already in use"
for f in qsd.pid qmp.sock nbd.sock exports.json; do
    [ ! -e "$run/$f" ] || fail "failed start left $run/$f"
done
kill -9 "$kitpid"
wait_for_exit "$kitpid" 10
"${st[@]}" --json start web --nbd "tcp:127.0.0.1:$port" >"$dir/start.json"
pid=$(jq -r .pid "$dir/start.json")
cleanup_fn kill -9 "$pid"
assert_json "$dir/start.json" ".exports | map(.uri) | sort == [\"nbd://127.0.0.1:$port/vda\", \"nbd://127.0.0.1:$port/vdb\"]"
[ ! -e "$run/nbd.sock" ] || fail "a unix socket was made though TCP was asked for"
assert_eq "$(nbdinfo --size "nbd://127.0.0.1:$port/vdb")" 8388608 "size over TCP"
"${st[@]}" -q stop web

# --nbd unix:PATH elsewhere; a path holding a file is refused (QSD's
# nbd-server-start would unlink it), the file left alone.
pid=$("${st[@]}" --json start web --nbd "unix:$dir/my.sock" | jq -r .pid)
cleanup_fn kill -9 "$pid"
assert_eq "$(nbdinfo --size "nbd+unix:///vdb?socket=$dir/my.sock")" 8388608 "size over --nbd unix:"
assert_eq "$(stat -c %a "$dir/my.sock")" 600 "mode of the --nbd socket"
"${st[@]}" -q stop web
[ ! -e "$dir/my.sock" ] || fail "stop left the --nbd socket"
echo precious >"$dir/file"
rc=0; "${st[@]}" start web --nbd "unix:$dir/file" 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--nbd on a regular file"
assert_contains "$(cat "$dir/err")" "'$dir/file' exists and is not a socket"
assert_eq "$(cat "$dir/file")" precious "the file at the --nbd path"
[ ! -e "$run/qsd.pid" ] || fail "a failed start left its pid file"

# undefine is refused while the domain runs (it would orphan the QSD),
# or while an export-only QSD serves it; after stop it works.
pid=$("${st[@]}" --json start web | jq -r .pid)
cleanup_fn kill -9 "$pid"
rc=0; "${st[@]}" undefine web 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "undefine of a live domain"
assert_contains "$(cat "$dir/err")" "domain 'web' is running (its QSD serves '$run'); undefine would leave that QSD without a domain"
assert_contains "$(cat "$dir/err")" "hint: 'strata stop web' first"
"${st[@]}" dumpxml web >/dev/null
assert_json <("${st[@]}" --json status web) ".running == true and .pid == $pid"
"${st[@]}" -q stop web
"${st[@]}" export web >/dev/null
rc=0; "${st[@]}" undefine web 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "undefine of an exported domain"
assert_contains "$(cat "$dir/err")" "undefine: domain 'web' has an export-only QSD running"
"${st[@]}" export web --stop >/dev/null
"${st[@]}" dumpxml web >"$dir/web.xml"
"${st[@]}" undefine web >/dev/null
"${st[@]}" define "$dir/web.xml" >/dev/null

# Usage errors.
rc=0; "${st[@]}" start web --nbd tcp:127.0.0.1 2>"$dir/err" || rc=$?
assert_eq "$rc" 1
assert_contains "$(cat "$dir/err")" "no port"
rc=0; "${st[@]}" start nosuch 2>"$dir/err" || rc=$?
assert_eq "$rc" 1
echo "live start/stop ok"
