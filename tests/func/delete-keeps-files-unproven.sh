#!/usr/bin/env bash
# group: qsd delete
# Unlinking fails closed: when some snapshot's metadata cannot be read,
# strata cannot prove that no snapshot uses a merged-away file, so the
# delete merges and rewrites metadata but keeps every file, and says so.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version

dir=$(mktempdir)
st() { "$STRATA" --state-dir "$dir/state" --run-dir "$dir/run" "$@"; }

qemu-img create -q -f qcow2 "$dir/vda.qcow2" 8M
qemu-io -f qcow2 -c 'write -P 0x11 0 2M' "$dir/vda.qcow2" >/dev/null
st define-as web --disk "vda=$dir/vda.qcow2" >/dev/null
st snapshot-create-as web s1 --disk-only >/dev/null
qemu-io -f qcow2 -c 'write -P 0x22 1M 64K' "$dir/vda.s1" >/dev/null
st snapshot-create-as web s2 --disk-only >/dev/null
st snapshot-create-as web s3 --disk-only >/dev/null
ls "$dir" | grep "^vda" >"$dir/files.before"

# s3's metadata becomes unreadable (it is skipped with a warning).
echo '<domainsnapshot><name>s3' >"$dir/state/web/snapshots/s3.xml"

st snapshot-delete web s1 >"$dir/out" 2>"$dir/err"
assert_contains "$(cat "$dir/err")" "cannot prove nothing uses it"
ls "$dir" | grep "^vda" >"$dir/files.after"
diff "$dir/files.before" "$dir/files.after" || fail "a file was unlinked although s3 could not be read"
st snapshot-list web --name >"$dir/names" 2>/dev/null
! grep -qx s1 "$dir/names" || fail "s1 is still listed"
echo ok
