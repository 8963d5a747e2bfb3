#!/usr/bin/env bash
# group: qsd api chain
# strata_domain_list_orphans() (through tests/api/client) lists what
# 'strata chain check DOMAIN --json' lists as orphans, field for field;
# a user's overlay keeps one (backed-by, not removed); with
# STRATA_ORPHANS_REMOVE it removes the others and only those, and the
# program then agrees there are none; a user's file is never listed.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version

client=$builddir/tests/api/client
[ -x "$client" ] || fail "$client not built"
export LD_LIBRARY_PATH=$builddir
dir=$(mktempdir)
c() { "$client" "$dir/state" "$dir/run" web "$@"; }
program_orphans() {
    st --json chain check web >"$dir/check.json" || true
    jq -r '.orphans[] | "\(.path) \(.operation // "-") \(.snapshot // "-") \(.["backed-by"] // "-") \(if .removed then 1 else 0 end)"' \
        "$dir/check.json"
}

img "$dir/vda.qcow2"; wr "$dir/vda.qcow2" 'write -P 0x10 0 1M'
st define-as web --disk "vda=$dir/vda.qcow2" >/dev/null
assert_eq "$(c orphans)" "" "orphans of a new domain"
st snapshot-create-as web s1 --disk-only >/dev/null
wr "$dir/vda.s1" 'write -P 0x11 1M 256K'
st snapshot-create-as web s2 --disk-only >/dev/null
wr "$dir/vda.s2" 'write -P 0x12 2M 256K'
st snapshot-revert web s1 --keep-current=s3 >/dev/null   # active: a new overlay on vda.qcow2
img "$dir/vda.s9" "$dir/vda.qcow2"          # a user's file of a strata-like name
# Forget the metadata, keep the files: vda.s1 and vda.s2 are orphans.
for s in s3 s2 s1; do st snapshot-delete web "$s" --metadata >/dev/null; done

c orphans >"$dir/api"
assert_eq "$(cat "$dir/api")" "$(program_orphans)" "the API's orphans against the program's"
assert_eq "$(awk '{ print $1 }' "$dir/api" | tr '\n' ' ')" "$dir/vda.s1 $dir/vda.s2 " "orphans"
grep -q "^$dir/vda.s1 snapshot-create s1 - 0\$" "$dir/api" || fail "vda.s1's fields: $(cat "$dir/api")"

# A user's overlay on vda.s2 keeps it and vda.s1 below; both reported.
img "$dir/mine.qcow2" "$dir/vda.s2"
c orphans remove >"$dir/api"
assert_eq "$(awk '{ print $4 $5 }' "$dir/api" | tr '\n' ' ')" "$dir/mine.qcow20 $dir/mine.qcow20 " \
    "orphans a user's overlay backs onto"
[ -e "$dir/vda.s1" ] && [ -e "$dir/vda.s2" ] || fail "an orphan a user's overlay backs onto was removed"
rm "$dir/mine.qcow2"
c orphans remove >"$dir/api"
assert_eq "$(awk '{ print $5 }' "$dir/api" | tr '\n' ' ')" "1 1 " "orphans removed"
[ ! -e "$dir/vda.s1" ] && [ ! -e "$dir/vda.s2" ] || fail "an orphan was left"
[ -e "$dir/vda.s9" ] || fail "the user's file was removed"
assert_eq "$(c orphans)" "" "orphans after the removal"
assert_eq "$(program_orphans)" "" "the program's orphans after the API's removal"
st chain check web >/dev/null || fail "chain check is not clean after the removal"
