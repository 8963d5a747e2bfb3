#!/usr/bin/env bash
# group: quick domain
# define and define-as read each disk's chain with strata's own reader
# and refuse a chain the first snapshot would refuse (invalid header,
# unknown incompatible feature, encrypted, missing or looping backing,
# no backing format), naming the file and the fault; nothing is written
# to the store.  Faults QEMU reads through (a dirty bit) are accepted,
# as is a disk whose image does not exist yet (a warning, as libvirt
# allows), a disk with snapshot='no', and a remote (NBD) base.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires qemu-img --version
poke=$builddir/tests/tools/qcow2-poke
requires test -x "$poke"

dir=$(mktempdir)
st() { "$STRATA" --state-dir "$dir/state" --run-dir "$dir/run" "$@"; }
cd "$dir"
qemu-img create -q -f qcow2 base.qcow2 8M
mk() { qemu-img create -q -f qcow2 -F qcow2 -b "$dir/base.qcow2" "$1" 8M; }

# refused NAME FILE FAULT-TEXT: define-as and define both refuse FILE
# as vda, naming it and the fault, and write nothing.
refused() {
    local what=$1 file=$2 text=$3 rc=0
    st define-as web --disk "vda=$dir/ok.qcow2" --disk "vdb=$file" >/dev/null 2>"$dir/err" || rc=$?
    assert_eq "$rc" 1 "define-as of $what"
    assert_contains "$(cat "$dir/err")" "domain 'web' not defined: disk 'vdb': "
    assert_contains "$(cat "$dir/err")" "$text"
    assert_contains "$(cat "$dir/err")" "strata chain check $file"
    [ ! -e "$dir/state/web" ] || fail "define-as of $what left a domain behind"
    sed "s|@FILE@|$file|" "$dir/dom.xml.in" >"$dir/dom.xml"
    rc=0; st define "$dir/dom.xml" >/dev/null 2>"$dir/err" || rc=$?
    assert_eq "$rc" 1 "define of $what"
    assert_contains "$(cat "$dir/err")" "$text"
    [ ! -e "$dir/state/web" ] || fail "define of $what left a domain behind"
}
mk ok.qcow2
cat >"$dir/dom.xml.in" <<EOF
<domain type='kvm'><name>web</name><memory>1024</memory><os><type>hvm</type></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
<source file='@FILE@'/><target dev='vdb' bus='virtio'/></disk></devices></domain>
EOF

mk gone.qcow2; qemu-img rebase -q -u -F qcow2 -b "$dir/nowhere.qcow2" gone.qcow2
refused "a missing backing file" "$dir/gone.qcow2" "backing file '$dir/nowhere.qcow2' of '$dir/gone.qcow2' does not exist"

mk feat.qcow2; "$poke" feat.qcow2 incompatible_features 0x100
refused "an unknown incompatible feature" "$dir/feat.qcow2" "unknown incompatible feature"

mk crypt.qcow2; "$poke" crypt.qcow2 crypt_method 1
refused "an encrypted image" "$dir/crypt.qcow2" "encrypt"

mk magic.qcow2; "$poke" magic.qcow2 magic 0x12345678
refused "an invalid header" "$dir/magic.qcow2" "magic.qcow2"

mk nofmt.qcow2; "$poke" nofmt.qcow2 ext-del backing_format
refused "an unrecorded backing format" "$dir/nofmt.qcow2" "does not record the format of its backing file"

mk loop.qcow2; qemu-img rebase -q -u -F qcow2 -b "$dir/loop.qcow2" loop.qcow2
refused "a backing loop" "$dir/loop.qcow2" "loop.qcow2"

# Accepted: a dirty bit (QEMU repairs it on open), an image made later
# (with a warning), a disk strata does not manage.
mk dirty.qcow2; "$poke" dirty.qcow2 incompatible_features 1
st define-as web --disk "vda=$dir/dirty.qcow2" --disk "vdb=$dir/later.qcow2" >/dev/null 2>"$dir/err"
assert_contains "$(cat "$dir/err")" "disk 'vdb': '$dir/later.qcow2' does not exist yet; snapshots need it"
st undefine web >/dev/null
sed "s|@FILE@|$dir/feat.qcow2|; s|<disk type='file' device='disk'>|<disk type='file' device='disk' snapshot='no'>|" \
    "$dir/dom.xml.in" >"$dir/dom.xml"
st define "$dir/dom.xml" >/dev/null
st undefine web >/dev/null
echo ok
