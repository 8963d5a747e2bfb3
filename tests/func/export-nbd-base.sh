#!/usr/bin/env bash
# group: live export nbdkit
# A chain whose base is served by nbdkit (the overlay's backing file is
# nbd+unix:///?socket=..., opened through QSD's nbd driver): verify
# equals the reference digest, export reads the same bytes and its
# allocation depth puts the remote base under the overlay, and the
# domain can be started live on it.
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

# The remote server gone: a clear error, nothing left running.
kill -9 "$(cat "$dir/kit.pid")"
wait_for_exit "$(cat "$dir/kit.pid")" 10
rc=0; "${st[@]}" verify remote 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "verify with the remote base gone"
assert_contains "$(cat "$dir/err")" "remote base 'nbd+unix:///?socket=$dir/kit.sock'"
echo "nbd base ok"
