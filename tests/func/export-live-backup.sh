#!/usr/bin/env bash
# group: live export
# export --live-backup: a frozen, read-only view of a running disk while
# the guest's writes go on through its writable export (fleecing:
# blockdev-backup sync=none into a temporary qcow2 in the run
# directory).  The backup reads what the disk held when it began, the
# guest reads its new writes; --stop cancels the job and leaves the
# chain, the nodes and the files as they were.  Refused when the
# domain is not live and for a disk backed up already.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/live-functions.sh"
set -euo pipefail

requires "$QEMU_IMG" --version
requires qemu-io --version
requires "$QSD" --version
requires nbdcopy --version
requires jq --version

dir=$(mktempdir)
st=("$STRATA" --state-dir "$dir/state" --run-dir "$dir/run")
cleanup_fn strata_stop_all web
run=$dir/run/web
qmpdrive=$builddir/tests/tools/qmp-drive
nodes() { "$qmpdrive" -a "$run" exec query-named-block-nodes '{"flat": true}' | jq -r '.[]["node-name"]' | sort; }
chain() {
    "$QEMU_IMG" info -U --backing-chain --output=json "$1" |
        jq -c '[.[] | {filename, "backing-filename", "virtual-size"}]'
}
files() { (cd "$dir" && find run vd?.qcow2 vd?.s* -type f | sort); }

"$QEMU_IMG" create -q -f qcow2 "$dir/vda.qcow2" 16M
"$QEMU_IMG" create -q -f qcow2 "$dir/vdb.qcow2" 8M
"${st[@]}" -q define-as web --disk "vda=$dir/vda.qcow2" --disk "vdb=$dir/vdb.qcow2" >/dev/null
snap_offline web s1

# Not live: refused, and no export-only QSD started for it.
rc=0; "${st[@]}" export web --live-backup 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--live-backup on a domain that is not live"
assert_contains "$(cat "$dir/err")" "domain 'web' is not live: --live-backup freezes a running disk"
assert_contains "$(cat "$dir/err")" "strata start web"
[ ! -e "$run/export" ] || fail "a refused --live-backup left $run/export"
rc=0; "${st[@]}" export web --live-backup --snapshot s1 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--live-backup --snapshot"
assert_contains "$(cat "$dir/err")" "--live-backup goes with --disk only"

pid=$("${st[@]}" --json start web | jq -r .pid)
cleanup_fn kill -9 "$pid"
guest="nbd+unix:///vda?socket=$run/nbd.sock"
active=$("${st[@]}" --json domblklist web | jq -r '.disks[] | select(.target == "vda") | .source')
qemu-io -f raw -c 'write -P 0xaa 0 1M' -c 'write -P 0xa1 4M 64K' "$guest" >/dev/null   # A
nbdcopy "$guest" "$dir/a.raw"
chain "$active" >"$dir/chain.before"
nodes >"$dir/nodes.before"
files >"$dir/files.before"

"${st[@]}" --json export web --live-backup --disk vda >"$dir/exp.json"
assert_json "$dir/exp.json" '[.exports[].name] == ["vda@backup"]'
assert_json "$dir/exp.json" '.exports[0].writable == false'
backup=$(jq -r '.exports[0].uri' "$dir/exp.json")
assert_eq "$backup" "nbd+unix:///vda@backup?socket=$run/nbd.sock" "URI of the backup"
[ -f "$run/backup-vda.qcow2" ] || fail "no fleecing file in $run"
# B through the guest's view, over A and beside it.
qemu-io -f raw -c 'write -P 0xbb 0 512K' -c 'write -P 0xb2 8M 1M' "$guest" >/dev/null
nbdcopy "$backup" "$dir/backup.raw"
cmp "$dir/backup.raw" "$dir/a.raw" || fail "the backup does not read as the disk did when it began"
qemu-io -f raw -c 'read -P 0xbb 0 512K' -c 'read -P 0xaa 512K 512K' -c 'read -P 0xb2 8M 1M' \
    -c 'read -P 0xa1 4M 64K' "$guest" >"$dir/io" || fail "the guest's view: $(cat "$dir/io")"
rc=0; qemu-io -f raw -c 'write 0 64K' "$backup" >"$dir/err" 2>&1 || rc=$?
assert_contains "$(cat "$dir/err")" "ermission denied"

# Once per disk; the other disk may start its own.
rc=0; "${st[@]}" export web --live-backup 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "a second backup of vda"
assert_contains "$(cat "$dir/err")" "disk 'vda' of domain 'web' is being backed up already"
"${st[@]}" -q export web --live-backup --disk vdb >/dev/null
# 'strata stop' refuses while a backup runs, and says how to end it.
rc=0; "${st[@]}" stop web 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "stop during a live backup"
assert_contains "$(cat "$dir/err")" "strata export web --stop"

nbdcopy "$guest" "$dir/guest-before-stop.raw"
out=$("${st[@]}" export web --stop)
assert_eq "$out" "Removed export vda@backup
Removed export vdb@backup" "export --stop"
nbdcopy "$guest" "$dir/guest-after-stop.raw"
cmp "$dir/guest-before-stop.raw" "$dir/guest-after-stop.raw" || fail "the stop changed the guest's view"
assert_eq "$(chain "$active")" "$(cat "$dir/chain.before")" "the chain after the backup"
assert_eq "$(nodes)" "$(cat "$dir/nodes.before")" "the nodes after the backup"
assert_eq "$(files)" "$(cat "$dir/files.before")" "the files after the backup"
"$qmpdrive" -a "$run" exec query-jobs >"$dir/jobs.json"
assert_json "$dir/jobs.json" 'length == 0'
# The guest's writes still land in the active layer after the stop.
qemu-io -f raw -c 'write -P 0xcc 12M 64K' "$guest" >/dev/null
"${st[@]}" -q stop web
wait_for_exit "$pid" 10
qemu-io -f qcow2 -r -c 'read -P 0xcc 12M 64K' -c 'read -P 0xbb 0 512K' "$active" >"$dir/io" ||
    fail "the active layer after stop: $(cat "$dir/io")"

# The live QSD killed during a backup: the next command that finds it
# dead removes the fleecing file with the pid file and sockets.
pid=$("${st[@]}" --json start web | jq -r .pid)
cleanup_fn kill -9 "$pid"
"${st[@]}" -q export web --live-backup --disk vda >/dev/null
[ -f "$run/backup-vda.qcow2" ] || fail "no fleecing file in $run"
kill -9 "$pid"
wait_for_exit "$pid" 10
rc=0; "${st[@]}" status web >/dev/null || rc=$?
assert_eq "$rc" 2 "status after the QSD was killed"
[ ! -e "$run/backup-vda.qcow2" ] || fail "the killed QSD's fleecing file is left"
assert_eq "$(chain "$active")" "$(cat "$dir/chain.before")" "the chain after the killed backup"
