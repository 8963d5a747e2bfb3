#!/usr/bin/env bash
# group: qsd delete
# Issue 18, as a new user would: tree s1 -> s2 -> {s3, s4 -> s5} made by
# snapshot-create-as and snapshot-revert, writes on every branch, then
# deletes in the order s2, s4, s3, s5, s1.  Run three times: the revert
# away from s3's branch without a flag (the writes stay in s3's overlay,
# its branch head, which s3 names), with --discard-current (s3's overlay
# goes, and its name leaves s3's metadata) and with --keep-current=tip
# (the writes become snapshot 'tip', deleted last).  The refusals of
# snapshot-revert are in revert-current.sh.  After every operation:
# every remaining view keeps its content, 'chain check' lists no orphan
# and no file is left backed by a file that is gone.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

top=$(mktempdir)

run_case() {
    local mode=$1 s
    dir=$top/$mode
    mkdir "$dir"
    img "$dir/vda.qcow2"; wr "$dir/vda.qcow2" 'write -P 0x10 0 1M'
    st define-as web --disk "vda=$dir/vda.qcow2" >/dev/null
    st snapshot-create-as web s1 --disk-only >/dev/null
    wr "$(active_of web vda)" 'write -P 0x11 1M 256K'
    st snapshot-create-as web s2 --disk-only >/dev/null
    wr "$(active_of web vda)" 'write -P 0x12 2M 256K'
    st snapshot-create-as web s3 --disk-only >/dev/null
    left_behind web "$mode: after the creates"
    wr "$(active_of web vda)" 'write -P 0x13 3M 256K'
    s3_top=$(active_of web vda)
    s3_tip=$(_sum "$s3_top")

    if [ "$mode" = default ]; then
        st --json snapshot-revert web s2 >"$dir/rev.json"
        assert_json "$dir/rev.json" ".[\"kept-as\"] == null and .abandoned == [{\"disk\": \"vda\", \"path\": \"$s3_top\", \"allocated-bytes\": 262144, \"overlay-of\": \"s3\", \"action\": \"left\"}]"
        assert_eq "$(_sum "$(overlay_of web s3 vda)")" "$s3_tip" "s3's branch head"
    elif [ "$mode" = discard ]; then
        st --json snapshot-revert web s2 --discard-current >"$dir/rev.json"
        assert_json "$dir/rev.json" ".[\"kept-as\"] == null and .abandoned == [{\"disk\": \"vda\", \"path\": \"$s3_top\", \"allocated-bytes\": 262144, \"overlay-of\": \"s3\", \"action\": \"removed\"}]"
        [ ! -e "$s3_top" ] || fail "discard: '$s3_top' is still there"
        assert_eq "$(overlay_of web s3 vda)" "" "s3's overlay after --discard-current"
    else
        st snapshot-revert web s2 --keep-current=tip >"$dir/rev.txt"
        assert_contains "$(cat "$dir/rev.txt")" "The state before the revert is snapshot tip"
        assert_eq "$(st snapshot-parent web tip)" s3 "tip's parent"
        assert_eq "$(_sum "$(pit_of web tip vda)")" "$s3_tip" "tip's point in time"
        assert_eq "$(pit_of web tip vda)" "$s3_top" "tip's point-in-time file"
    fi
    assert_eq "$(st snapshot-current web --name)" s2 "current after the revert"
    left_behind web "$mode: after the revert"
    wr "$(active_of web vda)" 'write -P 0x14 4M 256K'
    st snapshot-create-as web s4 --disk-only >/dev/null
    wr "$(active_of web vda)" 'write -P 0x15 5M 256K'
    st snapshot-create-as web s5 --disk-only >/dev/null
    wr "$(active_of web vda)" 'write -P 0x16 6M 256K'
    left_behind web "$mode: after s4 and s5"
    views web >"$dir/before"

    for s in s2 s4 s3 s5 $([ "$mode" = keep ] && echo tip) s1; do
        st snapshot-delete web "$s" >/dev/null
        views web >"$dir/after-$s"
        same_views "$dir/before" "$dir/after-$s"
        left_behind web "$mode: after deleting $s"
    done
    assert_eq "$(names web)" "" "$mode: snapshots left"
    # Only the active file is left, with the content the domain had.
    assert_eq "$(cd "$dir" && ls | grep '^vda' | tr '\n' ' ')" \
        "$(basename "$(active_of web vda)") " "$mode: image files left"
    assert_eq "$(chain_len "$(active_of web vda)")" 1 "$mode: the active chain"
}

run_case default
run_case discard
run_case keep
echo ok
