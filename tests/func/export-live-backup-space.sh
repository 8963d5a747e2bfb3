#!/usr/bin/env bash
# group: live export
# export --live-backup copies old data into a temporary file in the run
# directory before each guest write, and a copy that fails fails the
# guest's write: with a run directory that cannot hold the disk (a
# 4 MiB tmpfs for a 16 MiB disk) the backup is refused, naming the
# directory and both sizes, and nothing is left; the live domain goes on.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/live-functions.sh"
set -euo pipefail
requires "$QEMU_IMG" --version
requires "$QSD" --version
requires jq --version

dir=$(mktempdir)
mkdir "$dir/run"
if ! mount -t tmpfs -o size=4M none "$dir/run" 2>"$dir/err"; then
    echo "export-live-backup-space.sh: cannot mount a small tmpfs ($(cat "$dir/err")); skipped" >&2
    exit 0
fi
cleanup_fn umount "$dir/run"
st=("$STRATA" --state-dir "$dir/state" --run-dir "$dir/run")
cleanup_fn strata_stop_all web

"$QEMU_IMG" create -q -f qcow2 "$dir/vda.qcow2" 16M
"${st[@]}" -q define-as web --disk "vda=$dir/vda.qcow2" >/dev/null
"${st[@]}" start web >/dev/null
rc=0; "${st[@]}" export web --live-backup 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--live-backup into a run directory smaller than the disk"
assert_contains "$(cat "$dir/err")" "disk 'vda': the run directory '$dir/run/web' has"
assert_contains "$(cat "$dir/err")" "less than the disk's 16777216"
[ -z "$(find "$dir/run" -name 'backup-*')" ] || fail "a temporary file was left"
"${st[@]}" --json status web | jq -e '.jobs == [] and (.exports | length) == 1' >/dev/null ||
    fail "the live domain after the refusal: $("${st[@]}" --json status web)"
"${st[@]}" stop web >/dev/null
