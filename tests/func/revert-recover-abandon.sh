#!/usr/bin/env bash
# group: qsd snapshot
# A snapshot-revert killed at each of its crash points and finished by
# 'strata recover' leaves the layers it abandons as the same revert run
# to its end does (issue 18): the journal records the plan before
# anything changes, and recover carries it out.  Two disks, three modes:
#   default   vda's layer holds data and is s2's overlay: it stays;
#             vdb's is empty: it goes, and its name leaves s2
#   discard   both go (--discard-current)
#   keep      the state becomes snapshot 'tip' (--keep-current=tip),
#             whose two empty overlays go
# Each mode is first run without a crash (the reference); every crashed
# run then ends with the same files, metadata and views, no orphan, no
# file backed by a gone file, no journal and no QSD.  Killed before the
# disks switch (revert-overlays), the revert is rolled back: nothing
# changes and the old layers stay active.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires xmllint --version
requires jq --version

top=$(mktempdir)

setup() {
    rm -rf "$dir"; mkdir -p "$dir"
    img "$dir/vda.qcow2"; wr "$dir/vda.qcow2" 'write -P 0x10 0 1M'
    img "$dir/vdb.qcow2"; wr "$dir/vdb.qcow2" 'write -P 0x20 0 1M'
    st define-as web --disk "vda=$dir/vda.qcow2" --disk "vdb=$dir/vdb.qcow2" >/dev/null
    st snapshot-create-as web s1 --disk-only >/dev/null
    wr "$(active_of web vda)" 'write -P 0x11 1M 256K'
    wr "$(active_of web vdb)" 'write -P 0x21 1M 256K'
    st snapshot-create-as web s2 --disk-only >/dev/null
    # Written since s2 on vda only: vdb's layer stays empty.
    wr "$(active_of web vda)" 'write -P 0x12 2M 256K'
    views web | grep -v '^domain ' >"$dir/points.before"
}

revert_args() {
    case $1 in
    default) echo s1 ;;
    discard) echo s1 --discard-current ;;
    keep)    echo s1 --keep-current=tip ;;
    esac
}

# state: what the revert leaves, in words a reference run and a
# recovered run must agree on (the test's directory is named DIR).
_state() {
    local s d
    (cd "$dir" && ls | grep '^vd' || true)
    echo "snapshots: $(names web)"
    echo "current: $(st snapshot-current web --name)"
    for d in vda vdb; do
        echo "active $d: $(active_of web "$d")"
        for s in $(st snapshot-list web --name); do
            echo "$s $d: pit $(pit_of web "$s" "$d") overlay $(overlay_of web "$s" "$d")"
        done
    done
    views web
}
state() { _state 2>&1 | sed "s|$dir|DIR|g"; }

settled() {
    [ ! -e "$dir/state/web/journal" ] || fail "$what: journal left"
    no_qsd_left
    left_behind web "$what"
    views web | grep -v '^domain ' >"$dir/points.after"
    same_views "$dir/points.before" "$dir/points.after" || fail "$what: a point's content changed"
}

n=0
for mode in default discard keep; do
    # The reference: the same revert, not interrupted.
    what="$mode/reference"
    dir=$top/ref-$mode
    setup
    # shellcheck disable=SC2046
    st snapshot-revert web $(revert_args "$mode") >/dev/null
    settled
    case $mode in
    default)
        [ -e "$dir/vda.s2" ] || fail "$what: vda's layer with data, s2's overlay, was removed"
        [ ! -e "$dir/vdb.s2" ] || fail "$what: vdb's empty layer stays"
        assert_eq "$(overlay_of web s2 vda)" "$dir/vda.s2" "$what: s2's vda overlay"
        assert_eq "$(overlay_of web s2 vdb)" "" "$what: s2's vdb overlay" ;;
    discard)
        [ ! -e "$dir/vda.s2" ] && [ ! -e "$dir/vdb.s2" ] || fail "$what: a discarded layer stays" ;;
    keep)
        assert_eq "$(pit_of web tip vda) $(pit_of web tip vdb)" "$dir/vda.s2 $dir/vdb.s2" \
            "$what: tip's points in time"
        [ ! -e "$dir/vda.tip" ] && [ ! -e "$dir/vdb.tip" ] || fail "$what: tip's empty overlays stay" ;;
    esac
    state >"$top/want-$mode"
    n=$((n + 1))

    for c in revert-switched/KILL revert-committed/KILL revert-committed/TERM revert-overlays/KILL; do
        point=${c%/*} sig=${c#*/}
        what="$mode/$point/$sig"
        dir=$top/crash
        setup
        state >"$dir/state.before"
        rc=0
        # shellcheck disable=SC2046
        STRATA_TEST_CRASH=$point STRATA_TEST_CRASH_SIGNAL=$sig \
            st snapshot-revert web $(revert_args "$mode") >/dev/null 2>"$dir/err" || rc=$?
        assert_eq "$rc" $((128 + $(kill -l "$sig"))) "$what: exit status"
        [ -e "$dir/state/web/journal" ] || fail "$what: no journal after the crash"
        st --json recover web >"$dir/recover.json" 2>"$dir/err2" ||
            fail "$what: recover: $(cat "$dir/err2")"
        settled
        if [ "$point" = revert-overlays ]; then
            assert_json "$dir/recover.json" '.action == "rolled-back" and (has("abandoned") | not)'
            if [ "$mode" = keep ]; then
                # tip was made before the revert started: it stays, the
                # domain on its (empty) overlays, which recover left.
                assert_eq "$(names web)" "s1 s2 tip" "$what: snapshots"
                assert_eq "$(active_of web vda)" "$dir/vda.tip" "$what: active vda"
            else
                state >"$dir/state.after"
                diff -u "$dir/state.before" "$dir/state.after" ||
                    fail "$what: a rolled back revert changed something"
            fi
        else
            assert_json "$dir/recover.json" '.action == "rolled-forward"'
            state >"$dir/got"
            diff -u "$top/want-$mode" "$dir/got" ||
                fail "$what: recover left another state than the uninterrupted revert"
            # What recover says it removed is what is gone.
            for f in $(jq -r '.abandoned[] | select(.action == "removed") | .path' "$dir/recover.json"); do
                [ ! -e "$f" ] || fail "$what: '$f' reported removed, but is there"
            done
            case $mode in
            default) assert_json "$dir/recover.json" \
                '[.abandoned[] | [.disk, .action]] == [["vda", "left"], ["vdb", "removed"]]' ;;
            *) assert_json "$dir/recover.json" \
                '[.abandoned[] | [.disk, .action]] == [["vda", "removed"], ["vdb", "removed"]]' ;;
            esac
        fi
        n=$((n + 1))
    done
done

# Text: recover says what it removed, as snapshot-revert does.
what="text"
dir=$top/text
setup
rc=0
STRATA_TEST_CRASH=revert-committed st snapshot-revert web s1 --discard-current >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 137 "$what: exit status"
out=$(st recover web)
assert_eq "$out" "Domain web: interrupted snapshot-revert of 's1' (phase switched) rolled forward
Disk vda: discarded $dir/vda.s2 (262144 bytes written since the last snapshot)
Disk vdb: removed $dir/vdb.s2, which held no data"
settled

# A layer the record does not prove strata's is never removed, even
# though the plan said so: the file at that name was replaced after the
# crash (a user's copy).
what="replaced"
dir=$top/replaced
setup
rc=0
STRATA_TEST_CRASH=revert-switched st snapshot-revert web s1 --discard-current >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 137 "$what: exit status"
cp "$dir/vdb.s2" "$dir/vdb.copy"; mv "$dir/vdb.copy" "$dir/vdb.s2"
st --json recover web >"$dir/recover.json"
[ -e "$dir/vdb.s2" ] || fail "$what: a file strata did not make was removed"
[ ! -e "$dir/vda.s2" ] || fail "$what: vda's layer, strata's, stays"
assert_json "$dir/recover.json" '[.abandoned[] | [.disk, .action]] == [["vda", "removed"], ["vdb", "left"]]'
echo "$n cases ok"
