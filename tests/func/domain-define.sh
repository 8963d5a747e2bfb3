#!/usr/bin/env bash
# group: quick domain
# define (real 'virsh dumpxml' output, written back byte for byte),
# define-as, list, dumpxml, domblklist, undefine; store modes 0700/0600;
# bad domain XML refused with its file:line and nothing written.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires jq --version

dir=$(mktempdir)
data=$srcdir/tests/data
st=("$STRATA" --state-dir "$dir/state" --run-dir "$dir/run")

out=$("${st[@]}" define "$data/domain-xml/in/virsh-test.xml")
assert_contains "$out" "Domain 'test' defined from "
"${st[@]}" dumpxml test >"$dir/dump.xml"
cmp -s "$dir/dump.xml" "$data/domain-xml/in/virsh-test.xml" ||
    fail "dumpxml is not what virsh dumpxml gave"
if [ -r /usr/share/libvirt/schemas/domain.rng ] && command -v xmllint >/dev/null; then
    xmllint --noout --relaxng /usr/share/libvirt/schemas/domain.rng "$dir/dump.xml" 2>/dev/null ||
        fail "dumpxml does not validate against domain.rng"
fi

# define-as: relative paths become absolute; formats default to qcow2.
(cd "$dir" && "${st[@]}" define-as web --disk vda=web.qcow2 --disk sdb=/srv/data.raw,format=raw) >"$dir/out"
assert_eq "$(head -1 "$dir/out")" "Domain 'web' defined"
"${st[@]}" domblklist web >"$dir/out"
expected=" Target   Source
$(printf -- '-%.0s' $(seq 1 $(( 6 + 3 + ${#dir} + 10 + 3 ))))
 vda      $dir/web.qcow2
 sdb      /srv/data.raw"
assert_eq "$(cat "$dir/out")" "$expected" "domblklist"
"${st[@]}" --json domblklist web >"$dir/j"
assert_json "$dir/j" '.disks[0] == {"target":"vda","source":"'"$dir"'/web.qcow2","format":"qcow2","snapshot":null}'
assert_json "$dir/j" '.disks[1].format == "raw"'
"${st[@]}" dumpxml web >"$dir/web.xml"
if [ -r /usr/share/libvirt/schemas/domain.rng ] && command -v xmllint >/dev/null; then
    xmllint --noout --relaxng /usr/share/libvirt/schemas/domain.rng "$dir/web.xml" 2>/dev/null ||
        fail "define-as XML does not validate against domain.rng"
fi

# As virsh: running domains only, unless --all (or --inactive);
# tests/func/domain-list.sh covers running ones.
out=$("${st[@]}" list)
assert_eq "$out" " Id   Name   State
--------------------" "list with nothing running"
out=$("${st[@]}" list --all)
assert_eq "$out" " Id   Name   State
-----------------------
 -    test   shut off
 -    web    shut off" "list --all"
"${st[@]}" --json list --all >"$dir/j"
assert_json "$dir/j" '[.domains[].name] == ["test","web"] and all(.domains[]; .id == null and .state == "shut off")'

# Modes of the store.
assert_eq "$(stat -c %a "$dir/state/web")" 700 "domain dir mode"
assert_eq "$(stat -c %a "$dir/state/web/domain.xml")" 600 "domain.xml mode"

# Redefining with another uuid is a conflict; the same uuid replaces.
sed 's/<uuid>.*<\/uuid>/<uuid>11111111-2222-3333-4444-555555555555<\/uuid>/' \
    "$dir/web.xml" >"$dir/other.xml"
rc=0; "${st[@]}" define "$dir/other.xml" 2>"$dir/err" >/dev/null || rc=$?
assert_eq "$rc" 1 "define with another uuid"
assert_contains "$(cat "$dir/err")" "domain 'web' already exists with uuid"
rc=0; "${st[@]}" define-as web --disk vda=/x 2>"$dir/err" >/dev/null || rc=$?
assert_eq "$rc" 1 "define-as of an existing name"
assert_contains "$(cat "$dir/err")" "domain 'web' already exists"

# Bad inputs: the error names the file and line; the store is unchanged.
snapshot_store() { (cd "$dir/state" && find . -type f -exec md5sum {} + | sort); }
before=$(snapshot_store)
check_bad() {
    local file=$1 want=$2 rc=0
    "${st[@]}" --json define "$file" >"$dir/out" 2>"$dir/err" || rc=$?
    assert_eq "$rc" 1 "define $file"
    assert_contains "$(cat "$dir/err")" "$want"
    assert_json "$dir/out" '.error.code == "xml" or .error.code == "name"'
}
check_bad "$data/domain-xml/bad/relative-source.xml" "relative-source.xml:6: disk 'vda': source file 'images/web.qcow2' is not an absolute path"
check_bad "$data/domain-xml/bad/duplicate-target.xml" "duplicate-target.xml:8: duplicate disk target 'vda'"
check_bad "$data/domain-xml/bad/name-dotdot.xml" "name-dotdot.xml:2: "
check_bad "$data/domain-xml/bad/name-slash.xml" "'/'"
check_bad "$data/domain-xml/bad/malformed.xml" "malformed.xml:5:"
check_bad "$data/snapshot-xml/bad/billion-laughs.xml" "billion-laughs.xml:2:1: a DOCTYPE is not allowed"
check_bad "$data/snapshot-xml/bad/external-entity.xml" "a DOCTYPE is not allowed"
head -c $((5 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$dir/huge.xml"
rc=0; "${st[@]}" define "$dir/huge.xml" 2>"$dir/err" >/dev/null || rc=$?
assert_eq "$rc" 1 "define of a 5 MiB file"
assert_contains "$(cat "$dir/err")" "is larger than"
# Nesting past libxml2's depth limit, said in strata's words.
printf '<domain>%.0s' $(seq 300) >"$dir/deep.xml"
rc=0; "${st[@]}" define "$dir/deep.xml" 2>"$dir/err" >/dev/null || rc=$?
assert_eq "$rc" 1 "define of a deeply nested file"
assert_contains "$(cat "$dir/err")" "deep.xml:1:"
assert_contains "$(cat "$dir/err")" "elements nest more than 256 levels deep, the limit for a domain or snapshot file"
grep -q HUGE "$dir/err" && fail "libxml2's XML_PARSE_HUGE advice reached the user"
for name in "../x" "a/b" "" "-x"; do
    rc=0; "${st[@]}" define-as "$name" --disk vda=/x 2>"$dir/err" >/dev/null || rc=$?
    assert_eq "$rc" 1 "define-as '$name'"
done
assert_eq "$(snapshot_store)" "$before" "store after refused defines"
[ ! -e "$dir/x" ] && [ ! -e "$dir/state/a" ] || fail "a hostile name made a path"

# dumpxml/domblklist of an unknown domain.
rc=0; "${st[@]}" dumpxml nope 2>"$dir/err" >/dev/null || rc=$?
assert_eq "$rc" 1 "dumpxml nope"
assert_contains "$(cat "$dir/err")" "no domain named 'nope'"

# undefine.
out=$("${st[@]}" undefine web)
assert_eq "$out" "Domain 'web' has been undefined"
[ ! -e "$dir/state/web" ] || fail "undefine left the domain directory"
rc=0; "${st[@]}" undefine web 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "undefine twice"
