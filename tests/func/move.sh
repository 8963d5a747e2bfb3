#!/usr/bin/env bash
# group: qsd chain
# strata move: a three-snapshot two-branch domain (vda qcow2, vdb a
# sparse raw base) moved to another directory (hard links, old names
# unlinked after the commit), then to another file system (copies, holes
# kept), then back with --copy (originals kept and no longer strata's).
# Each time every point in time shows the same content, every backing
# string is relative, 'chain check' is clean with no orphan, and the
# record of created files names only files that are there.  Refused
# with every file and all metadata unchanged: a dry run, a live domain,
# a name clash, a missing or non-directory target, and ENOSPC on a small
# tmpfs in the middle of the copies (nothing left in the target).
# --disk moves one disk's files only.
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
cleanup_fn st -q stop web
mkdir "$dir/A" "$dir/B"
make_domain "$dir/A"
points >"$dir/points.ref"
[ "$(wc -l <"$dir/points.ref")" -ge 10 ] || fail "too few points: $(cat "$dir/points.ref")"
grep -q unreadable "$dir/points.ref" && fail "a point cannot be read: $(cat "$dir/points.ref")"
files_a=$(images "$dir/A")
# Every file but the two bases is one strata made.
rec_n=$(jq length "$dir/state/web/created")
assert_eq "$rec_n" 7 "files in the record of created files"

# unchanged WHAT: every image in A, and the state dir, as before.
sum_a() { (cd "$dir/A" && md5sum vd*); }
a_ref=$(sum_a)
state_ref=$(state_sum)
unchanged() {
    assert_eq "$(sum_a)" "$a_ref" "images after $1"
    assert_eq "$(state_sum)" "$state_ref" "state dir after $1"
    assert_eq "$(images "$dir/B")" "" "files in B after $1"
}
refuse() {   # refuse WHAT WANT ARGS...
    local what=$1 want=$2 rc=0
    shift 2
    st move web "$@" >"$dir/out" 2>"$dir/err" || rc=$?
    assert_eq "$rc" 1 "exit of move ($what)"
    assert_contains "$(cat "$dir/err")" "$want"
    unchanged "$what"
}

# A dry run: the plan, nothing written.
out=$(st move web --to "$dir/B" --dry-run)
assert_contains "$out" "$dir/A/vda.qcow2 -> $dir/B/vda.qcow2 (moved"
assert_contains "$out" "would move 9 files into $dir/B: 9 renamed, 0 copied"
unchanged "--dry-run"

refuse "missing dir" "target directory '$dir/nosuch': No such file or directory" --to "$dir/nosuch"
touch "$dir/plain"
refuse "not a directory" "target '$dir/plain' is not a directory" --to "$dir/plain"
echo user >"$dir/B/vda.s1"
rc=0; st move web --to "$dir/B" 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "exit of move (clash)"
assert_contains "$(cat "$dir/err")" "'$dir/B/vda.s1' exists: moving '$dir/A/vda.s1' there would replace it"
assert_eq "$(cat "$dir/B/vda.s1")" user "the clashing file"
rm "$dir/B/vda.s1"
unchanged "a clash"
st -q start web >/dev/null
refuse "live" "hint: 'strata stop web' first" --to "$dir/B"
st -q stop web

# Same file system: every file renamed (linked, old name unlinked).
st --json move web --to "$dir/B" >"$dir/move.json"
assert_json "$dir/move.json" '.["renamed-count"] == 9 and .["copied-count"] == 0 and (.files | all(.method == "rename"))'
assert_json "$dir/move.json" "(.files | map(.to) | all(startswith(\"$dir/B/\"))) and .bytes > 0"
checked_in "$dir/B" "a move in one file system"
assert_eq "$(images "$dir/A")" "" "files left in A"
# The record follows strata's own files (the overlays), not the bases.
assert_json "$dir/state/web/created" "map(.path) | all(startswith(\"$dir/B/\")) and length == $rec_n"

# Another file system: copies, holes kept, originals unlinked.
shm=$(mktemp -d /dev/shm/strata-move.XXXXXX)
cleanup_fn rm -rf "$shm"
st --json move web --to "$shm" >"$dir/move.json"
assert_json "$dir/move.json" '.["copied-count"] == 9 and (.files | all(.method == "copy" and (.["original-kept"] | not)))'
checked_in "$shm" "a move to another file system"
assert_eq "$(images "$dir/B")" "" "files left in B"
kib=$(du -k "$shm/vdb.raw" | cut -f1)
[ "$kib" -lt 4096 ] || fail "the 64 MiB sparse raw base takes $kib KiB after the copy"

# Back with --copy: the copies are the domain's, the originals stay.
shm_sum=$(cd "$shm" && md5sum vd*)
st move web --to "$dir/B" --copy >"$dir/out"
assert_contains "$(cat "$dir/out")" "(copied, "
checked_in "$dir/B" "a move back with --copy"
assert_eq "$(cd "$shm" && md5sum vd*)" "$shm_sum" "the originals kept by --copy"
# Nothing in the other file system is strata's any more.
assert_json "$dir/state/web/created" "map(.path) | all(startswith(\"$dir/B/\")) and length == $rec_n"
rm -rf "$shm"

# --disk: only that disk's files (in the domain and every snapshot).
mkdir "$dir/C"
st --json move web --to "$dir/C" --disk vdb >"$dir/move.json"
assert_json "$dir/move.json" '(.files | length) == 4 and (.files | all(.to | test("/vdb[.]")))'
assert_eq "$(images "$dir/C")" "vdb.raw vdb.s1 vdb.s1-1 vdb.s3 " "files in C after --disk vdb"
assert_eq "$(images "$dir/B")" "vda.qcow2 vda.s1 vda.s1-1 vda.s2 vda.s3 " "files in B after --disk vdb"
points >"$dir/points.now"
assert_eq "$(cat "$dir/points.now")" "$(cat "$dir/points.ref")" "points after --disk vdb"
st chain check web >"$dir/check" || fail "chain check after --disk vdb: $(cat "$dir/check")"
left_behind web "--disk vdb"
st -q move web --to "$dir/B" --disk vdb >/dev/null
checked_in "$dir/B" "vdb moved back"

# A layer whose backing file lies in another directory is copied even in
# one file system: linked, its rewritten header ('base.qcow2') would be
# shared with the old name, from whose directory that string leads
# nowhere until the commit.
mkdir "$dir/X" "$dir/Y" "$dir/Z"
qemu-img create -q -f qcow2 "$dir/Y/base.qcow2" 8M
wr "$dir/Y/base.qcow2" 'write -P 0x61 0 1M'
qemu-img create -q -f qcow2 -F qcow2 -b "$dir/Y/base.qcow2" "$dir/X/top.qcow2"
wr "$dir/X/top.qcow2" 'write -P 0x62 1M 1M'
qemu-img convert -O qcow2 "$dir/X/top.qcow2" "$dir/two.ref"
st -q define-as two --disk "vda=$dir/X/top.qcow2" >/dev/null
st --json move two --to "$dir/Z" >"$dir/move.json"
assert_json "$dir/move.json" '[.files[] | [(.to | split("/") | last), .method]] == [["top.qcow2", "copy"], ["base.qcow2", "rename"]]'
assert_same_content "$dir/Z/top.qcow2" "$dir/two.ref"
assert_eq "$(qemu-img info -U --output=json "$dir/Z/top.qcow2" | jq -r '.["backing-filename"]')" base.qcow2 "top's backing string"
assert_eq "$(ls -A "$dir/X" "$dir/Y" | grep -c qcow2 || true)" 0 "files left in X and Y"
st chain check two >"$dir/check" || fail "chain check two: $(cat "$dir/check")"

# ENOSPC: a 2 MiB tmpfs cannot hold the data (vda's base alone has
# 1 MiB, its overlays more).
small=$dir/small
mkdir "$small"
if ! mount -t tmpfs -o size=2M none "$small" 2>"$dir/err"; then
    echo "move.sh: cannot mount a small tmpfs ($(cat "$dir/err")); ENOSPC case skipped" >&2
    exit 0
fi
cleanup_fn umount "$small"
b_ref=$(cd "$dir/B" && md5sum vd*)
state_ref=$(state_sum)
rc=0; st move web --to "$small" 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "exit of move to a full file system"
cat "$dir/err" >&2
assert_contains "$(cat "$dir/err")" "No space left on device"
assert_contains "$(cat "$dir/err")" "hint: '$small' had "
assert_contains "$(cat "$dir/err")" " bytes free, and the files to copy take "
grep -q "cannot copy '$dir/B/vd[ab][^']*' to '$small/vd[ab]" "$dir/err" || fail "the error names no file: $(cat "$dir/err")"
assert_eq "$(cd "$dir/B" && md5sum vd*)" "$b_ref" "the originals after ENOSPC"
assert_eq "$(state_sum)" "$state_ref" "metadata after ENOSPC"
assert_eq "$(ls -A "$small")" "" "files left in the full file system"
[ ! -e "$dir/state/web/journal" ] || fail "journal left after ENOSPC: $(cat "$dir/state/web/journal")"
checked_in "$dir/B" "a refused move to a full file system"
