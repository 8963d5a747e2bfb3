#!/usr/bin/env bash
# group: quick nbd
# The sha256-64k digest of nbd/digest.h, read over NBD from QSD and
# nbdkit, equals an independent computation (split + sha256sum over
# 'qemu-img convert -O raw' output) for sparse, fully zero, fully
# allocated and odd-sized disks, and does not depend on allocation or
# on the number of connections.
source "$srcdir/tests/functions.sh"
set -euo pipefail

requires "$QEMU_IMG" --version
requires qemu-io --version
requires "$QSD" --version
requires nbdkit --version
requires basenc --version
requires jq --version

DIGEST=$builddir/tests/tools/nbd-digest
dir=$(mktempdir)
n=0

# ref_digest IMG: the definition of nbd/digest.h in coreutils.
ref_digest() {
    local w=$dir/ref
    rm -rf "$w"; mkdir "$w"
    "$QEMU_IMG" convert -U -O raw "$1" "$w/raw"
    (cd "$w" && split -b 65536 -a 8 -d raw blk.)
    {
        printf '%016X' "$(stat -c %s "$w/raw")" | basenc --base16 -d
        if [ -s "$w/raw" ]; then
            (cd "$w" && sha256sum blk.*) | cut -c1-64 | tr a-f A-F | tr -d '\n' |
                basenc --base16 -d
        fi
    } | sha256sum | cut -c1-64
}

# export_qsd FMT IMG [EXTRA-EXPORT-OPTS]: serve IMG read-only; sets $uri
# (no subshell: start_qsd registers the cleanup in this shell).
export_qsd() {
    n=$((n + 1))
    start_qsd "$dir/qsd$n.pid" \
        --blockdev "driver=file,filename=$2,node-name=f,read-only=on" \
        --blockdev "driver=$1,file=f,node-name=d,read-only=on" \
        --nbd-server "addr.type=unix,addr.path=$dir/nbd$n.sock" \
        --export "type=nbd,id=e,node-name=d,name=d,allocation-depth=on${3:+,$3}"
    uri="nbd+unix:///d?socket=$dir/nbd$n.sock"
}

# check IMG FMT: digest over QSD equals the reference, with 1 and 4
# connections; sets $got.
check() {
    local want got1
    export_qsd "$2" "$1"
    want=$(ref_digest "$1")
    got=$("$DIGEST" "$uri")
    got1=$("$DIGEST" --connections 1 "$uri")
    assert_eq "$got" "$want" "digest of $1 (4 connections)"
    assert_eq "$got1" "$want" "digest of $1 (1 connection)"
}

# Sparse, with an odd size (20000 KiB is 312.5 blocks of 64 KiB), data
# at both ends, a short write inside a block and a zero-write.
"$QEMU_IMG" create -q -f qcow2 "$dir/sparse.qcow2" 20000K
qemu-io -c 'write -P 0x11 0 1M' -c 'write -P 0x22 5M 100K' \
    -c 'write -z 8M 1M' -c 'write -P 0x33 19999K 1K' "$dir/sparse.qcow2" >/dev/null
check "$dir/sparse.qcow2" qcow2
sparse=$got

# The same bytes stored otherwise: raw, fully allocated.
"$QEMU_IMG" convert -O raw -S 0 "$dir/sparse.qcow2" "$dir/sparse.raw"
check "$dir/sparse.raw" raw
assert_eq "$got" "$sparse" "raw copy of the sparse disk"

# Fully zero: a sparse qcow2, and a qcow2 whose clusters hold written
# zeros (allocated data) must give one digest.
"$QEMU_IMG" create -q -f qcow2 "$dir/empty.qcow2" 8M
"$QEMU_IMG" create -q -f qcow2 "$dir/zeros.qcow2" 8M
qemu-io -c 'write -P 0 0 8M' "$dir/zeros.qcow2" >/dev/null
"$QEMU_IMG" map --output=json "$dir/zeros.qcow2" | jq -e 'all(.[]; .data)' >/dev/null ||
    fail "zeros.qcow2 should be allocated data"
check "$dir/empty.qcow2" qcow2
empty=$got
check "$dir/zeros.qcow2" qcow2
assert_eq "$got" "$empty" "written zeros vs holes"
# Zero extents are not read.
export_qsd qcow2 "$dir/empty.qcow2"
"$DIGEST" --json "$uri" >"$dir/empty.json"
assert_json "$dir/empty.json" '.["bytes-read"] == 0 and .size == 8388608 and .algorithm == "sha256-64k"'

# Fully allocated with random data, odd size again.
head -c 3000000 /dev/urandom >"$dir/full.raw"
check "$dir/full.raw" raw

# A zero-sized disk.
"$QEMU_IMG" create -q -f raw "$dir/nothing.raw" 0
check "$dir/nothing.raw" raw

# Multi-conn: a read-only export uses the connections asked for; a
# writable one that does not advertise multi-conn falls back to one.
export_qsd qcow2 "$dir/sparse.qcow2"
"$DIGEST" --json --connections 3 "$uri" >"$dir/ro.json"
assert_json "$dir/ro.json" '.connections == 3'
# (QEMU 7.2 advertises multi-conn on writable exports too, so nbdkit's
# multi-conn filter plays the server that does not.)
cp "$dir/sparse.raw" "$dir/rw.raw"
nbdkit -U "$dir/rw.sock" -P "$dir/rw.pid" --filter=multi-conn \
    file "$dir/rw.raw" multi-conn-mode=disable
wait_for_file "$dir/rw.pid"
cleanup_fn stop_pid "$(cat "$dir/rw.pid")"
"$DIGEST" --json "nbd+unix://?socket=$dir/rw.sock" >"$dir/rw.json"
assert_json "$dir/rw.json" ".connections == 1 and .digest == \"$sparse\""
nbdkit -r -U "$dir/ro.sock" -P "$dir/ro.pid" --filter=multi-conn \
    file "$dir/rw.raw" multi-conn-mode=disable
wait_for_file "$dir/ro.pid"
cleanup_fn stop_pid "$(cat "$dir/ro.pid")"
"$DIGEST" --json "nbd+unix://?socket=$dir/ro.sock" >"$dir/ro2.json"
assert_json "$dir/ro2.json" ".connections == 4 and .digest == \"$sparse\""

# nbdkit: file plugin over the raw copy, memory plugin (all zero).
nbdkit -U "$dir/kit.sock" -P "$dir/kit.pid" file "$dir/sparse.raw"
wait_for_file "$dir/kit.pid"
cleanup_fn stop_pid "$(cat "$dir/kit.pid")"
assert_eq "$("$DIGEST" "nbd+unix://?socket=$dir/kit.sock")" "$sparse" "nbdkit file plugin"
nbdkit -U "$dir/mem.sock" -P "$dir/mem.pid" memory 8M
wait_for_file "$dir/mem.pid"
cleanup_fn stop_pid "$(cat "$dir/mem.pid")"
assert_eq "$("$DIGEST" "nbd+unix://?socket=$dir/mem.sock")" "$empty" "nbdkit memory plugin"

# Usage errors.
assert_exit 1 "$DIGEST"
rc=0; "$DIGEST" --connections 0 "$uri" 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "exit status of --connections 0"
assert_contains "$(cat "$dir/err")" "--connections must be 1..64"
echo "nbd-digest ok"
