# gen_tree DIR DOMAIN.xml: write the 20 snapshot XML files of the list tests
# into DIR and print their names in creation order (the tree: r1, r2, r3
# roots; mixed states so that every filter selects something).
# Each line: name parent state (parent "-" for a root).
gen_tree() {
    local dir=$1 domxml=$2 t=1795366000 name parent state mem disk
    while read -r name parent state; do
        t=$((t + 60))
        case $state in
        running) mem="<memory snapshot='internal'/>"; disk="<disk name='vda' snapshot='internal'/>" ;;
        shutoff) mem="<memory snapshot='no'/>"; disk="<disk name='vda' snapshot='internal'/>" ;;
        *) mem="<memory snapshot='no'/>"
           disk="<disk name='vda' snapshot='external' type='file'><driver type='qcow2'/><source file='/images/vda.$name'/></disk>" ;;
        esac
        {
            echo "<domainsnapshot>"
            echo "  <name>$name</name>"
            echo "  <state>$state</state>"
            [ "$parent" = - ] || echo "  <parent><name>$parent</name></parent>"
            echo "  <creationTime>$t</creationTime>"
            echo "  $mem"
            echo "  <disks>$disk</disks>"
            cat "$domxml"
            echo "</domainsnapshot>"
        } > "$dir/$name.xml"
        echo "$name"
    done <<'T'
r1 - disk-snapshot
a1 r1 disk-snapshot
a2 a1 running
a3 a2 disk-snapshot
b1 a1 shutoff
b2 b1 disk-snapshot
B3 b1 disk-snapshot
c1 r1 disk-snapshot
c2 c1 disk-snapshot
c3 c2 running
c4 c3 disk-snapshot
r2 - shutoff
d1 r2 disk-snapshot
d2 r2 disk-snapshot
d3 d2 shutoff
e1 r2 disk-snapshot
x1 e1 disk-snapshot
x2 x1 running
r3 - disk-snapshot
X0 r3 disk-snapshot
T
}
