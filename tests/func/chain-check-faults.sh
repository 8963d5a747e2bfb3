#!/usr/bin/env bash
# group: quick chain
# 'chain check' exits 0 on a clean chain, 2 with every fault listed (the
# walk goes on past a fault it can survive), 1 on an error; faults are
# reported, never repaired: no file changes.  Also a raw base (only when
# the format is recorded) and the --max-depth and --backing-format options.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires "$QEMU_IMG" --version
requires jq --version
poke=$builddir/tests/tools/qcow2-poke

dir=$(mktempdir)
cd "$dir"
"$QEMU_IMG" create -q -f raw base.raw 8M
qemu-io -f raw -c 'write -P 9 1M 1M' base.raw >/dev/null
"$QEMU_IMG" create -q -f qcow2 -b base.raw -F raw mid.qcow2 8M
"$QEMU_IMG" create -q -f qcow2 -b mid.qcow2 -F qcow2 top.qcow2

# Clean: exit 0, one line.
out=$("$STRATA" chain check top.qcow2)
assert_eq "$out" "top.qcow2: 3 layers, no faults"
"$STRATA" --json chain show top.qcow2 >clean.json
assert_json clean.json '.layers[2].format == "raw" and .layers[2]."cluster-size" == null'
want=$("$QEMU_IMG" map -U -f raw --output=json base.raw | jq '[.[] | select(.data) | .length] | add')
assert_json clean.json ".layers[2].\"allocated-bytes\" == $want"

# Dirty bit on the middle layer and a missing base: both reported.
cp mid.qcow2 mid.orig
"$poke" mid.qcow2 incompatible_features 1
mv base.raw base.gone
sums=$(sha256sum top.qcow2 mid.qcow2)
rc=0; out=$("$STRATA" chain check top.qcow2) || rc=$?
assert_eq "$rc" 2 "exit status with faults"
assert_contains "$out" "mid.qcow2: dirty: 'mid.qcow2' has the dirty bit set"
assert_contains "$out" "base.raw: missing: backing file 'base.raw' of 'mid.qcow2' does not exist"
assert_eq "$(sha256sum top.qcow2 mid.qcow2)" "$sums" "files after check"
rc=0; "$STRATA" --json chain check top.qcow2 >faults.json || rc=$?
assert_eq "$rc" 2 "exit status with --json"
assert_json faults.json '."fault-count" == 2 and .clean == false'
assert_json faults.json '[.layers[].faults[].code] == ["dirty", "missing"]'
assert_json faults.json '.layers[2].exists == false and .layers[2]."virtual-size" == null'
mv base.gone base.raw
cp mid.orig mid.qcow2

# No recorded backing format: refused, not probed, until named.
# (qemu-img 7.2 refuses -b without -F, so remove the extension instead.)
"$QEMU_IMG" create -q -f qcow2 -b mid.qcow2 -F qcow2 nofmt.qcow2
"$poke" nofmt.qcow2 ext-del backing_format
rc=0; out=$("$STRATA" chain check nofmt.qcow2) || rc=$?
assert_eq "$rc" 2
assert_contains "$out" "no-backing-format"
"$STRATA" chain check --backing-format qcow2 nofmt.qcow2 >/dev/null

# Depth limit.
rc=0; out=$("$STRATA" chain check --max-depth 2 top.qcow2) || rc=$?
assert_eq "$rc" 2
assert_contains "$out" "too-deep: the chain is deeper than 2 layers"

# Errors: exit 1, message on stderr, JSON error object with --json.
rc=0; "$STRATA" chain check nosuch.qcow2 2>err.txt || rc=$?
assert_eq "$rc" 1
assert_contains "$(cat err.txt)" "cannot open 'nosuch.qcow2'"
rc=0; "$STRATA" --json chain show nosuch.qcow2 >err.json 2>/dev/null || rc=$?
assert_eq "$rc" 1
assert_json err.json '.error.code == "not-found"'
rc=0; "$STRATA" chain show --max-depth 0 top.qcow2 2>err.txt || rc=$?
assert_eq "$rc" 1
assert_contains "$(cat err.txt)" "--max-depth wants a positive number"
rc=0; "$STRATA" chain show --format vmdk top.qcow2 2>err.txt || rc=$?
assert_eq "$rc" 1
assert_contains "$(cat err.txt)" "unsupported format 'vmdk'"
rc=0; "$STRATA" chain frob 2>err.txt || rc=$?
assert_eq "$rc" 1
assert_contains "$(cat err.txt)" "unknown subcommand 'frob'"

# Through a symlink in another directory, a relative backing string is
# relative to the link's directory (QEMU does not resolve the link):
# both qemu-img and strata look for b/base.qcow2.
mkdir a b
"$QEMU_IMG" create -q -f qcow2 a/base.qcow2 1M
"$QEMU_IMG" create -q -f qcow2 -b base.qcow2 -F qcow2 a/top.qcow2
ln -s ../a/top.qcow2 b/link.qcow2
rc=0; "$QEMU_IMG" info -U --backing-chain b/link.qcow2 >/dev/null 2>qemu.err || rc=$?
[ "$rc" != 0 ] || fail "qemu-img followed the symlink's target directory"
assert_contains "$(cat qemu.err)" "b/base.qcow2"
rc=0; out=$("$STRATA" chain check b/link.qcow2) || rc=$?
assert_eq "$rc" 2
assert_contains "$out" "b/base.qcow2: missing: backing file 'b/base.qcow2' of 'b/link.qcow2' does not exist"

# A raw file given without --format is not probed as raw.
rc=0; out=$("$STRATA" chain check base.raw) || rc=$?
assert_eq "$rc" 2
assert_contains "$out" "is not a qcow2 image; if it is raw, say so with --format raw"
"$STRATA" chain check --format raw base.raw >/dev/null
echo ok
