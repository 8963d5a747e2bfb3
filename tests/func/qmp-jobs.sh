#!/usr/bin/env bash
# group: quick qsd
# The job runner on a real chain base <- mid <- top: an intermediate
# commit, a stream and an active commit run to completion with progress
# callbacks seen; what the guest sees is unchanged (compared with a copy
# flattened before), and the rewritten headers name absolute paths, not
# json:{...} strings.
source "$srcdir/tests/functions.sh"
set -euo pipefail

requires "$QSD" --version
requires qemu-io --version
drive=$builddir/tests/tools/qmp-drive
requires test -x "$drive"

dir=$(mktempdir)
run=$dir/run
cd "$dir"

mkchain() {
    rm -f base.qcow2 mid.qcow2 top.qcow2
    qemu-img create -q -f qcow2 base.qcow2 64M
    qemu-io -f qcow2 -c 'write -P 0x11 0 8M' base.qcow2 >/dev/null
    # Relative backing strings, as users write them.
    qemu-img create -q -f qcow2 -F qcow2 -b base.qcow2 mid.qcow2
    qemu-io -f qcow2 -c 'write -P 0x22 4M 8M' mid.qcow2 >/dev/null
    qemu-img create -q -f qcow2 -F qcow2 -b mid.qcow2 top.qcow2
    qemu-io -f qcow2 -c 'write -P 0x33 10M 4M' top.qcow2 >/dev/null
    qemu-img convert -O raw top.qcow2 expect.raw
}
backing_of() {
    qemu-img info -U --output=json "$1" | jq -r '."backing-filename" // "none"'
}
progress_count() {
    grep -o 'progress-calls=[0-9]*' "$1" | cut -d= -f2
}

open_chain=(open vda "$dir/top.qcow2:qcow2" "$dir/mid.qcow2:qcow2" "$dir/base.qcow2:qcow2")

# Intermediate commit: mid into base; top's header now names base.
mkchain
"$drive" "$run" "${open_chain[@]}" , commit c1 vda-2 vda-1 vda-0 16777216 , chain vda-2 >out
cat out
assert_contains "$(cat out)" "job c1 done"
[ "$(progress_count out)" -ge 1 ] || fail "no progress callback"
assert_eq "$(grep -c "qcow2 /" out)" 2 "live chain length after commit"
assert_eq "$(backing_of top.qcow2)" "$dir/base.qcow2" "top's backing after commit"
assert_same_content top.qcow2 expect.raw

# Stream: mid's data pulled up into top; top now backs onto base.
mkchain
"$drive" "$run" "${open_chain[@]}" , stream s1 vda-2 vda-0 16777216 , chain vda-2 >out
cat out
assert_contains "$(cat out)" "job s1 done"
[ "$(progress_count out)" -ge 1 ] || fail "no progress callback"
assert_eq "$(backing_of top.qcow2)" "$dir/base.qcow2" "top's backing after stream"
assert_same_content top.qcow2 expect.raw

# Stream without a base flattens.
mkchain
"$drive" "$run" "${open_chain[@]}" , stream s2 vda-2 - >out
assert_eq "$(backing_of top.qcow2)" none "top's backing after a full stream"
assert_same_content top.qcow2 expect.raw

# Active commit: top and mid into base (READY, job-complete); base alone
# now holds what the guest saw.
mkchain
"$drive" "$run" "${open_chain[@]}" , commit c2 vda-2 - vda-0 >out
cat out
assert_contains "$(cat out)" "job c2 done"
[ "$(progress_count out)" -ge 1 ] || fail "no progress callback"
assert_same_content base.qcow2 expect.raw

# A job QSD refuses to start names the command.
mkchain
out=$("$drive" "$run" "${open_chain[@]}" , ?commit c3 vda-2 vda-1 nosuch)
assert_contains "$out" "EXPECTED not-found: block-commit: no block node 'nosuch' in QSD"
out=$("$drive" "$run" "${open_chain[@]}" , ?stream s3 vda-0 vda-2)
assert_contains "$out" "EXPECTED qmp: block-stream: "

# A job past its deadline is cancelled and dismissed; the base keeps a
# valid image (qemu-img check) and the chain still reads the same.
mkchain
out=$("$drive" -j 300 "$run" "${open_chain[@]}" , ?commit c4 vda-2 - vda-0 1048576 , \
      exec query-jobs , chain vda-2)
echo "$out"
assert_contains "$out" "EXPECTED timeout: job 'c4' did not finish within 300 ms and was cancelled"
assert_contains "$out" "
[]
"
assert_contains "$out" "vda-2 qcow2 $dir/top.qcow2"
qemu-img check -q base.qcow2
assert_same_content top.qcow2 expect.raw

# The caller's abort flag cancels a running job the same way.
mkchain
out=$("$drive" -A 2 "$run" "${open_chain[@]}" , ?commit c5 vda-2 vda-1 vda-0 1048576 , \
      exec query-jobs)
assert_contains "$out" "EXPECTED job: job 'c5' was cancelled"
assert_contains "$out" "
[]"
assert_same_content top.qcow2 expect.raw
