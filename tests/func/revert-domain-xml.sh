#!/usr/bin/env bash
# group: snapshot
# A revert to a snapshot taken while the domain ran under libvirt: the
# embedded <domain> carries live-only parts (id='1', aliases, a pty's
# tty and /dev/pts source, a dynamic seclabel's labels, a generated
# vnet target, a <backingStore> naming a file that no longer exists,
# source index=) and an <inactiveDomain> with the persistent config.
# The definition after the revert is the <inactiveDomain> (its memory
# size shows it), without any of those parts, pointing at the new
# overlay on the snapshot's point in time, and valid for libvirt's
# domain.rng; without an <inactiveDomain> the <domain> is used, also
# cleaned.
source "$srcdir/tests/functions.sh"
source "$srcdir/tests/delete-functions.sh"
set -euo pipefail
requires "$QEMU_IMG" --version
requires qemu-io --version
requires xmllint --version
requires perl -v

dir=$(mktempdir)
img "$dir/vda.qcow2"
wr "$dir/vda.qcow2" 'write -P 0x11 0 1M'
st define-as vm --disk "vda=$dir/vda.qcow2" >/dev/null
st snapshot-create-as vm s1 >/dev/null
st snapshot-create-as vm s2 >/dev/null

# live_shape FILE [inactive]: make snapshot XML FILE look like libvirt's
# of a running domain; with 'inactive', add an <inactiveDomain> (the
# same domain with 2 GiB of memory).
live_shape() {
    INACTIVE=${2:-} perl -0pi -e '
        s/<domain type=.kvm.>/<domain type="kvm" id="1">/;
        s/(<source file=[^>]*)\/>\n(\s*)(<target dev=.vda.)/$1 index="1"\/>\n$2<backingStore type="file" index="2"><format type="qcow2"\/><source file="\/gone\/base.qcow2"\/><backingStore\/><\/backingStore>\n$2$3/;
        s/(<target dev=.vda. bus=.virtio.\/>)/$1<alias name="virtio-disk0"\/>/;
        s/(\s*)<\/devices>\n(\s*)<\/domain>/$1  <interface type="network"><mac address="52:54:00:11:22:33"\/><source network="default"\/><target dev="vnet7"\/><model type="virtio"\/><alias name="net0"\/><\/interface>$1  <console type="pty" tty="\/dev\/pts\/3"><source path="\/dev\/pts\/3"\/><target type="serial" port="0"\/><alias name="serial0"\/><\/console>$1<\/devices>$1<seclabel type="dynamic" model="dac" relabel="yes"><label>+107:+107<\/label><imagelabel>+107:+107<\/imagelabel><\/seclabel>\n$2<\/domain>/;
        # The inactive copy gets the same parts: the definition is
        # cleaned whichever element it comes from.
        if ($ENV{INACTIVE}) {
            my ($dom) = /(<domain type="kvm".*?<\/domain>)/s;
            (my $inactive = $dom) =~ s/<domain /<inactiveDomain /;
            $inactive =~ s/<\/domain>/<\/inactiveDomain>/;
            $inactive =~ s/1048576/2097152/;
            s/(<\/domain>)/$1\n  $inactive/;
        }
    ' "$1"
}

check_clean() {   # check_clean WHAT WANT-MEMORY
    local x=$dir/now.xml
    st dumpxml vm >"$x"
    for bad in "id=" "<alias" "<backingStore" "tty=" "/dev/pts" "<label>" "<imagelabel>" "vnet7" "index=" "/gone/"; do
        ! grep -q -- "$bad" "$x" || fail "$1: the definition keeps the runtime-only '$bad': $(cat "$x")"
    done
    assert_eq "$(xmllint --xpath 'string(/domain/memory)' "$x")" "$2" "$1: memory"
    assert_eq "$(xmllint --xpath 'string(/domain/devices/disk/source/@file)' "$x")" "$(active_of vm vda)" "$1: disk source"
    assert_eq "$(qemu-img info -U --output=json "$(active_of vm vda)" | jq -r '.["full-backing-filename"]')" \
        "$(pit_of vm "$3" vda)" "$1: the new overlay's backing"
    grep -q '<seclabel type=.dynamic. model=.dac. relabel=.yes.' "$x" || fail "$1: the seclabel itself went"
    grep -q '<console type=.pty.>' "$x" || fail "$1: the console itself went"
    grep -q "<mac address='52:54:00:11:22:33'/>" "$x" || fail "$1: the interface went"
    xmllint --noout --relaxng /usr/share/libvirt/schemas/domain.rng "$x" 2>"$dir/rng" ||
        fail "$1: not valid for libvirt: $(cat "$dir/rng")"
}

# With an <inactiveDomain>: it becomes the definition.
st snapshot-dumpxml vm s1 >"$dir/s1.xml"
live_shape "$dir/s1.xml" inactive
grep -q '<inactiveDomain' "$dir/s1.xml" || fail "the test's XML has no <inactiveDomain>"
grep -q 'id="1"' "$dir/s1.xml" || fail "the test's XML is not live-shaped"
st snapshot-create vm "$dir/s1.xml" --redefine >/dev/null
st snapshot-revert vm s1 >/dev/null
check_clean "revert to s1 (inactiveDomain)" 2097152 s1

# Without: the <domain>, cleaned.
st snapshot-dumpxml vm s2 >"$dir/s2.xml"
live_shape "$dir/s2.xml"
! grep -q '<inactiveDomain' "$dir/s2.xml" || fail "s2's XML has an <inactiveDomain>"
st snapshot-create vm "$dir/s2.xml" --redefine >/dev/null
st snapshot-revert vm s2 >/dev/null
check_clean "revert to s2 (domain)" 1048576 s2
# The snapshot's own XML is kept as given (only the definition is cleaned).
st snapshot-dumpxml vm s2 | grep -q '<alias name=.virtio-disk0.' || fail "s2's metadata lost its alias"
