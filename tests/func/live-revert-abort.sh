#!/usr/bin/env bash
# group: qsd live snapshot
# A live revert that fails half-way (the second disk's point in time is
# corrupt) leaves the live QSD's graph as it found it: the nodes it
# opened for the first disk's point in time are closed again, not left
# holding files open until 'strata stop'.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/live-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires "$QEMU_IMG" --version
requires jq --version

dir=$(mktempdir)
st=("$STRATA" -q --state-dir "$dir/state" --run-dir "$dir/run")
cleanup_fn strata_stop_all web
"$QEMU_IMG" create -q -f qcow2 "$dir/vda.qcow2" 8M
"$QEMU_IMG" create -q -f qcow2 "$dir/vdb.qcow2" 4M
"${st[@]}" define-as web --disk "vda=$dir/vda.qcow2" --disk "vdb=$dir/vdb.qcow2" >/dev/null
# s1, s2 and a revert to s1 while offline; then start: the live QSD holds
# only the active chains, so reverting to s2 must open the files that
# were active when s2 was taken (vda.s1, vdb.s1).
"${st[@]}" snapshot-create-as web s1 --disk-only
"${st[@]}" snapshot-create-as web s2 --disk-only
"${st[@]}" snapshot-revert web s1
"${st[@]}" --json start web >"$dir/start.json"
cleanup_fn kill -9 "$(jq -r .pid "$dir/start.json")"

# nodes: the nodes the live QSD holds, sorted.
nodes() { "$builddir/tests/tools/qmp-drive" -a "$dir/run/web" graph | sort; }

before=$(nodes)
grep -q 'driver=file' <<<"$before" || fail "no file nodes read from the live QSD"
"$builddir/tests/tools/qcow2-poke" "$dir/vdb.s1" incompatible_features 0x2    # corrupt

rc=0; STRATA_DEBUG=1 "${st[@]}" snapshot-revert web s2 --force 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "revert onto a corrupt point in time"
assert_contains "$(cat "$dir/err")" "vdb"
# The failure came after vda's point in time was opened (else this test
# proves nothing).
grep -q "opened 1 layer(s) of '$dir/vda.s1'" "$dir/err" ||
    fail "the revert did not open vda.s1 before failing: $(grep -v debug "$dir/err")"
after=$(nodes)
[ "$before" = "$after" ] || fail "the live graph changed: before:
$before
after:
$after"
[ ! -e "$dir/state/web/journal" ] || fail "journal left after an aborted revert"
assert_eq "$("${st[@]}" snapshot-current web --name)" s1
echo "graph unchanged"
