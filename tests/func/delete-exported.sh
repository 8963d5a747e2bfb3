#!/usr/bin/env bash
# group: qsd delete
# A delete whose files an export-only QSD ('strata export --snapshot')
# holds open is refused before anything changes: the message names the
# exported snapshot, the QSD's pid and the file, the hint says how to
# stop it, and no journal is left.  Once the export is stopped the same
# delete goes through.
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
    assert_contains "$(cat "$dir/err")" "hint: stop it with 'strata export web --stop'"
    ! grep -q 'lock' "$dir/err" || fail "QMP's lock error shown: $(cat "$dir/err")"
    [ ! -e "$dir/state/web/journal" ] || fail "journal left by a refused delete"
done
assert_eq "$(names web)" "s1 s2 s3" "snapshots after the refusals"

st export web --stop >/dev/null
wait_for_exit "$pid" 10
assert_eq "$(st snapshot-delete web s2)" "Domain snapshot s2 deleted"
views web >"$dir/after"
same_views "$dir/before" "$dir/after"
echo ok
