#!/usr/bin/env bash
# group: quick nbd
# The xxh128-64k (default) and sha256-64k digests of nbd/digest.h, read
# over NBD from QSD and nbdkit, equal an independent computation (split
# + xxhsum -H2 / sha256sum over 'qemu-img convert -O raw' output) for
# sparse, fully zero, fully allocated and odd-sized disks, and do not
# depend on allocation or on the number of connections.
source "$srcdir/tests/functions.sh"
set -euo pipefail

requires "$QEMU_IMG" --version
requires qemu-io --version
requires "$QSD" --version
requires nbdkit --version
requires basenc --version
requires xxhsum --version
requires jq --version
requires nbdinfo --version
requires nbdcopy --version

DIGEST=$builddir/tests/tools/nbd-digest

# serve PIDFILE NBDKIT-ARGS...: nbdkit in the background, ready once its
# pid file exists.  Every server here is a scratch reader: SIGKILL
# (SIGTERM costs over a second per server on this machine).
serve() {
    local pidfile=$1
    shift
    nbdkit -P "$pidfile" "$@"
    wait_for_file "$pidfile"
    cleanup_fn kill -9 "$(cat "$pidfile")"
}
dir=$(mktempdir)

# ref_digest IMG [ALG]: the definition of nbd/digest.h in coreutils and
# xxhsum, over the bytes qemu-img sees; ref_digest_raw FILE [ALG]: over
# FILE's bytes as they are.  ALG defaults to xxh128-64k.
ref_digest() {
    rm -rf "$dir/ref"; mkdir "$dir/ref"
    "$QEMU_IMG" convert -U -O raw "$1" "$dir/ref/raw"
    ref_hash "${2:-xxh128-64k}"
}
ref_digest_raw() {
    rm -rf "$dir/ref"; mkdir "$dir/ref"
    cp "$1" "$dir/ref/raw"
    ref_hash "${2:-xxh128-64k}"
}
ref_hash() {
    local w=$dir/ref sum digits
    case $1 in
    xxh128-64k) sum="xxhsum -H2" digits=32 ;;
    sha256-64k) sum=sha256sum digits=64 ;;
    esac
    (cd "$w" && split -b 65536 -a 8 -d raw blk.)
    {
        printf '%016X' "$(stat -c %s "$w/raw")" | basenc --base16 -d
        if [ -s "$w/raw" ]; then
            (cd "$w" && $sum blk.*) | cut -c1-$digits | tr a-f A-F | tr -d '\n' |
                basenc --base16 -d
        fi
    } | $sum | cut -c1-$digits
}

# Build every disk first, then serve them all from one QSD (QSD takes
# over a second to exit on SIGTERM here; one per disk would dominate).
# Sparse, with an odd size (20000 KiB is 312.5 blocks of 64 KiB), data
# at both ends, a short write inside a block and a zero-write.
"$QEMU_IMG" create -q -f qcow2 "$dir/sparse.qcow2" 20000K
qemu-io -c 'write -P 0x11 0 1M' -c 'write -P 0x22 5M 100K' \
    -c 'write -z 8M 1M' -c 'write -P 0x33 19999K 1K' "$dir/sparse.qcow2" >/dev/null
# The same bytes stored otherwise: raw, fully allocated.
"$QEMU_IMG" convert -O raw -S 0 "$dir/sparse.qcow2" "$dir/sparse.raw"
# Fully zero: a sparse qcow2, and a qcow2 whose clusters hold written
# zeros (allocated data).
"$QEMU_IMG" create -q -f qcow2 "$dir/empty.qcow2" 8M
"$QEMU_IMG" create -q -f qcow2 "$dir/zeros.qcow2" 8M
qemu-io -c 'write -P 0 0 8M' "$dir/zeros.qcow2" >/dev/null
"$QEMU_IMG" map --output=json "$dir/zeros.qcow2" | jq -e 'all(.[]; .data)' >/dev/null ||
    fail "zeros.qcow2 should be allocated data"
# Fully allocated with random data, odd size again; and a zero-sized disk.
head -c 3000000 /dev/urandom >"$dir/full.raw"
"$QEMU_IMG" create -q -f raw "$dir/nothing.raw" 0

disks="sparse.qcow2 sparse.raw empty.qcow2 zeros.qcow2 full.raw nothing.raw"
args=()
i=0
for d in $disks; do
    i=$((i + 1))
    args+=(--blockdev "driver=file,filename=$dir/$d,node-name=f$i,read-only=on"
           --blockdev "driver=${d##*.},file=f$i,node-name=d$i,read-only=on"
           --export "type=nbd,id=e$i,node-name=d$i,name=$d,allocation-depth=on")
done
start_qsd "$dir/qsd.pid" --nbd-server "addr.type=unix,addr.path=$dir/nbd.sock" "${args[@]}"
uri_of() { echo "nbd+unix:///$1?socket=$dir/nbd.sock"; }

# check DISK: both digests over QSD equal the references, with 1 and 4
# connections (4 is more than the default); sets $got (xxh128-64k) and
# $got_sha.
check() {
    local want want_sha got1 uri
    uri=$(uri_of "$1")
    want=$(ref_digest "$dir/$1")
    want_sha=$(ref_digest "$dir/$1" sha256-64k)
    got=$("$DIGEST" --connections 4 "$uri")
    got1=$("$DIGEST" --connections 1 "$uri")
    assert_eq "$got" "$want" "xxh128-64k digest of $1 (4 connections)"
    assert_eq "$got1" "$want" "xxh128-64k digest of $1 (1 connection)"
    assert_eq "$("$DIGEST" --digest xxh128-64k "$uri")" "$want" "--digest xxh128-64k of $1"
    got_sha=$("$DIGEST" --digest sha256-64k --connections 4 "$uri")
    assert_eq "$got_sha" "$want_sha" "sha256-64k digest of $1 (4 connections)"
    got1=$("$DIGEST" --digest sha256-64k --connections 1 "$uri")
    assert_eq "$got1" "$want_sha" "sha256-64k digest of $1 (1 connection)"
}

check sparse.qcow2
sparse=$got
sparse_sha=$got_sha
check sparse.raw
assert_eq "$got" "$sparse" "raw copy of the sparse disk"
assert_eq "$got_sha" "$sparse_sha" "raw copy of the sparse disk (sha256-64k)"
check empty.qcow2
empty=$got
empty_sha=$got_sha
check zeros.qcow2
assert_eq "$got" "$empty" "written zeros vs holes"
assert_eq "$got_sha" "$empty_sha" "written zeros vs holes (sha256-64k)"
# The two algorithms differ, and neither depends on the other's code
# path: the lengths are as defined.
[ "${#sparse}" = 32 ] && [ "${#sparse_sha}" = 64 ] ||
    fail "digest lengths: '$sparse' '$sparse_sha'"
# Zero extents are not read.
"$DIGEST" --json "$(uri_of empty.qcow2)" >"$dir/empty.json"
assert_json "$dir/empty.json" '.["bytes-read"] == 0 and .size == 8388608 and .algorithm == "xxh128-64k"'
"$DIGEST" --json --digest sha256-64k "$(uri_of empty.qcow2)" >"$dir/empty.json"
assert_json "$dir/empty.json" '.["bytes-read"] == 0 and .algorithm == "sha256-64k"'
# A disk half read, half skipped: only the data is read.
"$DIGEST" --json "$(uri_of sparse.qcow2)" >"$dir/sparse.json"
assert_json "$dir/sparse.json" '.["bytes-read"] > 0 and .["bytes-read"] < 4194304'
check full.raw
# Progress: growing "done/total" lines ending at the size.  (QEMU's file
# driver shows the 3000000-byte raw file as 3000320 bytes, rounded up to
# 512; qemu-img convert too, so the reference above agrees.)
"$DIGEST" --progress "$(uri_of full.raw)" 2>"$dir/progress" >/dev/null
grep '^progress ' "$dir/progress" | sed 's/^progress //' >"$dir/p"
assert_eq "$(tail -n1 "$dir/p")" "3000320/3000320" "last progress line"
assert_eq "$(wc -l <"$dir/p")" 1 "progress lines for one 4 MiB chunk"
"$DIGEST" --progress "$(uri_of sparse.qcow2)" 2>"$dir/progress" >/dev/null
grep '^progress ' "$dir/progress" | sed 's/^progress //' >"$dir/p"
assert_eq "$(tail -n1 "$dir/p")" "20480000/20480000" "last progress line"
sort -t/ -k1,1n -c "$dir/p" || fail "progress went backwards: $(cat "$dir/p")"
assert_eq "$(wc -l <"$dir/p")" 5 "progress lines for 5 chunks"
check nothing.raw

# Multi-conn: a read-only export uses the connections asked for; a
# writable one that does not advertise multi-conn falls back to one.
"$DIGEST" --json --connections 3 "$(uri_of sparse.qcow2)" >"$dir/ro.json"
assert_json "$dir/ro.json" '.connections == 3'
# (QEMU 7.2 advertises multi-conn on writable exports too, so nbdkit's
# multi-conn filter plays the server that does not.)
cp "$dir/sparse.raw" "$dir/rw.raw"
serve "$dir/rw.pid" -U "$dir/rw.sock" --filter=multi-conn \
    file "$dir/rw.raw" multi-conn-mode=disable
"$DIGEST" --json "nbd+unix://?socket=$dir/rw.sock" >"$dir/rw.json"
assert_json "$dir/rw.json" ".connections == 1 and .digest == \"$sparse\""
serve "$dir/ro.pid" -r -U "$dir/ro.sock" --filter=multi-conn \
    file "$dir/rw.raw" multi-conn-mode=disable
"$DIGEST" --json "nbd+unix://?socket=$dir/ro.sock" >"$dir/ro2.json"
assert_json "$dir/ro2.json" ".connections == 2 and .digest == \"$sparse\""

# nbdkit: file plugin over the raw copy, memory plugin (all zero).
serve "$dir/kit.pid" -U "$dir/kit.sock" file "$dir/sparse.raw"
assert_eq "$("$DIGEST" "nbd+unix://?socket=$dir/kit.sock")" "$sparse" "nbdkit file plugin"
# Over TCP (nbd://HOST:PORT/NAME) on the loopback: a free port is found
# by trying (nbdkit fails at once when the port is taken).
port=
for try in 1 2 3 4 5 6 7 8; do
    p=$((20000 + (RANDOM * 7 + try) % 40000))
    if nbdkit -P "$dir/tcp.pid" -i 127.0.0.1 -p "$p" file "$dir/sparse.raw" 2>/dev/null; then
        port=$p
        break
    fi
done
[ -n "$port" ] || fail "no free TCP port for nbdkit"
wait_for_file "$dir/tcp.pid"
cleanup_fn kill -9 "$(cat "$dir/tcp.pid")"
assert_eq "$("$DIGEST" "nbd://127.0.0.1:$port/")" "$sparse" "nbdkit over TCP"

# Fragmented extents: sparse-random with short runs gives hundreds of
# extents, many not aligned to 64 KiB; the same bytes with no extent
# information at all (noextents filter) give the same digest, and so
# does the reference over a copy made by nbdcopy.
serve "$dir/frag.pid" -U "$dir/frag.sock" sparse-random 16M percent=50 \
    runlength=20000 seed=42 random-content=true
nbinfo_extents=$(nbdinfo --map "nbd+unix://?socket=$dir/frag.sock" | wc -l)
[ "$nbinfo_extents" -gt 100 ] || fail "sparse-random gave only $nbinfo_extents extents"
frag=$("$DIGEST" "nbd+unix://?socket=$dir/frag.sock")
nbdcopy "nbd+unix://?socket=$dir/frag.sock" "$dir/frag.raw"
assert_eq "$frag" "$(ref_digest_raw "$dir/frag.raw")" "fragmented extents vs reference"
assert_eq "$("$DIGEST" --digest sha256-64k --connections 3 "nbd+unix://?socket=$dir/frag.sock")" \
    "$(ref_digest_raw "$dir/frag.raw" sha256-64k)" "fragmented extents vs reference (sha256-64k)"
serve "$dir/noext.pid" -U "$dir/noext.sock" --filter=noextents file "$dir/frag.raw"
assert_eq "$("$DIGEST" "nbd+unix://?socket=$dir/noext.sock")" "$frag" "no extents vs fragmented"

# nbdkit serves a file's exact size: 3000000 bytes, not even a multiple
# of 512, so the last block is 51392 bytes.
serve "$dir/full.pid" -U "$dir/full.sock" file "$dir/full.raw"
"$DIGEST" --json "nbd+unix://?socket=$dir/full.sock" >"$dir/full.json"
assert_json "$dir/full.json" ".size == 3000000 and .digest == \"$(ref_digest_raw "$dir/full.raw")\""
"$DIGEST" --json --digest sha256-64k "nbd+unix://?socket=$dir/full.sock" >"$dir/full.json"
assert_json "$dir/full.json" ".size == 3000000 and .digest == \"$(ref_digest_raw "$dir/full.raw" sha256-64k)\""
# A server whose largest request is smaller than a block (and that
# fails larger ones): each read is split to its limit.
serve "$dir/small.pid" -U "$dir/small.sock" --filter=blocksize-policy file "$dir/full.raw" \
    blocksize-preferred=4096 blocksize-maximum=16384 blocksize-error-policy=error
assert_eq "$("$DIGEST" "nbd+unix://?socket=$dir/small.sock")" "$(ref_digest_raw "$dir/full.raw")" \
    "server with 16 KiB requests"
serve "$dir/mem.pid" -U "$dir/mem.sock" memory 8M
assert_eq "$("$DIGEST" "nbd+unix://?socket=$dir/mem.sock")" "$empty" "nbdkit memory plugin"

# Usage errors.
assert_exit 1 "$DIGEST"
rc=0; "$DIGEST" --connections 0 "$(uri_of sparse.qcow2)" 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "exit status of --connections 0"
assert_contains "$(cat "$dir/err")" "--connections must be 1..64"
rc=0; "$DIGEST" --digest md5 "$(uri_of sparse.qcow2)" 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "exit status of --digest md5"
assert_contains "$(cat "$dir/err")" "unknown digest algorithm 'md5'"
echo "nbd-digest ok"
