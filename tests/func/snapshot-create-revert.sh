#!/usr/bin/env bash
# group: qsd snapshot
# Two-disk domain: snapshot-create-as s1, write, s2, revert to s1: the new
# active files show exactly the content at s1 (qemu-img compare against
# copies taken then), s2's files are untouched; a snapshot after the
# revert makes a branch (s1 -> s2, s3) and both branches keep their data.
# snapshot-list --tree, snapshot-info and domblklist are checked after
# each step; overlays are made by QSD (backing string absolute, format
# recorded).
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires "$QSD" --version
requires "$QEMU_IMG" --version
requires qemu-io --version
requires jq --version

dir=$(mktempdir)
st=("$STRATA" -q --state-dir "$dir/state" --run-dir "$dir/run")
export TZ=UTC
"$QEMU_IMG" create -q -f qcow2 "$dir/vda.qcow2" 8M
"$QEMU_IMG" create -q -f qcow2 "$dir/vdb.qcow2" 4M
qemu-io -f qcow2 -c 'write -q -P 0x11 0 1M' "$dir/vda.qcow2"
qemu-io -f qcow2 -c 'write -q -P 0x22 0 1M' "$dir/vdb.qcow2"
"${st[@]}" define-as web --disk "vda=$dir/vda.qcow2" --disk "vdb=$dir/vdb.qcow2" >/dev/null

blk() { "${st[@]}" domblklist web | awk 'NR > 2 && NF { print $1 "=" $2 }' | tr '\n' ' '; }
info() { "${st[@]}" snapshot-info web "$1" | awk -F':  *' -v k="$2" '$1 == k { print $2 }'; }

# s1: overlays named after the snapshot, backed by the old active files.
out=$("${st[@]}" snapshot-create-as web s1 "first point" --disk-only)
assert_eq "$out" "Domain snapshot s1 created"
assert_eq "$(blk)" "vda=$dir/vda.s1 vdb=$dir/vdb.s1 " "domblklist after s1"
"$QEMU_IMG" info --output=json "$dir/vda.s1" >"$dir/info.json"
assert_json "$dir/info.json" ".\"backing-filename\" == \"$dir/vda.qcow2\" and .\"backing-filename-format\" == \"qcow2\" and .\"virtual-size\" == 8388608"
assert_eq "$(info s1 Current)" yes "s1 current"
assert_eq "$(info s1 State)" shutoff "s1 state"
assert_eq "$(info s1 Location)" external "s1 location"
assert_eq "$(info s1 Parent)" - "s1 parent"
"${st[@]}" snapshot-dumpxml web s1 >"$dir/s1.xml"
grep -q "<source file='$dir/vda.s1'/>" "$dir/s1.xml" || fail "s1 XML lacks the overlay"
grep -q "<memory snapshot='no'/>" "$dir/s1.xml" || fail "s1 XML lacks memory snapshot='no'"
grep -q "<description>first point</description>" "$dir/s1.xml" || fail "s1 XML lacks description"
# The embedded <domain> is the domain as it was: on the base files.
grep -q "<source file='$dir/vda.qcow2'/>" "$dir/s1.xml" || fail "s1 XML lacks the point in time"
if command -v virt-xml-validate >/dev/null; then
    virt-xml-validate "$dir/s1.xml" domainsnapshot >/dev/null || fail "s1 XML is not valid"
fi

# Content at s1, then distinct writes on each disk.
"$QEMU_IMG" convert -U -O raw "$dir/vda.s1" "$dir/vda-at-s1.raw"
"$QEMU_IMG" convert -U -O raw "$dir/vdb.s1" "$dir/vdb-at-s1.raw"
qemu-io -f qcow2 -c 'write -q -P 0x33 512K 1M' "$dir/vda.s1"
qemu-io -f qcow2 -c 'write -q -P 0x44 2M 1M' "$dir/vdb.s1"

out=$("${st[@]}" snapshot-create-as web s2 --disk-only --json)
jq -e '.name == "s2" and (.disks | length) == 2 and .live == false and .["transaction-us"] > 0' \
    <<<"$out" >/dev/null || fail "bad --json result: $out"
assert_eq "$(blk)" "vda=$dir/vda.s2 vdb=$dir/vdb.s2 " "domblklist after s2"
assert_eq "$(info s2 Parent)" s1 "s2 parent"
assert_eq "$(info s1 Current)" no "s1 no longer current"
"$QEMU_IMG" convert -U -O raw "$dir/vda.s2" "$dir/vda-at-s2.raw"
qemu-io -f qcow2 -c 'write -q -P 0x55 0 64K' "$dir/vda.s2"
qemu-io -f qcow2 -c 'write -q -P 0x57 0 64K' "$dir/vdb.s2"
"$QEMU_IMG" convert -U -O raw "$dir/vda.s2" "$dir/vda-s2-branch.raw"
"$QEMU_IMG" convert -U -O raw "$dir/vdb.s2" "$dir/vdb-s2-branch.raw"
sums_s2=$(md5sum "$dir"/vd?.s1 "$dir"/vd?.s2)

# Revert to s1: fresh overlays on the files active when s1 was taken.
# The layers left hold data and are s2's overlays: they stay, and the
# output says so.
out=$("${st[@]}" snapshot-revert web s1)
assert_eq "$out" "Domain snapshot s1 reverted
Disk vda: $dir/vda.s2 stays, as the overlay of snapshot s2
Disk vdb: $dir/vdb.s2 stays, as the overlay of snapshot s2"
assert_eq "$(blk)" "vda=$dir/vda.s1-1 vdb=$dir/vdb.s1-1 " "domblklist after revert"
"$QEMU_IMG" info --output=json "$dir/vda.s1-1" >"$dir/info.json"
assert_json "$dir/info.json" ".\"backing-filename\" == \"$dir/vda.qcow2\""
"$QEMU_IMG" compare -q -f qcow2 -F raw "$dir/vda.s1-1" "$dir/vda-at-s1.raw" ||
    fail "vda after revert differs from vda at s1"
"$QEMU_IMG" compare -q -f qcow2 -F raw "$dir/vdb.s1-1" "$dir/vdb-at-s1.raw" ||
    fail "vdb after revert differs from vdb at s1"
assert_eq "$(md5sum "$dir"/vd?.s1 "$dir"/vd?.s2)" "$sums_s2" "s2's files after revert"
assert_eq "$(info s1 Current)" yes "s1 current after revert"
assert_eq "$(info s2 Current)" no "s2 not current after revert"
assert_eq "$("${st[@]}" snapshot-current web --name)" s1

# Branch: write, snapshot s3 under s1.
qemu-io -f qcow2 -c 'write -q -P 0x66 3M 1M' "$dir/vda.s1-1"
"$QEMU_IMG" convert -U -O raw "$dir/vda.s1-1" "$dir/vda-s3-branch.raw"
"${st[@]}" snapshot-create-as web s3 --disk-only >/dev/null
assert_eq "$(blk)" "vda=$dir/vda.s3 vdb=$dir/vdb.s3 " "domblklist after s3"
assert_eq "$(info s3 Parent)" s1 "s3 parent"
assert_eq "$(info s1 Children)" 2 "s1 children"
assert_eq "$(info s1 Descendants)" 2 "s1 descendants"
"${st[@]}" snapshot-list web --tree >"$dir/tree"
printf 's1\n  |\n  +- s2\n  +- s3\n    \n\n' >"$dir/tree.want"
diff -u "$dir/tree.want" "$dir/tree" || fail "tree after the branch"
# Both branches hold their data: s2's branch tops are unchanged, s3's
# point in time (vda.s1-1) holds the branch write.
"$QEMU_IMG" compare -q -U -f qcow2 -F raw "$dir/vda.s2" "$dir/vda-s2-branch.raw" ||
    fail "s2 branch of vda changed"
"$QEMU_IMG" compare -q -U -f qcow2 -F raw "$dir/vdb.s2" "$dir/vdb-s2-branch.raw" ||
    fail "s2 branch of vdb changed"
"$QEMU_IMG" compare -q -U -f qcow2 -F raw "$dir/vda.s3" "$dir/vda-s3-branch.raw" ||
    fail "s3 branch of vda"

# Revert to s2 (the other branch), then --current: each time a new file.
# s3's overlays are empty: removed, and s3's metadata names them no more.
out=$("${st[@]}" snapshot-revert web s2)
assert_eq "$out" "Domain snapshot s2 reverted
Disk vda: removed $dir/vda.s3, which held no data
Disk vdb: removed $dir/vdb.s3, which held no data"
[ ! -e "$dir/vda.s3" ] && [ ! -e "$dir/vdb.s3" ] || fail "s3's empty overlays left"
"${st[@]}" snapshot-dumpxml web s3 | grep -q "vda.s3" && fail "s3 still names vda.s3"
"$QEMU_IMG" compare -q -U -f qcow2 -F raw "$dir/vda.s1-1" "$dir/vda-s3-branch.raw" ||
    fail "s3's point in time changed"
assert_eq "$(blk)" "vda=$dir/vda.s2-1 vdb=$dir/vdb.s2-1 " "domblklist after revert to s2"
"$QEMU_IMG" compare -q -U -f qcow2 -F raw "$dir/vda.s2-1" "$dir/vda-at-s2.raw" ||
    fail "revert to s2 shows the wrong data"
"$QEMU_IMG" compare -q -U -f qcow2 -F raw "$dir/vda.s2-1" "$dir/vda-s2-branch.raw" >/dev/null &&
    fail "revert to s2 shows the s2 branch's later write"
out=$("${st[@]}" snapshot-revert web --current --json)
jq -e --arg f "$dir/vda.s2-2" '.name == "s2" and .disks[0].overlay == $f' <<<"$out" >/dev/null ||
    fail "second revert to s2 did not get a fresh name: $out"
jq -e --arg f "$dir/vda.s2-1" '.["kept-as"] == null and .abandoned[0] == {"disk": "vda", "path": $f, "allocated-bytes": 0, "overlay-of": null, "action": "removed"}' <<<"$out" >/dev/null ||
    fail "second revert to s2 did not remove the empty vda.s2-1: $out"
assert_eq "$("${st[@]}" snapshot-current web --name)" s2

# Default name: the Unix time; a snapshot-create without FILE works too.
before=$(date +%s)
out=$("${st[@]}" snapshot-create web --disk-only --json)
name=$(jq -r .name <<<"$out")
after=$(date +%s)
[ "$name" -ge "$before" ] && [ "$name" -le "$after" ] || fail "default name '$name' is not the time"
[ -e "$dir/vda.$name" ] || fail "default overlay name for '$name'"

# snapshot-create DOM FILE: per-disk modes from XML; vdb left out.
cat >"$dir/req.xml" <<XML
<domainsnapshot>
  <name>fromxml</name>
  <disks>
    <disk name='vda' snapshot='external'>
      <source file='$dir/custom-vda.qcow2'/>
    </disk>
    <disk name='vdb' snapshot='no'/>
  </disks>
</domainsnapshot>
XML
vdb_before=$(blk | tr ' ' '\n' | grep vdb)
out=$("${st[@]}" snapshot-create web "$dir/req.xml")
assert_eq "$out" "Domain snapshot fromxml created from '$dir/req.xml'"
assert_eq "$(blk)" "vda=$dir/custom-vda.qcow2 $vdb_before " "domblklist after fromxml"
"${st[@]}" snapshot-dumpxml web fromxml | grep -q "<disk name='vdb' snapshot='no'/>" ||
    fail "vdb not recorded as snapshot='no'"

# Every chain is sound.
for f in "$dir"/vd?.s?-? "$dir/custom-vda.qcow2"; do
    "$QEMU_IMG" check -q "$f" || fail "qemu-img check $f"
done
# No QSD left, no journal left.
[ ! -e "$dir/state/web/journal" ] || fail "journal left behind"
[ -z "$(ls "$dir/run" 2>/dev/null)" ] || fail "run dir not cleaned: $(ls "$dir/run")"
echo ok
