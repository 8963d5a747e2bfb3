#!/usr/bin/env bash
# group: qsd api live verify
# The API's snapshot-create-as, edit, live, export, digest and diff
# calls (through tests/api/client) give what the strata program gives:
# create-as with a disk left out and a named overlay, a rename by edit,
# digests equal to 'strata verify' (both algorithms), diff extents equal
# to 'strata diff', a digest cancelled from its progress callback
# (STRATA_ERR_JOB), an export whose URI reads the point's content and
# that 'strata status' sees until export-stop removes it with its QSD,
# and start/is-active/list/stop of a live domain; relative state and run
# directories (API and program).
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
source "$srcdir/tests/live-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires xmllint --version
requires jq --version

client=$builddir/tests/api/client
[ -x "$client" ] || fail "$client not built"
export LD_LIBRARY_PATH=$builddir
dir=$(mktempdir)
st=("$STRATA" --state-dir "$dir/state" --run-dir "$dir/run")
cleanup_fn strata_stop_all vm
c() { "$client" "$dir/state" "$dir/run" vm "$@"; }

qemu-img create -q -f qcow2 "$dir/vda.qcow2" 16M
qemu-img create -q -f qcow2 "$dir/vdb.qcow2" 16M
wr "$dir/vda.qcow2" 'write -P 0x11 0 4M'
wr "$dir/vdb.qcow2" 'write -P 0x22 0 4M'
st define-as vm --disk "vda=$dir/vda.qcow2" --disk "vdb=$dir/vdb.qcow2" >/dev/null

# create-as: both disks, then vdb left out and vda's overlay named.
assert_eq "$(c create-as s1)" s1 "create-as s1"
wr "$(active_of vm vda)" 'write -P 0x33 1M 1M'
wr "$(active_of vm vda)" 'write -P 0x44 8M 64K'
assert_eq "$(c create-as s2 "vda=$dir/vda-after-s2.qcow2" vdb=no)" s2 "create-as s2"
assert_eq "$(active_of vm vda)" "$dir/vda-after-s2.qcow2" "vda's named overlay"
st snapshot-dumpxml vm s2 | xmllint --xpath "//disk[@name='vdb']/@snapshot" - |
    grep -q '"no"' || fail "s2 did not leave vdb out"
st snapshot-dumpxml vm s2 | grep -q 'made by tests/api/client' || fail "s2 lost its description"
assert_exit 3 c create-as s1
wr "$(active_of vm vda)" 'write -P 0x55 12M 128K'

# Digests: the program's, for every point and both algorithms.
for s in s1 s2 -; do
    if [ "$s" = - ]; then
        want=$(st verify vm --disk vda | awk '{ print $1 }')
    else
        want=$(st verify vm --snapshot "$s" --disk vda | awk '{ print $1 }')
    fi
    assert_eq "$(c digest "$s" vda)" "$want" "digest of vda at $s"
done
[ "$(c digest s1 vda)" != "$(c digest - vda)" ] || fail "s1 and now have one digest"
assert_eq "$(c digest s1 vdb sha256)" "$(st verify vm --snapshot s1 --disk vdb --digest sha256-64k | awk '{ print $1 }')" \
    "sha256 digest of vdb at s1"
assert_exit 3 c digest s1 -                 # two disks: name one
c digest-cancel s1 vda | grep -q '^cancelled' || fail "digest not cancelled"

# Diffs: the program's, and nothing between a point and itself.
assert_eq "$(c diff s1 s2 vda)" "$(st diff vm s1 s2 --disk vda || true)" "diff s1 s2"
assert_eq "$(c diff s1 - vda)" "$(st diff vm s1 current --disk vda || true)" "diff s1 current"
[ -n "$(c diff s1 - vda)" ] || fail "diff s1 current found nothing"
assert_eq "$(c diff s2 s2 vda)" "" "diff s2 s2"
assert_exit 3 c diff s2 s1 vda              # the newer point first

# edit: rename s1 by its own XML with a new name; s2's parent follows.
st snapshot-dumpxml vm s1 | sed 's|<name>s1</name>|<name>first</name>|' >"$dir/s1.xml"
assert_exit 3 c edit s1 "$dir/s1.xml"       # a new name needs rename or clone
assert_eq "$(c edit s1 "$dir/s1.xml" rename)" first "edit rename"
assert_eq "$(st snapshot-list vm --name | sed '/^$/d' | sort | tr '\n' ' ')" "first s2 " \
    "snapshots after the rename"
assert_eq "$(st snapshot-parent vm s2)" first "s2's parent after the rename"

# Snapshot info: virsh snapshot-info's fields as the program prints
# them, plus the description and creation time of its --json.
for s in first s2; do
    c info "$s" >"$dir/info"
    assert_eq "$(sed '/^description /,$d' "$dir/info")" "$(st snapshot-info vm "$s")" "info of $s"
    st --json snapshot-info vm "$s" >"$dir/info.json"
    assert_eq "$(sed -n 's/^creation-time //p' "$dir/info")" "$(jq -r '."creation-time"' "$dir/info.json")" \
        "creation time of $s"
done
assert_eq "$(sed -n 's/^description //p' "$dir/info")" "made by tests/api/client" "s2's description"
grep -q '^Descendants: *1$' <(c info first) || fail "first has no descendant"
assert_exit 3 c info s9

# Exports outlive the call: read through the URI, seen by status, gone
# with their QSD on export-stop.
c export first vda >"$dir/exports"
read -r name mode uri <"$dir/exports"
assert_eq "$name $mode" "vda@first read-only" "the export"
"$QEMU_IMG" compare -U -f raw -F qcow2 "$uri" "$dir/vda.qcow2" >/dev/null ||
    fail "the export does not read as vda at 'first'"
{ st status vm || true; } | grep -q 'vda@first' || fail "status does not list the export"
assert_eq "$(c exports | awk '{ print $1 }')" vda@first "exports listed"
assert_eq "$(c export-stop - -)" 1 "exports removed"
assert_eq "$(c exports)" "" "exports after stop"
[ ! -e "$dir/run/vm/export/qsd.pid" ] || fail "the export-only QSD was left"
assert_exit 3 c export-stop - -

# Live: start, active, the writable exports, stop.
assert_eq "$(c active)" 0 "active before start"
c start
assert_eq "$(c active)" 1 "active after start"
st status vm >/dev/null || fail "status does not see the domain started through the API"
assert_eq "$(c exports | awk '$2 == "writable" { print $1 }' | sort | tr '\n' ' ')" "vda vdb " \
    "writable exports of the live domain"
assert_exit 3 c start
# Jobs: none; then the one a strata killed during a live delete leaves
# waiting in the daemon, as status lists it, until the same delete
# adopts and finishes it.
assert_eq "$(c jobs)" "" "jobs of an idle live domain"
c create-as s3 >/dev/null
qemu-io -f raw -c 'write -P 0x78 4M 2M' "$(c exports | awk '$1 == "vda" { print $3 }')" >/dev/null
rc=0; STRATA_TEST_CRASH=delete-job-running st snapshot-delete vm s3 --speed 262144 2>/dev/null || rc=$?
assert_eq "$rc" 137 "strata killed during the job"
# (the status may move on between the two calls: compare id and type)
st --json status vm | jq -r '.jobs[] | "\(.id) \(.type)"' >"$dir/jobs.want"
[ -s "$dir/jobs.want" ] || fail "status lists no job"
c jobs >"$dir/jobs"
assert_eq "$(awk '{ print $1, $2 }' "$dir/jobs")" "$(cat "$dir/jobs.want")" "jobs of the live domain"
grep -Eq '^strata-delete-0 (commit|stream) (running|pending|concluded)$' "$dir/jobs" ||
    fail "the job as the API lists it: $(cat "$dir/jobs")"
st snapshot-delete vm s3 >/dev/null
assert_eq "$(c jobs)" "" "jobs after the delete finished"
c stop
assert_eq "$(c jobs)" "" "jobs of a domain that is not live"
assert_eq "$(c active)" 0 "active after stop"
assert_exit 3 c stop

# Relative directories are made absolute when a connection opens (and
# by the program): a daemonized QSD runs in /, and the export's socket
# path must name the run directory whole.
(cd "$dir" && "$client" state run vm export - vda) >"$dir/rel" ||
    fail "API export with relative directories"
grep -q "socket=$dir/run/vm/export/nbd.sock\$" "$dir/rel" || fail "API export URI: $(cat "$dir/rel")"
assert_eq "$(cd "$dir" && "$client" state run vm export-stop - -)" 1 "API export-stop, relative"
(cd "$dir" && "$STRATA" --state-dir state --run-dir run export vm --disk vda) >"$dir/rel" ||
    fail "export with relative directories"
grep -q "socket=$dir/run/vm/export/nbd.sock\$" "$dir/rel" || fail "export URI: $(cat "$dir/rel")"
(cd "$dir" && "$STRATA" --state-dir state --run-dir run export vm --stop) >/dev/null

# strata_snapshot_revert()'s choices for the active layer it leaves: by
# default it stays; CHECK_CURRENT refuses to leave data no snapshot
# names (nothing changes); KEEP_CURRENT makes it a snapshot first;
# DISCARD_CURRENT removes it.
"$client" "$dir/state" "$dir/run" vm revert first
unnamed=$(active_of vm vda)
wr "$unnamed" 'write -P 0x66 2M 64K'
before=$(st snapshot-list vm --name | sed '/^$/d' | sort | tr '\n' ' ')
rc=0; "$client" "$dir/state" "$dir/run" vm revert first check 2>"$dir/err" || rc=$?
assert_eq "$rc" 3 "revert CHECK_CURRENT with unnamed data"
assert_contains "$(cat "$dir/err")" "error conflict: disk 'vda': the active layer '$unnamed'"
assert_eq "$(active_of vm vda)" "$unnamed" "the active layer after the refused revert"
"$client" "$dir/state" "$dir/run" vm revert first keep
assert_eq "$(st snapshot-list vm --name | sed '/^$/d' | wc -l)" $(( $(wc -w <<<"$before") + 1 )) \
    "snapshots after KEEP_CURRENT"
[ -e "$unnamed" ] || fail "KEEP_CURRENT removed the data it was to keep"
unnamed=$(active_of vm vda)
wr "$unnamed" 'write -P 0x77 2M 64K'
"$client" "$dir/state" "$dir/run" vm revert first discard
[ ! -e "$unnamed" ] || fail "DISCARD_CURRENT left '$unnamed'"
