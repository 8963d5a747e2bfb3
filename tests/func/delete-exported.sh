#!/usr/bin/env bash
# group: qsd delete
# A delete whose files an export-only QSD ('strata export --snapshot')
# holds open is refused before anything changes: the message names the
# exported snapshot, the QSD's pid and the file, the hint says how to
# stop it, and no journal is left.  Once the export is stopped the same
# delete goes through.  The same on a live domain, whose QSD serves the
# point-in-time export: its clients would otherwise read a file strata
# unlinked (and 'status' went on listing it).
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires xmllint --version

dir=$(mktempdir)
img "$dir/vda.qcow2"; wr "$dir/vda.qcow2" 'write -P 0x11 0 1M'
st define-as web --disk "vda=$dir/vda.qcow2" >/dev/null
st snapshot-create-as web s1 >/dev/null
wr "$(active_of web vda)" 'write -P 0x22 0 2M'
st snapshot-create-as web s2 >/dev/null
st snapshot-create-as web s3 >/dev/null
views web >"$dir/before"

st export web --snapshot s2 >/dev/null
pid=$(cat "$dir/run/web/export/qsd.pid")
cleanup_fn stop_pid "$pid"
for s in s2 s1; do
    rc=0; st snapshot-delete web "$s" 2>"$dir/err" || rc=$?
    assert_eq "$rc" 1 "delete of $s while s2 is exported"
    assert_contains "$(cat "$dir/err")" "snapshot 's2' is exported by pid $pid, which holds '$dir/vda.s1' open"
    assert_contains "$(cat "$dir/err")" "'strata export web --snapshot s2 --stop' first"
    ! grep -q 'lock' "$dir/err" || fail "QMP's lock error shown: $(cat "$dir/err")"
    [ ! -e "$dir/state/web/journal" ] || fail "journal left by a refused delete"
done
assert_eq "$(names web)" "s1 s2 s3" "snapshots after the refusals"

st export web --stop >/dev/null
wait_for_exit "$pid" 10
assert_eq "$(st snapshot-delete web s2 | sed -n 1p)" "Domain snapshot s2 deleted"
views web >"$dir/after"
same_views "$dir/before" "$dir/after"

# Live: the live QSD exports s3; deleting s3 (its point in time would
# be merged away) is refused, naming the live QSD; deleting s4, taken
# live above it, whose merge leaves s3's file alone, goes through and
# the export still reads as s3.
source "$srcdir/tests/live-functions.sh"
st=("$STRATA" --state-dir "$dir/state" --run-dir "$dir/run")
cleanup_fn strata_stop_all web
st start web >/dev/null
live=$(cat "$dir/run/web/qsd.pid")
st export web --snapshot s3 >"$dir/exp"
uri=$(awk '{ print $2 }' "$dir/exp")
pit3=$(pit_of web s3 vda)
st snapshot-create-as web s4 >/dev/null
views web >"$dir/before-live"
rc=0; st snapshot-delete web s3 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "live delete of s3 while it is exported"
assert_contains "$(cat "$dir/err")" "snapshot 's3' is exported by the live QSD of the domain, pid $live"
assert_contains "$(cat "$dir/err")" "'strata export web --snapshot s3 --stop' first"
[ ! -e "$dir/state/web/journal" ] || fail "journal left by a refused live delete"
{ st status web || true; } | grep -q 'vda@s3' || fail "the export went although the delete was refused"
assert_eq "$(st snapshot-delete web s4 | sed -n 1p)" "Domain snapshot s4 deleted"
"$QEMU_IMG" compare -U -f raw -F qcow2 "$uri" "$pit3" >/dev/null ||
    fail "the export of s3 changed with the delete of s4"
st export web --snapshot s3 --stop >/dev/null
assert_eq "$(st snapshot-delete web s3 | sed -n 1p)" "Domain snapshot s3 deleted"
views web >"$dir/after-live"
same_views "$dir/before-live" "$dir/after-live"
st stop web >/dev/null
echo ok
