#!/usr/bin/env bash
# group: quick chain
# chain show and chain check, text and --json, against golden files in
# tests/data/golden/chain/ (paths as DIR; --json without the device and
# inode numbers): a three-layer chain with relative and absolute backing
# strings, data and zero clusters, and chains with a missing and a
# looping backing file.  STRATA_UPDATE_GOLDEN=1 regenerates them.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires "$QEMU_IMG" --version
requires qemu-io --version
requires jq --version

dir=$(mktempdir)
cd "$dir"
"$QEMU_IMG" create -q -f qcow2 base.qcow2 16M
qemu-io -f qcow2 -c 'write -P 0x11 0 1M' -c 'write -P 0x12 8M 64K' base.qcow2 >/dev/null
"$QEMU_IMG" create -q -f qcow2 -F qcow2 -b base.qcow2 o1.qcow2
qemu-io -f qcow2 -c 'write -P 0x22 1M 512K' -c 'write -z 0 128K' o1.qcow2 >/dev/null
"$QEMU_IMG" create -q -f qcow2 -F qcow2 -b "$dir/o1.qcow2" o2.qcow2
"$QEMU_IMG" create -q -f qcow2 -F qcow2 -b base.qcow2 missing.qcow2
"$QEMU_IMG" rebase -q -u -f qcow2 -F qcow2 -b gone.qcow2 missing.qcow2
"$QEMU_IMG" create -q -f qcow2 loop-a.qcow2 16M
"$QEMU_IMG" create -q -f qcow2 -F qcow2 -b loop-a.qcow2 loop-b.qcow2
"$QEMU_IMG" rebase -q -u -f qcow2 -F qcow2 -b loop-b.qcow2 loop-a.qcow2

# run NAME CMD...: CMD's stdout (and exit status) against golden NAME.
run() {
    local name=$1 rc=0
    shift
    "$STRATA" "$@" >"$dir/out" 2>"$dir/err" || rc=$?
    echo "exit $rc" >>"$dir/out"
    case " $* " in
    *" --json "*)
        # Everything but the exit line is one JSON document.
        head -n -1 "$dir/out" | jq 'del(.layers[]?.device, .layers[]?.inode)' >"$dir/j"
        tail -n 1 "$dir/out" >>"$dir/j"
        mv "$dir/j" "$dir/out" ;;
    esac
    sed "s|$dir|DIR|g" "$dir/out" >"$dir/filtered"
    golden "chain/$name" "$dir/filtered"
}

run show.txt chain show o2.qcow2
run show.json --json chain show o2.qcow2
run show-no-allocation.txt chain show --no-allocation o2.qcow2
run check.txt chain check o2.qcow2
run missing-show.txt chain show missing.qcow2
run missing-show.json --json chain show missing.qcow2
run missing-check.txt chain check missing.qcow2
run loop-check.txt chain check loop-a.qcow2
run loop-check.json --json chain check loop-a.qcow2
