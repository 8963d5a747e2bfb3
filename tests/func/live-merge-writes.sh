#!/usr/bin/env bash
# group: qsd delete live
# Merges under a writing client: a live domain whose disk an NBD client
# keeps writing (tests/tools/nbd-writer: a 64 KiB block at a time, each
# filled with its sequence number) while snapshot-delete streams,
# commits an intermediate layer, and commits the active layer with its
# pivot, and while blockcommit --active --pivot and blockpull run.
# Every write the export acknowledged reads back afterwards.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
writer=$builddir/tests/tools/nbd-writer
dir=$(mktempdir)

# setup BASE-DATA: a 64 MiB disk, base <- s1 <- s2 <- active with
# BASE-DATA written in the base and 16 MiB in s1's overlay: a delete of
# s2 commits the small active layer; of s1, streams a small base.
setup() {
    rm -rf "$dir"/*
    qemu-img create -q -f qcow2 "$dir/vda.qcow2" 64M
    wr "$dir/vda.qcow2" "write -P 0x11 0 $1"
    st define-as web --disk "vda=$dir/vda.qcow2" >/dev/null
    st snapshot-create-as web s1 --disk-only >/dev/null
    wr "$(active_of web vda)" 'write -P 0x22 8M 16M'
    st snapshot-create-as web s2 --disk-only >/dev/null
    wr "$(active_of web vda)" 'write -P 0x33 0 1M'
    st start web >/dev/null
    qsd=$(cat "$dir/run/web/qsd.pid")
    cleanup_fn stop_unless_dead "$qsd"
}

# under_writes ACTION COMMAND...: COMMAND runs while the writer writes;
# the dry run (for a delete) must plan ACTION.
under_writes() {
    local action=$1 out
    shift
    what="$*"
    if [ "$1" = snapshot-delete ]; then
        assert_json <(st --json "$@" --dry-run) ".steps | map(.action) | unique == [\"$action\"]"
    fi
    rm -f "$dir/stop"
    "$writer" "nbd+unix:///vda?socket=$dir/run/web/nbd.sock" "$dir/stop" 1024 >"$dir/writes" &
    wpid=$!
    cleanup_fn stop_unless_dead "$wpid"
    st "$@" >/dev/null
    touch "$dir/stop"
    rc=0; wait "$wpid" || rc=$?
    out=$(cat "$dir/writes")
    assert_eq "$rc" 0 "$what: writes lost ($out)"
    case $out in "0 writes"*) fail "$what: the client wrote nothing during the merge" ;; esac
    echo "$what: $out"
    assert_eq "$(st --json status web | jq '.jobs | length')" 0 "$what: jobs left"
}

setup 48M
under_writes commit snapshot-delete web s2          # active commit, pivot
under_writes stream blockpull web vda               # flattens the active layer
st stop web >/dev/null

setup 48M
under_writes commit snapshot-delete web s1 --no-stream   # intermediate commit
st snapshot-delete web s2 --metadata >/dev/null     # so no snapshot names a file
under_writes commit blockcommit web vda --active --pivot
st stop web >/dev/null

setup 1M
under_writes stream snapshot-delete web s1          # stream into s1's overlay
st stop web >/dev/null
no_qsd_left
