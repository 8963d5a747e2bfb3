#!/usr/bin/env bash
# group: quick qsd
# The QSD supervisor: a transient QSD is gone when the operation ends,
# also when it fails; a long-running one is found again through its run
# directory, refuses a second start, stops with quit, and its stale pid
# file and socket are detected after it dies.  Command errors name the
# command; the run directory must be private.
source "$srcdir/tests/functions.sh"
set -euo pipefail

requires "$QSD" --version
drive=$builddir/tests/tools/qmp-drive
requires test -x "$drive"

dir=$(mktempdir)
run=$dir/run

# Transient: version, a command error, an unknown command.
out=$("$drive" "$run" version , ?exec blockdev-add '{"driver": "file"}' , ?exec no-such-cmd)
assert_contains "$out" "qemu 7."
assert_contains "$out" "EXPECTED qmp: blockdev-add: Parameter 'filename' is missing"
assert_contains "$out" "EXPECTED qmp: no-such-cmd: The command no-such-cmd has not been found"
assert_eq "$(stat -c %a "$run")" 700 "run dir mode"
test ! -e "$run/qsd.pid" || fail "transient QSD left its pid file"

# A real reply larger than one read (64 KiB): the QMP schema.
"$drive" "$run" exec query-qmp-schema >"$dir/schema"
[ "$(stat -c %s "$dir/schema")" -gt 65536 ] || fail "schema reply unexpectedly small"
jq -e 'map(select(.name == "blockdev-create")) | length == 1' "$dir/schema" >/dev/null ||
    fail "schema reply is not whole"
test ! -e "$run/qmp.sock" || fail "transient QSD left its socket"
test -s "$run/qsd.log" || true

# A failing operation still stops the transient QSD (the runner checks
# for leftovers; check the pid too).
rc=0
"$drive" "$run" exec query-version , mark "$dir/m" , exec blockdev-del '{"node-name": "x"}' \
    2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "exit status"
assert_contains "$(cat "$dir/err")" "ERROR qmp: blockdev-del: Failed to find node with node-name='x'"

# A QSD that cannot start: its log tail is in the message.
rc=0
STRATA_QSD=/bin/false "$drive" "$run" version 2>"$dir/err" || rc=$?
assert_eq "$rc" 1
assert_contains "$(cat "$dir/err")" "QSD failed to start: it exited with status 1"

# Long-running: start, attach from a later process, refuse a second start.
"$drive" -l "$run" version >/dev/null
pid=$(cat "$run/qsd.pid")
cleanup_fn stop_pid "$pid"
kill -0 "$pid"
out=$("$drive" -a "$run" exec query-version)
assert_contains "$out" '"qemu":{"micro"'
rc=0
"$drive" -l "$run" version 2>"$dir/err" || rc=$?
assert_eq "$rc" 1
assert_contains "$(cat "$dir/err")" "ERROR busy: a QSD (pid $pid) already runs in '$run'"
"$drive" -a "$run" stop
wait_for_exit "$pid" 10
test ! -e "$run/qsd.pid" || fail "pid file left after stop"
rc=0
"$drive" -a "$run" version 2>"$dir/err" || rc=$?
assert_eq "$rc" 1
assert_contains "$(cat "$dir/err")" "ERROR not-found: no QSD runs in '$run'"

# Stale: the long-running QSD dies without cleaning up.
"$drive" -l "$run" version >/dev/null
pid=$(cat "$run/qsd.pid")
cleanup_fn stop_pid "$pid"
kill -9 "$pid"
wait_for_exit "$pid" 10
test -S "$run/qmp.sock" || fail "expected a stale socket"
rc=0
"$drive" -a "$run" version 2>"$dir/err" || rc=$?
assert_eq "$rc" 1
assert_contains "$(cat "$dir/err")" "removed the stale pid file and socket of pid $pid"
test ! -e "$run/qsd.pid" || fail "stale pid file not removed"
# ... and a new one starts in its place.
"$drive" "$run" version >/dev/null

# A run directory others can read is refused.
mkdir -m 0755 "$dir/open"
rc=0
"$drive" "$dir/open" version 2>"$dir/err" || rc=$?
assert_eq "$rc" 1
assert_contains "$(cat "$dir/err")" "must be a directory owned by you with mode 0700"
