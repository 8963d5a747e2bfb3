#!/usr/bin/env bash
# group: live export
# export --snapshot S2 --since S1: S2 read-only plus the meta context
# qemu:dirty-bitmap:since-S1, read by real clients: nbdinfo --map shows
# exactly the extents written between the two snapshots (known,
# cluster-aligned qemu-io writes), and a client that copies only those
# extents onto S1's raw image gets S2's raw image byte for byte; also
# after a merge between S1 and S2, on the domain's live QSD, and with
# --foreground.  Refusals name both points.  No image changes, and no
# node or bitmap outlives the export.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/live-functions.sh"
set -euo pipefail

requires "$QEMU_IMG" --version
requires qemu-io --version
requires "$QSD" --version
requires nbdinfo --version
requires jq --version

dir=$(mktempdir)
st=("$STRATA" --state-dir "$dir/state" --run-dir "$dir/run")
cleanup_fn strata_stop_all web
run=$dir/run/web
copy=$builddir/tests/tools/nbd-dirty-copy
qmpdrive=$builddir/tests/tools/qmp-drive

active() { "${st[@]}" --json domblklist web | jq -r ".disks[] | select(.target == \"$1\") | .source"; }
raw_now() { "$QEMU_IMG" convert -U -O raw "$(active "$1")" "$dir/$1-$2.raw"; }
sums() { (cd "$dir" && sha256sum vd?.qcow2 vd?.s*) ; }
# The dirty extents of URI as "OFFSET LENGTH" lines.
dirty_map() {
    nbdinfo --map="qemu:dirty-bitmap:$2" "$1" | awk '$3 == 1 { print $1, $2 }'
}
# check_copy URI CONTEXT FROM.raw WANT.raw: the incremental copy of
# URI onto FROM yields WANT.
check_copy() {
    cp "$dir/$3" "$dir/copy.raw"
    "$copy" "$1" "$2" "$dir/copy.raw" >"$dir/copy.out" || fail "nbd-dirty-copy $1 failed"
    cmp "$dir/copy.raw" "$dir/$4" || fail "$3 + the dirty extents of $1 is not $4"
}

# Two disks; vdb changes between s1 and s2 too, at other offsets.
"$QEMU_IMG" create -q -f qcow2 "$dir/vda.qcow2" 32M
"$QEMU_IMG" create -q -f qcow2 -o cluster_size=16384 "$dir/vdb.qcow2" 8M
qemu-io -c 'write -P 0x11 0 1M' "$dir/vda.qcow2" >/dev/null
qemu-io -c 'write -P 0x21 0 64K' "$dir/vdb.qcow2" >/dev/null
"${st[@]}" -q define-as web --disk "vda=$dir/vda.qcow2" --disk "vdb=$dir/vdb.qcow2" >/dev/null
raw_now vda s1; raw_now vdb s1
"${st[@]}" -q snapshot-create-as web s1 --disk-only >/dev/null
qemu-io -c 'write -P 0x22 2M 64K' -c 'write -P 0x23 5M 192K' -c 'write -z 12M 128K' \
    "$(active vda)" >/dev/null
qemu-io -c 'write -P 0x24 16K 16K' -c 'write -P 0x25 4M 48K' "$(active vdb)" >/dev/null
raw_now vda s2; raw_now vdb s2
"${st[@]}" -q snapshot-create-as web s2 --disk-only >/dev/null
qemu-io -c 'write -P 0x31 9M 64K' -c 'write -P 0x32 2M 64K' "$(active vda)" >/dev/null
raw_now vda s3
"${st[@]}" -q snapshot-create-as web s3 --disk-only >/dev/null
qemu-io -c 'write -P 0x41 20M 64K' "$(active vda)" >/dev/null   # after s3: in no export
sums >"$dir/sums.before"

# Not live: an export-only QSD.
out=$("${st[@]}" export web --snapshot s2 --since s1)
sock=$run/export/nbd.sock
ua="nbd+unix:///vda@s1..s2?socket=$sock"
ub="nbd+unix:///vdb@s1..s2?socket=$sock"
assert_eq "$out" "vda@s1..s2 $ua qemu:dirty-bitmap:since-s1
vdb@s1..s2 $ub qemu:dirty-bitmap:since-s1" "text output"
epid=$(cat "$run/export/qsd.pid")
cleanup_fn kill -9 "$epid"
# The zero write counts: a layer allocated it, and it differs from s1.
assert_eq "$(dirty_map "$ua" since-s1)" "2097152 65536
5242880 196608
12582912 131072" "vda's dirty extents since s1"
# vdb's base has 16 KiB clusters, but the layer above it (strata's
# overlay, QEMU's default 64 KiB clusters) allocated whole clusters:
# the bitmap is as fine as the layers between the points.
assert_eq "$(dirty_map "$ub" since-s1)" "0 65536
4194304 65536" "vdb's dirty extents since s1"
check_copy "$ua" qemu:dirty-bitmap:since-s1 vda-s1.raw vda-s2.raw
assert_eq "$(cat "$dir/copy.out")" "extents 3 bytes-read 393216" "bytes the incremental copy read"
check_copy "$ub" qemu:dirty-bitmap:since-s1 vdb-s1.raw vdb-s2.raw
# The export is S2 itself, read-only, with allocation depth as before.
nbdcopy "$ua" "$dir/got.raw"
cmp "$dir/got.raw" "$dir/vda-s2.raw" || fail "vda@s1..s2 does not read as s2"
rc=0; qemu-io -f raw -c 'write 0 64K' "$ua" >"$dir/err" 2>&1 || rc=$?
assert_contains "$(cat "$dir/err")" "ermission denied"
nbdinfo --map=qemu:allocation-depth "$ua" >/dev/null

# --json: the URI and the context name; again: the same exports.
"${st[@]}" --json export web --snapshot s3 --since s1 --disk vda >"$dir/exp.json"
assert_json "$dir/exp.json" '.exports | length == 1'
assert_json "$dir/exp.json" ".exports[0].uri == \"nbd+unix:///vda@s1..s3?socket=$sock\""
assert_json "$dir/exp.json" '.exports[0]["meta-context"] == "qemu:dirty-bitmap:since-s1"'
assert_json "$dir/exp.json" '.exports[0].since == "s1" and .exports[0].snapshot == "s3"'
u3=$(jq -r '.exports[0].uri' "$dir/exp.json")
assert_eq "$(dirty_map "$u3" since-s1)" "2097152 65536
5242880 196608
9437184 65536
12582912 131072" "vda's dirty extents s1..s3"
check_copy "$u3" qemu:dirty-bitmap:since-s1 vda-s1.raw vda-s3.raw
"${st[@]}" --json export web --snapshot s3 --since s2 --disk vda >"$dir/exp2.json"
u32=$(jq -r '.exports[0].uri' "$dir/exp2.json")
assert_eq "$(dirty_map "$u32" since-s2)" "2097152 65536
9437184 65536" "vda's dirty extents s2..s3"
check_copy "$u32" qemu:dirty-bitmap:since-s2 vda-s2.raw vda-s3.raw
"${st[@]}" --json export web --snapshot s3 --since s1 --disk vda >"$dir/again.json"
assert_json "$dir/again.json" ".exports[0].uri == \"$u3\""
# One null node per export, each with its one disabled bitmap.
"$qmpdrive" -a "$run/export" exec query-named-block-nodes '{"flat": true}' >"$dir/nodes.json"
assert_json "$dir/nodes.json" '[.[] | select(.drv == "null-co")] | length == 4'
assert_json "$dir/nodes.json" '[.[] | select(.drv == "null-co") | .["dirty-bitmaps"][] |
    select(.recording == false and .persistent == false)] | length == 4'

# --stop removes the null nodes too, and then the QSD.
"${st[@]}" -q export web --stop --snapshot s3 >/dev/null
"$qmpdrive" -a "$run/export" exec query-named-block-nodes '{"flat": true}' >"$dir/nodes.json"
assert_json "$dir/nodes.json" '[.[] | select(.drv == "null-co")] | length == 2'
"${st[@]}" -q export web --stop >/dev/null
wait_for_exit "$epid" 10
[ ! -e "$run/export" ] || fail "export --stop left $run/export"
sums >"$dir/sums.after"
cmp "$dir/sums.before" "$dir/sums.after" || fail "an export changed an image: $(diff "$dir/sums.before" "$dir/sums.after")"

# Refusals, before anything is exported.
rc=0; "${st[@]}" export web --snapshot s1 --since s2 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--since a newer snapshot"
assert_contains "$(cat "$dir/err")" "snapshot 's2' is not an ancestor of snapshot 's1' on one branch"
rc=0; "${st[@]}" export web --snapshot s2 --since s2 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--since the same snapshot"
assert_contains "$(cat "$dir/err")" "--since 's2' is the exported snapshot itself"
rc=0; "${st[@]}" export web --since s1 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--since without --snapshot"
assert_contains "$(cat "$dir/err")" "--since needs --snapshot"
rc=0; "${st[@]}" export web --snapshot s2 --since nope 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--since an unknown snapshot"
assert_contains "$(cat "$dir/err")" "domain 'web' has no snapshot 'nope'"
rc=0; "${st[@]}" export web --stop --since s1 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--stop --since"
[ ! -e "$run/export" ] || fail "a refused export left $run/export"

# A merge between the points: delete s2 (its layer goes into another);
# s3 since s1 still shows both sets of writes.
"${st[@]}" -q snapshot-delete web s2 >/dev/null
"${st[@]}" --json export web --snapshot s3 --since s1 --disk vda >"$dir/exp.json"
epid=$(cat "$run/export/qsd.pid")
cleanup_fn kill -9 "$epid"
u3=$(jq -r '.exports[0].uri' "$dir/exp.json")
assert_eq "$(dirty_map "$u3" since-s1)" "2097152 65536
5242880 196608
9437184 65536
12582912 131072" "vda's dirty extents s1..s3 after deleting s2"
check_copy "$u3" qemu:dirty-bitmap:since-s1 vda-s1.raw vda-s3.raw
"${st[@]}" -q export web --stop >/dev/null
wait_for_exit "$epid" 10

# Another branch: revert to s1 and snapshot there; s4 is not after s3.
"${st[@]}" -q snapshot-revert web s1 >/dev/null
qemu-io -c 'write -P 0x51 3M 64K' "$(active vda)" >/dev/null
raw_now vda s4
"${st[@]}" -q snapshot-create-as web s4 --disk-only >/dev/null
rc=0; "${st[@]}" export web --snapshot s4 --since s3 --disk vda 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--since on another branch"
assert_contains "$(cat "$dir/err")" "snapshot 's3' is not an ancestor of snapshot 's4' on one branch"
assert_contains "$(cat "$dir/err")" "snapshot-list web --tree"

# Live: on the domain's QSD, beside its writable exports; --stop leaves
# them and removes the null node.
pid=$("${st[@]}" --json start web | jq -r .pid)
cleanup_fn kill -9 "$pid"
"$qmpdrive" -a "$run" exec query-named-block-nodes '{"flat": true}' | jq -r '.[]["node-name"]' | sort >"$dir/live.before"
"${st[@]}" --json export web --snapshot s4 --since s1 --disk vda >"$dir/exp.json"
u4=$(jq -r '.exports[0].uri' "$dir/exp.json")
assert_eq "$u4" "nbd+unix:///vda@s1..s4?socket=$run/nbd.sock" "URI on the live QSD"
qemu-io -f raw -c 'write -P 0x61 7M 64K' "nbd+unix:///vda?socket=$run/nbd.sock" >/dev/null
assert_eq "$(dirty_map "$u4" since-s1)" "3145728 65536" "vda's dirty extents s1..s4, live"
check_copy "$u4" qemu:dirty-bitmap:since-s1 vda-s1.raw vda-s4.raw
"${st[@]}" -q export web --stop >/dev/null
"$qmpdrive" -a "$run" exec query-named-block-nodes '{"flat": true}' | jq -r '.[]["node-name"]' | sort >"$dir/live.after"
cmp "$dir/live.before" "$dir/live.after" || fail "nodes left on the live QSD: $(diff "$dir/live.before" "$dir/live.after")"
"${st[@]}" -q stop web
wait_for_exit "$pid" 10

# --foreground: served until SIGINT, then nothing left.
"${st[@]}" export web --snapshot s3 --since s1 --disk vda --foreground >"$dir/fg.out" 2>"$dir/fg.err" &
fg=$!
cleanup_fn kill -9 "$fg"
wait_for_file "$dir/fg.out"
assert_contains "$(cat "$dir/fg.out")" "vda@s1..s3 nbd+unix:///vda@s1..s3?socket=$run/export/nbd.sock qemu:dirty-bitmap:since-s1"
fgqsd=$(cat "$run/export/qsd.pid")
cleanup_fn kill -9 "$fgqsd"
check_copy "nbd+unix:///vda@s1..s3?socket=$run/export/nbd.sock" qemu:dirty-bitmap:since-s1 \
    vda-s1.raw vda-s3.raw
kill -INT "$fg"
rc=0; wait "$fg" || rc=$?
assert_eq "$rc" 0 "export --foreground after SIGINT ($(cat "$dir/fg.err"))"
wait_for_exit "$fgqsd" 10
[ ! -e "$run/export" ] || fail "--foreground left $run/export"
