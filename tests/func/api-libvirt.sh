#!/usr/bin/env bash
# group: libvirt api
# strata_domain_import_libvirt() and strata_domain_export_libvirt()
# (through tests/api/client) do what import-libvirt and export-libvirt
# do: the same domain and snapshots (dumpxml, list --tree, current) from
# the same libvirt files, and byte-identical files handed back; a
# refused import defines nothing.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/libvirt-functions.sh"
set -euo pipefail
requires jq --version

client=$builddir/tests/api/client
[ -x "$client" ] || fail "$client not built"
export LD_LIBRARY_PATH=$builddir
dir=$(mktempdir)
make_libvirt_tree

# The program into state/, the API into state-api/.
st import-libvirt web --config-dir "$dir/etc" --snapshot-dir "$dir/snap" >/dev/null
assert_eq "$("$client" "$dir/state-api" "$dir/run" web import-libvirt "$dir/etc" "$dir/snap")" web \
    "the API's import"
sa() { "$STRATA" --state-dir "$dir/state-api" --run-dir "$dir/run" "$@"; }
for v in "dumpxml web" "snapshot-list web --tree" "snapshot-current web --name" \
         "snapshot-dumpxml web s1" "snapshot-dumpxml web s2" "snapshot-dumpxml web s3"; do
    read -ra cmd <<<"$v"
    assert_eq "$(sa "${cmd[@]}")" "$(st "${cmd[@]}")" "$v after the API's import"
done
assert_exit 3 "$client" "$dir/state-api" "$dir/run" web import-libvirt "$dir/etc" "$dir/snap"

# Hand back: the same files, byte for byte.
st export-libvirt web "$dir/out-cli" >/dev/null
"$client" "$dir/state-api" "$dir/run" web export-libvirt "$dir/out-api"
diff -r "$dir/out-cli" "$dir/out-api" >"$dir/d" || fail "the API's export differs: $(cat "$dir/d")"
[ -f "$dir/out-api/snapshot/web/s3.xml" ] || fail "no s3.xml in the API's export"

# A refused import (a snapshot file that is not XML) defines nothing.
echo 'not xml' >"$dir/snap/web/s9.xml"
rc=0; "$client" "$dir/state-bad" "$dir/run" web import-libvirt "$dir/etc" "$dir/snap" 2>"$dir/err" || rc=$?
assert_eq "$rc" 3 "import with a broken snapshot file"
assert_contains "$(cat "$dir/err")" "s9.xml"
[ ! -e "$dir/state-bad/web" ] || fail "a refused import left a domain"
