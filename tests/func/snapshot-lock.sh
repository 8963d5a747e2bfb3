#!/usr/bin/env bash
# group: quick snapshot
# One mutating command per domain (SPEC §8): while another process holds
# DOMAIN/lock, --no-wait fails at once with "busy" and changes nothing,
# and without it the command waits and then succeeds; many concurrent
# redefines and current changes leave a consistent store.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires jq --version
requires flock --version

dir=$(mktempdir)
data=$srcdir/tests/data
st=("$STRATA" -q --state-dir "$dir/state" --run-dir "$dir/run")
snaps=$dir/state/test/snapshots

"${st[@]}" define "$data/snapshot-list/domain.xml" >/dev/null
mkdir "$dir/xml"
source "$data/snapshot-list/gen-tree.sh"
gen_tree "$dir/xml" "$data/snapshot-list/domain.xml" >/dev/null
"${st[@]}" snapshot-create test "$dir/xml/r1.xml" --redefine >/dev/null

# Another process holds the lock until we write to the fifo.
mkfifo "$dir/release"
flock "$dir/state/test/lock" -c "echo held >'$dir/held'; read x <'$dir/release'" &
holder=$!
cleanup_fn stop_pid "$holder"
wait_for_file "$dir/held"

before=$(cd "$dir/state" && find . -type f ! -name lock -exec md5sum {} + | sort)
rc=0; "${st[@]}" --json snapshot-create test "$dir/xml/a1.xml" --redefine --no-wait \
    >"$dir/out" 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "--no-wait while locked"
assert_contains "$(cat "$dir/err")" "domain 'test' is busy"
assert_json "$dir/out" '.error.code == "busy"'
for cmd in "snapshot-delete test r1 --metadata" "snapshot-current test r1" "undefine test"; do
    rc=0; "${st[@]}" $cmd --no-wait 2>"$dir/err" >/dev/null || rc=$?
    assert_eq "$rc" 1 "$cmd --no-wait while locked"
    assert_contains "$(cat "$dir/err")" "busy"
done
after=$(cd "$dir/state" && find . -type f ! -name lock -exec md5sum {} + | sort)
assert_eq "$after" "$before" "store changed by refused commands"

# Read-only commands do not take the lock.
"${st[@]}" snapshot-list test --name >/dev/null

# Without --no-wait the command waits (its debug line says so), then runs.
"$STRATA" -v --state-dir "$dir/state" snapshot-create test "$dir/xml/a1.xml" --redefine \
    >"$dir/waiter.out" 2>"$dir/waiter.err" &
waiter=$!
cleanup_fn stop_pid "$waiter"
_wait_until 30 "the waiter to block on the lock" grep -q "waiting for the lock" "$dir/waiter.err"
kill -0 "$waiter" || fail "the waiter did not wait"
[ ! -e "$snaps/a1.xml" ] || fail "a1 written while the lock was held"
echo go >"$dir/release"
rc=0; wait "$waiter" || rc=$?
assert_eq "$rc" 0 "the waiter after the lock was released"
[ -e "$snaps/a1.xml" ] || fail "the waiter did not write a1"

# Many concurrent mutating commands: all succeed, one at a time.
pids=()
for i in 1 2 3 4 5 6 7 8; do
    sed "s/<name>a2</<name>k$i</" "$dir/xml/a2.xml" >"$dir/xml/k$i.xml"
    "${st[@]}" snapshot-create test "$dir/xml/k$i.xml" --redefine --current >/dev/null &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "a concurrent redefine failed"; done
out=$("${st[@]}" snapshot-list test --name 2>"$dir/err")
assert_eq "$(echo "$out" | grep -c .)" 10 "snapshots after concurrent redefines"
[ ! -s "$dir/err" ] || fail "warnings after concurrent redefines: $(cat "$dir/err")"
assert_eq "$(grep -l '<active>1</active>' "$snaps"/*.xml | wc -l)" 1 "exactly one current"
[ -z "$(ls -A "$snaps" | grep -v '\.xml$')" ] || fail "temporary files left in the store"
