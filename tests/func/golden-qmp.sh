#!/usr/bin/env bash
# group: qsd snapshot delete
# The QMP commands strata sends for snapshot-create (a transient QSD:
# open the chain, create the overlay, one transaction) and for a
# snapshot-delete that commits, against golden transcripts in
# tests/data/golden/qmp/ (qmp_transcript in tests/functions.sh: no ids,
# no query-jobs polls, paths as DIR, node names numbered).  A change in
# what strata asks of QEMU shows here as a diff to review.
# STRATA_UPDATE_GOLDEN=1 regenerates them.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires perl -v

dir=$(mktempdir)
"$QEMU_IMG" create -q -f qcow2 "$dir/vda.qcow2" 16M
wr "$dir/vda.qcow2" 'write -P 0x11 0 4M'
st define-as vm --disk "vda=$dir/vda.qcow2" >/dev/null

STRATA_DEBUG=1 st snapshot-create-as vm s1 >/dev/null 2>"$dir/create.log"
qmp_transcript "$dir" <"$dir/create.log" >"$dir/create.txt"
golden qmp/snapshot-create.txt "$dir/create.txt"

# s1's layer holds 1 MiB, the base 4 MiB: deleting s1 commits its layer
# (the written MiB) into the base.
wr "$(active_of vm vda)" 'write -P 0x22 1M 1M'
st snapshot-create-as vm s2 >/dev/null
STRATA_DEBUG=1 st snapshot-delete vm s1 >/dev/null 2>"$dir/delete.log"
qmp_transcript "$dir" <"$dir/delete.log" >"$dir/delete.txt"
grep -q '"execute":"block-commit"' "$dir/delete.txt" || fail "the delete did not commit"
golden qmp/snapshot-delete-commit.txt "$dir/delete.txt"
