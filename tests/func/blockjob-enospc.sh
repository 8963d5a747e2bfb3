#!/usr/bin/env bash
# group: qsd delete nbdkit
# ENOSPC during the merges delete-enospc.sh does not cover: an active
# commit (blockcommit --active --pivot: the active layer o3 into o2) and
# a stream (blockpull: o2 into the active layer o3).  The target's bytes
# are served to QSD by nbdkit's file plugin behind the error filter,
# whose writes fail with ENOSPC while a trigger file exists
# (STRATA_TEST_NBD_FILE, hacking(7)).  Each job must pause and say so,
# then finish once the trigger is gone, with the disk reading as before.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires nbdkit --filter=error file --version

# setup TARGET: base <- o1 <- o2 <- o3 (active) in a fresh $dir, no
# snapshots, and nbdkit serving TARGET's bytes with writes failing
# while $dir/full exists (it does from the start).
setup() {
    dir=$(mktempdir)
    img "$dir/base.qcow2"; wr "$dir/base.qcow2" 'write -P 0x11 0 4M'
    img "$dir/o1.qcow2" "$dir/base.qcow2"; wr "$dir/o1.qcow2" 'write -P 0x22 0 3M'
    img "$dir/o2.qcow2" "$dir/o1.qcow2"; wr "$dir/o2.qcow2" 'write -P 0x33 3M 1M'
    img "$dir/o3.qcow2" "$dir/o2.qcow2"; wr "$dir/o3.qcow2" 'write -P 0x44 6M 256K'
    target=$dir/$1
    # Room for new clusters past the file's end: the NBD export has the
    # file's size when nbdkit starts (as in delete-enospc.sh).
    truncate -s +16M "$target"
    st define-as web --disk "vda=$dir/o3.qcow2" >/dev/null
    views web >"$dir/before"
    : >"$dir/full"
    nbdkit -U "$dir/nbd.sock" -P "$dir/nbdkit.pid" --filter=error file "$target" \
        error-pwrite=ENOSPC error-pwrite-rate=100% error-pwrite-file="$dir/full" \
        error-zero=ENOSPC error-zero-rate=100% error-zero-file="$dir/full"
    wait_for_file "$dir/nbdkit.pid"
    cleanup_fn stop_pid "$(cat "$dir/nbdkit.pid")"
    export STRATA_TEST_NBD_FILE="$target=$dir/nbd.sock"
}
waiting_line() { grep -q "no space left writing '$target'" "$dir/err"; }

# run_case WHAT CMD...: CMD must wait for space, then finish.
run_case() {
    local what=$1 pid rc=0
    shift
    st "$@" >"$dir/out" 2>"$dir/err" &
    pid=$!
    _wait_until 30 "$what to say it waits for space" waiting_line
    kill -0 "$pid" 2>/dev/null || fail "$what did not wait for space: $(cat "$dir/err")"
    grep -q '"on-error":"enospc"' "$dir/err" || fail "$what started without on-error=enospc"
    rm "$dir/full"
    wait "$pid" || rc=$?
    grep -v ': debug: ' "$dir/err" || true
    assert_eq "$rc" 0 "$what after space came back"
    grep -q '"execute":"job-resume"' "$dir/err" || fail "$what: the job was never resumed"
    views web >"$dir/after"
    assert_eq "$(grep '^domain vda ' "$dir/after")" "$(grep '^domain vda ' "$dir/before")" \
        "vda after $what"
    "$QEMU_IMG" check -q "$target" || fail "$target has errors after $what"
    stop_pid "$(cat "$dir/nbdkit.pid")"
    no_qsd_left
}

# 1. Active commit: o3 into o2, then the pivot.
setup o2.qcow2
what="active commit"
run_case "$what" blockcommit web vda --base "$dir/o2.qcow2" --active --pivot
assert_eq "$(chain_len "$dir/o2.qcow2")" 3 "layers under o2, now active"

# 2. Stream: o2 pulled up into o3.
setup o3.qcow2
what="stream"
run_case "$what" blockpull web vda --base "$dir/o1.qcow2"
assert_eq "$(chain_len "$dir/o3.qcow2")" 3 "layers under o3 after the pull"
echo "blockjob-enospc ok"
