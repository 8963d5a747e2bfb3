#!/usr/bin/env bash
# group: qsd delete slow
# Every merge of snapshot-delete survives the death of its QSD, or of
# strata itself, at each point where it can happen: spread over the job
# (by progress) and after each QMP step that follows it (job pending,
# each flush, concluded, finalize, dismiss, blockdev-del, quit).  For a
# stream, an intermediate commit, an active commit and a stream into two
# branches, offline and live: the killed run fails naming what happened
# and that re-running finishes it, the journal stays, every file the
# metadata names is there, and the same command then finishes the
# delete; the content of every remaining point and active layer is what
# it was before, and no QSD is left.  Kill points are deterministic:
# $STRATA_TEST_KILL_QSD makes strata kill its own QSD after a named
# step, $STRATA_TEST_CRASH makes strata die at a named point or, as
# after:STEP, after the same steps (then `strata recover` finishes).
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

top=$(mktempdir)
n_killed=0 n_late=0

# A domain 'web' with one disk vda: base (vda.qcow2) <- s1 <- s2 <- active,
# data written in every layer; for 'branches' s1 has two children.
setup() {
    local shape=$1
    rm -rf "$dir"; mkdir -p "$dir"
    img "$dir/vda.qcow2"; wr "$dir/vda.qcow2" 'write -P 0x11 0 2M'
    st define-as web --disk "vda=$dir/vda.qcow2" >/dev/null
    st snapshot-create-as web s1 --disk-only >/dev/null
    wr "$(active_of web vda)" 'write -P 0x22 1M 4M'
    st snapshot-create-as web s2 --disk-only >/dev/null
    wr "$(active_of web vda)" 'write -P 0x33 2M 1M'
    if [ "$shape" = branches ]; then
        st snapshot-revert web s1 >/dev/null
        wr "$(active_of web vda)" 'write -P 0x44 5M 512K'
        st snapshot-create-as web s3 --disk-only >/dev/null
        wr "$(active_of web vda)" 'write -P 0x55 512K 256K'
    fi
}

# The files the metadata names: every point in time, every leaf's
# overlay, the active layer.
named_files() {
    local s
    active_of web vda
    for s in $(st snapshot-list web --name); do
        pit_of web "$s" vda
        overlay_of web "$s" vda
    done
}

# finish SNAPSHOT: the delete is complete and every view is unchanged.
finish() {
    local snap=$1
    [ ! -e "$dir/state/web/journal" ] || fail "$what: journal left after the delete"
    case " $(names web) " in *" $snap "*) fail "$what: $snap still listed" ;; esac
    # A QSD killed live stays a zombie until init reaps it.
    if [ "$mode" = live ] && ! dead_or_zombie "$qsd"; then
        st stop web >/dev/null
    fi
    views web >"$dir/after"
    same_views "$dir/before" "$dir/after" || fail "$what: a view changed"
    st chain check "$(active_of web vda)" >/dev/null
    no_qsd_left
}

# run_case SHAPE MODE SNAPSHOT ACTION KIND POINT [DELETE-ARGS...]
#   KIND qsd: $STRATA_TEST_KILL_QSD=POINT; crash: $STRATA_TEST_CRASH=POINT
run_case() {
    local shape=$1 mode=$2 snap=$3 action=$4 kind=$5 point=$6 rc=0 f qsd
    shift 6
    what="$shape/$mode/$kind:$point"
    dir=$top/$shape-$mode
    setup "$shape"
    assert_json <(st --json snapshot-delete web "$snap" --dry-run "$@") \
        ".steps | map(.action) | unique == [\"$action\"]"
    if [ "$mode" = live ]; then
        st start web >/dev/null
        qsd=$(cat "$dir/run/web/qsd.pid")
        cleanup_fn stop_unless_dead "$qsd"
    fi
    views web >"$dir/before"
    named_files | sort -u >"$dir/files"
    if [ "$kind" = qsd ]; then
        STRATA_TEST_KILL_QSD=$point STRATA_DEBUG=1 st snapshot-delete web "$snap" "$@" \
            >"$dir/out" 2>"$dir/log" || rc=$?
        grep -q "STRATA_TEST_KILL_QSD: killing QSD" "$dir/log" ||
            fail "$what: the kill point was never reached (rc $rc)"
        case $point in job-progress*)
            # During the job: before it reached pending.
            [ "$(grep -n -m1 'killing QSD' "$dir/log" | cut -d: -f1)" -lt \
              "$(grep -n -m1 '"status":"pending"' "$dir/log" | cut -d: -f1 || echo 1000000)" ] ||
                fail "$what: the kill came after the job" ;;
        esac
        if [ "$rc" = 0 ] && [ "$mode" = live ]; then
            # A live QSD killed once every write was confirmed: the
            # delete is complete, and strata says the domain stopped.
            assert_contains "$(cat "$dir/log")" "the domain's QSD went away during the operation"
            n_killed=$((n_killed + 1)) n_late=$((n_late + 1))
            finish "$snap"
            return
        fi
        if [ "$rc" = 0 ] && [ "$point" = quit ]; then
            # QSD answered quit and exited 0 before the SIGKILL landed:
            # a clean end that strata saw, so the delete is complete.
            assert_contains "$(cat "$dir/log")" "transient QSD ended cleanly"
            n_killed=$((n_killed + 1)) n_late=$((n_late + 1))
            finish "$snap"
            return
        fi
        assert_eq "$rc" 1 "$what: strata's status after its QSD was killed"
        if [ "$mode" = live ]; then
            assert_contains "$(cat "$dir/log")" "QSD went away (QSD (pid $qsd) has exited"
        else
            assert_contains "$(cat "$dir/log")" "killed by signal 9"
        fi
        assert_contains "$(cat "$dir/log")" "run the same snapshot-delete again to finish it"
    else
        STRATA_TEST_CRASH=$point st snapshot-delete web "$snap" "$@" >/dev/null 2>&1 || rc=$?
        assert_eq "$rc" 137 "$what: strata at its crash point"
        kill_orphan_qsds
    fi
    n_killed=$((n_killed + 1))
    [ -e "$dir/state/web/journal" ] || fail "$what: no journal after the kill"
    while read -r f; do
        [ -e "$f" ] || fail "$what: '$f' is named by metadata but missing"
    done <"$dir/files"
    [ "$mode" = live ] || no_qsd_left

    # The same command finishes it (recover after a crash of strata).
    if [ "$kind" = crash ]; then
        st recover web >/dev/null || fail "$what: recover failed"
    else
        st snapshot-delete web "$snap" "$@" >"$dir/out2" 2>"$dir/err2" ||
            fail "$what: the second run failed: $(cat "$dir/err2")"
    fi
    finish "$snap"
}

# Kill points during the job (by progress, the job slowed down to be
# seen) and after each QMP step that follows it, in the order each kind
# of merge reaches them.  A stream flushes the overlay it wrote at
# pending and after the job; a commit also the overlay whose backing it
# rewrote; an active commit only its base after the job (the mirror
# flushed it before it completed); two streams pass every step twice.
during='job-running job-progress>=10'
stream='job-pending flush#1 job-finalize job-concluded job-dismiss flush#2 blockdev-del quit'
commit='job-pending flush#1 job-finalize job-concluded job-dismiss flush#2 flush#3 blockdev-del quit'
branches='job-pending flush#1 job-dismiss flush#2 job-pending#2 flush#3 job-finalize#2
    job-dismiss#2 flush#4 blockdev-del quit'
active='job-ready job-complete job-pending job-finalize job-concluded job-dismiss flush#1
    blockdev-del quit'
crashes='delete-job-running delete-job-done delete-metadata-done'

# run_cases SHAPE MODE SNAPSHOT ACTION POINTS [DELETE-ARGS...]
run_cases() {
    local shape=$1 mode=$2 snap=$3 action=$4 points=$5 p
    shift 5
    for p in $during; do
        run_case "$shape" "$mode" "$snap" "$action" qsd "$p" "$@" --speed 1048576
    done
    for p in $points; do
        [ "$mode:$p" != live:quit ] || continue   # a live QSD is not quit
        run_case "$shape" "$mode" "$snap" "$action" qsd "$p" "$@"
    done
    for p in $crashes; do
        run_case "$shape" "$mode" "$snap" "$action" crash "$p" "$@"
    done
    # strata itself killed after each of those QMP steps, then recover.
    for p in $during; do
        run_case "$shape" "$mode" "$snap" "$action" crash "after:$p" "$@" --speed 1048576
    done
    for p in $points; do
        [ "$mode:$p" != live:quit ] || continue
        run_case "$shape" "$mode" "$snap" "$action" crash "after:$p" "$@"
    done
}

for mode in ${KILL_POINT_MODES:-offline live}; do
    run_cases linear "$mode" s1 stream "$stream"
    run_cases linear "$mode" s1 commit "$commit" --no-stream
    run_cases branches "$mode" s1 stream "$branches"
    run_cases linear "$mode" s2 commit "$active"
    run_case linear "$mode" s2 commit crash delete-target-complete
done
echo "ok: $n_killed kills, $n_late too late to interrupt (data confirmed, or quit already done)"
