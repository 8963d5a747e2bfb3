#!/usr/bin/env bash
# group: qsd snapshot
# An interrupted snapshot-create or snapshot-revert (strata killed with
# SIGKILL at a crash point) leaves DOMAIN/journal; other mutating
# commands are refused with a message naming it; 'strata recover' rolls
# back before the switch (the new overlays go, nothing else changed)
# and forward after it (the metadata the journal holds is written).
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires "$QSD" --version
requires "$QEMU_IMG" --version
requires jq --version

dir=$(mktempdir)
st=("$STRATA" -q --state-dir "$dir/state" --run-dir "$dir/run")
"$QEMU_IMG" create -q -f qcow2 "$dir/vda.qcow2" 4M
"$QEMU_IMG" create -q -f qcow2 "$dir/vdb.qcow2" 4M
"${st[@]}" define-as web --disk "vda=$dir/vda.qcow2" --disk "vdb=$dir/vdb.qcow2" >/dev/null
blk() { "${st[@]}" domblklist web | awk 'NR > 2 && NF { print $1 "=" $2 }' | tr '\n' ' '; }

dead_or_zombie() {
    ! kill -0 "$1" 2>/dev/null || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}
# crash AT CMD...: run a strata command that dies at crash point AT,
# and make sure its transient QSD is gone too (as after a power cut; it
# also goes by itself, PR_SET_PDEATHSIG, and may remove its pid file
# while this looks).
crash() {
    local at=$1 rc=0 pidf pid
    shift
    STRATA_TEST_CRASH=$at "${st[@]}" "$@" >/dev/null 2>&1 || rc=$?
    assert_eq "$rc" 137 "strata at crash point $at"
    for pidf in "$dir"/run/op-*/qsd.pid; do
        pid=$(cat "$pidf" 2>/dev/null) || continue
        [ -n "$pid" ] || continue
        kill -9 "$pid" 2>/dev/null || true
        # Its parent is gone, so it may stay a zombie until init reaps it.
        _wait_until 10 "QSD to die" dead_or_zombie "$pid"
        rm -rf "$(dirname "$pidf")"
    done
    [ -e "$dir/state/web/journal" ] || fail "no journal after a crash at $at"
}
phase() { jq -r .phase "$dir/state/web/journal"; }

assert_eq "$("${st[@]}" recover web)" "Domain web has no interrupted operation"

# Before the switch: rolled back.
crash create-overlays snapshot-create-as web s1
assert_eq "$(phase)" planned
[ -e "$dir/vda.s1" ] && [ -e "$dir/vdb.s1" ] || fail "overlays not made before the crash point"
rc=0; "${st[@]}" snapshot-create-as web s9 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "create with a pending journal"
assert_contains "$(cat "$dir/err")" "domain 'web' has an interrupted snapshot-create of 's1' (phase 'planned')"
assert_contains "$(cat "$dir/err")" "hint: run 'strata recover web' to finish or roll it back"
rc=0; "${st[@]}" snapshot-revert web s1 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "revert with a pending journal"
"${st[@]}" --json recover web >"$dir/out"
assert_json "$dir/out" '.action == "rolled-back" and .operation == "snapshot-create" and (."removed-files" | length) == 2'
[ ! -e "$dir/vda.s1" ] && [ ! -e "$dir/vdb.s1" ] || fail "overlays left after roll-back"
[ ! -e "$dir/state/web/journal" ] || fail "journal left after roll-back"
assert_eq "$(blk)" "vda=$dir/vda.qcow2 vdb=$dir/vdb.qcow2 " "domain after roll-back"
assert_eq "$("${st[@]}" snapshot-list web --name)" "" "snapshots after roll-back"

# A crash after strata created the files (empty, O_EXCL) but before it
# journalled their identities: recover removes them, as empty files are
# all it could have made by then.
crash create-claimed snapshot-create-as web s1
[ -e "$dir/vda.s1" ] && [ ! -s "$dir/vda.s1" ] || fail "claimed overlay missing or not empty"
jq -e 'has("created-ids") | not' "$dir/state/web/journal" >/dev/null ||
    fail "identities journalled before the crash point"
"${st[@]}" --json recover web >"$dir/out"
assert_json "$dir/out" '.action == "rolled-back" and (."removed-files" | length) == 2 and ."kept-files" == []'
[ ! -e "$dir/vda.s1" ] && [ ! -e "$dir/vdb.s1" ] || fail "claimed files left after roll-back"

# A file the user puts at a journalled name after a crash is not the one
# strata made: recover keeps it (even an empty one: the journal holds
# the identity of strata's file), says so, and removes the rest.
for content in "user data" ""; do
    crash create-overlays snapshot-create-as web s1
    jq -e '."created-ids" | length == 2' "$dir/state/web/journal" >/dev/null ||
        fail "identities not journalled: $(cat "$dir/state/web/journal")"
    rm "$dir/vda.s1"
    printf '%s' "$content" >"$dir/vda.s1"
    "$STRATA" --state-dir "$dir/state" --run-dir "$dir/run" --json recover web >"$dir/out" 2>"$dir/err"
    jq -e --arg a "$dir/vda.s1" --arg b "$dir/vdb.s1" \
        '.action == "rolled-back" and ."removed-files" == [$b] and ."kept-files" == [$a]' \
        "$dir/out" >/dev/null || fail "recover with a user's file at a journalled name: $(cat "$dir/out")"
    assert_contains "$(cat "$dir/err")" "'$dir/vda.s1' is not the file the interrupted operation created"
    assert_eq "$(cat "$dir/vda.s1")" "$content" "the user's file"
    [ ! -e "$dir/vdb.s1" ] || fail "strata's own overlay left"
    [ ! -e "$dir/state/web/journal" ] || fail "journal left"
    rm "$dir/vda.s1"
done

# After the switch: rolled forward.
crash create-switched snapshot-create-as web s1 "desc"
assert_eq "$(phase)" switched
out=$("${st[@]}" recover web)
assert_eq "$out" "Domain web: interrupted snapshot-create of 's1' (phase switched) rolled forward"
assert_eq "$(blk)" "vda=$dir/vda.s1 vdb=$dir/vdb.s1 " "domain after roll-forward"
assert_eq "$("${st[@]}" snapshot-current web --name)" s1
"${st[@]}" snapshot-dumpxml web s1 | grep -q "<description>desc</description>" || fail "s1 XML"

# Between snapshot XML and domain XML: the snapshot is there, the domain
# is not repointed yet; recover finishes it.
crash create-snapshot-xml snapshot-create-as web s2
assert_eq "$(blk)" "vda=$dir/vda.s1 vdb=$dir/vdb.s1 " "domain before recover"
"${st[@]}" recover web >/dev/null
assert_eq "$(blk)" "vda=$dir/vda.s2 vdb=$dir/vdb.s2 " "domain after recover"
assert_eq "$("${st[@]}" snapshot-current web --name)" s2
grep -c '<active>1</active>' "$dir"/state/web/snapshots/*.xml | grep -c ':1' | grep -qx 1 ||
    fail "more than one snapshot marked current"

# Revert, before the switch: the new overlays go.
crash revert-overlays snapshot-revert web s1
[ -e "$dir/vda.s1-1" ] || fail "revert overlay not made before the crash point"
out=$("${st[@]}" --json recover web)
jq -e '.action == "rolled-back" and .operation == "snapshot-revert"' <<<"$out" >/dev/null ||
    fail "revert roll-back: $out"
[ ! -e "$dir/vda.s1-1" ] && [ ! -e "$dir/vdb.s1-1" ] || fail "revert overlays left"
assert_eq "$(blk)" "vda=$dir/vda.s2 vdb=$dir/vdb.s2 " "domain after revert roll-back"
assert_eq "$("${st[@]}" snapshot-current web --name)" s2

# Revert, after the switch: finished.
crash revert-switched snapshot-revert web s1
"${st[@]}" recover web >/dev/null
assert_eq "$(blk)" "vda=$dir/vda.s1-1 vdb=$dir/vdb.s1-1 " "domain after revert roll-forward"
assert_eq "$("${st[@]}" snapshot-current web --name)" s1
"$QEMU_IMG" info --output=json "$dir/vda.s1-1" | jq -e --arg b "$dir/vda.qcow2" '."backing-filename" == $b' >/dev/null ||
    fail "revert overlay has the wrong backing"

# A journal of an operation recover does not know is refused, kept.
printf '{"operation": "snapshot-frobnicate", "snapshot": "s1", "phase": "commit"}' >"$dir/state/web/journal"
rc=0; "${st[@]}" recover web 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "recover of an unknown operation"
assert_contains "$(cat "$dir/err")" "does not know how to finish an interrupted snapshot-frobnicate"
[ -e "$dir/state/web/journal" ] || fail "unknown journal removed"
# A snapshot-delete journal is finished from its plan; without one, refused.
printf '{"operation": "snapshot-delete", "snapshot": "s1", "phase": "data"}' >"$dir/state/web/journal"
rc=0; "${st[@]}" recover web 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "recover of a delete journal without a plan"
assert_contains "$(cat "$dir/err")" "the snapshot-delete journal holds no plan"
[ -e "$dir/state/web/journal" ] || fail "a delete journal without a plan was removed"
echo ok
