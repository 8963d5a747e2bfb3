#!/usr/bin/env bash
# group: quick chain
# 'chain show/check DOM [DEV]': each disk's chain from its active file,
# layers marked with the snapshot whose point in time they are, faults
# per disk, a clear error for an unknown disk.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires jq --version
requires qemu-img --version

dir=$(mktempdir)
st() { "$STRATA" --state-dir "$dir/state" --run-dir "$dir/run" "$@"; }

qemu-img create -q -f qcow2 "$dir/vda.qcow2" 16M
qemu-img create -q -f qcow2 -b "$dir/vda.qcow2" -F qcow2 "$dir/vda.s1"
qemu-img create -q -f qcow2 "$dir/vdb.qcow2" 8M
st define-as web --disk "vda=$dir/vda.s1" --disk "vdb=$dir/vdb.qcow2"

# s1's point in time for vda is vda.qcow2 (its embedded <domain> says so).
cat >"$dir/s1.xml" <<XML
<domainsnapshot>
  <name>s1</name>
  <state>shutoff</state>
  <creationTime>1795366092</creationTime>
  <memory snapshot='no'/>
  <disks>
    <disk name='vda' snapshot='external' type='file'>
      <driver type='qcow2'/>
      <source file='$dir/vda.s1'/>
    </disk>
    <disk name='vdb' snapshot='no'/>
  </disks>
  <domain type='kvm'>
    <name>web</name>
    <devices>
      <disk type='file' device='disk'>
        <driver name='qemu' type='qcow2'/>
        <source file='$dir/vda.qcow2'/>
        <target dev='vda' bus='virtio'/>
      </disk>
    </devices>
  </domain>
</domainsnapshot>
XML
st snapshot-create web "$dir/s1.xml" --redefine --current

st --json chain show web >"$dir/all.json"
assert_json "$dir/all.json" '.domain == "web" and (.disks | length) == 2 and .clean'
assert_json "$dir/all.json" '[.disks[].disk] == ["vda","vdb"]'
assert_json "$dir/all.json" '.disks[0].layers | length == 2'
assert_json "$dir/all.json" '.disks[0].layers[0].snapshot == null and .disks[0].layers[1].snapshot == "s1"'
assert_json "$dir/all.json" '.disks[1].layers[0].snapshot == null'

st --json chain show web vdb >"$dir/vdb.json"
assert_json "$dir/vdb.json" '(.disks | length) == 1 and .disks[0].disk == "vdb"'

out=$(st chain show web vda)
assert_contains "$out" "disk vda:"
assert_contains "$out" "point in time of snapshot 's1'"
assert_exit 0 st chain check web

# A fault on one disk: its base goes missing.
mv "$dir/vda.qcow2" "$dir/vda.moved"
rc=0; st chain check web >"$dir/check.out" || rc=$?
assert_eq "$rc" 2 "chain check with a missing base"
assert_contains "$(cat "$dir/check.out")" "missing"
mv "$dir/vda.moved" "$dir/vda.qcow2"

# Unknown disk: not-found, nothing on stdout but the error object.
rc=0; st --json chain show web vdz >"$dir/err.json" 2>/dev/null || rc=$?
assert_eq "$rc" 1 "unknown disk"
assert_json "$dir/err.json" '.error.code == "not-found" and (.error.message | test("vdz"))'

# The FILE form still works, and ./NAME reaches a file named like a domain.
cp "$dir/vdb.qcow2" "$dir/web"
(cd "$dir" && st --json chain show ./web) >"$dir/file.json"
assert_json "$dir/file.json" '(.layers | length) == 1 and .layers[0].snapshot == null'

# Options after the operands, as the synopsis shows, in both forms; '--'
# ends the options.
st --json chain show "$dir/vda.s1" --no-allocation >"$dir/after.json"
assert_json "$dir/after.json" '(.layers | length) == 2 and .layers[0]."allocated-bytes" == null'
assert_exit 0 st chain check "$dir/vda.s1" --backing-format qcow2
st --json chain show web vda --max-depth 1 >"$dir/depth.json"
assert_json "$dir/depth.json" '(.disks | length) == 1 and (.disks[0].layers | length) == 1'
assert_json "$dir/depth.json" '.disks[0]."fault-count" == 1'
rc=0; st chain show "$dir/vda.s1" --bogus >/dev/null 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "unknown option after the file"
assert_contains "$(cat "$dir/err")" "unknown option '--bogus'"
cp "$dir/vdb.qcow2" "$dir/--no-allocation"
(cd "$dir" && st --json chain show -- --no-allocation) >"$dir/dash.json"
assert_json "$dir/dash.json" '(.layers | length) == 1 and .layers[0]."allocated-bytes" != null'
echo ok
