#!/usr/bin/env bash
# group: qsd snapshot
# A snapshot whose overlay a revert removed (the empty layer left
# behind, ops/revert-abandon.h) keeps its disk as snapshot='external'
# with no <source>: the snapshot still covers the disk (its point in
# time, in its <domain>, is what a revert goes back to), and nothing
# names the removed file.  Checked here:
#   - strata's snapshot-dumpxml and export-libvirt output of it
#     validate against libvirt's domainsnapshot.rng;
#   - strata reads it back the same way: a revert to it puts the disk on
#     a new overlay of its point in time, never on the point in time
#     itself;
#   - what libvirt's own parser (virsh on the test driver, no daemon:
#     snapshot-create --redefine, then snapshot-dumpxml) makes of it:
#     libvirt 9.0 accepts it and fills in a <source> of its own making
#     (virDomainSnapshotDefAssignExternalNames: the point-in-time file's
#     name without its suffix, '.', the snapshot's name), which is the
#     path of the file strata removed; the check below fails if that
#     name is ever a file again, or if libvirt's reading changes.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires xmllint --version
rng=/usr/share/libvirt/schemas/domainsnapshot.rng
requires test -r "$rng"

dir=$(mktempdir)
img "$dir/vda.qcow2"; wr "$dir/vda.qcow2" 'write -P 0x10 0 1M'
img "$dir/vdb.qcow2"; wr "$dir/vdb.qcow2" 'write -P 0x20 0 1M'
st define-as web --disk "vda=$dir/vda.qcow2" --disk "vdb=$dir/vdb.qcow2" >/dev/null
st snapshot-create-as web s1 --disk-only >/dev/null
st snapshot-create-as web s2 --disk-only >/dev/null
wr "$dir/vda.s2" 'write -P 0x12 2M 64K'
out=$(st snapshot-revert web s1)
assert_contains "$out" "Disk vdb: removed $dir/vdb.s2, which held no data"

st snapshot-dumpxml web s2 >"$dir/s2.xml"
disk() { xmllint --xpath "$1" "$dir/s2.xml"; }
assert_eq "$(disk "string(/domainsnapshot/disks/disk[@name='vdb']/@snapshot)")" external "vdb's mode"
assert_eq "$(disk "count(/domainsnapshot/disks/disk[@name='vdb']/source)")" 0 "vdb's <source>"
assert_eq "$(disk "string(/domainsnapshot/disks/disk[@name='vda']/source/@file)")" "$dir/vda.s2" "vda's overlay"
xmllint --noout --relaxng "$rng" "$dir/s2.xml" 2>"$dir/rng" ||
    fail "snapshot-dumpxml: not valid for libvirt: $(cat "$dir/rng")"
mkdir "$dir/lv"
st export-libvirt web "$dir/lv" >/dev/null
xmllint --noout --relaxng "$rng" "$dir/lv/snapshot/web/s2.xml" 2>"$dir/rng" ||
    fail "export-libvirt: not valid for libvirt: $(cat "$dir/rng")"

# strata's reading: the disk is still covered; a revert to s2 gives vdb
# a new overlay on vdb.s1, s2's point in time, and vdb.s1 stays as it
# was (qemu-img shows nothing wrote into it).
before=$(_sum "$dir/vdb.s1")
st snapshot-revert web s2 --discard-current >/dev/null
new=$(active_of web vdb)
[ "$new" != "$dir/vdb.s1" ] || fail "the revert put vdb on its point in time itself"
assert_eq "$(qemu-img info -U --output=json "$new" | jq -r '.["full-backing-filename"]')" \
    "$dir/vdb.s1" "the new vdb overlay's backing"
wr "$new" 'write -P 0x66 0 64K'
assert_eq "$(_sum "$dir/vdb.s1")" "$before" "s2's point in time on vdb after a write"
left_behind web "after the reverts"

# libvirt's reading, where virsh is there to ask (no daemon needed).
if virsh -q -c test:///default list >/dev/null 2>&1; then
    st snapshot-dumpxml web s1 >"$dir/s1.xml"
    st dumpxml web >"$dir/dom.xml"
    (cd "$dir" && virsh -q -c test:///default "define dom.xml; snapshot-create web s1.xml --redefine;
        snapshot-create web s2.xml --redefine; snapshot-dumpxml web s2") >"$dir/lv-s2.xml" 2>"$dir/virsh.err" ||
        fail "libvirt refuses strata's snapshot XML: $(cat "$dir/virsh.err")"
    got=$(xmllint --xpath "string(/domainsnapshot/disks/disk[@name='vdb']/source/@file)" "$dir/lv-s2.xml")
    assert_eq "$got" "$dir/vdb.s2" "the overlay libvirt reads into vdb's source-less disk"
    [ ! -e "$got" ] || fail "libvirt's made-up overlay name '$got' is a file"
    assert_eq "$(xmllint --xpath "string(/domainsnapshot/disks/disk[@name='vda']/source/@file)" "$dir/lv-s2.xml")" \
        "$dir/vda.s2" "vda's overlay as libvirt reads it"
else
    echo "virsh cannot open test:///default: libvirt's own reading not checked"
fi
echo ok
