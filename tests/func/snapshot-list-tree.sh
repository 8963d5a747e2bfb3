#!/usr/bin/env bash
# group: quick snapshot
# A tree of 20 snapshots redefined from XML files, then every snapshot-list
# filter, the --tree drawing, snapshot-info/-parent/-current compared byte
# for byte with what virsh 9.0 prints for the same tree (recorded from
# libvirt's test driver into tests/data/snapshot-list).
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires jq --version

dir=$(mktempdir)
data=$srcdir/tests/data/snapshot-list
st=("$STRATA" --state-dir "$dir/state" --run-dir "$dir/run")
export TZ=UTC
source "$data/gen-tree.sh"

"${st[@]}" define "$data/domain.xml" >/dev/null
mkdir "$dir/xml"
names=$(gen_tree "$dir/xml" "$data/domain.xml")
for n in $names; do
    "${st[@]}" -q snapshot-create test "$dir/xml/$n.xml" --redefine >/dev/null
done
out=$("${st[@]}" snapshot-current test c3)
assert_eq "$out" "Snapshot c3 set as current" "snapshot-current output"
assert_eq "$(ls "$dir/state/test/snapshots" | wc -l)" 20 "snapshot files"

n=0
while IFS='|' read -r file args; do
    case $file in '#'*|'') continue ;; esac
    if [[ $args == cmd:* ]]; then
        read -ra cmd <<<"${args#cmd:}"
    else
        read -ra cmd <<<"snapshot-list test $args"
    fi
    "${st[@]}" "${cmd[@]}" >"$dir/got" 2>"$dir/err" || fail "${cmd[*]}: $(cat "$dir/err")"
    if ! cmp -s "$dir/got" "$data/$file.out"; then
        diff -u "$data/$file.out" "$dir/got" >&2 || true
        fail "${cmd[*]}: output differs from $file.out"
    fi
    n=$((n + 1))
done <"$data/cases"
[ "$n" -ge 25 ] || fail "only $n cases ran"

# --json gives the same selection with the tree links.
"${st[@]}" --json snapshot-list test --from a1 --descendants >"$dir/j"
assert_json "$dir/j" '[.snapshots[].name] == ["a2","a3","b1","b2","B3"]'
assert_json "$dir/j" '[.snapshots[] | select(.name == "a3")][0].parent == "a2"'
"${st[@]}" --json snapshot-list test >"$dir/j"
assert_json "$dir/j" '(.snapshots | length) == 20 and ([.snapshots[] | select(.current)] | map(.name)) == ["c3"]'
assert_json "$dir/j" '[.snapshots[] | select(.name == "c3")][0] | .state == "running" and .location == "internal" and .["creation-time"] == 1795366600'
"${st[@]}" --json snapshot-info test --current >"$dir/j"
assert_json "$dir/j" '.name == "c3" and .descendants == 1 and .children == 1 and .parent == "c2"'

# The combinations virsh refuses are refused the same way.
for bad in "--tree --leaves" "--tree --name" "--roots --from a1" "--descendants" \
           "--tree --disk-only" "--from nope"; do
    rc=0; "${st[@]}" snapshot-list test $bad >"$dir/out" 2>"$dir/err" || rc=$?
    assert_eq "$rc" 1 "snapshot-list $bad"
    [ ! -s "$dir/out" ] || fail "snapshot-list $bad printed on stdout"
done
assert_contains "$(cat "$dir/err")" "domain 'test' has no snapshot named 'nope'"

# A broken file is reported by name and hides nothing else.
echo '<domainsnapshot><name>zz' >"$dir/state/test/snapshots/zz.xml"
"${st[@]}" snapshot-list test --name >"$dir/got" 2>"$dir/err"
assert_contains "$(cat "$dir/err")" "zz.xml"
cmp -s "$dir/got" "$data/name.out" || fail "a broken file changed the list"
