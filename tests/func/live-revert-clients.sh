#!/usr/bin/env bash
# group: qsd live snapshot
# snapshot-revert --force on a live domain whose disk has two connected
# NBD clients, one idle and one mid-read: QEMU's default ("safe")
# block-export-del refuses while a client is connected, so the revert
# cuts them off (mode "hard"), swaps the export, says how many
# connections it cut (text and --json), and a client connecting again
# reads the reverted content.  Without --force the revert is refused
# and the clients stay connected.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/live-functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires "$QEMU_IMG" --version
requires qemu-io --version
requires jq --version

hold=$builddir/tests/tools/nbd-hold
[ -x "$hold" ] || fail "$hold not built"
dir=$(mktempdir)
st=("$STRATA" --state-dir "$dir/state" --run-dir "$dir/run")
cleanup_fn strata_stop_all web
"$QEMU_IMG" create -q -f qcow2 "$dir/vda.qcow2" 32M
wr "$dir/vda.qcow2" 'write -P 0x11 0 32M'
"${st[@]}" define-as web --disk "vda=$dir/vda.qcow2" >/dev/null
"${st[@]}" snapshot-create-as web s1 >/dev/null
wr "$(st dumpxml web | xmllint --xpath 'string(//disk/source/@file)' -)" 'write -P 0x22 0 1M'
"${st[@]}" --json start web >"$dir/start.json"
cleanup_fn kill -9 "$(jq -r .pid "$dir/start.json")"
uri=$(jq -r '.exports[] | select(.disk == "vda") | .uri' "$dir/start.json")

"$hold" "$uri" "$dir/ready-idle" idle >"$dir/idle.out" 2>&1 &
idle=$!
cleanup_fn kill "$idle"
"$hold" "$uri" "$dir/ready-read" read >"$dir/read.out" 2>&1 &
reader=$!
cleanup_fn kill "$reader"
wait_for_file "$dir/ready-idle"
wait_for_file "$dir/ready-read"

# Without --force: refused, nothing cut.
rc=0; "${st[@]}" snapshot-revert web s1 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "revert without --force"
assert_contains "$(cat "$dir/err")" "--force"
kill -0 "$idle" && kill -0 "$reader" || fail "a client was cut by a refused revert"

"${st[@]}" --json snapshot-revert web s1 --force >"$dir/revert.json" 2>"$dir/err" ||
    fail "revert --force with clients connected: $(cat "$dir/err")"
assert_json "$dir/revert.json" '.live == true and .["clients-cut"] == 2'
wait_for_exit "$idle"
wait_for_exit "$reader"
rc=0; wait "$idle" || rc=$?
assert_eq "$rc" 0 "the idle client's exit (cut by the server): $(cat "$dir/idle.out")"
rc=0; wait "$reader" || rc=$?
assert_eq "$rc" 0 "the reading client's exit (cut by the server): $(cat "$dir/read.out")"
grep -q '^cut after [0-9]* reads' "$dir/read.out" || fail "reader: $(cat "$dir/read.out")"

# A new client reads s1's content through the same URI.
"$QEMU_IMG" compare -U -f raw -F qcow2 "$uri" "$dir/vda.qcow2" >/dev/null ||
    fail "the export does not read as s1 after the revert"

# Text: the count is said.  One client again, then revert once more.
"$hold" "$uri" "$dir/ready-2" idle >"$dir/idle2.out" 2>&1 &
idle2=$!
cleanup_fn kill "$idle2"
wait_for_file "$dir/ready-2"
out=$("${st[@]}" snapshot-revert web s1 --force)
assert_contains "$out" "Cut off 1 NBD client connection;"
wait_for_exit "$idle2"
