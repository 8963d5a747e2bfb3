#!/usr/bin/env bash
# group: quick snapshot
# snapshot-edit through $VISUAL/$EDITOR with virsh's rules: no change is
# reported as such; a new name needs --rename or --clone; --rename keeps
# the children and the current mark, --clone adds a copy; a broken edit
# is refused and changes nothing.
source "$srcdir/tests/functions.sh"
set -euo pipefail

dir=$(mktempdir)
data=$srcdir/tests/data
st=("$STRATA" -q --state-dir "$dir/state" --run-dir "$dir/run")
snaps=$dir/state/test/snapshots

"${st[@]}" define "$data/snapshot-list/domain.xml" >/dev/null
mkdir "$dir/xml"
source "$data/snapshot-list/gen-tree.sh"
gen_tree "$dir/xml" "$data/snapshot-list/domain.xml" >/dev/null
for n in r1 a1 a2; do "${st[@]}" snapshot-create test "$dir/xml/$n.xml" --redefine >/dev/null; done
"${st[@]}" snapshot-current test a1 >/dev/null

# The editor is a sed command; $VISUAL wins over $EDITOR.
out=$(VISUAL=true EDITOR=false "${st[@]}" snapshot-edit test a1)
assert_eq "$out" "Snapshot a1 XML configuration not changed." "unchanged edit"
# --json: one document whatever the outcome, unchanged included.
VISUAL=true "${st[@]}" --json snapshot-edit test a1 >"$dir/e.json"
assert_json "$dir/e.json" '. == {"name":"a1","from":"a1","action":"unchanged"}'

out=$(EDITOR="sed -i 's|<state>disk-snapshot</state>|<description>edited</description><state>disk-snapshot</state>|'" \
      "${st[@]}" snapshot-edit test a1)
assert_eq "$out" "Snapshot a1 edited." "edit"
grep -q '<description>edited</description>' "$snaps/a1.xml" || fail "edit not saved"
grep -q '<active>1</active>' "$snaps/a1.xml" || fail "edit lost the current mark"

# Renaming without --rename/--clone is refused; nothing changes.
before=$(cd "$snaps" && md5sum * | sort)
rc=0; EDITOR="sed -i 's|<name>a1</name>|<name>z1</name>|'" "${st[@]}" snapshot-edit test a1 \
    2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "rename without --rename"
assert_contains "$(cat "$dir/err")" "cannot rename snapshot a1 to z1"
rc=0; EDITOR="sed -i 's|<name>a1</name>|<name>a1|'" "${st[@]}" snapshot-edit test a1 \
    2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "broken edit"
assert_contains "$(cat "$dir/err")" "edited XML:"
rc=0; EDITOR=false "${st[@]}" snapshot-edit test a1 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "failing editor"
assert_eq "$(cd "$snaps" && md5sum * | sort)" "$before" "store after refused edits"

# --clone: a copy (not current); the original stays.
out=$(EDITOR="sed -i 's|<name>a1</name>|<name>a1-copy</name>|'" "${st[@]}" snapshot-edit test a1 --clone)
assert_eq "$out" "Snapshot a1 cloned to a1-copy." "clone"
EDITOR="sed -i 's|<name>a1</name>|<name>a1-copy2</name>|'" "${st[@]}" --json snapshot-edit test a1 \
    --clone >"$dir/e.json"
assert_json "$dir/e.json" '. == {"name":"a1-copy2","from":"a1","action":"cloned"}'
[ -e "$snaps/a1.xml" ] && [ -e "$snaps/a1-copy.xml" ] || fail "clone lost a file"
assert_eq "$("${st[@]}" snapshot-current test --name)" a1 "current after clone"

# --rename: children follow, the current mark moves.
out=$(EDITOR="sed -i 's|<name>a1</name>|<name>z1</name>|'" "${st[@]}" snapshot-edit test --current --rename)
assert_eq "$out" "Snapshot a1 renamed to z1." "rename"
[ ! -e "$snaps/a1.xml" ] || fail "rename kept the old file"
assert_eq "$("${st[@]}" snapshot-parent test a2)" z1 "child of the renamed snapshot"
assert_eq "$("${st[@]}" snapshot-current test --name)" z1 "current after rename"
