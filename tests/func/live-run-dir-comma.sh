#!/usr/bin/env bash
# group: qsd live
# A run directory whose path holds a comma (QEMU escapes it inside
# --chardev) still finds its live QSD again: status sees it, a second
# start is refused, stop ends it.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires "$QSD" --version

dir=$(mktempdir)
run="$dir/run,1"
st() { "$STRATA" --state-dir "$dir/state" --run-dir "$run" "$@"; }

qemu-img create -q -f qcow2 "$dir/vda.qcow2" 8M
st define-as web --disk "vda=$dir/vda.qcow2" >/dev/null
st start web >/dev/null
cleanup_fn st stop web
pid=$(cat "$run/web/qsd.pid")
cleanup_fn stop_pid "$pid"

assert_exit 0 st status web
rc=0; st start web 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "second start"
kill -0 "$pid" || fail "the first QSD is gone after the refused start"
st stop web >/dev/null
wait_for_exit "$pid" 30
echo ok
