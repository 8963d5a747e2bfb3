#!/usr/bin/env bash
# group: quick chain
# 'chain show --json' reads a real chain (absolute and relative backing
# strings, created from another working directory) exactly as QEMU does:
# for every layer the allocated and zero bytes equal what
# 'qemu-img map --output=json' reports at depth 0, and sizes, backing
# strings and formats equal 'qemu-img info --backing-chain'.  Covers
# plain, zero, compressed and extended-L2 (subcluster) clusters.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires "$QEMU_IMG" --version
requires qemu-io --version
requires jq --version

dir=$(mktempdir)
mkdir "$dir/img" "$dir/elsewhere"
img=$dir/img
# Created from another cwd: relative strings must resolve against the
# overlay's directory, not the cwd.
cd "$dir/elsewhere"
"$QEMU_IMG" create -q -f qcow2 "$img/base.qcow2" 16M
"$QEMU_IMG" create -q -f qcow2 -b "$img/base.qcow2" -F qcow2 "$img/mid.qcow2"   # absolute
"$QEMU_IMG" create -q -f qcow2 -o extended_l2=on,cluster_size=64k \
    -b mid.qcow2 -F qcow2 "$img/ext.qcow2"                                     # relative
"$QEMU_IMG" create -q -f qcow2 -b ext.qcow2 -F qcow2 "$img/top.qcow2"          # relative
qemu-io -c 'write -P 1 0 4M' -c 'write -c -P 2 8M 128k' "$img/base.qcow2" >/dev/null
qemu-io -c 'write -P 3 1M 64k' -c 'write -z 2M 1M' "$img/mid.qcow2" >/dev/null
qemu-io -c 'write -P 4 4k 4k' -c 'write -z 64k 8k' -c 'write -P 5 5M 100k' "$img/ext.qcow2" >/dev/null
qemu-io -c 'write -P 6 0 512' -c 'write -c -P 7 12M 64k' -c 'write -z 15M 64k' "$img/top.qcow2" >/dev/null
sums_before=$(sha256sum "$img"/*.qcow2)

"$STRATA" --json chain show "$img/top.qcow2" >"$dir/show.json"
assert_json "$dir/show.json" '.layers | length == 4'
assert_json "$dir/show.json" '."fault-count" == 0 and .clean == true'
"$QEMU_IMG" info -U --backing-chain --output=json "$img/top.qcow2" >"$dir/info.json"

i=0
for f in top ext mid base; do
    "$QEMU_IMG" map -U --output=json "$img/$f.qcow2" >"$dir/map-$f.json"
    want_data=$(jq '[.[] | select(.depth == 0 and .data) | .length] | add // 0' "$dir/map-$f.json")
    want_zero=$(jq '[.[] | select(.depth == 0 and .present and (.data | not)) | .length] | add // 0' "$dir/map-$f.json")
    got_data=$(jq ".layers[$i].\"allocated-bytes\"" "$dir/show.json")
    got_zero=$(jq ".layers[$i].\"zero-bytes\"" "$dir/show.json")
    assert_eq "$got_data" "$want_data" "$f: allocated bytes vs qemu-img map"
    assert_eq "$got_zero" "$want_zero" "$f: zero bytes vs qemu-img map"
    [ "$want_data" -gt 0 ] || fail "$f: test wrote no data"
    for k in virtual-size cluster-size backing-filename; do
        got=$(jq -c ".layers[$i].\"$k\"" "$dir/show.json")
        want=$(jq -c ".[$i].\"$k\"" "$dir/info.json")
        assert_eq "$got" "$want" "$f: $k vs qemu-img info"
    done
    assert_eq "$(jq -r ".layers[$i].\"absolute-path\"" "$dir/show.json")" "$img/$f.qcow2" "$f: path"
    i=$((i + 1))
done
# Backing strings as written, and as resolved against the overlay's dir.
assert_json "$dir/show.json" ".layers[0].\"backing-resolved\" == \"$img/ext.qcow2\""
assert_json "$dir/show.json" ".layers[1].\"backing-filename\" == \"mid.qcow2\""
assert_json "$dir/show.json" ".layers[2].\"backing-filename\" == \"$img/base.qcow2\""
assert_json "$dir/show.json" '.layers[3]."backing-filename" == null and .layers[3]."backing-resolved" == null'
assert_json "$dir/show.json" '.layers[0]."compressed-bytes" == 65536'
# Every documented key is present on every layer, null where unknown.
for k in path absolute-path format exists virtual-size cluster-size allocated-bytes \
         zero-bytes compressed-bytes file-size backing-filename backing-format \
         backing-resolved device inode faults; do
    assert_json "$dir/show.json" "[.layers[] | has(\"$k\")] | all"
done

# Opened through a relative top path from its own directory.
cd "$img"
"$STRATA" --json chain show top.qcow2 >"$dir/rel.json"
assert_json "$dir/rel.json" '.layers | length == 4'
assert_json "$dir/rel.json" '.layers[1].path == "ext.qcow2" and .layers[2].path == "mid.qcow2"'

# The text table names every layer top-down.
"$STRATA" chain show "$img/top.qcow2" >"$dir/show.txt"
assert_eq "$(awk 'NR > 1 && $1 ~ /^[0-9]+$/ { print $NF }' "$dir/show.txt" | tr '\n' ' ')" \
    "$img/top.qcow2 $img/ext.qcow2 $img/mid.qcow2 $img/base.qcow2 " "text table order"
assert_contains "$(cat "$dir/show.txt")" "backing: 'mid.qcow2' (qcow2) -> $img/mid.qcow2"

# Reading never changes a byte.
assert_eq "$(sha256sum "$img"/*.qcow2)" "$sums_before" "image contents"
echo ok
