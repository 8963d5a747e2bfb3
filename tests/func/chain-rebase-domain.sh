#!/usr/bin/env bash
# group: qsd chain
# chain rebase DOMAIN: a three-snapshot two-branch domain whose files a
# user moved with mv(1) (metadata and absolute backing strings name the
# old directory) is repaired with --map: every header and every
# metadata path names the files where they are, every point shows the
# same content, chain check is clean.  --relative and --absolute then
# rewrite only strings (DEV alone where given), metadata unchanged.
# Refused with nothing written: files gone and no --map, a look-alike of
# another size, a live domain.  Killed after QSD's first block-stream,
# after the headers and in the middle of the metadata, 'strata recover'
# finishes it.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires "$QSD" --version
requires "$QEMU_IMG" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

dir=$(mktempdir)
source "$srcdir/tests/delete-functions.sh"
source "$srcdir/tests/move-functions.sh"
cleanup_fn st -q stop web
cleanup_fn kill_orphan_qsds
mkdir "$dir/A" "$dir/B" "$dir/C"
make_domain "$dir/A"
points >"$dir/points.ref"
b=$(qemu-img info -U --output=json "$dir/A/vda.s1" | jq -r '.["backing-filename"]')
assert_eq "$b" "$dir/A/vda.qcow2" "the backing string snapshot-create wrote"
mv "$dir"/A/* "$dir/B/"
ref_b=$(cd "$dir/B" && md5sum vd*)
state_ref=$(state_sum)
unchanged() {
    assert_eq "$(cd "$dir/B" && md5sum vd*)" "$ref_b" "images after $1"
    assert_eq "$(state_sum)" "$state_ref" "state dir after $1"
}
refuse() {   # refuse WHAT WANT ARGS...
    local what=$1 want=$2 rc=0
    shift 2
    st chain rebase web "$@" >"$dir/out" 2>"$dir/err" || rc=$?
    assert_eq "$rc" 1 "exit of chain rebase ($what)"
    assert_contains "$(cat "$dir/err")" "$want"
    unchanged "$what"
}
# whole_in DIR WHAT: metadata names only files in DIR, which hold every
# point as before, and chain check is clean with no orphan.
whole_in() {
    local f
    for f in $(named_files); do
        case $f in "$1"/*) [ -e "$f" ] || fail "$2: '$f' is missing" ;;
        *) fail "$2: metadata names '$f', outside $1" ;; esac
    done
    points >"$dir/points.now"
    assert_eq "$(cat "$dir/points.now")" "$(cat "$dir/points.ref")" "points after $2"
    st chain check web >"$dir/check" || fail "$2: chain check: $(cat "$dir/check")"
    left_behind web "$2"
}
backing_of() { qemu-img info -U --output=json "$1" | jq -r '.["backing-filename"] // empty'; }

refuse "files gone" "disk 'vda': '$dir/A/vda.s3' does not exist" --relative
assert_contains "$(cat "$dir/err")" "hint: say where it is now with --map '$dir/A=NEWDIR'"
cp "$dir"/B/vd* "$dir/C/"
qemu-img create -q -f qcow2 "$dir/C/vda.qcow2" 16M
refuse "a look-alike" "its virtual size is 16777216 bytes, the overlay's 8388608" --map "$dir/A=$dir/C"
rm -r "$dir/C"

out=$(st chain rebase web --map "$dir/A=$dir/B" --dry-run)
assert_contains "$out" "$dir/B/vda.s3: backing '$dir/A/vda.s1-1' (qcow2) -> '$dir/B/vda.s1-1' (qcow2), candidate"
assert_contains "$out" "$dir/B/vdb.s1: backing '$dir/A/vdb.raw' (raw) -> '$dir/B/vdb.raw' (raw), candidate"
assert_contains "$out" "metadata: '$dir/A/vda.s3' -> '$dir/B/vda.s3'"
unchanged "--dry-run"

st --json chain rebase web --map "$dir/A=$dir/B" >"$dir/j"
assert_json "$dir/j" '.domain == "web" and .["dry-run"] == false and .["changed-count"] == (.layers | length) and .["changed-count"] >= 7'
assert_json "$dir/j" "(.[\"metadata-renames\"] | length) >= 9 and (.[\"metadata-renames\"] | all(.to | startswith(\"$dir/B/\")))"
whole_in "$dir/B" "--map"
assert_eq "$(backing_of "$dir/B/vda.s1")" "$dir/B/vda.qcow2" "vda.s1's string after --map (absolute stays absolute)"

state_ref=$(state_sum)
st -q chain rebase web vdb --relative >/dev/null
assert_eq "$(backing_of "$dir/B/vdb.s1")" "vdb.raw" "vdb.s1 after rebase web vdb --relative"
assert_eq "$(backing_of "$dir/B/vda.s1")" "$dir/B/vda.qcow2" "vda.s1 after rebase web vdb --relative"
st -q chain rebase web --relative >/dev/null
assert_eq "$(backing_of "$dir/B/vda.s1")" "vda.qcow2" "vda.s1 after --relative"
assert_eq "$(state_sum)" "$state_ref" "metadata after --relative"
whole_in "$dir/B" "--relative"
st -q chain rebase web --absolute >/dev/null
assert_eq "$(backing_of "$dir/B/vda.s3")" "$dir/B/vda.s1-1" "vda.s3 after --absolute"
whole_in "$dir/B" "--absolute"

st -q start web >/dev/null
ref_b=$(cd "$dir/B" && md5sum vd*)
refuse "live" "hint: 'strata stop web' first" --relative
st -q stop web

# Killed: each time the files moved on by mv(1), then --map.
here=$dir/B n=0
for at in after:block-stream rebase-domain-headers rebase-domain-metadata-part; do
    n=$((n + 1)) rc=0
    mkdir "$dir/D$n"
    mv "$here"/vd* "$dir/D$n/"
    STRATA_TEST_CRASH=$at st -q chain rebase web --map "$here=$dir/D$n" >/dev/null 2>&1 || rc=$?
    assert_eq "$rc" 137 "chain rebase at crash point $at"
    kill_orphan_qsds
    [ -e "$dir/state/web/journal" ] || fail "no journal after a crash at $at"
    st --json recover web >"$dir/rec.json"
    assert_json "$dir/rec.json" '.operation == "chain-rebase" and .action == "rolled-forward"'
    [ ! -e "$dir/state/web/journal" ] || fail "journal left after recover ($at)"
    whole_in "$dir/D$n" "a crash at $at"
    what="crash at $at" no_qsd_left
    here=$dir/D$n
done
