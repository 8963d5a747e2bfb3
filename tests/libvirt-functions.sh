# tests/libvirt-functions.sh: a VM as libvirt keeps it, for the
# import-libvirt and export-libvirt tests; sourced after
# tests/functions.sh with $dir set.  Images are made with qemu-img, the
# XML is libvirt's own: the domain is what virsh's test driver prints
# for it (so that its dumpxml of a snapshot is ours byte for byte).
#   st ARGS...            strata on the test's state and run dirs
#   vsh 'CMD; CMD...'     one virsh session on the test driver (its state
#                         lives only as long as the process)
#   make_libvirt_tree     $dir/etc/web.xml and $dir/snap/web/{s1,s2,s3}.xml:
#                         disks vda, vdb in $dir/img; s1 (root), s2 on s1,
#                         and a branch: s3 on s1 after a revert to s1
#                         (libvirt 9.0 cannot make one), current
#   virsh_load_cmds ETC SNAPDIR   the virsh commands defining the domain
#                         and its snapshots from libvirt's files, parents
#                         first, --current on the <active>1</active> one

st() { "$STRATA" --state-dir "$dir/state" --run-dir "$dir/run" "$@"; }
vsh() { virsh -q -c test:///default "$1"; }
export TZ=UTC

warning_comment() {
    printf '%s\n' '<!--' \
        'WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE' \
        'OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:' \
        "  virsh $1" \
        'or other application using the libvirt API.' \
        '-->' ''
}

# domain_xml VDA VDB: the normalized domain XML with those disk files.
domain_xml() {
    sed -e "s|@VDA@|$1|" -e "s|@VDB@|$2|" "$dir/web.norm.xml"
}

# snapfile NAME PARENT|- ACTIVE TIME VDA-PIT VDB-PIT VDA-OVL VDB-OVL
snapfile() {
    local name=$1 parent=$2 active=$3 t=$4 pa=$5 pb=$6 oa=$7 ob=$8 d
    {
        warning_comment snapshot-edit
        echo "<domainsnapshot>"
        echo "  <name>$name</name>"
        [ "$parent" = - ] || printf '  <parent>\n    <name>%s</name>\n  </parent>\n' "$parent"
        echo "  <state>shutoff</state>"
        echo "  <creationTime>$t</creationTime>"
        echo "  <memory snapshot='no'/>"
        echo "  <disks>"
        for d in vda vdb; do
            echo "    <disk name='$d' snapshot='external' type='file'>"
            echo "      <driver type='qcow2'/>"
            if [ $d = vda ]; then echo "      <source file='$oa'/>"; else echo "      <source file='$ob'/>"; fi
            echo "    </disk>"
        done
        echo "  </disks>"
        domain_xml "$pa" "$pb" | sed 's/^/  /'
        echo "  <active>$active</active>"
        echo "</domainsnapshot>"
    } >"$dir/snap/web/$name.xml"
}

make_libvirt_tree() {
    local i=$dir/img
    mkdir -p "$i" "$dir/etc" "$dir/snap/web"
    for d in vda vdb; do
        qemu-img create -q -f qcow2 "$i/$d.qcow2" 8M
        qemu-io -f qcow2 -c "write -P 0x11 0 64k" "$i/$d.qcow2" >/dev/null
        qemu-img create -q -f qcow2 -F qcow2 -b "$i/$d.qcow2" "$i/$d.s1" 8M
        qemu-io -f qcow2 -c "write -P 0x22 64k 64k" "$i/$d.s1" >/dev/null
        qemu-img create -q -f qcow2 -F qcow2 -b "$i/$d.s1" "$i/$d.s2" 8M
        # The branch: back to s1's point in time, then s3 on top.
        qemu-img create -q -f qcow2 -F qcow2 -b "$i/$d.qcow2" "$i/$d.b1" 8M
        qemu-io -f qcow2 -c "write -P 0x33 128k 64k" "$i/$d.b1" >/dev/null
        qemu-img create -q -f qcow2 -F qcow2 -b "$i/$d.b1" "$i/$d.s3" 8M
    done
    cat >"$dir/web.raw.xml" <<XML
<domain type='test'>
  <name>web</name>
  <uuid>8d6e8a0e-6a8b-4b0d-9f5e-6a0b1c2d3e4f</uuid>
  <memory unit='KiB'>1048576</memory>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='@VDA@'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='@VDB@'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
  </devices>
</domain>
XML
    vsh "define $dir/web.raw.xml; dumpxml web" | sed '/^$/d' >"$dir/web.norm.xml"
    grep -q "<currentMemory" "$dir/web.norm.xml" || fail "virsh did not normalize the domain"
    { warning_comment "edit web"; domain_xml "$i/vda.s3" "$i/vdb.s3"; } >"$dir/etc/web.xml"
    snapfile s1 - 0 1700000000 "$i/vda.qcow2" "$i/vdb.qcow2" "$i/vda.s1" "$i/vdb.s1"
    snapfile s2 s1 0 1700000100 "$i/vda.s1" "$i/vdb.s1" "$i/vda.s2" "$i/vdb.s2"
    snapfile s3 s1 1 1700000200 "$i/vda.b1" "$i/vdb.b1" "$i/vda.s3" "$i/vdb.s3"
}

# virsh_load_cmds ETC SNAPDIR: parents first (here: by creation time).
virsh_load_cmds() {
    local f cur
    echo "define $1/web.xml"
    for f in $(grep -l . "$2"/*.xml | xargs -n1 sh -c \
            'printf "%s %s\n" "$(sed -n "s:.*<creationTime>\(.*\)</creationTime>.*:\1:p" "$0")" "$0"' |
            sort -n | cut -d' ' -f2); do
        cur=
        grep -q '<active>1</active>' "$f" && cur=--current
        echo "snapshot-create web $f --redefine $cur"
    done
}

# views_st / views_virsh LOAD-CMDS-FILE: what a reader sees of web's
# snapshots (list, tree, and info and XML of each of strata's), from
# strata, or from virsh's test driver after the commands in the file.
views_st() {
    local n
    st snapshot-list web
    st snapshot-list web --tree
    for n in $(st snapshot-list web --name); do
        st snapshot-info web "$n"
        st snapshot-dumpxml web "$n"
    done
}
views_virsh() {
    local n cmds
    cmds="$(tr '\n' ';' <"$1") echo @@views@@; snapshot-list web; snapshot-list web --tree"
    for n in $(st snapshot-list web --name); do
        cmds="$cmds; snapshot-info web $n; snapshot-dumpxml web $n"
    done
    virsh -c test:///default "$cmds" | sed '1,/^@@views@@$/d'
}
