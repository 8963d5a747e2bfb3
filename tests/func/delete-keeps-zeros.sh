#!/usr/bin/env bash
# group: qsd delete
# Merges keep zeros sparse: QEMU 7.2's block-commit and block-stream
# write a zero cluster of the source as data (measured: 32 MiB of zeros
# committed grew the base by 32 MiB); strata reopens the merge target
# with detect-zeroes=unmap and discard=unmap, so after a commit, a
# stream and a live active commit of layers holding written zeros the
# target's allocation grows by the data only, every view reads as
# before, and the result says how much was copied, and how much of it
# became data and zero clusters (text and --json).
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
source "$srcdir/tests/live-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

MiB=1048576
alloc() { st --json chain show "$1" --max-depth 1 | jq '.layers[0]."allocated-bytes"'; }

setup() {
    rm -rf "$dir"; mkdir -p "$dir"
    qemu-img create -q -f qcow2 "$dir/vda.qcow2" 64M
}

# Commit: s1's layer holds 32 MiB of zeros written as data and 1 MiB of
# data; the base 1 MiB.  --no-stream commits it.
dir=$(mktempdir)/commit
setup
wr "$dir/vda.qcow2" 'write -P 0x11 0 1M'
st define-as web --disk "vda=$dir/vda.qcow2" >/dev/null
st snapshot-create-as web s1 >/dev/null
wr "$(active_of web vda)" 'write -P 0 4M 32M'
wr "$(active_of web vda)" 'write -P 0x22 40M 1M'
assert_eq "$(alloc "$(active_of web vda)")" $((33 * MiB)) "zeros written as data (the test's premise)"
st snapshot-create-as web s2 >/dev/null
views web >"$dir/before"
st --json snapshot-delete web s1 --no-stream >"$dir/res.json"
assert_eq "$(alloc "$dir/vda.qcow2")" $((2 * MiB)) "the base after committing zeros and 1 MiB"
# The result says what went where: 33 MiB copied, 1 MiB of it data,
# 32 MiB kept as zero clusters.
assert_json "$dir/res.json" ".\"bytes-copied\" == $((33 * MiB)) and .\"bytes-data\" == $MiB and .\"bytes-zeroed\" == $((32 * MiB))"
views web >"$dir/after"
same_views "$dir/before" "$dir/after"

# Stream: the base holds 8 MiB of zeros as data and 1 MiB of data, s1's
# layer 16 MiB elsewhere: the stream (the cheaper way) copies the base
# into the layer above.
dir=$(dirname "$dir")/stream
setup
wr "$dir/vda.qcow2" 'write -P 0 0 8M'
wr "$dir/vda.qcow2" 'write -P 0x11 8M 1M'
st define-as web --disk "vda=$dir/vda.qcow2" >/dev/null
st snapshot-create-as web s1 >/dev/null
top=$(active_of web vda)
wr "$top" 'write -P 0x22 16M 16M'
st snapshot-create-as web s2 >/dev/null
views web >"$dir/before"
assert_json <(st --json snapshot-delete web s1 --dry-run) '.steps[0].action == "stream"'
out=$(st snapshot-delete web s1)
assert_eq "$(alloc "$top")" $((17 * MiB)) "the layer above after streaming zeros and 1 MiB into it"
assert_contains "$out" "Merged: at most 9437184 bytes (9.0 MiB) copied; the targets gained 1048576 bytes (1.0 MiB) of data and 8388608 bytes (8.0 MiB) of zero clusters"
views web >"$dir/after"
same_views "$dir/before" "$dir/after"

# Live: the current snapshot's delete is an active commit in the live
# QSD (the base holds more than the active layer), zeros written by a
# client through NBD.
dir=$(dirname "$dir")/live
setup
wr "$dir/vda.qcow2" 'write -P 0x11 40M 24M'
st define-as web --disk "vda=$dir/vda.qcow2" >/dev/null
st snapshot-create-as web s1 >/dev/null
st=("$STRATA" --state-dir "$dir/state" --run-dir "$dir/run")
cleanup_fn strata_stop_all web
st --json start web >"$dir/start.json"
uri=$(jq -r '.exports[] | select(.disk == "vda") | .uri' "$dir/start.json")
qemu-io -f raw -c 'write -P 0 4M 16M' -c 'write -P 0x33 24M 1M' "$uri" >/dev/null
pit=$(pit_of web s1 vda)
assert_json <(st --json snapshot-delete web --current --dry-run) \
    '.steps[0].action == "commit" and .steps[0].active'
st snapshot-delete web --current >/dev/null
st stop web >/dev/null
assert_eq "$(alloc "$pit")" $((25 * MiB)) "the point in time after a live active commit of zeros"
qemu-io -r -f qcow2 -c 'read -P 0 4M 16M' -c 'read -P 0x33 24M 1M' -c 'read -P 0x11 40M 24M' "$pit" \
    >/dev/null || fail "the committed content"
echo ok
