#!/usr/bin/env bash
# group: quick live
# 'list' as virsh lists: running domains by default, --all, --inactive,
# --name; the State column and the Id (the QSD's pid) come from the live
# QSD, so list and status agree; a QSD killed behind strata's back makes
# its domain "shut off" again.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/live-functions.sh"
set -euo pipefail

requires "$QEMU_IMG" --version
requires "$QSD" --version
requires jq --version

dir=$(mktempdir)
st=("$STRATA" --state-dir "$dir/state" --run-dir "$dir/run")
cleanup_fn strata_stop_all web

"$QEMU_IMG" create -q -f qcow2 "$dir/web.qcow2" 16M
"$QEMU_IMG" create -q -f qcow2 "$dir/db.qcow2" 16M
"${st[@]}" -q define-as web --disk "vda=$dir/web.qcow2" >/dev/null
"${st[@]}" -q define-as db --disk "vda=$dir/db.qcow2" >/dev/null

# Nothing runs: the default list is an empty table (virsh's layout,
# ending with an empty line), --all and --inactive show both.
"${st[@]}" list >"$dir/out"
printf ' Id   Name   State\n--------------------\n\n' >"$dir/want"
cmp -s "$dir/out" "$dir/want" || fail "empty list: $(cat -A "$dir/out")"
out=$("${st[@]}" list --inactive)
assert_eq "$out" " Id   Name   State
-----------------------
 -    db     shut off
 -    web    shut off" "list --inactive, nothing running"

pid=$("${st[@]}" --json start web | jq -r .pid)
cleanup_fn kill -9 "$pid"
"${st[@]}" --json status web >"$dir/status.json"
assert_json "$dir/status.json" ".running and .pid == $pid"

# The running domain, with its QSD's pid as Id, as status says.
w=$(( ${#pid} > 2 ? ${#pid} : 2 ))
out=$("${st[@]}" list)
assert_eq "$out" "$(printf ' %-*s   %-4s   %s\n' "$w" Id Name State
                    printf -- '-%.0s' $(seq 1 $((w + 20))); echo
                    printf ' %-*s   %-4s   %s' "$w" "$pid" web running)" "list"
out=$("${st[@]}" list --all)
assert_contains "$out" " -$(printf '%*s' $((w - 1)) '')   db     shut off"
assert_contains "$out" " $pid   web    running"
out=$("${st[@]}" list --inactive)
assert_contains "$out" " -    db     shut off"
case $out in *web*) fail "list --inactive shows the running domain: $out" ;; esac
"${st[@]}" list --name >"$dir/out"
printf 'web\n\n' >"$dir/want"
cmp -s "$dir/out" "$dir/want" || fail "list --name: $(cat -A "$dir/out")"
assert_eq "$("${st[@]}" list --all --name)" "db
web" "list --all --name"
assert_eq "$("${st[@]}" list --inactive --name)" "db" "list --inactive --name"
"${st[@]}" --json list >"$dir/l.json"
assert_json "$dir/l.json" ".domains == [{\"id\":$pid,\"name\":\"web\",\"state\":\"running\"}]"
"${st[@]}" --json list --all >"$dir/l.json"
assert_json "$dir/l.json" ".domains == [{\"id\":null,\"name\":\"db\",\"state\":\"shut off\"},{\"id\":$pid,\"name\":\"web\",\"state\":\"running\"}]"
rc=0; "${st[@]}" list --bogus 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "list --bogus"
assert_contains "$(cat "$dir/err")" "unknown option '--bogus'"

# A QSD killed behind strata's back: shut off again, as status says.
kill -9 "$pid"
wait_for_exit "$pid" 10
out=$("${st[@]}" list --all)
assert_contains "$out" " -    web    shut off"
assert_eq "$("${st[@]}" list --name)" "" "list --name after the QSD died"
rc=0; "${st[@]}" status web >/dev/null || rc=$?
assert_eq "$rc" 2 "status after the QSD died"
echo ok
