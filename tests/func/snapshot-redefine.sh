#!/usr/bin/env bash
# group: quick snapshot
# snapshot-create --redefine: parent must exist, no loops, the domain's
# uuid must match, bad XML refused with file:line and nothing written;
# the store's internal form (warning comment, <active>) validates against
# libvirt's schema; snapshot-current/-parent/-dumpxml; snapshot-delete
# --metadata with its child and current rules; undefine with snapshots.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires jq --version

dir=$(mktempdir)
data=$srcdir/tests/data
st=("$STRATA" -q --state-dir "$dir/state" --run-dir "$dir/run")
snaps=$dir/state/test/snapshots
export TZ=UTC

"${st[@]}" define "$data/snapshot-list/domain.xml" >/dev/null
mk() {  # mk NAME [PARENT]: a disk-only snapshot XML for the test domain
    {
        echo "<domainsnapshot><name>$1</name><state>disk-snapshot</state>"
        [ -z "${2:-}" ] || echo "<parent><name>$2</name></parent>"
        echo "<creationTime>1795366092</creationTime><memory snapshot='no'/>"
        echo "<disks><disk name='vda' snapshot='external'><source file='$dir/vda.$1'/></disk></disks>"
        cat "$data/snapshot-list/domain.xml"
        echo "</domainsnapshot>"
    } >"$dir/$1.xml"
}
store_sum() { (cd "$dir/state" && find . -type f ! -name lock -exec md5sum {} + | sort); }

# Missing parent: refused, nothing written.
mk s2 s1
rc=0; "${st[@]}" snapshot-create test "$dir/s2.xml" --redefine 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "redefine with a missing parent"
assert_contains "$(cat "$dir/err")" "parent snapshot 's1' of 's2' does not exist"
[ ! -e "$snaps/s2.xml" ] || fail "refused snapshot was written"

mk s1
rc=0; "${st[@]}" snapshot-create test "$dir/s1.xml" 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "snapshot-create without --redefine"
# Without --redefine it takes a real snapshot, which needs the disks.
assert_contains "$(cat "$dir/err")" "disk 'vda': cannot open '/guest/diskimage1'"
[ ! -e "$dir/vda.s1" ] || fail "a refused snapshot-create made a file"

out=$("$STRATA" --state-dir "$dir/state" snapshot-create test "$dir/s1.xml" --redefine 2>"$dir/err")
assert_eq "$out" "Domain snapshot s1 created from '$dir/s1.xml'"
assert_contains "$(cat "$dir/err")" "file '$dir/vda.s1' does not exist"
"${st[@]}" snapshot-create test "$dir/s2.xml" --redefine --current >/dev/null
mk s3 s2; "${st[@]}" snapshot-create test "$dir/s3.xml" --redefine >/dev/null
mk s4 s1; "${st[@]}" snapshot-create test "$dir/s4.xml" --redefine >/dev/null
assert_eq "$("${st[@]}" snapshot-current test --name)" s2 "current after --current"

# The internal form: comment, <active>, modes, and libvirt's schema.
head -2 "$snaps/s2.xml" | grep -q "WARNING: THIS IS AN AUTO-GENERATED FILE" ||
    fail "no warning comment in the store file"
grep -q '<active>1</active>' "$snaps/s2.xml" || fail "s2 not marked active"
grep -q '<active>0</active>' "$snaps/s1.xml" || fail "s1 not marked inactive"
assert_eq "$(stat -c %a "$snaps")" 700 "snapshots dir mode"
assert_eq "$(stat -c %a "$snaps/s1.xml")" 600 "snapshot file mode"
"${st[@]}" snapshot-dumpxml test s2 >"$dir/dump.xml"
grep -q '<active>' "$dir/dump.xml" && fail "dumpxml shows <active>"
if [ -r /usr/share/libvirt/schemas/domainsnapshot.rng ] && command -v xmllint >/dev/null; then
    for f in "$snaps"/*.xml "$dir/dump.xml"; do
        xmllint --noout --relaxng /usr/share/libvirt/schemas/domainsnapshot.rng "$f" 2>/dev/null ||
            fail "$f does not validate against domainsnapshot.rng"
    done
fi

# Redefine round trip: the dumped XML redefines to the same file.
before=$(md5sum <"$snaps/s2.xml")
"${st[@]}" snapshot-create test "$dir/dump.xml" --redefine >/dev/null
assert_eq "$(md5sum <"$snaps/s2.xml")" "$before" "redefine of dumpxml output"

# A loop, a foreign domain, bad XML: refused, the store unchanged.
before=$(store_sum)
mk s1 s3
rc=0; "${st[@]}" snapshot-create test "$dir/s1.xml" --redefine 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "redefine making a loop"
assert_contains "$(cat "$dir/err")" "parent 's3' is a descendant of 's1'"
sed "s/<uuid>.*<\/uuid>/<uuid>11111111-2222-3333-4444-555555555555<\/uuid>/" "$dir/s4.xml" >"$dir/foreign.xml"
rc=0; "${st[@]}" snapshot-create test "$dir/foreign.xml" --redefine 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "redefine from another domain"
assert_contains "$(cat "$dir/err")" "belongs to a domain with uuid 11111111"
for f in malformed name-dotdot name-slash name-empty name-10k relative-source duplicate-disk \
         billion-laughs external-entity no-name; do
    rc=0; "${st[@]}" snapshot-create test "$data/snapshot-xml/bad/$f.xml" --redefine \
        2>"$dir/err" >/dev/null || rc=$?
    assert_eq "$rc" 1 "redefine of bad/$f.xml"
    assert_contains "$(cat "$dir/err")" "$f.xml"
done
rc=0; "${st[@]}" snapshot-create nope "$dir/s4.xml" --redefine 2>"$dir/err" || rc=$?
assert_contains "$(cat "$dir/err")" "no domain named 'nope'"
assert_eq "$(store_sum)" "$before" "store after refused redefines"
[ ! -e "$dir/state/x" ] || fail "a hostile name made a path"

# Unknown elements are kept on redefine.
"${st[@]}" snapshot-create test "$data/snapshot-xml/in/unknown-kept.xml" --redefine >/dev/null
"${st[@]}" snapshot-dumpxml test future | grep -q "<knob>on</knob>" || fail "unknown element lost"

# parent / current.
assert_eq "$("${st[@]}" snapshot-parent test s3)" s2 "parent of s3"
assert_eq "$("${st[@]}" snapshot-parent test --current)" s1 "parent of current"
rc=0; "${st[@]}" snapshot-parent test s1 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "parent of a root"
assert_contains "$(cat "$dir/err")" "snapshot 's1' has no parent"
assert_eq "$("${st[@]}" snapshot-current test s4)" "Snapshot s4 set as current"
grep -q '<active>0</active>' "$snaps/s2.xml" || fail "old current still marked"

# delete: merging needs the files, which these snapshots lack.
rc=0; "${st[@]}" snapshot-delete test s2 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "delete without --metadata"
assert_contains "$(cat "$dir/err")" "disk 'vda': '/guest/diskimage1' does not exist or cannot be read"
assert_contains "$(cat "$dir/err")" "--metadata"
[ -e "$snaps/s2.xml" ] || fail "refused delete removed a file"
# Deleting s2 re-parents s3 to s1.
assert_eq "$("${st[@]}" snapshot-delete test s2 --metadata)" "Domain snapshot s2 deleted"
assert_eq "$("${st[@]}" snapshot-parent test s3)" s1 "s3 re-parented"
# Deleting the current one makes its parent current.
"${st[@]}" snapshot-delete test --current --metadata >/dev/null
assert_eq "$("${st[@]}" snapshot-current test --name)" s1 "current after deleting s4"
# --children-only keeps s1; --children removes the rest.
"${st[@]}" snapshot-current test s3 >/dev/null
assert_eq "$("${st[@]}" snapshot-delete test s1 --metadata --children-only)" \
    "Domain snapshot s1 children deleted"
assert_eq "$("${st[@]}" snapshot-list test --name)" "future
s1" "after --children-only"
assert_eq "$("${st[@]}" snapshot-current test --name)" s1 "current moved up to s1"
"${st[@]}" --json snapshot-delete test s1 --metadata --children >"$dir/j"
assert_json "$dir/j" '.deleted == ["s1"]'

# undefine refuses while snapshots exist.
rc=0; "${st[@]}" undefine test 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "undefine with snapshots"
assert_contains "$(cat "$dir/err")" "domain 'test' has 1 snapshot"
"${st[@]}" undefine test --snapshots-metadata >/dev/null
[ ! -e "$dir/state/test" ] || fail "undefine --snapshots-metadata left files"
