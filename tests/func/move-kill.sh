#!/usr/bin/env bash
# group: qsd chain
# strata move killed with SIGKILL at each of its steps (crash points,
# and right after QSD's first block-stream of the header rewrite), in
# one file system (links) and to another (copies): at every crash every
# file metadata names exists, and 'strata recover' settles the move,
# back before the files are staged and forward after, so that the
# domain is whole in one directory with every point's content as
# before, nothing left in the other, chain check clean and no QSD left.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires "$QSD" --version
requires "$QEMU_IMG" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

dir=$(mktempdir)
source "$srcdir/tests/delete-functions.sh"
source "$srcdir/tests/move-functions.sh"
mkdir "$dir/A" "$dir/B"
make_domain "$dir/A"
points >"$dir/points.ref"
files_a=$(images "$dir/A")
shm=$(mktemp -d /dev/shm/strata-move-kill.XXXXXX)
cleanup_fn rm -rf "$shm"
cleanup_fn kill_orphan_qsds

here=$dir/A
# case AT TO BACK: kill the move from $here to TO at AT; recover must
# roll back (BACK=1: the domain stays in $here) or forward.
case_at() {
    local at=$1 to=$2 back=$3 rc=0 want what="crash at $1 moving to $2"
    STRATA_TEST_CRASH=$at st -q move web --to "$to" >/dev/null 2>"$dir/err" || rc=$?
    assert_eq "$rc" 137 "$what: exit ($(cat "$dir/err"))"
    kill_orphan_qsds
    [ -e "$dir/state/web/journal" ] || fail "$what: no journal"
    all_named_exist "$what"
    rc=0; st move web --to "$to" 2>"$dir/err" || rc=$?
    assert_eq "$rc" 1 "$what: a second move before recover"
    assert_contains "$(cat "$dir/err")" "run 'strata recover web'"
    st --json recover web >"$dir/rec.json"
    if [ "$back" = 1 ]; then want=rolled-back; else want=rolled-forward; fi
    assert_json "$dir/rec.json" ".operation == \"move\" and .action == \"$want\""
    [ ! -e "$dir/state/web/journal" ] || fail "$what: journal left after recover"
    [ "$back" = 1 ] || here=$to
    checked_in "$here" "$what"
    for d in "$dir/A" "$dir/B" "$shm"; do
        [ "$d" = "$here" ] || assert_eq "$(images "$d")" "" "$what: files left in $d"
    done
    what="$what" no_qsd_left
    assert_eq "$(st recover web)" "Domain web has no interrupted operation"
}
other() { if [ "$here" = "$dir/B" ]; then echo "$shm"; else echo "$dir/B"; fi; }

# The first move rewrites the absolute strings snapshot-create wrote
# (later ones find them relative and rewrite nothing): killed in the
# middle of that, right after QSD's first block-stream.
case_at after:block-stream "$dir/B" 0
# Across file systems (copies), each point once each way.
for at in move-planned move-claimed move-copied-one; do
    case_at "$at" "$(other)" 1
done
for at in move-staged move-rebased move-metadata-part move-metadata \
          move-committed move-unlinking; do
    case_at "$at" "$(other)" 0
done
# In one file system (links): move between A and B.
[ "$here" = "$dir/B" ] || { st -q move web --to "$dir/B" >/dev/null; here=$dir/B; }
other() { if [ "$here" = "$dir/B" ]; then echo "$dir/A"; else echo "$dir/B"; fi; }
for at in move-planned move-claimed; do
    case_at "$at" "$(other)" 1
done
for at in move-staged move-rebased move-metadata-part move-metadata \
          move-committed move-unlinking; do
    case_at "$at" "$(other)" 0
done
