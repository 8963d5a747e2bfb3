#!/usr/bin/env bash
# group: qsd chain
# strata move refuses what it cannot move without breaking something,
# and changes nothing then: a base another domain's chain goes through,
# a file another disk of the domain uses (--disk), a snapshot file it
# cannot read (the files it names are unknown); and while a move is
# interrupted, 'strata start' is refused (a guest writing into a file
# the recover then unlinks would lose its writes), and recover settles
# the move; a file put in place of a staged one is neither rewritten nor
# adopted by the recover.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version

dir=$(mktempdir)
source "$srcdir/tests/delete-functions.sh"
mkdir "$dir/A" "$dir/B" "$dir/T"
cleanup_fn kill_orphan_qsds
state_sum() { find "$dir/state" -type f ! -name lock -exec md5sum {} + | sort; }
files_sum() { find "$dir/A" "$dir/B" "$dir/T" -type f -exec md5sum {} + | sort; }
refused() {     # refused WHAT TEXT CMD...: exit 1, TEXT said, nothing changed
    local what=$1 text=$2 rc=0
    shift 2
    state_sum >"$dir/state.before"; files_sum >"$dir/files.before"
    "$@" >/dev/null 2>"$dir/err" || rc=$?
    assert_eq "$rc" 1 "$what"
    assert_contains "$(cat "$dir/err")" "$text"
    state_sum | cmp -s - "$dir/state.before" || fail "$what changed the state dir"
    files_sum | cmp -s - "$dir/files.before" || fail "$what changed an image"
}

# Two domains on one base: moving either would unlink or rewrite it.
img "$dir/T/base.qcow2"; wr "$dir/T/base.qcow2" 'write -P 0x11 0 1M'
img "$dir/A/web.qcow2" "$dir/T/base.qcow2"
img "$dir/A/app.qcow2" "$dir/T/base.qcow2"
st define-as web --disk "vda=$dir/A/web.qcow2" >/dev/null
st define-as app --disk "vda=$dir/A/app.qcow2" >/dev/null
refused "move of a domain sharing its base" \
    "'$dir/T/base.qcow2' is also in the chains of domain 'app'" st move web --to "$dir/B"
st undefine app >/dev/null

# --disk: vdb's chain goes through a file vda's chain has too.
st undefine web >/dev/null
img "$dir/A/vdb.qcow2" "$dir/T/base.qcow2"
st define-as web --disk "vda=$dir/A/web.qcow2" --disk "vdb=$dir/A/vdb.qcow2" >/dev/null
refused "move of one disk sharing a file with another" \
    "'$dir/T/base.qcow2' is also in the chains of disk 'vdb'" st move web --to "$dir/B" --disk vda

# An unreadable snapshot file: what it names is unknown.
st undefine web >/dev/null
rm "$dir/A/vdb.qcow2"
st define-as web --disk "vda=$dir/A/web.qcow2" >/dev/null
st snapshot-create-as web s1 --disk-only >/dev/null
echo 'garbage' >>"$dir/state/web/snapshots/s1.xml"
refused "move with an unreadable snapshot file" "snapshot file(s) cannot be read" \
    st move web --to "$dir/B"
st snapshot-delete web s1 --metadata >/dev/null 2>&1 || rm -f "$dir/state/web/snapshots/s1.xml"

# Interrupted between staging and commit: no 'start' until recover.
rc=0; STRATA_TEST_CRASH=move-staged st move web --to "$dir/B" >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 137 "strata killed at move-staged"
[ -e "$dir/state/web/journal" ] || fail "no journal after the crash"
rc=0; st start web >/dev/null 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "start with a move pending"
assert_contains "$(cat "$dir/err")" "interrupted"
[ ! -e "$dir/run/web/live/qsd.pid" ] || fail "a QSD was started"
# A file put in place of a staged one is not rewritten nor adopted.
mv "$dir/B/web.s1" "$dir/web.s1.staged"
img "$dir/B/web.s1"
rc=0; st recover web >/dev/null 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "recover with a user's file at a staged name"
assert_contains "$(cat "$dir/err")" "'$dir/B/web.s1' is not the file this move made for '$dir/A/web.s1'"
assert_eq "$(active_of web vda)" "$dir/A/web.s1" "vda while the move waits"
[ -e "$dir/A/web.s1" ] || fail "the original went"
rm "$dir/B/web.s1"
mv "$dir/web.s1.staged" "$dir/B/web.s1"
st recover web >/dev/null
[ ! -e "$dir/state/web/journal" ] || fail "recover left the journal"
assert_eq "$(active_of web vda)" "$dir/B/web.s1" "vda after the recovered move"
[ ! -e "$dir/A/web.s1" ] && [ -e "$dir/B/web.qcow2" ] || fail "the recovered move left files behind"
no_qsd_left
