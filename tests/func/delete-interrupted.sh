#!/usr/bin/env bash
# group: qsd delete
# A delete whose QSD is killed (SIGKILL) in the middle of committing o2
# into o1: strata fails saying so, the journal keeps the plan, every
# file is still readable and every remaining view unchanged, the
# metadata still names every file (nothing was unlinked), other deletes
# are refused until this one is finished, and running the same command
# again finishes it (the commit into o1 is completed, never abandoned),
# checked by --verify against the digests the first run journalled.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

dir=$(mktempdir)
img "$dir/base.qcow2"; wr "$dir/base.qcow2" 'write -P 0x11 0 4M'
img "$dir/o1.qcow2" "$dir/base.qcow2"; wr "$dir/o1.qcow2" 'write -P 0x22 1M 4M'
img "$dir/o2.qcow2" "$dir/o1.qcow2"; wr "$dir/o2.qcow2" 'write -P 0x33 2560K 2M'
img "$dir/o3.qcow2" "$dir/o2.qcow2"; wr "$dir/o3.qcow2" 'write -P 0x44 5M 256K'
st define-as web --disk "vda=$dir/o3.qcow2" >/dev/null
redefine web s1 - 0 "vda=$dir/base.qcow2:$dir/o1.qcow2"
redefine web s2 s1 0 "vda=$dir/o1.qcow2:$dir/o2.qcow2"
redefine web s3 s2 1 "vda=$dir/o2.qcow2:$dir/o3.qcow2"
views web >"$dir/before"
assert_json <(st --json snapshot-delete web s2 --dry-run) '.steps[0].action == "commit"'

# 2 MiB at 256 KiB/s: the job runs for seconds; kill QSD once it runs.
STRATA_DEBUG=1 st snapshot-delete web s2 --verify --speed 262144 2>"$dir/log" &
pid=$!
cleanup_fn stop_pid "$pid"
running() { grep -q '"JOB_STATUS_CHANGE","data":{"status":"running"' "$dir/log"; }
_wait_until 30 "the commit job to run" running
qsd_pid=$(cat "$dir"/run/op-*/qsd.pid)
kill -9 "$qsd_pid"
rc=0; wait "$pid" || rc=$?
assert_eq "$rc" 1 "strata's status after QSD was killed"
assert_contains "$(cat "$dir/log")" "strata: snapshot 's2': disk 'vda': commit of '$dir/o2.qcow2' into '$dir/o1.qcow2'"
assert_contains "$(cat "$dir/log")" "killed by signal 9"
assert_contains "$(cat "$dir/log")" "run the same snapshot-delete again to finish it"

# Readable, unchanged, consistent.
for f in base o1 o2 o3; do
    qemu-img check -q "$dir/$f.qcow2" || fail "$f.qcow2 is damaged"
done
assert_json "$dir/state/web/journal" '.operation == "snapshot-delete" and .snapshot == "s2" and .phase == "data"'
assert_eq "$(names web)" "s1 s2 s3" "snapshots after the interruption"
assert_eq "$(pit_of web s3 vda)" "$dir/o2.qcow2" "s3's point in time"
views web | grep -v '^s2 ' >"$dir/mid"
same_views "$dir/before" "$dir/mid"
st chain check "$dir/o3.qcow2" >/dev/null

# Only the same delete may run now.
rc=0; st snapshot-delete web s1 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "another delete while one is pending"
assert_contains "$(cat "$dir/err")" "the delete of snapshot 's2' (one) was interrupted and must be finished first"
rc=0; st snapshot-revert web s2 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "revert to a snapshot being deleted"
assert_contains "$(cat "$dir/err")" "has an interrupted snapshot-delete of 's2'"
# A delete only rolls forward: the hint does not offer to roll it back.
assert_contains "$(cat "$dir/err")" "hint: run 'strata recover web' to finish it (a delete rolls forward only)"
case $(cat "$dir/err") in *"roll it back"*) fail "the hint offers to roll a delete back: $(cat "$dir/err")" ;; esac
rc=0; st verify web --snapshot s2 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "reading a snapshot being deleted"
assert_contains "$(cat "$dir/err")" "snapshot 's2' of domain 'web' is being deleted"
rc=0; st snapshot-delete web s1 --metadata 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--metadata while a delete is pending"
assert_contains "$(cat "$dir/err")" "has an interrupted snapshot-delete of 's2'"

# --verify compares against the digests the first run journalled: a
# changed one stops the delete before any unlink, and it stays stopped.
assert_json "$dir/state/web/journal" '.detail."verify-before"."vda@current" | test("^xxh128-64k:[0-9a-f]{32}$")'
cp "$dir/state/web/journal" "$dir/journal.saved"
jq '.detail."verify-before"."vda@s3" = "0000"' "$dir/journal.saved" >"$dir/state/web/journal"
rc=0; st snapshot-delete web s2 --verify 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "a resumed delete whose --verify finds a change"
assert_contains "$(cat "$dir/err")" "verify: view vda@s3 changed during the delete (digest 0000 before"
[ -e "$dir/o2.qcow2" ] || fail "a file was unlinked although --verify failed"
assert_json "$dir/state/web/journal" '.phase == "verify-failed"'
rc=0; st snapshot-delete web s2 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "a delete stopped by --verify run again"
assert_contains "$(cat "$dir/err")" "--verify found a view changed"
cp "$dir/journal.saved" "$dir/state/web/journal"

# A journal from a strata that kept bare SHA-256 digests (before
# xxh128-64k became the default and digests carried their algorithm) is
# resumed with SHA-256, not compared with xxh128-64k values.
cp "$dir/journal.saved" "$dir/journal.sha"
while read -r label; do
    dev=${label%@*} snap=${label#*@}
    args=(--disk "$dev")
    [ "$snap" = current ] || args+=(--snapshot "$snap")
    hex=$(st verify web "${args[@]}" --digest sha256-64k | awk '{ print $1 }')
    hex=${hex#sha256-64k:}
    [ ${#hex} = 64 ] || fail "no sha256-64k digest for $label: '$hex'"
    jq --arg l "$label" --arg h "$hex" '.detail."verify-before"[$l] = $h' "$dir/journal.sha" >"$dir/j.tmp"
    mv "$dir/j.tmp" "$dir/journal.sha"
done < <(jq -r '.detail."verify-before" | keys[]' "$dir/journal.saved")
cp "$dir/journal.sha" "$dir/state/web/journal"

# The same command finishes it.
assert_eq "$(st snapshot-delete web s2 --verify | sed -n 1p)" "Domain snapshot s2 deleted"
[ ! -e "$dir/state/web/journal" ] || fail "journal left behind"
[ ! -e "$dir/o2.qcow2" ] || fail "o2 was not unlinked"
views web >"$dir/after"
same_views "$dir/before" "$dir/after"
assert_eq "$(names web)" "s1 s3" "snapshots after the second run"
assert_eq "$(chain_len "$dir/o3.qcow2")" 3 "layers under o3"
st chain check "$dir/o3.qcow2" >/dev/null
echo ok
