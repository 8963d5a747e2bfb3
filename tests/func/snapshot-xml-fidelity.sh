#!/usr/bin/env bash
# group: quick snapshot
# libvirt's snapshot files through the command line: every golden pair
# of tests/data/snapshot-xml goes through snapshot-create --redefine ->
# snapshot-dumpxml byte for byte, dumpxml's output redefines to the same
# and validates against libvirt's schema (xmllint --relaxng, as a user
# would check it); <active> in the input is accepted and ignored
# (--current decides); snapshot-list pads by display width under a
# UTF-8 locale and --topological lists parents first; a type='block'
# overlay on create is refused before anything is made.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires jq --version
requires "$QEMU_IMG" --version

dir=$(mktempdir)
data=$srcdir/tests/data
st=("$STRATA" -q --state-dir "$dir/state" --run-dir "$dir/run")
snaps=$dir/state/test/snapshots
rng=/usr/share/libvirt/schemas/domainsnapshot.rng
export TZ=UTC
store_sum() { (cd "$dir/state" && find . -type f ! -name lock -exec md5sum {} + | sort); }

"${st[@]}" define "$data/snapshot-list/domain.xml" >/dev/null
mk() {  # mk NAME [PARENT] [TIME]: a small snapshot XML
    {
        echo "<domainsnapshot><name>$1</name><state>shutoff</state>"
        [ -z "${2:-}" ] || echo "<parent><name>$2</name></parent>"
        echo "<creationTime>${3:-1795366092}</creationTime></domainsnapshot>"
    } >"$dir/$1.xml"
}
# The parents the goldens name.
for p in base café s1; do
    mk "$p"
    "${st[@]}" snapshot-create test "$dir/$p.xml" --redefine >/dev/null 2>&1
done

# Every golden: redefine, dumpxml as the golden says, a fixed point.
n=0
for in in "$data"/snapshot-xml/in/*.xml; do
    f=${in##*/}
    name=$(xmllint --xpath 'string(/domainsnapshot/name)' "$in")
    "${st[@]}" snapshot-create test "$in" --redefine >/dev/null 2>"$dir/err" ||
        fail "redefine $f: $(cat "$dir/err")"
    "${st[@]}" snapshot-dumpxml test "$name" >"$dir/dump.xml"
    # As virsh, dumpxml ends with an empty line.
    { cat "$data/snapshot-xml/out/$f"; echo; } >"$dir/want.xml"
    if ! cmp -s "$dir/dump.xml" "$dir/want.xml"; then
        diff -u "$dir/want.xml" "$dir/dump.xml" >&2 || true
        fail "snapshot-dumpxml of $f differs from out/$f"
    fi
    "${st[@]}" snapshot-create test "$dir/dump.xml" --redefine >/dev/null 2>&1
    "${st[@]}" snapshot-dumpxml test "$name" >"$dir/again.xml"
    cmp -s "$dir/dump.xml" "$dir/again.xml" || fail "$f: a second redefine changed the XML"
    case $f in
    unknown-*) ;;   # unknown elements are beyond the schema by definition
    *) xmllint --noout --relaxng "$rng" "$dir/dump.xml" 2>"$dir/err" ||
           fail "dumpxml of $f does not validate: $(cat "$dir/err")" ;;
    esac
    # The store's own file validates too (it adds <active>).
    xmllint --noout --relaxng "$rng" "$snaps/$name.xml" 2>/dev/null ||
        case $f in unknown-*) ;; *) fail "store file of $f does not validate" ;; esac
    n=$((n + 1))
done
[ "$n" -ge 12 ] || fail "only $n goldens ran"
grep -q "seclabel model='dac' relabel='no'" "$snaps/from-libvirt.xml" ||
    fail "the seclabel of from-libvirt was not stored"

# <active> in the input: libvirt's own files carry it.  Without
# --current it changes nothing; with --current the flag decides.
"${st[@]}" snapshot-current test s1 >/dev/null
sed 's/<name>from-libvirt</<name>lv1</' "$data/snapshot-xml/in/active-in-input.xml" >"$dir/lv1.xml"
"${st[@]}" snapshot-create test "$dir/lv1.xml" --redefine >/dev/null 2>&1
assert_eq "$("${st[@]}" snapshot-current test --name)" s1 "current after <active>1</active>"
grep -q '<active>0</active>' "$snaps/lv1.xml" || fail "lv1 stored as active"
sed 's/<active>1</<active>0</; s/<name>from-libvirt</<name>lv0</' \
    "$data/snapshot-xml/in/active-in-input.xml" >"$dir/lv0.xml"
"${st[@]}" snapshot-create test "$dir/lv0.xml" --redefine --current >/dev/null 2>&1
assert_eq "$("${st[@]}" snapshot-current test --name)" lv0 "current after --redefine --current"
"${st[@]}" snapshot-dumpxml test lv0 >"$dir/dump.xml"
! grep -q active "$dir/dump.xml" || fail "dumpxml wrote <active>"
# A value libvirt never writes is refused by file and line, nothing changed.
before=$(store_sum)
sed 's/<active>1</<active>yes</' "$dir/lv1.xml" >"$dir/bad.xml"
rc=0; "${st[@]}" snapshot-create test "$dir/bad.xml" --redefine 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "redefine with <active>yes"
assert_contains "$(cat "$dir/err")" "$dir/bad.xml:3: <active> must be 0 or 1, not 'yes'"
assert_eq "$(store_sum)" "$before" "store after a refused <active>"
# A network overlay is refused with a hint, nothing changed.
rc=0; "${st[@]}" snapshot-create test "$data/snapshot-xml/bad/disk-network.xml" --redefine \
    2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "redefine of a network disk"
assert_contains "$(cat "$dir/err")" "disk-network.xml:4: disk 'vda': type 'network' is not supported"
assert_contains "$(cat "$dir/err")" "hint: strata keeps overlays in local files"
assert_eq "$(store_sum)" "$before" "store after a refused network disk"

# snapshot-list pads by display width as virsh does under a UTF-8
# locale (recorded with virsh -c test:///default, LC_ALL=C.UTF-8).
locale -a 2>/dev/null | grep -qix 'c.utf-\?8' || { echo "SKIP: no C.UTF-8 locale"; exit 77; }
d2=$(mktempdir)
st2=("$STRATA" -q --state-dir "$d2/state" --run-dir "$d2/run")
"${st2[@]}" define "$data/snapshot-list/domain.xml" >/dev/null
mk café "" 1795366092; mk b café 1795366093
for s in café b; do "${st2[@]}" snapshot-create test "$dir/$s.xml" --redefine >/dev/null 2>&1; done
LC_ALL=C.UTF-8 "${st2[@]}" snapshot-list test --parent >"$dir/got"
printf '%s\n' \
    ' Name   Creation Time               State     Parent' \
    '------------------------------------------------------' \
    ' b      2026-11-22 16:48:13 +0000   shutoff   café' \
    ' café   2026-11-22 16:48:12 +0000   shutoff   ' \
    '' >"$dir/want"
if ! cmp -s "$dir/got" "$dir/want"; then
    diff -u "$dir/want" "$dir/got" >&2 || true
    fail "snapshot-list with a non-ASCII name is misaligned"
fi

# --topological: every parent before its children, where name order
# lists a child first (a-child's parent is z-root).
d3=$(mktempdir)
st3=("$STRATA" -q --state-dir "$d3/state" --run-dir "$d3/run")
"${st3[@]}" define "$data/snapshot-list/domain.xml" >/dev/null
mk z-root; mk a-child z-root; mk m-grand a-child; mk b-root; mk c-child z-root
for s in z-root a-child m-grand b-root c-child; do
    "${st3[@]}" snapshot-create test "$dir/$s.xml" --redefine >/dev/null 2>&1
done
got=$("${st3[@]}" snapshot-list test --name --topological | tr '\n' ' ')
assert_eq "$got" "b-root z-root a-child m-grand c-child  " "snapshot-list --topological --name"
got=$("${st3[@]}" snapshot-list test --name | tr '\n' ' ')
assert_eq "$got" "a-child b-root c-child m-grand z-root  " "snapshot-list --name (by name)"
got=$("${st3[@]}" snapshot-list test --parent --topological | awk 'NR > 2 && NF { print $1 "<" $6 }' | tr '\n' ' ')
assert_eq "$got" "b-root< z-root< a-child<z-root m-grand<a-child c-child<z-root " "--parent --topological"
got=$("${st3[@]}" snapshot-list test --from z-root --descendants --topological --name | tr '\n' ' ')
assert_eq "$got" "a-child m-grand c-child  " "--from --descendants --topological"
"${st3[@]}" --json snapshot-list test --topological >"$d3/j"
assert_json "$d3/j" '[.snapshots[].name] == ["b-root","z-root","a-child","m-grand","c-child"]'
got=$("${st3[@]}" snapshot-list test --leaves --topological --name | tr '\n' ' ')
assert_eq "$got" "b-root m-grand c-child  " "--leaves --topological"

# A type='block' overlay on create is refused before anything is made:
# no regular file where a device was named, no metadata, no journal.
d4=$(mktempdir)
st4=("$STRATA" -q --state-dir "$d4/state" --run-dir "$d4/run")
"$QEMU_IMG" create -q -f qcow2 "$d4/vda.qcow2" 4M
"${st4[@]}" define-as web --disk "vda=$d4/vda.qcow2" >/dev/null
cat >"$d4/blk.xml" <<XML
<domainsnapshot><name>blk</name><disks>
  <disk name='vda' snapshot='external' type='block'><source dev='$d4/lv-vda'/></disk>
</disks></domainsnapshot>
XML
before=$(cd "$d4" && find . -type f ! -name lock | sort | xargs md5sum)
rc=0; "${st4[@]}" snapshot-create web "$d4/blk.xml" 2>"$d4/err" || rc=$?
assert_eq "$rc" 1 "snapshot-create with a block overlay"
assert_contains "$(cat "$d4/err")" "disk 'vda': the overlay '$d4/lv-vda' is a block device (type='block')"
assert_contains "$(cat "$d4/err")" "hint: name a file instead"
[ ! -e "$d4/lv-vda" ] || fail "a file was made where a block device was named"
[ ! -e "$d4/state/web/journal" ] || fail "journal left by a refused create"
assert_eq "$(cd "$d4" && find . -type f ! -name lock ! -name err | sort | xargs md5sum)" \
    "$(echo "$before" | grep -v ' ./err$')" "files after a refused block overlay"
assert_eq "$("${st4[@]}" snapshot-list web --name)" "" "snapshots after a refused block overlay"
