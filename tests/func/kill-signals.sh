#!/usr/bin/env bash
# group: qsd delete snapshot slow
# strata killed by SIGPIPE (as 'strata ... | head' does), SIGTERM or
# SIGKILL at each phase of a --verify snapshot-delete (digest before,
# merge, after the job, metadata, digest after, unlink), of
# snapshot-create and of snapshot-revert, offline: the transient QSD it
# started goes with it (by its signal handler, or by the kernel's
# PR_SET_PDEATHSIG for SIGKILL) instead of holding the images' write
# locks, the same command run again finishes (delete) or recover rolls
# it back or forward (create, revert), no journal is left, and every
# point keeps its content.  An orphan QSD left in an unclaimed run
# directory (RUN/op-*) is stopped by the next command, which goes on.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires xmllint --version
requires jq --version

top=$(mktempdir)
n=0

setup() {
    rm -rf "$dir"; mkdir -p "$dir"
    img "$dir/vda.qcow2"; wr "$dir/vda.qcow2" 'write -P 0x11 0 2M'
    st define-as web --disk "vda=$dir/vda.qcow2" >/dev/null
    st snapshot-create-as web s1 >/dev/null
    wr "$(active_of web vda)" 'write -P 0x22 1M 4M'
    st snapshot-create-as web s2 >/dev/null
    wr "$(active_of web vda)" 'write -P 0x33 2M 1M'
    views web >"$dir/before"
}

qsd_gone() { [ -z "$(pgrep -f "qemu-storage-daemon.*$dir/" || true)" ]; }

# crashed SIG POINT RC: strata died of SIG at POINT, and its QSD with it.
crashed() {
    local sig=$1 point=$2 rc=$3 num
    num=$(kill -l "$sig")
    assert_eq "$rc" $((128 + num)) "$what: exit status (killed by SIG$sig at $point)"
    _wait_until 10 "$what: the QSD to go with strata" qsd_gone
}

# settled [points]: nothing pending, every remaining view as before
# (with 'points', the snapshots' only: a revert changes the domain's
# own), no QSD, and after the next command that starts one (verify) no
# run directory of the dead strata.
settled() {
    [ ! -e "$dir/state/web/journal" ] || fail "$what: journal left"
    st verify web >/dev/null
    [ -z "$(ls -d "$dir"/run/op-* 2>/dev/null)" ] ||
        fail "$what: run directories left: $(ls -d "$dir"/run/op-*)"
    views web >"$dir/after"
    if [ "${1:-}" = points ]; then
        grep -v '^domain ' "$dir/before" >"$dir/before.p"
        grep -v '^domain ' "$dir/after" >"$dir/after.p"
        same_views "$dir/before.p" "$dir/after.p" || fail "$what: a view changed"
    else
        same_views "$dir/before" "$dir/after" || fail "$what: a view changed"
    fi
    no_qsd_left
}

for sig in PIPE TERM KILL; do
    for point in delete-digest-before delete-job-running delete-job-done delete-metadata-done \
                 delete-digest-after delete-unlinking; do
        what="delete --verify/$sig/$point"
        dir=$top/d
        setup
        rc=0
        STRATA_TEST_CRASH=$point STRATA_TEST_CRASH_SIGNAL=$sig \
            st snapshot-delete web s1 --verify >/dev/null 2>"$dir/err" || rc=$?
        crashed "$sig" "$point" "$rc"
        st snapshot-delete web s1 --verify >/dev/null 2>"$dir/err2" ||
            fail "$what: the re-run failed: $(cat "$dir/err2")"
        case " $(names web) " in *" s1 "*) fail "$what: s1 still listed" ;; esac
        st recover web >/dev/null
        settled
        n=$((n + 1))
    done
    for point in create-overlays create-snapshot-xml create-switched; do
        what="create/$sig/$point"
        dir=$top/c
        setup
        rc=0
        STRATA_TEST_CRASH=$point STRATA_TEST_CRASH_SIGNAL=$sig \
            st snapshot-create-as web s3 >/dev/null 2>"$dir/err" || rc=$?
        crashed "$sig" "$point" "$rc"
        st recover web >/dev/null 2>"$dir/err2" || fail "$what: recover: $(cat "$dir/err2")"
        settled
        st chain check "$(active_of web vda)" >/dev/null || fail "$what: the active chain is broken"
        n=$((n + 1))
    done
    for point in revert-overlays revert-switched revert-committed; do
        what="revert/$sig/$point"
        dir=$top/r
        setup
        rc=0
        STRATA_TEST_CRASH=$point STRATA_TEST_CRASH_SIGNAL=$sig \
            st snapshot-revert web s1 >/dev/null 2>"$dir/err" || rc=$?
        crashed "$sig" "$point" "$rc"
        st recover web >/dev/null 2>"$dir/err2" || fail "$what: recover: $(cat "$dir/err2")"
        settled points
        n=$((n + 1))
    done
done
assert_eq "$n" 36 "cases run"

# An orphan QSD all the same (a strata older than PR_SET_PDEATHSIG, or
# killed before it took effect) holding the base's write lock in an
# unclaimed run directory: the next command stops it, says so, removes
# its directory and goes on; a directory a live strata claimed is left.
what="orphan"
dir=$top/o
setup
orphan=$dir/run/op-orphan1
mkdir -p "$orphan" "$dir/run/op-inuse"
echo $$ >"$dir/run/op-inuse/strata.pid"
"$QSD" --blockdev "driver=file,filename=$dir/vda.qcow2,node-name=f" \
    --blockdev "driver=qcow2,file=f,node-name=q" \
    --chardev "socket,path=$orphan/qmp.sock,server=on,wait=off,id=m" --monitor chardev=m \
    --pidfile "$orphan/qsd.pid" --daemonize
opid=$(cat "$orphan/qsd.pid")
cleanup_fn stop_unless_dead "$opid"
touch -d '2 minutes ago' "$orphan"
st snapshot-delete web s1 >/dev/null 2>"$dir/err" ||
    fail "delete with an orphan QSD holding the base: $(cat "$dir/err")"
assert_contains "$(cat "$dir/err")" "stopping QSD pid $opid, left running in $orphan by a strata that died"
_wait_until 10 "the orphan to go" dead_or_zombie "$opid"
[ ! -e "$orphan" ] || fail "the orphan's run directory is left"
[ -e "$dir/run/op-inuse" ] || fail "a claimed run directory was removed"
views web >"$dir/after"
same_views "$dir/before" "$dir/after" || fail "orphan: a view changed"
echo "$n cases ok"
