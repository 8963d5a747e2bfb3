#!/usr/bin/env bash
# group: qsd delete snapshot slow
# Issue 18 in random order: revert (plain, --discard-current,
# --keep-current=NAME), write (qemu-io), create and delete on a domain
# with two disks, for a fixed number of steps.  After every step:
#   - the invariant: 'chain check' lists no orphan, no image file is
#     backed by a file that is gone (left_behind), and the record of the
#     files strata made names only files that are there (record_current);
#   - every remaining point's content: each snapshot's point in time on
#     each disk, and each disk of the domain, against a raw reference
#     kept beside (written with the same qemu-io commands, copied when a
#     snapshot is made or reverted to); and the branch heads a plain
#     revert left (the layer stays as its snapshot's overlay) against
#     the content they had when the revert left them.
# The seed is printed; STRATA_TEST_SEED=N replays a sequence, and
# STRATA_TEST_STEPS=N changes the number of steps (60 by default).
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

seed=${STRATA_TEST_SEED:-$(( $(date +%s%N) % 32768 ))}
steps=${STRATA_TEST_STEPS:-60}
echo "seed $seed, $steps steps (STRATA_TEST_SEED=$seed replays them)"
RANDOM=$seed

dir=$(mktempdir)
ref=$dir/ref
mkdir "$ref"
disks="vda vdb"
for d in $disks; do
    img "$dir/$d.qcow2"
    qemu-img create -q -f raw "$ref/active-$d.raw" 8M
done
st define-as web --disk "vda=$dir/vda.qcow2" --disk "vdb=$dir/vdb.qcow2" >/dev/null

# write DEV CMD: the same qemu-io command on the disk and its reference.
write() {
    qemu-io -f qcow2 -c "$2" "$(active_of web "$1")" >/dev/null
    qemu-io -f raw -c "$2" "$ref/active-$1.raw" >/dev/null
}

rawsum() { md5sum <"$1" | cut -d' ' -f1; }

# check: the invariant and every point's content, after step $what.
check() {
    local s d f
    left_behind web "$what"
    record_current web "$what"
    [ ! -e "$dir/state/web/journal" ] || fail "$what: a journal is left"
    for d in $disks; do
        assert_eq "$(_sum "$(active_of web "$d")")" "$(rawsum "$ref/active-$d.raw")" \
            "$what: the domain's $d"
    done
    for s in $(st snapshot-list web --name); do
        for d in $disks; do
            [ -e "$ref/pit-$s-$d.raw" ] || fail "$what: snapshot $s is not one the test made"
            assert_eq "$(_sum "$(pit_of web "$s" "$d")")" "$(rawsum "$ref/pit-$s-$d.raw")" \
                "$what: $s's point in time on $d"
            [ -e "$ref/head-$s-$d.raw" ] || continue
            f=$(overlay_of web "$s" "$d")
            [ -n "$f" ] || fail "$what: $s lost the branch head on $d that a revert left"
            assert_eq "$(_sum "$f")" "$(rawsum "$ref/head-$s-$d.raw")" "$what: $s's branch head on $d"
        done
    done
    # Every snapshot the test made and did not delete is listed.
    for f in "$ref"/pit-*-vda.raw; do
        [ -e "$f" ] || continue
        s=${f#"$ref"/pit-}; s=${s%-vda.raw}
        case " $(names web) " in *" $s "*) ;; *) fail "$what: snapshot $s is gone" ;; esac
    done
}

snaps() { st snapshot-list web --name | sed '/^$/d'; }
# pick VAR WORD...: one of the words into VAR.  In this shell, not in a
# $(...): bash reseeds RANDOM in every subshell, and the sequence would
# not replay.
pick() { local v=$1; shift; local w=("$@"); printf -v "$v" '%s' "${w[RANDOM % ${#w[@]}]}"; }

made=0
step_create() {
    local name=n$((++made)) d
    what="step $step: create $name"
    echo "$what"
    st snapshot-create-as web "$name" --disk-only >/dev/null
    for d in $disks; do cp "$ref/active-$d.raw" "$ref/pit-$name-$d.raw"; done
}

step_write() {
    local d off len pat
    pick d $disks
    off=$(( (RANDOM % 120) * 64 ))K len=$(( (RANDOM % 4 + 1) * 64 ))K pat=$(( RANDOM % 255 + 1 ))
    what="step $step: write $d $pat $off $len"
    echo "$what"
    write "$d" "write -P $pat $off $len"
}

step_revert() {
    local target mode rc=0 d s p
    # shellcheck disable=SC2046
    pick target $(snaps)
    pick mode plain discard keep
    case $mode in
    plain)   args=() ;;
    discard) args=(--discard-current) ;;
    keep)    args=(--keep-current=n$((++made))) ;;
    esac
    what="step $step: revert $target ${args[*]}"
    echo "$what"
    st --json snapshot-revert web "$target" "${args[@]}" >"$dir/rev.json" 2>"$dir/rev.err" || rc=$?
    if [ "$rc" != 0 ]; then
        # Refused only for data that no snapshot names, and only when
        # neither flag was given; then nothing changed (check below).
        [ "$mode" = plain ] || fail "$what: exit $rc: $(cat "$dir/rev.err")"
        assert_contains "$(cat "$dir/rev.err")" "written since the last snapshot, which no snapshot names"
        echo "  refused: unnamed data"
        return
    fi
    if [ "$mode" = keep ]; then
        s=${args[0]#--keep-current=}
        if [ "$(jq -r '.["kept-as"]' "$dir/rev.json")" = "$s" ]; then
            for d in $disks; do cp "$ref/active-$d.raw" "$ref/pit-$s-$d.raw"; done
        fi
    fi
    # The layers left as a snapshot's overlay with data: branch heads.
    for d in $disks; do
        s=$(jq -r --arg d "$d" '.abandoned[] | select(.disk == $d and .action == "left" and
            .["allocated-bytes"] > 0) | .["overlay-of"] // empty' "$dir/rev.json")
        [ -z "$s" ] || cp "$ref/active-$d.raw" "$ref/head-$s-$d.raw"
    done
    for d in $disks; do cp "$ref/pit-$target-$d.raw" "$ref/active-$d.raw"; done
    # A head recorded for a snapshot whose overlay name the revert
    # dropped is gone with it.
    for p in "$ref"/head-*.raw; do
        [ -e "$p" ] || continue
        s=${p#"$ref"/head-}; d=${s##*-}; d=${d%.raw}; s=${s%-*}
        [ -n "$(overlay_of web "$s" "$d")" ] || rm -f "$p"
    done
}

step_delete() {
    local s
    # shellcheck disable=SC2046
    pick s $(snaps)
    what="step $step: delete $s"
    echo "$what"
    if ! st snapshot-delete web "$s" >/dev/null 2>"$dir/del.err"; then
        # Refused, nothing changed (the checks after the step prove it):
        # its overlay is a branch head with writes nothing else names.
        grep -q "on a branch a revert left, which nothing else names; deleting '$s' would lose them" \
            "$dir/del.err" || fail "$what: $(cat "$dir/del.err")"
        echo "$what: refused, its overlay holds a left branch's writes"
        return 0
    fi
    rm -f "$ref"/pit-"$s"-*.raw "$ref"/head-"$s"-*.raw
}

for ((step = 1; step <= steps; step++)); do
    r=$((RANDOM % 100))
    if [ -z "$(snaps)" ] || [ "$r" -lt 25 ]; then
        step_create
    elif [ "$r" -lt 60 ]; then
        step_write
    elif [ "$r" -lt 80 ]; then
        step_revert
    else
        step_delete
    fi
    check
done
echo "seed $seed: $steps steps ok"
