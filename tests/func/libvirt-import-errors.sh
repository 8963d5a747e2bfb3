#!/usr/bin/env bash
# group: libvirt
# import-libvirt refuses bad input, naming the file, and defines
# nothing: a missing parent, two <active>1</active>, a file that is not
# XML, a name that is not its file's, a disk whose file is missing, a
# disk a QEMU holds open (a VM running); a crash before the commit
# leaves no domain, and the next import cleans up after it.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/libvirt-functions.sh"
set -euo pipefail
requires virsh -c test:///default version

dir=$(mktempdir)
make_libvirt_tree
cp -a "$dir/snap" "$dir/snap.good"
cp -a "$dir/img" "$dir/img.good"

# refused WHAT NEEDLE: the import fails naming NEEDLE; nothing defined.
refused() {
    local what=$1 needle=$2
    if st import-libvirt web --config-dir "$dir/etc" --snapshot-dir "$dir/snap" \
            >"$dir/out" 2>"$dir/err"; then
        fail "$what: import-libvirt succeeded"
    fi
    grep -qF -- "$needle" "$dir/err" || fail "$what: '$needle' not named in: $(cat "$dir/err")"
    [ -z "$(cat "$dir/out")" ] || fail "$what: output on stdout: $(cat "$dir/out")"
    [ ! -e "$dir/state/web/domain.xml" ] || fail "$what: the domain was defined"
    [ -z "$(st list --all --name)" ] || fail "$what: strata lists a domain"
    ! ls -A "$dir/state" 2>/dev/null | grep -q '^\.import' || fail "$what: staging left"
    # --dry-run says the same, with status 2.
    assert_exit 2 st import-libvirt web --config-dir "$dir/etc" --snapshot-dir "$dir/snap" --dry-run
}
restore() { rm -rf "$dir/snap" "$dir/img"; cp -a "$dir/snap.good" "$dir/snap"; cp -a "$dir/img.good" "$dir/img"; }

rm "$dir/snap/web/s1.xml"
refused "missing parent" "$dir/snap/web/s2.xml: snapshot 's2': its parent 's1' has no file"
grep -qF "$dir/snap/web/s3.xml" "$dir/err" || fail "s3's missing parent not reported"
restore

sed -i 's|<active>0</active>|<active>1</active>|' "$dir/snap/web/s2.xml"
refused "two current" "$dir/snap/web/s3.xml: snapshot 's3' is marked current"
grep -qF "and so is 's2' ($dir/snap/web/s2.xml)" "$dir/err" || fail "the other current file not named"
restore

echo 'this is not XML' >"$dir/snap/web/s2.xml"
refused "not XML" "$dir/snap/web/s2.xml: line 1:1: Start tag expected"
restore

mv "$dir/snap/web/s2.xml" "$dir/snap/web/other.xml"
refused "name mismatch" "$dir/snap/web/other.xml: holds snapshot 's2', but the file is named after 'other'"
restore

rm "$dir/img/vdb.s3"
refused "missing disk" "$dir/etc/web.xml: disk 'vdb': file '$dir/img/vdb.s3' does not exist"
restore

rm "$dir/img/vda.s2"
refused "missing overlay" "$dir/snap/web/s2.xml: snapshot 's2', disk 'vda': its overlay '$dir/img/vda.s2' cannot be read"
restore

# A VM running under libvirt: a QEMU (here a QSD serving the disk
# writable over NBD) holds QEMU's lock on the active file.
start_qsd "$dir/qsd.pid" \
    --blockdev driver=file,filename="$dir/img/vda.s3",node-name=f \
    --blockdev driver=qcow2,file=f,node-name=q \
    --nbd-server addr.type=unix,addr.path="$dir/nbd.sock" \
    --export type=nbd,id=e,node-name=q,writable=on
refused "running" "domain 'web' is running: disk 'vda' ('$dir/img/vda.s3') is open in a QEMU process (it holds QEMU's write lock"
grep -qF "virsh shutdown" "$dir/err" || fail "no advice to shut the VM down: $(cat "$dir/err")"
stop_pid "$(cat "$dir/qsd.pid")"
wait_for_exit "$(cat "$dir/qsd.pid")"

# A crash after staging, before the exchange: no domain; the next import
# removes the staging directory and succeeds.
rc=0
STRATA_TEST_CRASH=import-staged st import-libvirt web --config-dir "$dir/etc" \
    --snapshot-dir "$dir/snap" >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 137 "exit status of the crashed import"
ls -A "$dir/state" | grep -q '^\.import\.' || fail "the crash left no staging directory (crash point not reached?)"
[ -z "$(st list --all --name)" ] || fail "a crashed import left a domain"
st import-libvirt web --config-dir "$dir/etc" --snapshot-dir "$dir/snap" >/dev/null
! ls -A "$dir/state" | grep -q '^\.import' || fail "the stale staging directory stayed: $(ls -A "$dir/state")"
assert_eq "$(st snapshot-list web --name | tr '\n' ' ')" "s1 s2 s3  " "snapshots after the import"
assert_eq "$(st snapshot-current web --name)" "s3" "current after the import"
echo ok
