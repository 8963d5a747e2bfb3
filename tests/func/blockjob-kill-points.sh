#!/usr/bin/env bash
# group: qsd delete slow
# blockcommit and blockpull survive the death of their QSD, or of
# strata itself, during the job and after each QMP step that follows it,
# offline and live, as snapshot-delete does (delete-kill-points.sh):
# an intermediate commit, an active commit with --pivot, a full pull and
# a pull down to a base.  A killed run fails, says nothing was lost and
# names the exact command that finishes it; that command (the same one
# after a kill of strata) then finishes: the guest's view is what it
# was (with what a client wrote through a live export meanwhile), the
# chain has the merge's shape and no fault, no job is left in a live
# QSD, and no QSD is left.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

top=$(mktempdir)
n_killed=0 n_late=0 n_done=0 n_wrote=0 n_pending=0

# base <- mid <- top <- act, data in every layer; domain 'web' on act.
setup() {
    rm -rf "$dir"; mkdir -p "$dir"
    img "$dir/base.qcow2"; wr "$dir/base.qcow2" 'write -P 0x11 0 2M'
    img "$dir/mid.qcow2" "$dir/base.qcow2"; wr "$dir/mid.qcow2" 'write -P 0x22 1M 4M'
    img "$dir/top.qcow2" "$dir/mid.qcow2"; wr "$dir/top.qcow2" 'write -P 0x33 2M 1M'
    img "$dir/act.qcow2" "$dir/top.qcow2"; wr "$dir/act.qcow2" 'write -P 0x44 5M 512K'
    st define-as web --disk "vda=$dir/act.qcow2" >/dev/null
}

# The merge's command line for case NAME (file names under $dir).
command_of() {
    case $1 in
    commit) echo "blockcommit web vda --top $dir/top.qcow2 --base $dir/base.qcow2" ;;
    active) echo "blockcommit web vda --active --pivot" ;;
    pull) echo "blockpull web vda" ;;
    pull-base) echo "blockpull web vda --base $dir/mid.qcow2" ;;
    esac
}

# done_shape NAME: the disk's chain once the merge is done.
done_shape() {
    local want
    case $1 in
    commit) want="$dir/act.qcow2 $dir/base.qcow2" ;;
    active) want="$dir/base.qcow2" ;;
    pull) want="$dir/act.qcow2" ;;
    pull-base) want="$dir/act.qcow2 $dir/mid.qcow2 $dir/base.qcow2" ;;
    esac
    assert_eq "$(st --json chain show "$(active_of web vda)" | jq -r '[.layers[]."absolute-path"] | join(" ")')" \
        "$want" "$what: the chain after the merge"
}

# finish: $up says whether the live QSD still serves the domain.
finish() {
    if [ "$up" = yes ]; then
        assert_eq "$(st --json status web | jq '.jobs | length')" 0 "$what: jobs left in the live QSD"
        st stop web >/dev/null
    fi
    assert_eq "$(_sum "$(active_of web vda)")" "$want" "$what: the guest's view"
    done_shape "$case"
    st chain check "$(active_of web vda)" >/dev/null
    no_qsd_left
}

# run_case NAME MODE KIND POINT [ARGS...]
#   KIND qsd: $STRATA_TEST_KILL_QSD=POINT; crash: $STRATA_TEST_CRASH=POINT
run_case() {
    local name=$1 mode=$2 kind=$3 point=$4 rc=0 again qsd uri
    up=no case=$name
    shift 4
    what="$name/$mode/$kind:$point"
    dir=$top/$name-$mode
    setup
    want=$(_sum "$dir/act.qcow2")
    if [ "$mode" = live ]; then
        st start web >/dev/null
        up=yes qsd=$(cat "$dir/run/web/qsd.pid")
        cleanup_fn stop_unless_dead "$qsd"
    fi
    # shellcheck disable=SC2046
    if [ "$kind" = qsd ]; then
        STRATA_TEST_KILL_QSD=$point STRATA_DEBUG=1 st $(command_of "$name") "$@" \
            >"$dir/out" 2>"$dir/log" || rc=$?
        grep -q "STRATA_TEST_KILL_QSD: killing QSD" "$dir/log" ||
            fail "$what: the kill point was never reached (rc $rc)"
    else
        STRATA_TEST_CRASH=$point st $(command_of "$name") "$@" >/dev/null 2>&1 || rc=$?
        assert_eq "$rc" 137 "$what: strata at its crash point"
        kill_orphan_qsds
    fi
    n_killed=$((n_killed + 1))
    if [ "$kind" = qsd ] && [ "$rc" = 0 ]; then
        # Killed once QSD had confirmed every write: a live QSD's end is
        # reported, a transient one had already ended cleanly.
        n_late=$((n_late + 1))
        if [ "$mode" = live ]; then
            assert_contains "$(cat "$dir/log")" "the domain's QSD went away during the operation"
        else
            assert_contains "$(cat "$dir/log")" "transient QSD ended cleanly"
        fi
        [ "$mode" = offline ] || dead_or_zombie "$qsd" || st stop web >/dev/null
        up=no finish
        return
    fi
    again=$(command_of "$name")
    if [ "$kind" = qsd ]; then
        assert_eq "$rc" 1 "$what: strata's status after its QSD was killed"
        assert_contains "$(cat "$dir/log")" "nothing was lost; run 'strata "
        again=$(sed -n "s/^strata: hint: nothing was lost; run 'strata \(.*\)' again to finish it$/\1/p" \
            "$dir/log")
        [ -n "$again" ] || fail "$what: no command to finish it in: $(grep hint: "$dir/log")"
        if [ "$up" = yes ] && dead_or_zombie "$qsd"; then
            up=no   # its QSD is gone: the re-run works offline
        fi
    fi
    [ "$up" = yes ] || no_qsd_left
    if [ "$up" = yes ] && [ "$(st --json status web | jq '[.jobs[] | select(.status == "pending")] | length')" != 0 ]; then
        # Not while a job waits pending: QEMU 7.2 loses writes of an NBD
        # client that connects then (strata-live(1), BUGS).
        n_pending=$((n_pending + 1))
    elif [ "$up" = yes ]; then
        # The guest writes on through the export where the active layer
        # has data: a re-run that committed the old top again after the
        # pivot would overwrite it.
        uri="nbd+unix:///vda?socket=$dir/run/web/nbd.sock"
        qemu-io -f raw -c 'write -P 0x66 5M 64K' "$uri" >/dev/null
        qemu-img convert -f raw -O raw "$uri" "$dir/view.raw"
        want=$(md5sum <"$dir/view.raw" | cut -d' ' -f1)
        n_wrote=$((n_wrote + 1))
    fi
    # shellcheck disable=SC2086
    st $again >"$dir/out2" 2>"$dir/err2" || fail "$what: '$again' failed: $(cat "$dir/err2")"
    # Cut short after the chain switched: the re-run finds it done.
    if grep -q "^Nothing to" "$dir/out2"; then n_done=$((n_done + 1)); fi
    finish
}

# The same points as for snapshot-delete; a blockcommit or blockpull
# removes no node and no file, so it has no blockdev-del.
during='job-running job-progress>=10'
stream='job-pending flush#1 job-finalize job-concluded job-dismiss flush#2 quit'
commit='job-pending flush#1 job-finalize job-concluded job-dismiss flush#2 flush#3 quit'
active='job-ready job-complete job-pending job-finalize job-concluded job-dismiss flush#1 quit'

run_cases() {
    local name=$1 mode=$2 points=$3 p kind
    for kind in qsd crash; do
        for p in $during; do
            [ "$kind" = qsd ] || p=after:$p
            run_case "$name" "$mode" "$kind" "$p" --speed 1048576
        done
        for p in $points; do
            [ "$mode:$p" != live:quit ] || continue   # a live QSD is not quit
            [ "$kind" = qsd ] || p=after:$p
            run_case "$name" "$mode" "$kind" "$p"
        done
    done
}

for m in ${KILL_POINT_MODES:-offline live}; do
    run_cases commit "$m" "$commit"
    run_cases active "$m" "$active"
    run_cases pull "$m" "$stream"
    run_cases pull-base "$m" "$stream"
done
[ "$n_done" -gt 0 ] || fail "no re-run found its merge done: the kill points missed the switch"
case " ${KILL_POINT_MODES:-live} " in
*" live "*) [ "$n_wrote" -gt 0 ] || fail "no live case wrote through the export after the kill" ;;
esac
echo "ok: $n_killed kills, $n_late too late to interrupt (data confirmed, or quit already done)," \
    "$n_done re-runs found the merge done, $n_wrote wrote through the export ($n_pending not: pending)"
