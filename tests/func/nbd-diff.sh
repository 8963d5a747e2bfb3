#!/usr/bin/env bash
# group: quick nbd
# nbd/diff.h on a real chain base <- s1 <- s2 served by one QSD: known
# writes between two points are exactly the reported 64 KiB-aligned
# ranges, by allocation depth and by full compare alike; rewrites of
# identical bytes are confirmed away by reading; identical points
# report nothing (exit 0); sizes that differ report the tail.
source "$srcdir/tests/functions.sh"
set -euo pipefail

requires "$QEMU_IMG" --version
requires qemu-io --version
requires "$QSD" --version
requires nbdkit --version
requires jq --version

DIFF=$builddir/tests/tools/nbd-diff
dir=$(mktempdir)
K=1024
M=$((1024 * 1024))

"$QEMU_IMG" create -q -f qcow2 "$dir/base.qcow2" 16M
qemu-io -c 'write -P 0x11 0 4M' "$dir/base.qcow2" >/dev/null
"$QEMU_IMG" create -q -f qcow2 -F qcow2 -b "$dir/base.qcow2" "$dir/s1.qcow2"
# s1: zeros over base data in [0, 64K); a block at 1M; 10 bytes at
# 3M+100 (reported as the block [3M, 3M+64K)).
qemu-io -c 'write -z 0 64K' -c 'write -P 0x22 1M 64K' -c 'write -P 0x23 3145828 10' \
    "$dir/s1.qcow2" >/dev/null
"$QEMU_IMG" create -q -f qcow2 -F qcow2 -b "$dir/s1.qcow2" "$dir/s2.qcow2"
# s2: 128K of new data at 10M; the base's own bytes rewritten at 2M and
# zeros written over nothing at 12M (allocated, but equal: not reported);
# and 1 byte at 15M+64K-1.
qemu-io -c 'write -P 0x33 10M 128K' -c 'write -P 0x11 2M 64K' -c 'write -z 12M 64K' \
    -c 'write -P 0x34 15794175 1' "$dir/s2.qcow2" >/dev/null

start_qsd "$dir/qsd.pid" \
    --blockdev "driver=file,filename=$dir/base.qcow2,node-name=base-f,read-only=on" \
    --blockdev "driver=qcow2,file=base-f,node-name=base,read-only=on" \
    --blockdev "driver=file,filename=$dir/s1.qcow2,node-name=s1-f,read-only=on" \
    --blockdev "driver=qcow2,file=s1-f,node-name=s1,backing=base,read-only=on" \
    --blockdev "driver=file,filename=$dir/s2.qcow2,node-name=s2-f,read-only=on" \
    --blockdev "driver=qcow2,file=s2-f,node-name=s2,backing=s1,read-only=on" \
    --nbd-server "addr.type=unix,addr.path=$dir/nbd.sock" \
    --export "type=nbd,id=e0,node-name=base,name=base" \
    --export "type=nbd,id=e1,node-name=s1,name=s1,allocation-depth=on" \
    --export "type=nbd,id=e2,node-name=s2,name=s2,allocation-depth=on"
u() { echo "nbd+unix:///$1?socket=$dir/nbd.sock"; }

# expect_diff NEW OLD DEPTH EXPECTED-LINES: text output and exit status.
expect_diff() {
    local rc=0 want=$4 got
    got=$("$DIFF" --depth "$3" "$(u "$1")" "$(u "$2")") || rc=$?
    assert_eq "$got" "$want" "diff $1 $2 --depth $3"
    if [ -n "$want" ]; then
        assert_eq "$rc" 2 "exit status of diff $1 $2 --depth $3"
    else
        assert_eq "$rc" 0 "exit status of diff $1 $2 --depth $3"
    fi
}

s2_vs_base="0 $((64 * K))
$((1 * M)) $((64 * K))
$((3 * M)) $((64 * K))
$((10 * M)) $((128 * K))
$((15 * M)) $((64 * K))"
s2_vs_s1="$((10 * M)) $((128 * K))
$((15 * M)) $((64 * K))"
s1_vs_base="0 $((64 * K))
$((1 * M)) $((64 * K))
$((3 * M)) $((64 * K))"

expect_diff s2 base 2 "$s2_vs_base"
expect_diff s2 base 0 "$s2_vs_base"      # full compare agrees
expect_diff s2 s1 1 "$s2_vs_s1"
expect_diff s2 s1 0 "$s2_vs_s1"
expect_diff s1 base 1 "$s1_vs_base"
expect_diff s1 base 0 "$s1_vs_base"
expect_diff s2 s2 0 ""
expect_diff base base 0 ""
# With a depth too small the older layer's changes are not candidates:
# this is why the caller must pass the true number of layers.
expect_diff s2 base 1 "$s2_vs_s1"

# Only the candidates are compared, and rewrites cost reads but are
# not reported.
"$DIFF" --json --depth 2 "$(u s2)" "$(u base)" >"$dir/d.json" || true
assert_json "$dir/d.json" '.granularity == 65536 and (.ranges | length) == 5'
assert_json "$dir/d.json" ".[\"candidate-bytes\"] == $((64 * K * 4 + 128 * K + 64 * K + 64 * K))"
assert_json "$dir/d.json" '.["size-new"] == 16777216 and .["size-old"] == 16777216'

# Progress counts candidate bytes, up to their total.
"$DIFF" --progress --depth 1 "$(u s2)" "$(u s1)" 2>"$dir/progress" >/dev/null || true
c=$((128 * K + 64 * K * 3))
assert_eq "$(grep '^progress ' "$dir/progress" | tail -n1)" "progress $c/$c" "diff progress"

# Allocation depth is required for --depth > 0.
rc=0; "$DIFF" --depth 1 "$(u base)" "$(u s1)" >/dev/null 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "exit status without allocation depth"
assert_contains "$(cat "$dir/err")" "does not provide 'qemu:allocation-depth'"
assert_contains "$(cat "$dir/err")" "nbd-diff: hint: "

# Different sizes: the tail of the larger one differs (nbdkit memory
# disks of 1M and 1M+100K, all zero).
nbdkit -P "$dir/m1.pid" -U "$dir/m1.sock" memory 1M
wait_for_file "$dir/m1.pid"
cleanup_fn kill -9 "$(cat "$dir/m1.pid")"
nbdkit -P "$dir/m2.pid" -U "$dir/m2.sock" memory $((M + 100 * K))
wait_for_file "$dir/m2.pid"
cleanup_fn kill -9 "$(cat "$dir/m2.pid")"
rc=0
got=$("$DIFF" "nbd+unix://?socket=$dir/m2.sock" "nbd+unix://?socket=$dir/m1.sock") || rc=$?
assert_eq "$rc" 2 "exit status for different sizes"
assert_eq "$got" "$M $((100 * K))" "diff of 1M+100K against 1M"
echo "nbd-diff ok"
