#!/usr/bin/env bash
# group: qsd snapshot
# snapshot-create refusals leave every disk, file and metadata file as
# they were: the second disk's target in a missing directory (the first
# disk's overlay, already made by QSD, is removed again), an existing
# target without --reuse-external, --reuse-external with a wrong backing,
# hostile snapshot names (before any file is made), a duplicate name,
# --quiesce; --print-xml and --no-metadata; --reuse-external accepted
# with the right backing.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires "$QSD" --version
requires "$QEMU_IMG" --version
requires jq --version

dir=$(mktempdir)
st=("$STRATA" -q --state-dir "$dir/state" --run-dir "$dir/run")
"$QEMU_IMG" create -q -f qcow2 "$dir/vda.qcow2" 4M
"$QEMU_IMG" create -q -f qcow2 "$dir/vdb.qcow2" 4M
"${st[@]}" define-as web --disk "vda=$dir/vda.qcow2" --disk "vdb=$dir/vdb.qcow2" >/dev/null

# Everything that must not change: images, the store, the file list.
state() {
    (cd "$dir" && find . -path ./state/web/lock -prune -o -path ./err -prune -o -path ./out -prune -o -path ./want -prune -o \
        -path ./run -prune -o -type f -print | sort | xargs md5sum)
}
# refused WHAT TEXT CMD...: exit 1, TEXT on stderr, nothing changed.
refused() {
    local what=$1 text=$2 rc=0 before
    shift 2
    before=$(state)
    "$@" 2>"$dir/err" >"$dir/out" || rc=$?
    assert_eq "$rc" 1 "$what: exit status"
    assert_contains "$(cat "$dir/err")" "$text"
    [ ! -s "$dir/out" ] || fail "$what: stdout not empty: $(cat "$dir/out")"
    assert_eq "$(state)" "$before" "$what: files changed"
    [ ! -e "$dir/state/web/journal" ] || fail "$what: journal left"
}

# Second disk's target in a directory that does not exist: QSD makes
# vda's overlay first, then fails on vdb; vda's is removed again.
refused "missing directory" "disk 'vdb'" \
    "${st[@]}" snapshot-create-as web s1 --disk-only --diskspec "vdb,file=$dir/nodir/vdb.s1"
[ ! -e "$dir/vda.s1" ] || fail "vda's overlay left behind"
assert_eq "$("${st[@]}" snapshot-list web --name)" "" "snapshots after the failure"

# An existing target is refused and left untouched.
"$QEMU_IMG" create -q -f qcow2 "$dir/vdb.s1" 4M
refused "existing target" "target file '$dir/vdb.s1' already exists" \
    "${st[@]}" snapshot-create-as web s1 --disk-only
# --reuse-external with a file that is not backed by the active one.
refused "wrong backing" "is backed by 'nothing', not by the active file" \
    "${st[@]}" snapshot-create-as web s1 --disk-only --reuse-external
"$QEMU_IMG" create -q -f qcow2 "$dir/other.qcow2" 4M
rm "$dir/vdb.s1"
"$QEMU_IMG" create -q -f qcow2 -F qcow2 -b "$dir/other.qcow2" "$dir/vdb.s1"
refused "other backing" "is backed by '$dir/other.qcow2', not by the active file '$dir/vdb.qcow2'" \
    "${st[@]}" snapshot-create-as web s1 --disk-only --reuse-external
rm "$dir/vdb.s1"
printf 'not an image' >"$dir/vdb.s1"
refused "not qcow2" "is not a qcow2 image" \
    "${st[@]}" snapshot-create-as web s1 --disk-only --reuse-external
rm "$dir/vdb.s1"

# Hostile names: refused before any file is made.
long=$(head -c 10240 /dev/zero | tr '\0' a)
for name in ../x a/b "" "$long" .. .; do
    refused "name '${name:0:20}'" "snapshot name" "${st[@]}" snapshot-create-as web "$name" --disk-only
done
refused "leading dash" "snapshot name" "${st[@]}" snapshot-create-as web -- -x --disk-only
printf '<domainsnapshot><name>../evil</name></domainsnapshot>' >"$dir/evil.xml"
refused "name in XML" "" "${st[@]}" snapshot-create web "$dir/evil.xml"
ls "$dir" | grep -q evil.xml || fail "setup"
[ -z "$(find "$dir" -name '*evil*' ! -name evil.xml)" ] || fail "a file named after ../evil exists"

# Unsupported requests.
refused "quiesce" "--quiesce needs a guest agent" \
    "${st[@]}" snapshot-create-as web s1 --disk-only --quiesce
refused "unknown disk" "domain 'web' has no disk 'vdz'" \
    "${st[@]}" snapshot-create-as web s1 --diskspec vdz
refused "internal diskspec" "snapshot='internal' is not supported" \
    "${st[@]}" snapshot-create-as web s1 --diskspec vda,snapshot=internal
printf "<domainsnapshot><disks><disk name='vda' snapshot='internal'/></disks></domainsnapshot>" >"$dir/int.xml"
refused "internal mode" "disk 'vda': snapshot mode 'internal' is not supported" \
    "${st[@]}" snapshot-create web "$dir/int.xml"
printf "<domainsnapshot><memory snapshot='internal'/></domainsnapshot>" >"$dir/mem.xml"
refused "memory" "memory snapshots are not supported" "${st[@]}" snapshot-create web "$dir/mem.xml"
refused "raw diskspec" "driver='raw' is not supported for an overlay" \
    "${st[@]}" snapshot-create-as web s1 --diskspec vda,driver=raw
printf "<domainsnapshot><disks><disk name='vda'><driver type='raw'/></disk></disks></domainsnapshot>" >"$dir/raw.xml"
refused "raw overlay" "overlay driver 'raw' is not supported" "${st[@]}" snapshot-create web "$dir/raw.xml"
refused "all disks off" "no disk of domain 'web' is to be snapshotted" \
    "${st[@]}" snapshot-create-as web s1 --diskspec vda,snapshot=no --diskspec vdb,snapshot=no
refused "no domain" "" "${st[@]}" snapshot-create-as nosuch s1

# A chain broken after define (its backing file removed) is refused
# before QSD is asked.
"$QEMU_IMG" create -q -f qcow2 "$dir/gone.qcow2" 4M
"$QEMU_IMG" create -q -f qcow2 -F qcow2 -b "$dir/gone.qcow2" "$dir/broken.qcow2" 4M
"${st[@]}" define-as bad --disk "vda=$dir/broken.qcow2" >/dev/null
rm "$dir/gone.qcow2"
rc=0; "${st[@]}" snapshot-create-as bad s1 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "snapshot of a broken chain"
assert_contains "$(cat "$dir/err")" "disk 'vda': "
assert_contains "$(cat "$dir/err")" "gone.qcow2"
[ ! -e "$dir/broken.s1" ] || fail "overlay made on a broken chain"
"${st[@]}" undefine bad >/dev/null

# --print-xml: the XML virsh would build, nothing else.
before=$(state)
"${st[@]}" snapshot-create-as web s1 "a desc" --print-xml \
    --diskspec "vda,snapshot=external,driver=qcow2,file=$dir/a,,b" --diskspec vdb,snapshot=no >"$dir/out"
cat >"$dir/want" <<XML
<domainsnapshot>
  <name>s1</name>
  <description>a desc</description>
  <disks>
    <disk name='vda' snapshot='external'>
      <driver type='qcow2'/>
      <source file='$dir/a,b'/>
    </disk>
    <disk name='vdb' snapshot='no'/>
  </disks>
</domainsnapshot>

XML
diff -u "$dir/want" "$dir/out" || fail "--print-xml output"
assert_eq "$(state)" "$before" "--print-xml changed files"

# --no-metadata: overlays made, domain repointed, no snapshot XML.
"${st[@]}" snapshot-create-as web nm --disk-only --no-metadata >/dev/null
[ -e "$dir/vda.nm" ] && [ -e "$dir/vdb.nm" ] || fail "--no-metadata made no overlays"
[ -z "$(ls "$dir/state/web/snapshots" 2>/dev/null)" ] || fail "--no-metadata wrote snapshot XML"
"${st[@]}" domblklist web | grep -q "$dir/vda.nm" || fail "--no-metadata: domain not repointed"

# --reuse-external with the right backing: the file is used, not remade.
"$QEMU_IMG" create -q -f qcow2 -F qcow2 -b "$dir/vda.nm" "$dir/vda.s1"
ino=$(stat -c %i "$dir/vda.s1")
"${st[@]}" snapshot-create-as web s1 --disk-only --reuse-external >/dev/null
assert_eq "$(stat -c %i "$dir/vda.s1")" "$ino" "reused file was replaced"
"${st[@]}" domblklist web | grep -q "$dir/vda.s1" || fail "reused overlay not active"

# The domain's lock held by another command: --no-wait fails at once.
if command -v flock >/dev/null; then
    refused "busy" "domain 'web' is busy" \
        flock "$dir/state/web/lock" "${st[@]}" snapshot-create-as web s5 --no-wait
    refused "busy revert" "domain 'web' is busy" \
        flock "$dir/state/web/lock" "${st[@]}" snapshot-revert web s1 --no-wait
fi

# Revert refusals.
refused "revert unknown" "domain 'web' has no snapshot named 'nosuch'" \
    "${st[@]}" snapshot-revert web nosuch
refused "revert both" "give a snapshot name or --current, not both" \
    "${st[@]}" snapshot-revert web s1 --current
printf "<domainsnapshot><name>bare</name><memory snapshot='no'/></domainsnapshot>" >"$dir/bare.xml"
"${st[@]}" snapshot-create web "$dir/bare.xml" --redefine >/dev/null
refused "revert without <domain>" "snapshot 'bare' records no <domain>" \
    "${st[@]}" snapshot-revert web bare

# A second snapshot with the same name.
refused "duplicate" "already has a snapshot named 's1'" "${st[@]}" snapshot-create-as web s1

# A domain that does not exist, or a hostile name: refused before any
# lock, so no directory appears in the state dir.
for cmd in "snapshot-create-as nosuch s9" "snapshot-revert nosuch s1" "recover nosuch" \
           "blockcommit nosuch vda" "snapshot-delete nosuch s1" "snapshot-list nosuch"; do
    # shellcheck disable=SC2086
    refused "$cmd" "no domain named 'nosuch'" "${st[@]}" $cmd
    [ ! -e "$dir/state/nosuch" ] || fail "$cmd created a directory for a missing domain"
done
refused "hostile name" "domain name '../x' contains '/'" "${st[@]}" snapshot-create-as ../x s9
refused "hostile name" "domain name 'a/b' contains '/'" "${st[@]}" recover a/b
[ ! -e "$dir/x" ] && [ ! -e "$dir/state/a" ] || fail "a hostile domain name made a directory"
echo ok
