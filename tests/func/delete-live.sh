#!/usr/bin/env bash
# group: qsd delete live
# Deletes on a live domain ('strata start'): the jobs run in the
# domain's QSD while its NBD export stays up.  Deleting the current
# snapshot is an active commit whose pivot moves the export to the
# survivor; the disk's content read over NBD (strata verify) is the same
# before and after, new writes land in the survivor, --verify passes,
# and after 'stop' the domain names the survivor with that content.  A
# delete killed right after its pivot is finished without undoing the
# writes clients made since; one killed during its job adopts the job.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

dir=$(mktempdir)
img "$dir/vda.qcow2"; wr "$dir/vda.qcow2" 'write -P 0x11 0 4M'
st define-as web --disk "vda=$dir/vda.qcow2" >/dev/null
st snapshot-create-as web s1 --disk-only >/dev/null
wr "$(active_of web vda)" 'write -P 0x33 1M 512K'
st snapshot-create-as web s2 --disk-only >/dev/null
st start web >/dev/null
cleanup_fn stop_pid "$(cat "$dir/run/web/qsd.pid")"
uri="nbd+unix:///vda?socket=$dir/run/web/nbd.sock"
qemu-io -f raw -c 'write -P 0x44 2M 256K' "$uri" >/dev/null
digest() { st --json verify web | jq -r '.disks[0].digest'; }
d0=$(digest)

st --json snapshot-delete web --current --dry-run >"$dir/plan.json"
assert_json "$dir/plan.json" '.steps[0].action == "commit" and .steps[0].active'
assert_eq "$(st snapshot-delete web --current | sed -n 1p)" "Domain snapshot s2 deleted"
assert_eq "$(digest)" "$d0" "the disk over NBD after the active commit"
st --json status web >"$dir/status.json"
assert_json "$dir/status.json" '.running and (.jobs | length) == 0 and (.exports | length) == 1'
assert_eq "$(active_of web vda)" "$dir/vda.s1" "the domain's active file"
[ ! -e "$dir/vda.s2" ] || fail "vda.s2 was not unlinked"

# Writes still work, and land in the survivor's chain.
qemu-io -f raw -c 'write -P 0x45 3M 256K' "$uri" >/dev/null
d1=$(digest)
st snapshot-delete web s1 --verify >/dev/null
assert_eq "$(digest)" "$d1" "the disk over NBD after the second delete"
assert_eq "$(active_of web vda)" "$dir/vda.qcow2" "the domain's active file"

# strata killed right after the active commit pivoted: clients write to
# the base from then on, so the resumed delete must not commit the old
# top again (that would overwrite those writes).
st snapshot-create-as web s3 --disk-only >/dev/null
qemu-io -f raw -c 'write -P 0x66 1M 256K' "$uri" >/dev/null
rc=0; STRATA_TEST_CRASH=delete-job-done st snapshot-delete web --current 2>/dev/null || rc=$?
assert_eq "$rc" 137 "strata killed after the job"
assert_json "$dir/state/web/journal" '.phase == "data" and .detail."done-steps" == 0'
qemu-io -f raw -c 'write -P 0x77 1M 256K' "$uri" >/dev/null
reads() { qemu-io -f "$1" -c "read -P $2 1M 256K" "$3" | grep -q 'read 262144/262144' ||
              fail "$3 does not read $2 at 1 MiB"; }
reads raw 0x77 "$uri"
assert_eq "$(st snapshot-delete web --current | sed -n 1p)" "Domain snapshot s3 deleted"
reads raw 0x77 "$uri"
d2=$(digest)
assert_eq "$(active_of web vda)" "$dir/vda.qcow2" "the domain's active file"
[ ! -e "$dir/vda.s3" ] || fail "vda.s3 was not unlinked"

# strata killed while the job runs: the job waits in the live QSD (it
# is never finalized without us), 'stop' is refused meanwhile, and the
# same delete adopts and finishes it.
st snapshot-create-as web s4 --disk-only >/dev/null
qemu-io -f raw -c 'write -P 0x78 4M 2M' "$uri" >/dev/null
rc=0; STRATA_TEST_CRASH=delete-job-running st snapshot-delete web --current --speed 262144 2>/dev/null || rc=$?
assert_eq "$rc" 137 "strata killed during the job"
st --json status web >"$dir/status.json"
assert_json "$dir/status.json" '.jobs | length == 1'
rc=0; st stop web 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "stop while the job waits"
assert_eq "$(st snapshot-delete web --current | sed -n 1p)" "Domain snapshot s4 deleted"
st --json status web >"$dir/status.json"
assert_json "$dir/status.json" '.jobs | length == 0'
qemu-io -f raw -c 'read -P 0x78 4M 2M' "$uri" | grep -q 'read 2097152/2097152' || fail "data of s4's layer lost"
reads raw 0x77 "$uri"
d2=$(digest)

st stop web >/dev/null
assert_eq "$(digest)" "$d2" "the disk after stop"
reads qcow2 0x77 "$dir/vda.qcow2"
assert_eq "$(chain_len "$dir/vda.qcow2")" 1 "layers left"
assert_eq "$(names web)" "" "snapshots left"
echo ok
