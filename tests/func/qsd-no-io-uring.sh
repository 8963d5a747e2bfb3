#!/usr/bin/env bash
# group: qsd verify
# strata asks QSD for aio=io_uring on file nodes (faster reads of cached
# images); a QSD that cannot set up io_uring (here: liburing's ring setup
# made to fail with ENOSYS, as a sandbox refusing the syscall would) must
# still work: strata falls back to QSD's default and says so in the debug
# log.  Checked on a transient QSD (verify, snapshot-delete) and a live
# one (start, snapshot, verify, snapshot-delete: merges reopen nodes).
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/live-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires "$QEMU_IMG" --version
requires qemu-io --version
requires cc --version
requires jq --version
# (Captured first: grep -q stopping early would make ldd fail under pipefail.)
libs=$(ldd "$(command -v "$QSD")")
grep -q 'liburing' <<<"$libs" || { echo "SKIP: this QSD does not use liburing"; exit 77; }

dir=$(mktempdir)
st=("$STRATA" --state-dir "$dir/state" --run-dir "$dir/run")
cleanup_fn strata_stop_all vm

# The shim: every ring setup fails as if the kernel had no io_uring.
cat >"$dir/no-uring.c" <<'C'
#include <errno.h>
struct io_uring;
struct io_uring_params;
int io_uring_queue_init(unsigned entries, struct io_uring *ring, unsigned flags)
{ (void) entries; (void) ring; (void) flags; return -ENOSYS; }
int io_uring_queue_init_params(unsigned entries, struct io_uring *ring, struct io_uring_params *p)
{ (void) entries; (void) ring; (void) p; return -ENOSYS; }
C
cc -shared -fPIC -o "$dir/no-uring.so" "$dir/no-uring.c"

# Sanity: with the shim, QSD itself refuses aio=io_uring.
"$QEMU_IMG" create -q -f qcow2 "$dir/vda.qcow2" 8M
# (A QSD that accepted it would run until the timeout: rc 124.)
rc=0
LD_PRELOAD=$dir/no-uring.so timeout 20 "$QSD" \
    --blockdev "driver=file,filename=$dir/vda.qcow2,node-name=f,aio=io_uring" 2>"$dir/qsd.err" || rc=$?
[ "$rc" != 0 ] && [ "$rc" != 124 ] && grep -qi 'io_uring' "$dir/qsd.err" ||
    fail "the shim did not make QSD refuse io_uring (rc $rc): $(cat "$dir/qsd.err")"

qemu-io -c 'write -P 0x5a 0 1M' "$dir/vda.qcow2" >/dev/null
"${st[@]}" -q define-as vm --disk "vda=$dir/vda.qcow2"
want=$("${st[@]}" verify vm | awk '{ print $1 }')

# Transient QSD.
STRATA_DEBUG=1 LD_PRELOAD=$dir/no-uring.so "${st[@]}" verify vm --expect "$want" >/dev/null 2>"$dir/err" ||
    fail "verify without io_uring: $(grep -v debug "$dir/err")"
grep -q "QSD refuses aio=io_uring" "$dir/err" || fail "no fallback reported: $(grep -v 'qmp.client' "$dir/err" | tail -5)"

# Live QSD: start, snapshot, verify at the snapshot.
STRATA_DEBUG=1 LD_PRELOAD=$dir/no-uring.so "${st[@]}" --json start vm >"$dir/start.json" 2>"$dir/err" ||
    fail "start without io_uring: $(grep -v debug "$dir/err")"
cleanup_fn kill -9 "$(jq -r .pid "$dir/start.json")"
grep -q "QSD refuses aio=io_uring" "$dir/err" || fail "start: no fallback reported"
LD_PRELOAD=$dir/no-uring.so "${st[@]}" -q snapshot-create-as vm s1 --disk-only
LD_PRELOAD=$dir/no-uring.so "${st[@]}" verify vm --snapshot s1 --expect "$want" >/dev/null
# A merge reopens nodes read-write (blockdev-reopen repeats the aio mode).
LD_PRELOAD=$dir/no-uring.so "${st[@]}" -q snapshot-create-as vm s2 --disk-only
LD_PRELOAD=$dir/no-uring.so "${st[@]}" -q snapshot-delete vm s1
LD_PRELOAD=$dir/no-uring.so "${st[@]}" verify vm --expect "$want" >/dev/null
"${st[@]}" -q stop vm
# Offline: a transient QSD without io_uring commits too.
LD_PRELOAD=$dir/no-uring.so "${st[@]}" -q snapshot-delete vm s2
LD_PRELOAD=$dir/no-uring.so "${st[@]}" verify vm --expect "$want" >/dev/null
assert_eq "$("${st[@]}" snapshot-list vm --name)" "" "snapshots left"
echo "fallback ok"
