#!/usr/bin/env bash
# group: quick chain
# A chain b <- o1 <- o2 (absolute backing strings) moved from A/ to B/:
# chain check and chain show report o2's missing backing file with a
# hint naming B/o1.qcow2 beside it (same name, format and size) and the
# strata command that points o2 at it (text and --json); no hint for a
# look-alike of another size, of another format (raw where qcow2 is
# recorded), or when nothing of that name is there.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires "$QEMU_IMG" --version
requires jq --version

dir=$(mktempdir)
mkdir "$dir/A" "$dir/B"
"$QEMU_IMG" create -q -f qcow2 "$dir/A/b.qcow2" 16M
"$QEMU_IMG" create -q -f qcow2 -F qcow2 -b "$dir/A/b.qcow2" "$dir/A/o1.qcow2"
"$QEMU_IMG" create -q -f qcow2 -F qcow2 -b "$dir/A/o1.qcow2" "$dir/A/o2.qcow2"
mv "$dir"/A/* "$dir/B/"

hint="'$dir/B/o1.qcow2' beside the overlay has that name, format (qcow2) and size; if it is the file meant, 'strata chain rebase $dir/B/o2.qcow2 --map $dir/A=$dir/B' points the overlay at it"
rc=0; "$STRATA" chain check "$dir/B/o2.qcow2" >"$dir/out" || rc=$?
assert_eq "$rc" 2 "chain check of the moved chain"
assert_contains "$(cat "$dir/out")" "missing: backing file '$dir/A/o1.qcow2' of '$dir/B/o2.qcow2' does not exist"
assert_contains "$(cat "$dir/out")" "  hint: $hint"
assert_contains "$("$STRATA" chain show "$dir/B/o2.qcow2")" "      hint: $hint"
"$STRATA" --json chain check "$dir/B/o2.qcow2" >"$dir/j" || true
assert_eq "$(jq -r '.layers[1].faults[0].hint' "$dir/j")" "$hint" "--json hint"

# The hint's command does what it says: the whole chain is sound again
# (o1's string named A/ too, and the same map covers it).
"$STRATA" chain rebase "$dir/B/o2.qcow2" --map "$dir/A=$dir/B" >/dev/null
assert_eq "$("$STRATA" chain check "$dir/B/o2.qcow2")" "$dir/B/o2.qcow2: 3 layers, no faults"

# No hint for a look-alike: another size, another format, or nothing.
for case in size format none; do
    rm -rf "$dir/C"; mkdir "$dir/C"
    "$QEMU_IMG" create -q -f qcow2 -F qcow2 -b "$dir/A/o1.qcow2" -u "$dir/C/o2.qcow2" 16M
    case $case in
    size)   "$QEMU_IMG" create -q -f qcow2 "$dir/C/o1.qcow2" 32M ;;
    format) "$QEMU_IMG" create -q -f raw "$dir/C/o1.qcow2" 16M ;;
    none)   ;;
    esac
    out=$("$STRATA" chain check "$dir/C/o2.qcow2" || true)
    assert_contains "$out" "missing: backing file '$dir/A/o1.qcow2'"
    case $out in *hint:*) fail "$case: a hint for a look-alike: $out" ;; esac
done
echo ok
