#!/usr/bin/env bash
# group: libvirt
# import-libvirt takes a VM over from libvirt's own files (two qcow2
# disks, three external snapshots with a branch, <active> on the
# current one): strata then shows what virsh's test driver shows for the
# same files; after a revert and a merging delete in strata,
# export-libvirt writes files that libvirt's own parser loads (virsh's
# test driver, with the commands strata prints) into the same views.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/libvirt-functions.sh"
set -euo pipefail
requires virsh -c test:///default version
requires jq --version

dir=$(mktempdir)
make_libvirt_tree
virsh_load_cmds "$dir/etc" "$dir/snap/web" >"$dir/load.cmds"
libvirt_state() { find "$dir/etc" "$dir/snap" -printf '%p %s %m %T@\n' | sort; md5sum "$dir"/etc/* "$dir"/snap/web/*; }
libvirt_state >"$dir/before"

# --dry-run: the plan, nothing written.
st --json import-libvirt web --config-dir "$dir/etc" --snapshot-dir "$dir/snap" --dry-run >"$dir/dry.json"
assert_json "$dir/dry.json" '.["dry-run"] and (.imported | not) and .current == "s3" and
    ([.snapshots[].name] == ["s1", "s2", "s3"]) and ([.problems[] | select(.fatal)] | length) == 0'
[ ! -e "$dir/state/web/domain.xml" ] || fail "--dry-run defined the domain"

st import-libvirt web --config-dir "$dir/etc" --snapshot-dir "$dir/snap" >"$dir/import.out"
assert_contains "$(cat "$dir/import.out")" "Domain 'web' imported with 3 snapshots"
assert_contains "$(cat "$dir/import.out")" "Snapshot 's3' from $dir/snap/web/s3.xml (parent s1, current)"
libvirt_state >"$dir/after"
cmp -s "$dir/before" "$dir/after" || fail "import-libvirt changed libvirt's directories"
ls -A "$dir/state" | grep -q '^\.import' && fail "a staging directory was left: $(ls -A "$dir/state")"

# strata shows what libvirt shows for the same files.
views_st >"$dir/st.views"
views_virsh "$dir/load.cmds" >"$dir/virsh.views"
assert_contains "$(cat "$dir/virsh.views")" "Current:        yes"
assert_contains "$(cat "$dir/virsh.views")" "<source file='$dir/img/vda.b1'/>"
diff -u "$dir/virsh.views" "$dir/st.views" || fail "strata and virsh show the imported snapshots differently"

# A second import of the same domain is refused; nothing changes.
assert_exit 1 st import-libvirt web --config-dir "$dir/etc" --snapshot-dir "$dir/snap"

# Work in strata: revert to s2 (a new branch), then merge s1 away.
st snapshot-revert web s2 >/dev/null
st snapshot-delete web s1 >/dev/null
st snapshot-list web --tree >"$dir/tree.after"
assert_eq "$(st snapshot-list web --name | tr '\n' ' ')" "s2 s3  " "snapshots after delete"
assert_eq "$(st snapshot-current web --name)" "s2" "current after revert"

# Hand it back.
st --json export-libvirt web "$dir/out" >"$dir/export.json"
assert_json "$dir/export.json" '.domain == "web" and ([.snapshots[].name] | sort) == ["s2", "s3"] and
    ([.snapshots[] | select(.current) | .name] == ["s2"]) and (.virsh | length) == 3'
head -1 "$dir/out/snapshot/web/s2.xml" | grep -qx '<!--' || fail "no warning comment in s2.xml"
grep -qx '  virsh snapshot-edit' "$dir/out/snapshot/web/s2.xml" || fail "comment does not name virsh snapshot-edit"
grep -qx '  virsh edit web' "$dir/out/web.xml" || fail "comment does not name virsh edit web"
assert_eq "$(tail -2 "$dir/out/snapshot/web/s2.xml" | head -1)" "  <active>1</active>" "s2's <active>"
assert_eq "$(tail -2 "$dir/out/snapshot/web/s3.xml" | head -1)" "  <active>0</active>" "s3's <active>"
jq -r '.virsh[] | sub("^virsh "; "")' "$dir/export.json" >"$dir/export.cmds"
views_st >"$dir/st.views2"
views_virsh "$dir/export.cmds" >"$dir/virsh.views2"
assert_contains "$(cat "$dir/virsh.views2")" "Name:           s2"
diff -u "$dir/virsh.views2" "$dir/st.views2" || fail "libvirt loads the exported files differently"

# The exported files import again into an empty strata as they are.
mkdir "$dir/out/etc"
cp "$dir/out/web.xml" "$dir/out/etc/"
"$STRATA" --state-dir "$dir/state2" --run-dir "$dir/run" import-libvirt web \
    --config-dir "$dir/out/etc" --snapshot-dir "$dir/out/snapshot" >/dev/null
"$STRATA" --state-dir "$dir/state2" snapshot-list web --tree >"$dir/tree.again"
diff -u "$dir/tree.after" "$dir/tree.again" || fail "re-import of the export differs"

# A stranger in the target directory is refused.
cp "$dir/out/snapshot/web/s3.xml" "$dir/out/snapshot/web/old.xml"
assert_exit 1 st export-libvirt web "$dir/out"
echo ok
