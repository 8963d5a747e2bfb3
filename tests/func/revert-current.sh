#!/usr/bin/env bash
# group: qsd snapshot
# What snapshot-revert does with the active layer it leaves (issue 18):
# data that no snapshot names is refused without --discard-current or
# --keep-current[=NAME]; data in a snapshot's overlay stays as that
# snapshot's branch head; an empty layer is removed; only files strata
# made are removed; every bad combination is refused before anything
# changes.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
source "$srcdir/tests/live-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

dir=$(mktempdir)
img "$dir/vda.qcow2"; wr "$dir/vda.qcow2" 'write -P 0x10 0 1M'
st define-as web --disk "vda=$dir/vda.qcow2" >/dev/null
st snapshot-create-as web s1 --disk-only >/dev/null
wr "$dir/vda.s1" 'write -P 0x11 1M 64K'
out=$(st snapshot-revert web s1)
assert_eq "$out" "Domain snapshot s1 reverted
Disk vda: $dir/vda.s1 stays, as the overlay of snapshot s1"
wr "$dir/vda.s1-1" 'write -P 0x12 2M 64K'
sum=$(_sum "$dir/vda.s1-1")

# Unnamed data: refused, and so is every bad option; nothing changes.
state() { (cd "$dir" && ls | grep "^vda"; st snapshot-list web --name; active_of web vda; md5sum <"$dir/vda.s1-1"); }
state >"$dir/state.before"
assert_exit 1 st snapshot-revert web s1 2>"$dir/err"
assert_contains "$(cat "$dir/err")" "disk 'vda': the active layer '$dir/vda.s1-1' holds 65536 bytes written since the last snapshot, which no snapshot names"
assert_contains "$(cat "$dir/err")" "hint: add --keep-current[=NAME] to keep them as a snapshot, or --discard-current to throw them away"
assert_exit 1 st --json snapshot-revert web s1 >"$dir/err.json"
assert_json "$dir/err.json" '.error.code == "conflict"'
assert_exit 1 st snapshot-revert web s1 --discard-current --keep-current 2>"$dir/err"
assert_contains "$(cat "$dir/err")" "give --discard-current or --keep-current, not both"
assert_exit 1 st snapshot-revert web s1 --keep-current=a/b 2>"$dir/err"
assert_contains "$(cat "$dir/err")" "a/b"
assert_exit 1 st snapshot-revert web s1 --keep-current= 2>"$dir/err"
assert_exit 1 st snapshot-revert web s1 --keep-current=s1 2>"$dir/err"
assert_contains "$(cat "$dir/err")" "cannot keep the current state as a snapshot"
assert_exit 1 st snapshot-revert web s1 --discard-current=x 2>"$dir/err"
assert_exit 1 st snapshot-revert web nosuch --discard-current 2>"$dir/err"
assert_contains "$(cat "$dir/err")" "no snapshot named 'nosuch'"
state >"$dir/state.after"
diff -u "$dir/state.before" "$dir/state.after" || fail "a refused revert changed something"

# --keep-current without a name: a snapshot named after the time, child
# of s1, whose point in time is the old layer; its empty overlay goes.
before=$(date +%s)
st --json snapshot-revert web s1 --keep-current >"$dir/rev.json"
after=$(date +%s)
k=$(jq -r '.["kept-as"]' "$dir/rev.json")
[ "$k" -ge "$before" ] && [ "$k" -le "$after" ] || fail "kept-as '$k' is not the time"
assert_json "$dir/rev.json" ".abandoned == [{\"disk\": \"vda\", \"path\": \"$dir/vda.$k\", \"allocated-bytes\": 0, \"overlay-of\": \"$k\", \"action\": \"removed\"}]"
assert_eq "$(st snapshot-parent web "$k")" s1 "parent of the kept snapshot"
assert_eq "$(pit_of web "$k" vda)" "$dir/vda.s1-1" "the kept snapshot's point in time"
assert_eq "$(overlay_of web "$k" vda)" "" "the kept snapshot's overlay"
[ ! -e "$dir/vda.$k" ] || fail "the kept snapshot's empty overlay stays"
assert_eq "$(st snapshot-current web --name)" s1 "current after --keep-current"
assert_eq "$(active_of web vda)" "$dir/vda.s1-2" "active after --keep-current"
# It can be reverted to: its content is the kept state.
st snapshot-revert web "$k" >/dev/null
assert_eq "$(_sum "$(active_of web vda)")" "$sum" "content after reverting to the kept snapshot"
left_behind web "after --keep-current"

# --discard-current: the layer goes with its data, and the output says so.
wr "$(active_of web vda)" 'write -P 0x13 3M 64K'
old=$(active_of web vda)
out=$(st snapshot-revert web s1 --discard-current)
assert_eq "$out" "Domain snapshot s1 reverted
Disk vda: discarded $old (65536 bytes written since the last snapshot)"
[ ! -e "$old" ] || fail "--discard-current left '$old'"
left_behind web "after --discard-current"
# Zeroes written are data too.
qemu-io -f qcow2 -c 'write -z 0 64K' "$(active_of web vda)" >/dev/null
assert_exit 1 st snapshot-revert web s1 2>"$dir/err"
assert_contains "$(cat "$dir/err")" "holds 65536 bytes"
st snapshot-revert web s1 --discard-current >/dev/null

# A user's own active file is never removed: --discard-current refused,
# an empty one stays.
img "$dir/base2.qcow2"
img "$dir/mine.qcow2" "$dir/base2.qcow2"
st define-as web2 --disk "vda=$dir/mine.qcow2" >/dev/null
redefine web2 p1 - 1 "vda=$dir/base2.qcow2:$dir/mine.qcow2"
out=$(st snapshot-revert web2 p1)
assert_contains "$out" "Disk vda: $dir/mine.qcow2 stays, as the overlay of snapshot p1"
active2=$(active_of web2 vda)
st undefine web2 --snapshots-metadata >/dev/null
st define-as web2 --disk "vda=$dir/mine.qcow2" >/dev/null
redefine web2 p1 - 1 "vda=$dir/base2.qcow2:$dir/other.qcow2"
assert_exit 1 st snapshot-revert web2 p1 --discard-current 2>"$dir/err"
assert_contains "$(cat "$dir/err")" "'$dir/mine.qcow2' was not made by strata"
out=$(st snapshot-revert web2 p1)
assert_contains "$out" "Disk vda: $dir/mine.qcow2 stays: strata did not make it"
[ -e "$dir/mine.qcow2" ] || fail "the user's file was removed"

# Live: --keep-current without --force is refused before the snapshot
# is made; with --force the state the clients wrote becomes the snapshot.
st=(st)
cleanup_fn strata_stop_all web
st --json start web >"$dir/start.json"
pid=$(jq -r .pid "$dir/start.json")
cleanup_fn stop_unless_dead "$pid"
qemu-io -f raw -c 'write -q -P 0x31 5M 64K' "nbd+unix:///vda?socket=$dir/run/web/nbd.sock"
n=$(names web)
assert_exit 1 st snapshot-revert web s1 --keep-current=live1 2>"$dir/err"
assert_contains "$(cat "$dir/err")" "domain 'web' is live"
assert_eq "$(names web)" "$n" "snapshots after the refused live revert"
live_top=$(active_of web vda)
st snapshot-revert web s1 --keep-current=live1 --force >"$dir/out"
assert_contains "$(cat "$dir/out")" "The state before the revert is snapshot live1"
assert_eq "$(pit_of web live1 vda)" "$live_top" "live1's point in time"
st stop web >/dev/null
wait_for_exit "$pid" 10
qemu-io -f qcow2 -r -c 'read -q -P 0x31 5M 64K' "$live_top" >/dev/null || fail "live1 lost the write"
left_behind web "after the live --keep-current"
echo ok
