#!/usr/bin/env bash
# group: quick qsd nbdkit
# A job that fails reports QSD's own error text: the base layer is an
# nbdkit memory disk behind the error filter, opened through QSD's nbd
# driver, and it starts failing (EIO) once the chain is open.  The job
# is dismissed (a second job with the same id can start) and the
# runner's error is ST_E_JOB.
source "$srcdir/tests/functions.sh"
set -euo pipefail

requires "$QSD" --version
requires nbdkit --version
requires nbdkit --filter=error memory --version
requires qemu-io --version
drive=$builddir/tests/tools/qmp-drive
requires test -x "$drive"

dir=$(mktempdir)
run=$dir/run
cd "$dir"

nbdkit -U "$dir/nbd.sock" -P "$dir/nbdkit.pid" --filter=error memory 64M \
    error-rate=100% error-file="$dir/inject"
wait_for_file "$dir/nbdkit.pid"
cleanup_fn stop_pid "$(cat "$dir/nbdkit.pid")"

# top.qcow2 over the NBD base, with 4 MiB of its own data.
qemu-img create -q -f qcow2 top.qcow2 64M
qemu-io -f qcow2 -c 'write -P 0x44 0 4M' top.qcow2 >/dev/null
qemu-img rebase -u -F raw -b "nbd+unix:///?socket=$dir/nbd.sock" top.qcow2

chain=(open vda "$dir/top.qcow2:qcow2" "$dir/nbd.sock:raw:nbd=")

# Active commit into the failing base: writes fail.
rc=0
"$drive" "$run" "${chain[@]}" , mark "$dir/inject" , commit c1 vda-1 - vda-0 \
    >out 2>err || rc=$?
cat out err
assert_eq "$rc" 1
assert_contains "$(cat err)" "ERROR job: job 'c1' failed: Input/output error (on write)"
rm -f "$dir/inject"

# Stream from the failing base: reads fail.  Then the same job id is
# free again, which proves the failed job was dismissed.
rc=0
"$drive" "$run" "${chain[@]}" , mark "$dir/inject" , ?stream s1 vda-1 - , \
    exec query-jobs >out 2>err || rc=$?
cat out err
assert_eq "$rc" 0
assert_contains "$(cat out)" "EXPECTED job: job 's1' failed: Input/output error (on read)"
assert_contains "$(cat out)" "[]"
rm -f "$dir/inject"

# Without the fault the same commit works, and the data landed in nbdkit.
"$drive" "$run" "${chain[@]}" , commit c1 vda-1 - vda-0 >out
assert_contains "$(cat out)" "job c1 done"
qemu-io -r -f raw -c 'read -P 0x44 0 4M' "nbd+unix:///?socket=$dir/nbd.sock" >/dev/null ||
    fail "committed data missing from the NBD base"
