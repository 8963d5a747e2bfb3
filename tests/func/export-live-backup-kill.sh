#!/usr/bin/env bash
# group: live export
# strata killed right after a live backup's job started, before its
# export was recorded: the job runs in the live QSD with nothing naming
# it.  'strata stop' cancels that job (saying so), stops the QSD and
# leaves no fleecing file; the guest's view is as before; a later start
# and live backup work.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/live-functions.sh"
set -euo pipefail
requires "$QEMU_IMG" --version
requires qemu-io --version
requires "$QSD" --version
requires jq --version

dir=$(mktempdir)
st=("$STRATA" --state-dir "$dir/state" --run-dir "$dir/run")
cleanup_fn strata_stop_all web

"$QEMU_IMG" create -q -f qcow2 "$dir/vda.qcow2" 16M
qemu-io -f qcow2 -c 'write -P 0x11 0 2M' "$dir/vda.qcow2" >/dev/null
"$QEMU_IMG" convert -O raw "$dir/vda.qcow2" "$dir/want.raw"
"${st[@]}" -q define-as web --disk "vda=$dir/vda.qcow2" >/dev/null
"${st[@]}" start web >/dev/null
rc=0; STRATA_TEST_CRASH=live-backup-started "${st[@]}" export web --live-backup >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 137 "strata killed after the backup job started"
"${st[@]}" --json status web | jq -e '[.jobs[] | select(.type == "backup")] | length == 1' >/dev/null ||
    fail "no backup job left by the killed strata: $("${st[@]}" --json status web)"
[ -n "$(find "$dir/run" -name 'backup-*.qcow2')" ] || fail "no fleecing file while the job runs"
"${st[@]}" stop web >/dev/null 2>"$dir/err" || fail "stop after the killed backup: $(cat "$dir/err")"
assert_contains "$(cat "$dir/err")" "cancelling backup job 'backup-"
[ -z "$(find "$dir/run" -name 'backup-*')" ] || fail "a fleecing file was left"
"$QEMU_IMG" compare -q -f qcow2 -F raw "$dir/vda.qcow2" "$dir/want.raw" || fail "the disk changed"
"${st[@]}" start web >/dev/null
"${st[@]}" export web --live-backup >/dev/null || fail "a live backup after the recovery"
"${st[@]}" export web --stop >/dev/null
"${st[@]}" stop web >/dev/null
