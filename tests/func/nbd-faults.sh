#!/usr/bin/env bash
# group: quick nbd
# A server that fails reads or dies in the middle of a digest or diff
# gives a clear ST_E_NBD error naming the export, exit 1, nothing on
# stdout, and no hang: nbdkit's error filter, an nbdkit that kills
# itself on its first read past 4 MiB, a QSD killed with SIGKILL while
# a slow read (nbdkit delay filter under QSD's nbd driver) is in flight,
# and a URI nobody listens on.
source "$srcdir/tests/functions.sh"
set -euo pipefail

requires "$QSD" --version
requires nbdkit --version
requires nbdkit eval --version

DIGEST=$builddir/tests/tools/nbd-digest
DIFF=$builddir/tests/tools/nbd-diff
dir=$(mktempdir)

kill9() { kill -9 "$1" 2>/dev/null || true; }
serve() {   # serve PIDFILE NBDKIT-ARGS...: as in nbd-digest.sh
    local pidfile=$1
    shift
    nbdkit -P "$pidfile" "$@"
    wait_for_file "$pidfile"
    cleanup_fn kill9 "$(cat "$pidfile")"
}

# expect_nbd_error WHAT CMD...: exit 1 within the deadline, an NBD
# error naming the export on stderr, stdout empty.
expect_nbd_error() {
    local what=$1 rc=0
    shift
    timeout 60 "$@" >"$dir/out" 2>"$dir/err" || rc=$?
    [ "$rc" != 124 ] || fail "$what: hung (killed after 60 s)"
    assert_eq "$rc" 1 "$what: exit status"
    [ ! -s "$dir/out" ] || fail "$what: stdout not empty: $(cat "$dir/out")"
    grep -v ': debug: ' "$dir/err" >"$dir/err.clean" || true
    assert_contains "$(cat "$dir/err.clean")" "NBD export '"
    echo "$what: $(cat "$dir/err.clean")"
}

# 1. Every read fails with EIO (pattern plugin: all data, no extents,
#    so reads are really issued).
serve "$dir/eio.pid" -U "$dir/eio.sock" --filter=error pattern 16M \
    error=EIO error-pread-rate=100%
expect_nbd_error "error filter" "$DIGEST" "nbd+unix://?socket=$dir/eio.sock"
assert_contains "$(cat "$dir/err.clean")" "eio.sock': read at offset "
assert_contains "$(cat "$dir/err.clean")" "Input/output error"
expect_nbd_error "error filter (diff)" "$DIFF" \
    "nbd+unix://?socket=$dir/eio.sock" "nbd+unix://?socket=$dir/eio.sock"

# 2. The server dies in the middle of the export: the eval plugin's
#    pread script kills its nbdkit on the first read at or past 4 MiB.
serve "$dir/die.pid" -U "$dir/die.sock" eval \
    get_size='echo 16777216' \
    pread='if [ "$4" -ge 4194304 ]; then kill -9 $PPID; exit 1; fi; head -c "$3" /dev/zero'
expect_nbd_error "server killed mid-read" "$DIGEST" "nbd+unix://?socket=$dir/die.sock"
wait_for_exit "$(cat "$dir/die.pid")" 10

# 3. QSD killed while a read is in flight.  QSD serves an nbdkit disk
#    through its nbd driver; nbdkit's delay filter holds each read for
#    2 s, so once nbdkit logs a read QSD is certainly mid-request.
serve "$dir/slow.pid" -U "$dir/slow.sock" --filter=log --filter=delay \
    pattern 16M delay-read=2 logfile="$dir/slow.log"
start_qsd "$dir/qsd.pid" \
    --blockdev "driver=nbd,server.type=unix,server.path=$dir/slow.sock,node-name=n,read-only=on" \
    --nbd-server "addr.type=unix,addr.path=$dir/qsd.sock" \
    --export "type=nbd,id=e,node-name=n,name=n"
timeout 60 "$DIGEST" --connections 2 "nbd+unix:///n?socket=$dir/qsd.sock" \
    >"$dir/out" 2>"$dir/err" &
client=$!
_wait_until 30 "a read reaching nbdkit" grep -q 'Read ' "$dir/slow.log"
kill -9 "$(cat "$dir/qsd.pid")"
rc=0; wait "$client" || rc=$?
[ "$rc" != 124 ] || fail "digest hung after QSD was killed"
assert_eq "$rc" 1 "exit status after QSD was killed"
[ ! -s "$dir/out" ] || fail "stdout not empty: $(cat "$dir/out")"
assert_contains "$(grep -v ': debug: ' "$dir/err")" "NBD export 'nbd+unix:///n?socket=$dir/qsd.sock': "

# 3b. A server that stops answering (every read held for 120 s): the
#     read gives up after the stall limit, shortened here.
serve "$dir/stall.pid" -U "$dir/stall.sock" --filter=delay pattern 16M rdelay=120
# Several reads are in flight (per connection, and the next chunk's
# ahead of time), so the one reported may be at any offset.
STRATA_NBD_STALL_MS=500 expect_nbd_error "stalled server" "$DIGEST" --connections 1 \
    "nbd+unix://?socket=$dir/stall.sock"
grep -Eq "no reply to a read at offset [0-9]+ within 500 ms" "$dir/err.clean" ||
    fail "stalled server: $(cat "$dir/err.clean")"

# 3c. A server that accepts and then never finishes the handshake: the
#     connection gives up after the stall limit too (nbd_connect_uri
#     would wait for ever).
serve "$dir/hs.pid" -U "$dir/hs.sock" --filter=delay pattern 16M delay-open=120
STRATA_NBD_STALL_MS=500 expect_nbd_error "stalled handshake" "$DIGEST" \
    "nbd+unix://?socket=$dir/hs.sock"
assert_contains "$(cat "$dir/err.clean")" "no reply to the handshake within 500 ms"

# 3d. A server whose block status never answers (reads would be fine).
serve "$dir/ext.pid" -U "$dir/ext.sock" --filter=delay memory 16M delay-extents=120
STRATA_NBD_STALL_MS=500 expect_nbd_error "stalled block status" "$DIGEST" \
    "nbd+unix://?socket=$dir/ext.sock"
grep -Eq "no reply to block status .*within 500 ms" "$dir/err.clean" ||
    fail "stalled block status: $(cat "$dir/err.clean")"

# 3e. A server that serves one client at a time (qemu-nbd --shared=1)
#     accepts the extra connections and never answers them: they are
#     given up after a short handshake limit (not the stall limit), and
#     the digest is taken with the one connection there is.
if command -v qemu-nbd >/dev/null; then
    "$QEMU_IMG" create -q -f qcow2 "$dir/one.qcow2" 8M
    qemu-io -c 'write -P 0x3c 1M 2M' "$dir/one.qcow2" >/dev/null
    qemu-nbd -r -t -k "$dir/one.sock" --shared=1 -f qcow2 --pid-file="$dir/one.pid" \
        "$dir/one.qcow2" >/dev/null 2>&1 &
    wait_for_file "$dir/one.pid"
    cleanup_fn kill9 "$(cat "$dir/one.pid")"
    want=$("$DIGEST" --connections 1 "nbd+unix://?socket=$dir/one.sock")
    got=$(STRATA_DEBUG=1 timeout 40 "$DIGEST" --connections 4 "nbd+unix://?socket=$dir/one.sock" \
          2>"$dir/one.err") || fail "digest with a one-client server: $(grep -v debug "$dir/one.err")"
    assert_eq "$got" "$want" "digest with the extra connections refused"
    grep -q "no extra connection to" "$dir/one.err" || fail "the extra connections were not given up"
    kill9 "$(cat "$dir/one.pid")"
fi

# 4. Nobody listens.
expect_nbd_error "no server" "$DIGEST" "nbd+unix:///x?socket=$dir/none.sock"
assert_contains "$(cat "$dir/err.clean")" "cannot connect"
# 5. Not an NBD URI.
expect_nbd_error "bad URI" "$DIGEST" "/dev/null"
echo "nbd-faults ok"
