#!/usr/bin/env bash
# group: live verify
# verify: the xxh128-64k (default) and sha256-64k digests of a disk now
# and at a snapshot equal the coreutils/xxhsum reference over 'qemu-img
# convert -O raw' output, for a sparse disk whose size is not a multiple
# of 64 KiB, a fully zero and a fully allocated one; --digest and
# --expect (ALG:HEX or bare HEX) are checked, a mismatch exits 2, a bad
# algorithm or length is a usage error (exit 1); on a live domain
# the exports made for reading are gone afterwards.  diff: writes made
# between two snapshots are exactly the extents reported (identical
# rewrites are not), older point first, "current" for the active state
# on either side.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/live-functions.sh"
set -euo pipefail

requires "$QEMU_IMG" --version
requires qemu-io --version
requires "$QSD" --version
requires basenc --version
requires xxhsum --version
requires jq --version

dir=$(mktempdir)
st=("$STRATA" --state-dir "$dir/state" --run-dir "$dir/run")
cleanup_fn strata_stop_all vm

# Sparse, 20000 KiB (312.5 blocks of 64 KiB), data at both ends, a
# short write inside a block and a zero-write.
"$QEMU_IMG" create -q -f qcow2 "$dir/vda.qcow2" 20000K
qemu-io -c 'write -P 0x11 0 1M' -c 'write -P 0x22 5M 100K' -c 'write -z 8M 1M' \
    -c 'write -P 0x33 19999K 1K' "$dir/vda.qcow2" >/dev/null
"$QEMU_IMG" create -q -f qcow2 "$dir/zero.qcow2" 8M
# 512-aligned: QEMU rounds a raw file up to whole sectors.
head -c 2999808 /dev/urandom >"$dir/full.raw"
"${st[@]}" -q define-as vm --disk "vda=$dir/vda.qcow2" >/dev/null
"${st[@]}" -q define-as two --disk "vda=$dir/zero.qcow2" --disk "vdb=$dir/full.raw,format=raw" >/dev/null

want=$(ref_digest "$dir/vda.qcow2")
want_sha=$(ref_digest "$dir/vda.qcow2" sha256-64k)
assert_eq "$("${st[@]}" verify vm)" "xxh128-64k:$want  vda" "verify of the sparse odd-sized disk"
assert_eq "$("${st[@]}" verify vm --digest sha256-64k)" "sha256-64k:$want_sha  vda" \
    "verify --digest sha256-64k"
assert_eq "$("${st[@]}" verify vm --digest xxh128-64k)" "xxh128-64k:$want  vda" \
    "verify --digest xxh128-64k"
"${st[@]}" --json verify two >"$dir/v.json"
assert_json "$dir/v.json" ".algorithm == \"xxh128-64k\" and (.disks | length) == 2"
assert_json "$dir/v.json" ".disks[0].digest == \"$(ref_digest "$dir/zero.qcow2")\" and .disks[0][\"bytes-read\"] == 0"
assert_json "$dir/v.json" ".disks[1].digest == \"$(ref_digest "$dir/full.raw")\" and .disks[1].size == 2999808"
"${st[@]}" --json verify two --digest sha256-64k >"$dir/v.json"
assert_json "$dir/v.json" ".algorithm == \"sha256-64k\""
assert_json "$dir/v.json" ".disks[0].digest == \"$(ref_digest "$dir/zero.qcow2" sha256-64k)\""
assert_json "$dir/v.json" ".disks[1].digest == \"$(ref_digest "$dir/full.raw" sha256-64k)\""

# --expect: ALG:HEX (what verify prints) or bare HEX of either length,
# any case; the algorithm follows the prefix or the length.
"${st[@]}" -q verify vm --expect "$want" >/dev/null
"${st[@]}" -q verify vm --expect "xxh128-64k:${want^^}" >/dev/null
"${st[@]}" -q verify vm --expect "$("${st[@]}" verify vm | cut -d' ' -f1)" >/dev/null
"${st[@]}" -q verify vm --expect "$want_sha" >/dev/null
"${st[@]}" -q verify vm --expect "sha256-64k:${want_sha^^}" >/dev/null
"${st[@]}" -q verify vm --digest sha256-64k --expect "$want_sha" >/dev/null
"${st[@]}" --json verify vm --expect "$want_sha" >"$dir/v.json"
assert_json "$dir/v.json" '.algorithm == "sha256-64k" and .disks[0].match == true'
bad=$(printf '%032d' 0)
rc=0; "${st[@]}" verify vm --expect "$bad" >/dev/null 2>"$dir/err" || rc=$?
assert_eq "$rc" 2 "verify --expect mismatch"
assert_contains "$(cat "$dir/err")" "digest xxh128-64k:$want does not match the expected xxh128-64k:$bad"
rc=0; "${st[@]}" verify vm --expect "sha256-64k:$(printf '%064d' 0)" >/dev/null 2>"$dir/err" || rc=$?
assert_eq "$rc" 2 "verify --expect mismatch (sha256-64k)"
assert_contains "$(cat "$dir/err")" "digest sha256-64k:$want_sha does not match"
rc=0; "${st[@]}" --json verify vm --expect "$bad" >"$dir/v.json" 2>/dev/null || rc=$?
assert_eq "$rc" 2 "verify --json --expect mismatch"
assert_json "$dir/v.json" '.disks[0].match == false'
# Usage errors: exit 1, code usage.
expect_usage() {   # expect_usage WHAT MESSAGE ARGS...
    local what=$1 msg=$2 rc=0
    shift 2
    "${st[@]}" verify vm "$@" >/dev/null 2>"$dir/err" || rc=$?
    assert_eq "$rc" 1 "$what: exit status"
    assert_contains "$(cat "$dir/err")" "$msg"
    rc=0; "${st[@]}" --json verify vm "$@" >"$dir/u.json" 2>/dev/null || rc=$?
    assert_eq "$rc" 1 "$what: exit status (--json)"
    assert_json "$dir/u.json" '.error.code == "usage"'
}
expect_usage "malformed --expect" "digest 'abc' has 3 hex digits: xxh128-64k has 32, sha256-64k 64" \
    --expect abc
expect_usage "bare sha256-64k digest with --digest xxh128-64k" \
    "is not 32 hex digits (xxh128-64k)" --digest xxh128-64k --expect "$want_sha"
expect_usage "bare xxh128-64k digest with --digest sha256-64k" \
    "is not 64 hex digits (sha256-64k)" --digest sha256-64k --expect "$want"
expect_usage "prefix against --digest" "is xxh128-64k, not sha256-64k" \
    --digest sha256-64k --expect "xxh128-64k:$want"
expect_usage "unknown --expect algorithm" "unknown digest algorithm 'md5'" \
    --expect "md5:$want"
expect_usage "unknown --digest" "unknown digest algorithm 'sha1' (xxh128-64k or sha256-64k)" \
    --digest sha1
expect_usage "non-hex --expect" "is not 32 hex digits" --expect "${want:0:31}g"
rc=0; "${st[@]}" verify two --expect "$want" 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--expect without --disk on two disks"
assert_contains "$(cat "$dir/err")" "--expect needs --disk"
rc=0; "${st[@]}" verify vm --disk vdz 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "verify of an unknown disk"
assert_contains "$(cat "$dir/err")" "domain 'vm' has no disk 'vdz'"
rc=0; "${st[@]}" diff vm s1 s2 --digest sha256-64k 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "diff takes no --digest"
assert_contains "$(cat "$dir/err")" "unknown option '--digest'"

# Points in time: s1, then known writes, s2, more writes.
snap_offline vm s1
qemu-io -c 'write -P 0x44 1M 64K' -c 'write -P 0x55 3145828 10' -c 'write -P 0x11 512K 64K' \
    "$dir/vda.s1" >/dev/null
snap_offline vm s2
qemu-io -c 'write -P 0x66 10M 128K' "$dir/vda.s2" >/dev/null
assert_eq "$("${st[@]}" verify vm --snapshot s1)" "xxh128-64k:$want  vda" "verify at s1"
assert_eq "$("${st[@]}" verify vm --snapshot s2)" "xxh128-64k:$(ref_digest "$dir/vda.s1")  vda" "verify at s2"
assert_eq "$("${st[@]}" verify vm --snapshot s2 --digest sha256-64k)" \
    "sha256-64k:$(ref_digest "$dir/vda.s1" sha256-64k)  vda" "verify at s2 (sha256-64k)"
assert_eq "$("${st[@]}" verify vm)" "xxh128-64k:$(ref_digest "$dir/vda.s2")  vda" "verify now"
rc=0; "${st[@]}" verify vm --snapshot nope 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "verify of an unknown snapshot"
assert_contains "$(cat "$dir/err")" "domain 'vm' has no snapshot 'nope'"

# diff: exactly the blocks written between the two points; the
# identical rewrite at 512K is not among them.
rc=0; out=$("${st[@]}" diff vm s1 s2) || rc=$?
assert_eq "$rc" 2 "diff with differences"
assert_eq "$out" "vda 1048576 65536
vda 3145728 65536" "diff s1 s2"
rc=0; "${st[@]}" --json diff vm s1 current >"$dir/d.json" || rc=$?
assert_eq "$rc" 2 "diff s1 current"
assert_json "$dir/d.json" '.differ and .disks[0].depth == 2 and .granularity == 65536'
assert_json "$dir/d.json" '.disks[0].ranges == [{"offset":1048576,"length":65536},{"offset":3145728,"length":65536},{"offset":10485760,"length":131072}]'
# "current" on the left compares as on the right: the same extents.
rc=0; "${st[@]}" --json diff vm current s1 >"$dir/d2.json" || rc=$?
assert_eq "$rc" 2 "diff current s1"
assert_json "$dir/d2.json" '.from == "s1" and .to == "current"'
assert_eq "$(jq -c .disks "$dir/d2.json")" "$(jq -c .disks "$dir/d.json")" "diff current s1 = diff s1 current"
rc=0; out=$("${st[@]}" diff vm current current) || rc=$?
assert_eq "$rc" 0 "diff current current"
assert_eq "$out" "" "diff current current"
rc=0; out=$("${st[@]}" diff vm s2 s2) || rc=$?
assert_eq "$rc" 0 "diff of a point with itself"
assert_eq "$out" "" "diff s2 s2"
rc=0; "${st[@]}" diff vm s2 s1 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "diff newer first"
assert_contains "$(cat "$dir/err")" "are not on one branch in this order"
assert_contains "$(cat "$dir/err")" "hint: diff takes the older point first"

# Live: the same answers through the domain's QSD, nothing left behind.
pid=$("${st[@]}" --json start vm | jq -r .pid)
cleanup_fn kill -9 "$pid"
assert_eq "$("${st[@]}" verify vm --snapshot s1 --connections 2)" "xxh128-64k:$want  vda" "live verify at s1"
assert_eq "$("${st[@]}" verify vm --snapshot s1 --digest sha256-64k)" "sha256-64k:$want_sha  vda" \
    "live verify at s1 (sha256-64k)"
rc=0; out=$("${st[@]}" diff vm s1 s2) || rc=$?
assert_eq "$rc" 2 "live diff"
assert_eq "$out" "vda 1048576 65536
vda 3145728 65536" "live diff s1 s2"
"${st[@]}" --json status vm >"$dir/s.json"
assert_json "$dir/s.json" '[.exports[].name] == ["vda"]'
"${st[@]}" -q stop vm
wait_for_exit "$pid" 10
echo "verify and diff ok"
