#!/usr/bin/env bash
# group: qsd api
# tests/api/bad-input.c: every API function with NULL and foreign
# handles, unknown flags, hostile names and out-of-range indexes fails
# with its code, and the state directory and the disk are unchanged by
# all of it.  Then a merge cancelled by its progress callback: the call
# fails with STRATA_ERR_JOB, every point keeps its content, and the
# same delete run again finishes it.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

bin=$builddir/tests/api/bad-input
[ -x "$bin" ] || fail "$bin not built"
export LD_LIBRARY_PATH=$builddir
dir=$(mktempdir)
qemu-img create -q -f qcow2 "$dir/vda.qcow2" 8M

# The program defines 'good' with snapshot s1, then only misuses.
state() { (cd "$dir" && find state -type f ! -name '*.lock' | sort | xargs md5sum; md5sum vda.*); }
"$bin" "$dir/state" "$dir/run" "$dir/vda.qcow2" >"$dir/out" || {
    cat "$dir/out"; fail "bad-input checks failed"; }
cat "$dir/out"
grep -q ' checks, 0 failed$' "$dir/out" || fail "no summary line"
n=$(awk '{ print $1 }' "$dir/out")
[ "$n" -gt 100 ] || fail "only $n checks ran"
st snapshot-list good --name | grep -qx s1 || fail "the setup snapshot is missing"
before=$(state)
"$bin" "$dir/state" "$dir/run" "$dir/vda.qcow2" >"$dir/out2" || {
    cat "$dir/out2"; fail "bad-input checks failed on the second run"; }
assert_eq "$(state)" "$before" "the state directory and disk after a run of misuse only"

# Cancel: 8 MiB in the base and 8 other MiB in s1's overlay, so that
# either merge copies 8 MiB; at 1 MiB/s, cancelled at the first
# progress report.
qemu-img create -q -f qcow2 "$dir/b.qcow2" 16M
wr "$dir/b.qcow2" 'write -P 0x11 0 8M'
st define-as c --disk "vda=$dir/b.qcow2" >/dev/null
st snapshot-create-as c s1 >/dev/null
wr "$(active_of c vda)" 'write -P 0x22 8M 8M'
st snapshot-create-as c s2 >/dev/null
views c >"$dir/views-before"
"$bin" --cancel "$dir/state" "$dir/run" c s1 >"$dir/cancel.out" || {
    cat "$dir/cancel.out"; fail "cancel test failed"; }
views c >"$dir/views-after"
same_views "$dir/views-before" "$dir/views-after"
grep -q '^s1 ' "$dir/views-after" || fail "s1 went although its delete was cancelled"
st snapshot-delete c s1 >/dev/null
views c >"$dir/views-done"
same_views "$dir/views-before" "$dir/views-done"
assert_eq "$(st snapshot-list c --name | sed '/^$/d')" s2 "snapshots after the finished delete"
