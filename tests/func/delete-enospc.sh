#!/usr/bin/env bash
# group: qsd delete nbdkit
# A merge whose target's file system is full waits for space instead of
# failing: the commit's target o1 is served to QSD by nbdkit's file
# plugin behind the error filter, whose writes fail with ENOSPC while a
# trigger file exists (STRATA_TEST_NBD_FILE, hacking(7); no root and no
# full file system needed).
#   1. Space comes back while strata waits: the test removes the trigger
#      once strata says it waits; the delete finishes, every view reads
#      as before.
#   2. Space never comes back: at --timeout the job is cancelled, the
#      delete fails naming the file and the space, every view reads as
#      before, the journal stays in phase data, and the same command
#      finishes it once the trigger is gone.
#   3. blockcommit waits and resumes the same way.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version
requires nbdkit --filter=error file --version

# setup [nosnap]: base <- o1 <- o2 <- o3 (active) in a fresh $dir, s1..s3,
# and nbdkit serving o1's bytes with writes failing while $dir/full
# exists (it does from the start).  Deleting s2 commits o2 into o1.
setup() {
    dir=$(mktempdir)
    img "$dir/base.qcow2"; wr "$dir/base.qcow2" 'write -P 0x11 0 4M'
    img "$dir/o1.qcow2" "$dir/base.qcow2"; wr "$dir/o1.qcow2" 'write -P 0x22 0 3M'
    img "$dir/o2.qcow2" "$dir/o1.qcow2"; wr "$dir/o2.qcow2" 'write -P 0x33 3M 1M'
    img "$dir/o3.qcow2" "$dir/o2.qcow2"; wr "$dir/o3.qcow2" 'write -P 0x44 6M 256K'
    # The NBD export has the file's size when nbdkit starts, and qcow2
    # allocates new clusters past its end: room for them, unreferenced
    # (qcow2 allocates where the refcounts say free, so this is used).
    truncate -s +16M "$dir/o1.qcow2"
    st define-as web --disk "vda=$dir/o3.qcow2" >/dev/null
    if [ "${1:-}" != nosnap ]; then
        redefine web s1 - 0 "vda=$dir/base.qcow2:$dir/o1.qcow2"
        redefine web s2 s1 0 "vda=$dir/o1.qcow2:$dir/o2.qcow2"
        redefine web s3 s2 1 "vda=$dir/o2.qcow2:$dir/o3.qcow2"
    fi
    views web >"$dir/before"
    : >"$dir/full"
    nbdkit -U "$dir/nbd.sock" -P "$dir/nbdkit.pid" --filter=error file "$dir/o1.qcow2" \
        error-pwrite=ENOSPC error-pwrite-rate=100% error-pwrite-file="$dir/full" \
        error-zero=ENOSPC error-zero-rate=100% error-zero-file="$dir/full"
    wait_for_file "$dir/nbdkit.pid"
    cleanup_fn stop_pid "$(cat "$dir/nbdkit.pid")"
    export STRATA_TEST_NBD_FILE="$dir/o1.qcow2=$dir/nbd.sock"
}

journal_phase() { jq -r .phase "$(find "$dir/state" -name journal -type f)"; }
waiting_line() { grep -q "no space left writing '$dir/o1.qcow2'" "$dir/err"; }

# 1. Space comes back during the wait.
setup
st snapshot-delete web s2 --timeout 60 >"$dir/out" 2>"$dir/err" &
pid=$!
_wait_until 30 "strata to say it waits for space" waiting_line
line=$(grep "no space left writing" "$dir/err")
echo "$line"
# The bytes still to copy are QEMU's: the job's offsets not yet passed
# (its total is the whole 8 MiB disk; o2's 1 MiB at 3 MiB is the data).
echo "$line" | grep -Eq "^strata: warning: snapshot: disk 'vda': no space left writing '$dir/o1.qcow2'; [0-9]+ bytes still to copy; waiting up to (59|60) s for space\$" ||
    fail "unexpected waiting line: $line"
left=$(echo "$line" | sed -E 's/.*; ([0-9]+) bytes still.*/\1/')
[ "$left" -gt 0 ] && [ "$left" -le 5242880 ] || fail "bytes still to copy: $left"

# Still waiting: nothing has been written into o1 yet.
kill -0 "$pid" 2>/dev/null || fail "strata did not wait for space: $(cat "$dir/err")"
rm "$dir/full"
rc=0; wait "$pid" || rc=$?
cat "$dir/err" | grep -v ': debug: ' || true
assert_eq "$rc" 0 "delete after space came back"
assert_contains "$(cat "$dir/out")" "Domain snapshot s2 deleted"
assert_contains "$(cat "$dir/err")" "space came back in '$dir/o1.qcow2'"
grep -q '"execute":"job-resume"' "$dir/err" || fail "the job was never resumed"
grep -q '"on-error":"enospc"' "$dir/err" || fail "block-commit without on-error=enospc"
views web >"$dir/after"
same_views "$dir/before" "$dir/after"
[ ! -e "$dir/o2.qcow2" ] || fail "o2 was not unlinked"
[ -z "$(find "$dir/state" -name journal -type f)" ] || fail "journal left after success"
"$QEMU_IMG" check -q "$dir/o1.qcow2" || fail "o1 has errors after the commit"
stop_pid "$(cat "$dir/nbdkit.pid")"
what="case 1"; no_qsd_left

# 2. Space never comes back: cancelled at --timeout, nothing lost.
setup
rc=0; st snapshot-delete web s2 --timeout 3 >"$dir/out" 2>"$dir/err" || rc=$?
grep -v ': debug: ' "$dir/err" || true
assert_eq "$rc" 1 "delete with no space"
assert_contains "$(cat "$dir/err")" "disk 'vda': no space left writing '$dir/o1.qcow2'; 5242880 bytes still to copy; waiting up to 3 s for space"
err=$(grep -v ': debug: \|: warning: ' "$dir/err")
assert_contains "$err" "commit of '$dir/o2.qcow2' into '$dir/o1.qcow2': no space left writing '$dir/o1.qcow2': job 'strata-delete-0' had no space to write for "
assert_contains "$err" "ms and was cancelled; 5242880 bytes still to copy"
assert_contains "$err" "free space on the file system of '$dir/o1.qcow2'"
assert_contains "$err" "run the same command again to finish it; nothing was lost"
grep -q '"execute":"job-cancel"' "$dir/err" || fail "the job was not cancelled"
grep -q '"execute":"job-dismiss"' "$dir/err" || fail "the cancelled job was not dismissed"
[ -s "$dir/out" ] && fail "stdout not empty: $(cat "$dir/out")"
views web >"$dir/after"
same_views "$dir/before" "$dir/after"
assert_eq "$(journal_phase)" data "journal phase after the cancelled job"
assert_eq "$(names web)" "s1 s2 s3" "snapshots after the failed delete"
what="case 2"; no_qsd_left
# Space is back: the same command finishes the delete.
rm "$dir/full"
st snapshot-delete web s2 --timeout 60 >"$dir/out" 2>"$dir/err2" ||
    fail "re-run after freeing space: $(grep -v ': debug: ' "$dir/err2")"
assert_contains "$(cat "$dir/out")" "Domain snapshot s2 deleted"
views web >"$dir/after"
same_views "$dir/before" "$dir/after"
[ -z "$(find "$dir/state" -name journal -type f)" ] || fail "journal left after the re-run"
assert_eq "$(names web)" "s1 s3" "snapshots after the re-run"
stop_pid "$(cat "$dir/nbdkit.pid")"
what="case 2 re-run"; no_qsd_left

# 3. blockcommit of o2 into o1 waits and resumes as well (no
#    snapshots: blockcommit does not merge a snapshot's layer).
setup nosnap
st blockcommit web vda --top "$dir/o2.qcow2" --base "$dir/o1.qcow2" >"$dir/out" 2>"$dir/err" &
pid=$!
_wait_until 30 "blockcommit to say it waits for space" waiting_line
kill -0 "$pid" 2>/dev/null || fail "blockcommit did not wait for space: $(cat "$dir/err")"
rm "$dir/full"
rc=0; wait "$pid" || rc=$?
grep -v ': debug: ' "$dir/err" || true
assert_eq "$rc" 0 "blockcommit after space came back"
assert_eq "$(chain_len "$dir/o3.qcow2")" 3 "layers under o3 after blockcommit"
# o3 shows what it showed: the domain's view is unchanged.
views web >"$dir/after"
assert_eq "$(grep '^domain vda ' "$dir/after")" "$(grep '^domain vda ' "$dir/before")" "vda after blockcommit"
stop_pid "$(cat "$dir/nbdkit.pid")"
what="case 3"; no_qsd_left
echo "delete-enospc ok"
