#!/usr/bin/env bash
# group: chain
# chain rebase FILE: a chain b <- o1 <- o2 (absolute strings) moved from
# A/ to B/ is pointed at its files with --map (dry run first: nothing
# written), its content unchanged and chain check clean; --relative and
# --absolute rewrite a sound chain's strings, always recording the
# format (a raw base's as raw).  Refused, with nothing written: a
# look-alike of another size, another format, another chain, and a
# user's unrelated file of the same name while the old file still exists.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires "$QEMU_IMG" --version
requires "$QSD" --version
requires jq --version

dir=$(mktempdir)
run=(--run-dir "$dir/run")
backing() { "$QEMU_IMG" info -U --output=json "$1" | jq -r '."full-backing-filename" // "-", ."backing-filename-format" // "-"' | paste -sd' '; }

mkdir "$dir/A" "$dir/B"
"$QEMU_IMG" create -q -f qcow2 "$dir/A/b.qcow2" 16M
"$QEMU_IMG" create -q -f qcow2 -F qcow2 -b "$dir/A/b.qcow2" "$dir/A/o1.qcow2"
"$QEMU_IMG" create -q -f qcow2 -F qcow2 -b "$dir/A/o1.qcow2" "$dir/A/o2.qcow2"
qemu-io -f qcow2 -c 'write -P 0x11 0 1M' "$dir/A/b.qcow2" >/dev/null
qemu-io -f qcow2 -c 'write -P 0x22 4M 1M' "$dir/A/o1.qcow2" >/dev/null
qemu-io -f qcow2 -c 'write -P 0x33 8M 1M' "$dir/A/o2.qcow2" >/dev/null
"$QEMU_IMG" convert -O qcow2 "$dir/A/o2.qcow2" "$dir/copy.qcow2"
mv "$dir"/A/* "$dir/B/"
sum() { md5sum "$dir"/B/*.qcow2; }
before=$(sum)

# --dry-run: old and new strings per layer, nothing written, no QSD.
out=$("$STRATA" "${run[@]}" chain rebase "$dir/B/o2.qcow2" --map "$dir/A=$dir/B" --dry-run)
assert_contains "$out" "$dir/B/o2.qcow2: backing '$dir/A/o1.qcow2' (qcow2) -> '$dir/B/o1.qcow2' (qcow2), candidate"
assert_contains "$out" "$dir/B/o1.qcow2: backing '$dir/A/b.qcow2' (qcow2) -> '$dir/B/b.qcow2' (qcow2), candidate"
assert_contains "$out" "would rewrite 2 of 2 backing strings"
assert_eq "$(sum)" "$before" "files after --dry-run"
"$STRATA" --json "${run[@]}" chain rebase "$dir/B/o2.qcow2" --map "$dir/A=$dir/B" --dry-run >"$dir/j"
assert_json "$dir/j" '.["dry-run"] == true and .["changed-count"] == 2 and (.layers | length) == 2'
assert_json "$dir/j" '.layers[0]["old-backing"] | endswith("/A/o1.qcow2")'
assert_json "$dir/j" '.layers[0]["new-backing-format"] == "qcow2" and .layers[0].proof == "candidate"'
assert_eq "$(sum)" "$before" "files after --dry-run --json"

# Refusals: each writes nothing and names the file tried and why.
refuse() {   # refuse WANT-IN-MESSAGE ARGS...
    local want=$1 rc=0
    shift
    "$STRATA" "${run[@]}" chain rebase "$@" >"$dir/out" 2>"$dir/err" || rc=$?
    assert_eq "$rc" 1 "exit of rebase $*"
    assert_contains "$(cat "$dir/err")" "$want"
}
mkc() { rm -rf "$dir/C"; mkdir "$dir/C"
        "$QEMU_IMG" create -q -f qcow2 -F qcow2 -b "$dir/A/o1.qcow2" -u "$dir/C/o2.qcow2" 16M; }
mkc; "$QEMU_IMG" create -q -f qcow2 "$dir/C/o1.qcow2" 32M
refuse "its virtual size is 33554432 bytes, the overlay's 16777216" "$dir/C/o2.qcow2" --map "$dir/A=$dir/C"
mkc; "$QEMU_IMG" create -q -f raw "$dir/C/o1.qcow2" 16M
refuse "it does not read as qcow2" "$dir/C/o2.qcow2" --map "$dir/A=$dir/C"
# Another chain: the look-alike's own backing leads nowhere under the map.
mkc; "$QEMU_IMG" create -q -f qcow2 -F qcow2 -b "$dir/A/other.qcow2" -u "$dir/C/o1.qcow2" 16M
refuse "'$dir/C/o1.qcow2' cannot be taken as the file meant: its own chain does not continue soundly" \
    "$dir/C/o2.qcow2" --map "$dir/A=$dir/C"
c_sum=$(md5sum "$dir"/C/*)
# A user's unrelated file of the same name, format and size, while the
# file the old string names still exists.
mkdir "$dir/D" "$dir/E"
"$QEMU_IMG" create -q -f qcow2 "$dir/D/b.qcow2" 16M
"$QEMU_IMG" create -q -f qcow2 -F qcow2 -b "$dir/D/b.qcow2" "$dir/D/o.qcow2"
"$QEMU_IMG" create -q -f qcow2 "$dir/E/b.qcow2" 16M
refuse "its backing string '$dir/D/b.qcow2' still names '$dir/D/b.qcow2', which exists and is another file" \
    "$dir/D/o.qcow2" --map "$dir/D=$dir/E"
assert_eq "$(backing "$dir/D/o.qcow2")" "$dir/D/b.qcow2 qcow2" "the refused overlay's header"
refuse "backing file '$dir/A/o1.qcow2' does not exist" "$dir/B/o2.qcow2" --relative
assert_eq "$(md5sum "$dir"/C/*)" "$c_sum" "files after the refusals"
assert_eq "$(sum)" "$before" "files after the refusals"
refuse "give one of --relative, --absolute or --map" "$dir/B/o2.qcow2" --relative --absolute

# The rebase: both headers rewritten through QSD, content unchanged.
out=$("$STRATA" "${run[@]}" chain rebase "$dir/B/o2.qcow2" --map "$dir/A=$dir/B")
assert_contains "$out" "rewrote 2 of 2 backing strings"
assert_eq "$(backing "$dir/B/o2.qcow2")" "$dir/B/o1.qcow2 qcow2" "o2's header"
assert_eq "$(backing "$dir/B/o1.qcow2")" "$dir/B/b.qcow2 qcow2" "o1's header"
assert_eq "$("$STRATA" chain check "$dir/B/o2.qcow2")" "$dir/B/o2.qcow2: 3 layers, no faults"
assert_same_content "$dir/B/o2.qcow2" "$dir/copy.qcow2"
ls "$dir/run" | grep -q . && fail "run dir left behind: $(ls "$dir/run")"

# --relative, then again (nothing to do), then --absolute.
"$STRATA" "${run[@]}" chain rebase "$dir/B/o2.qcow2" --relative >/dev/null
assert_eq "$("$QEMU_IMG" info -U --output=json "$dir/B/o2.qcow2" | jq -r '."backing-filename"')" o1.qcow2
assert_eq "$("$QEMU_IMG" info -U --output=json "$dir/B/o1.qcow2" | jq -r '."backing-filename"')" b.qcow2
assert_contains "$("$STRATA" "${run[@]}" chain rebase "$dir/B/o2.qcow2" --relative)" "rewrote 0 of 2"
"$STRATA" "${run[@]}" chain rebase "$dir/B/o2.qcow2" --absolute >/dev/null
assert_eq "$("$QEMU_IMG" info -U --output=json "$dir/B/o2.qcow2" | jq -r '."backing-filename"')" "$dir/B/o1.qcow2"
assert_same_content "$dir/B/o2.qcow2" "$dir/copy.qcow2"

# A raw base: its format is recorded as raw (change-backing-file would
# write qcow2).
mkdir "$dir/R"
"$QEMU_IMG" create -q -f raw "$dir/R/base.raw" 16M
"$QEMU_IMG" create -q -f qcow2 -F raw -b "$dir/R/base.raw" "$dir/R/o.qcow2"
"$STRATA" "${run[@]}" chain rebase "$dir/R/o.qcow2" --relative >/dev/null
assert_eq "$(backing "$dir/R/o.qcow2")" "$dir/R/base.raw raw" "raw base's header"
assert_eq "$("$STRATA" chain check "$dir/R/o.qcow2")" "$dir/R/o.qcow2: 2 layers, no faults"
echo ok
