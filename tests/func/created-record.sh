#!/usr/bin/env bash
# group: qsd delete
# The record of the files strata made (DOMAIN/created, strata-store(5))
# does not grow with use: a snapshot-delete, a revert that discards the
# current layer, a recover that rolls an operation back and 'chain check
# --remove-orphans' each drop the entries of the files they removed.
# Two cycles of 5 creates and 5 deletes end with the same record, which
# lists only the files strata made that are there.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires jq --version
requires xmllint --version

dir=$(mktempdir)
rec=$dir/state/web/created
img "$dir/vda.qcow2"; wr "$dir/vda.qcow2" 'write -P 0x10 0 1M'
st define-as web --disk "vda=$dir/vda.qcow2" >/dev/null

# entries: the paths the record lists, sorted, on one line.
entries() { jq -r '.[].path' "$rec" | sed "s|$dir/||" | sort | tr '\n' ' ' | sed 's/ $//'; }
# made: the image files there but the user's own base, on one line.
made() { (cd "$dir" && ls | grep '^vda' | grep -vx vda.qcow2 | sort | tr '\n' ' ' | sed 's/ $//'); }

cycle() {
    local i
    for i in 1 2 3 4 5; do
        st snapshot-create-as web "c$i" --disk-only >/dev/null
        wr "$(active_of web vda)" "write -P 0x$i$i ${i}M 64K"
    done
    assert_eq "$(jq length "$rec")" "$(( $(jq length "$dir/rec.start") + 5 ))" \
        "cycle $1: entries after 5 creates"
    # The root, a middle one, the current one, in turn.
    for i in 3 1 5 2 4; do
        st snapshot-delete web "c$i" >/dev/null
        record_current web "cycle $1: after deleting c$i"
        left_behind web "cycle $1: after deleting c$i"
    done
    assert_eq "$(names web)" "" "cycle $1: snapshots left"
}

echo '[]' >"$dir/rec.start"
cycle 1
assert_eq "$(entries)" "$(made)" "entries after cycle 1: the files strata made that are there"
cp "$rec" "$dir/rec.start"
cycle 2
assert_eq "$(entries)" "$(made)" "entries after cycle 2"
assert_eq "$(jq length "$rec")" "$(jq length "$dir/rec.start")" "entries after cycle 2 against cycle 1"

# --discard-current: the discarded layer's entry goes.
st snapshot-create-as web d1 --disk-only >/dev/null
wr "$(active_of web vda)" 'write -P 0x77 7M 64K'
old=$(active_of web vda)
st snapshot-revert web d1 --discard-current >/dev/null
[ ! -e "$old" ] || fail "--discard-current left '$old'"
record_current web "after --discard-current"
assert_eq "$(entries)" "$(made)" "entries after --discard-current"

# A create killed before its switch, rolled back by recover: the
# overlay it made goes, and so does its entry.
rc=0
STRATA_TEST_CRASH=create-overlays st snapshot-create-as web k1 --disk-only >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 137 "create killed at create-overlays"
[ -e "$dir/vda.k1" ] || fail "no overlay made before the crash point"
st recover web >/dev/null
[ ! -e "$dir/vda.k1" ] || fail "recover left the overlay"
record_current web "after the rolled back create"
assert_eq "$(entries)" "$(made)" "entries after the rolled back create"

# --remove-orphans: the files of forgotten snapshots go, with their
# entries.
st snapshot-create-as web o1 --disk-only >/dev/null
st snapshot-create-as web o2 --disk-only >/dev/null
st snapshot-delete web o2 --metadata >/dev/null
st chain check web --remove-orphans >/dev/null || true
record_current web "after --remove-orphans"
left_behind web "after --remove-orphans"
assert_eq "$(entries)" "$(made)" "entries after --remove-orphans"
echo ok
