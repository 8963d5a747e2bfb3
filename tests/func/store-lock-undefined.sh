#!/usr/bin/env bash
# group: quick store
# undefine removes the domain directory, lock file included, while it
# holds the lock.  A command that was waiting for that lock must not go
# on holding a lock on the removed file while another command locks the
# new file at the same name: it notices and waits for the new one.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires flock --version
requires qemu-img --version

dir=$(mktempdir)
st() { "$STRATA" --state-dir "$dir/state" --run-dir "$dir/run" "$@"; }
qemu-img create -q -f qcow2 "$dir/vda.qcow2" 16M
st define-as web --disk "vda=$dir/vda.qcow2" >/dev/null
lock=$dir/state/web/lock
mkfifo "$dir/release-a" "$dir/release-c"

# hold LOCKFILE FIFO: hold the lock until a line is written to FIFO.
hold() { flock "$1" head -n1 "$2" >/dev/null & }
held() { ! flock -n "$1" true; }
quiet_kill() { kill "$@" 2>/dev/null || true; }

hold "$lock" "$dir/release-a"; a=$!
cleanup_fn quiet_kill "$a"
_wait_until 10 "the first holder to lock" held "$lock"

# B waits for the lock (to define 'web' again).
STRATA_DEBUG=1 st define-as web --disk "vda=$dir/vda.qcow2" >"$dir/b.out" 2>"$dir/b.err" & b=$!
cleanup_fn quiet_kill "$b"
_wait_until 10 "define-as to wait" grep -q "waiting for the lock of domain 'web'" "$dir/b.err"

# What undefine does under the lock; then C locks the new lock file.
rm -rf "$dir/state/web"
mkdir -p "$dir/state/web"
hold "$lock" "$dir/release-c"; c=$!
cleanup_fn quiet_kill "$c"
_wait_until 10 "the second holder to lock" held "$lock"

echo go >"$dir/release-a"
wait "$a"
_wait_until 10 "define-as to notice the removed lock file" \
    grep -q "the lock file of domain 'web' was removed" "$dir/b.err"
kill -0 "$b" 2>/dev/null || fail "define-as went on while another command held the lock: $(cat "$dir/b.err" | grep -v debug)"
[ ! -e "$dir/state/web/domain.xml" ] || fail "define-as wrote the domain without holding the lock"

echo go >"$dir/release-c"
wait "$c"
rc=0; wait "$b" || rc=$?
assert_eq "$rc" 0 "define-as once the lock was free"
[ -e "$dir/state/web/domain.xml" ] || fail "define-as did not define the domain"
echo "lock ok"
