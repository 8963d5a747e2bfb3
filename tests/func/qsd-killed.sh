#!/usr/bin/env bash
# group: quick qsd
# A QSD that dies while a command or a job is in flight is reported at
# once as an error naming the command (or job) and how QSD ended, never
# a hang; a QSD that stops answering is a timeout, after which it is
# killed.  No process is left behind.
source "$srcdir/tests/functions.sh"
set -euo pipefail

requires "$QSD" --version
requires qemu-io --version
drive=$builddir/tests/tools/qmp-drive
requires test -x "$drive"

dir=$(mktempdir)
run=$dir/run

# 1. SIGKILL while a command waits for its reply: QSD is frozen with
# SIGSTOP first so that the command is surely in flight.
"$drive" "$run" signal STOP , mark "$dir/m1" , exec query-version >"$dir/out1" 2>"$dir/err1" &
dpid=$!
cleanup_fn stop_pid "$dpid"
wait_for_file "$run/qsd.pid" 10
qsd=$(cat "$run/qsd.pid")
_wait_until 10 "mark 1" test -e "$dir/m1"
kill -9 "$qsd"
rc=0
wait "$dpid" || rc=$?
assert_eq "$rc" 1 "drive exit status"
assert_contains "$(cat "$dir/err1")" "ERROR qmp: query-version: QSD went away (QSD was killed by signal 9"
_pid_gone "$qsd" || fail "QSD $qsd still running"

# 2. A frozen QSD: the command times out, then quit, SIGTERM and SIGKILL
# escalate within their deadlines.
rc=0
"$drive" -t 300 "$run" signal STOP , exec query-version 2>"$dir/err2" || rc=$?
assert_eq "$rc" 1
assert_contains "$(cat "$dir/err2")" "ERROR timeout: query-version: no reply from QSD within 300 ms"
test ! -e "$run/qsd.pid" || fail "pid file left behind"

# 3. SIGKILL while a job runs: a rate-limited commit of 32 MiB.
qemu-img create -q -f qcow2 "$dir/base.qcow2" 64M
qemu-img create -q -f qcow2 -F qcow2 -b "$dir/base.qcow2" "$dir/top.qcow2"
qemu-io -f qcow2 -c 'write -P 0x5a 0 32M' "$dir/top.qcow2" >/dev/null
"$drive" "$run" open vda "$dir/top.qcow2:qcow2" "$dir/base.qcow2:qcow2" , \
    commit c1 vda-1 - vda-0 1048576 >"$dir/out3" 2>"$dir/err3" &
dpid=$!
cleanup_fn stop_pid "$dpid"
_wait_until 20 "job progress" grep -q '^progress' "$dir/out3"
qsd=$(cat "$run/qsd.pid")
kill -9 "$qsd"
wait_for_exit "$dpid" 10
rc=0
wait "$dpid" || rc=$?
assert_eq "$rc" 1
assert_contains "$(cat "$dir/err3")" "ERROR qmp: job 'c1': "
assert_contains "$(cat "$dir/err3")" "QSD went away (QSD was killed by signal 9"
_pid_gone "$qsd" || fail "QSD $qsd still running"
# What the notes say of a killed commit: the image stays consistent.
qemu-img check -q "$dir/top.qcow2"
qemu-img check -q "$dir/base.qcow2"

# 4. strata itself gets SIGTERM mid-job: its transient QSD goes too
# (proc.h kill_on_signal), so no QSD outlives the operation.
"$drive" "$run" open vda "$dir/top.qcow2:qcow2" "$dir/base.qcow2:qcow2" , \
    commit c1 vda-1 - vda-0 1048576 >"$dir/out4" 2>&1 &
dpid=$!
cleanup_fn stop_pid "$dpid"
_wait_until 20 "job progress" grep -q '^progress' "$dir/out4"
qsd=$(cat "$run/qsd.pid")
kill -TERM "$dpid"
wait_for_exit "$dpid" 10
wait_for_exit "$qsd" 10
