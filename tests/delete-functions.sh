# tests/delete-functions.sh: scenarios for the snapshot-delete tests,
# sourced after tests/functions.sh with $dir set.  Chains are made with
# qemu-img and qemu-io, snapshots imported with --redefine (their
# embedded <domain> names each disk's point in time).
#   st ARGS...                    strata on the test's state and run dirs
#   img PATH [BACKING]            an 8 MiB qcow2 (an overlay when BACKING)
#   wr PATH 'qemu-io command'     write data
#   redefine DOM NAME PARENT|- 0|1 DEV=PIT:OVERLAY|DEV=no ...
#   views DOM                     one line per view: label and md5 of the
#                                 guest-visible content (every snapshot's
#                                 point in time, every leaf's branch head,
#                                 every active disk)
#   same_views BEFORE AFTER       every view in AFTER equal to BEFORE's
#   dead_or_zombie PID            gone, or a zombie (a killed live QSD
#                                 stays one until init reaps it)
#   stop_unless_dead PID          for cleanup_fn
#   left_behind DOM WHAT          no orphan, no file backed by a gone file
#   record_current DOM WHAT       DOM/created names only files that are there
#   no_qsd_left                   no QSD runs on a file under $dir ($what
#                                 names the case in the failure)
#   kill_orphan_qsds              after strata was killed: kill the
#                                 transient QSDs it left (RUN/op-*), as an
#                                 admin would; a live QSD stays

st() { "$STRATA" --state-dir "$dir/state" --run-dir "$dir/run" "$@"; }

img() {
    if [ $# -gt 1 ]; then
        qemu-img create -q -f qcow2 -F qcow2 -b "$2" "$1" 8M
    else
        qemu-img create -q -f qcow2 "$1" 8M
    fi
}

wr() { qemu-io -f qcow2 -c "$2" "$1" >/dev/null; }

redefine() {
    local dom=$1 name=$2 parent=$3 cur=$4 domxml spec dev rest pit ovl
    shift 4
    domxml=$(st dumpxml "$dom")
    {
        echo "<domainsnapshot><name>$name</name>"
        [ "$parent" = - ] || echo "<parent><name>$parent</name></parent>"
        echo "<state>shutoff</state><creationTime>1795366092</creationTime>"
        echo "<memory snapshot='no'/><disks>"
        for spec; do
            dev=${spec%%=*} rest=${spec#*=}
            if [ "$rest" = no ]; then
                echo "<disk name='$dev' snapshot='no'/>"
                continue
            fi
            pit=${rest%%:*} ovl=${rest#*:}
            echo "<disk name='$dev' snapshot='external'><driver type='qcow2'/><source file='$ovl'/></disk>"
            domxml=$(printf '%s\n' "$domxml" | DEV=$dev PIT=$pit perl -0pe \
                "s{(<source file=')[^']*('/>\\s*<target dev='\\Q\$ENV{DEV}\\E')}{\$1\$ENV{PIT}\$2}")
        done
        echo "</disks>"
        printf '%s\n' "$domxml"
        echo "</domainsnapshot>"
    } >"$dir/$name.snap.xml"
    if [ "$cur" = 1 ]; then
        st snapshot-create "$dom" "$dir/$name.snap.xml" --redefine --current >/dev/null
    else
        st snapshot-create "$dom" "$dir/$name.snap.xml" --redefine >/dev/null
    fi
}

_sum() {
    rm -f "$dir/view.raw"
    qemu-img convert -U -t unsafe -f qcow2 -O raw "$1" "$dir/view.raw" || { echo unreadable; return; }
    md5sum <"$dir/view.raw" | cut -d' ' -f1
}

# pit_of DOM SNAP DEV / overlay_of DOM SNAP DEV / active_of DOM DEV
pit_of() {
    st snapshot-dumpxml "$1" "$2" |
        xmllint --xpath "string(/domainsnapshot/domain/devices/disk[target/@dev='$3']/source/@file)" -
}
overlay_of() {
    st snapshot-dumpxml "$1" "$2" |
        xmllint --xpath "string(/domainsnapshot/disks/disk[@name='$3']/source/@file)" -
}
active_of() {
    st dumpxml "$1" | xmllint --xpath "string(/domain/devices/disk[target/@dev='$2']/source/@file)" -
}

views() {
    local dom=$1 s dev f leaves
    leaves=$(st snapshot-list "$dom" --leaves --name)
    for dev in $(st dumpxml "$dom" | xmllint --xpath "//disk/target/@dev" - | sed "s/ dev=\"\([^\"]*\)\"/\1 /g"); do
        echo "domain $dev $(_sum "$(active_of "$dom" "$dev")")"
        for s in $(st snapshot-list "$dom" --name); do
            f=$(pit_of "$dom" "$s" "$dev")
            [ -z "$f" ] || echo "$s $dev pit $(_sum "$f")"
            # A leaf's overlay is the head of its branch.
            case " $(echo $leaves) " in *" $s "*)
                f=$(overlay_of "$dom" "$s" "$dev")
                [ -z "$f" ] || echo "$s $dev head $(_sum "$f")" ;;
            esac
        done
    done
}

# same_views BEFORE AFTER: every view of AFTER that BEFORE also had
# shows the same content (a snapshot that became a leaf is new).
same_views() {
    local line n=0
    while read -r line; do
        grep -q "^${line% *} " "$1" || continue
        grep -qxF "$line" "$1" || fail "view changed: '$line' (before: $(grep "^${line% *} " "$1"))"
        n=$((n + 1))
    done <"$2"
    [ "$n" -gt 0 ] || fail "no views to compare after the delete"
}

# chain_len FILE: number of layers (qemu-img's view)
chain_len() {
    qemu-img info -U --backing-chain --output=json "$1" | jq length
}

# names DOM: the snapshot names on one line
names() { st snapshot-list "$1" --name | sed '/^$/d' | tr '\n' ' ' | sed 's/ $//'; }

dead_or_zombie() {
    ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}
stop_unless_dead() { dead_or_zombie "$1" || stop_pid "$1"; }

no_qsd_left() {
    local p
    p=$(pgrep -f "qemu-storage-daemon.*$dir/" || true)
    [ -z "$p" ] || fail "$what: QSD left running: $p"
}

kill_orphan_qsds() {
    local f pid
    for f in "$dir"/run/op-*/qsd.pid; do
        pid=$(cat "$f" 2>/dev/null) || continue   # gone already after quit
        kill -9 "$pid" 2>/dev/null || true
        _wait_until 10 "QSD to die" dead_or_zombie "$pid"
        rm -rf "$(dirname "$f")"
    done
}

# left_behind DOM WHAT: the invariant of issue 18 after an operation:
# 'chain check DOM' lists no orphan (every file strata made is named by
# metadata or removed) and no image file under $dir has a backing file
# that is gone.
left_behind() {
    local f b rc=0
    st --json chain check "$1" >"$dir/check.json" || rc=$?
    [ "$rc" = 0 ] || fail "$2: chain check $1 exited $rc: $(cat "$dir/check.json")"
    assert_json "$dir/check.json" '.orphans == [] and .["orphan-count"] == 0 and .clean'
    for f in "$dir"/*; do
        [ -f "$f" ] || continue
        b=$(qemu-img info -U --output=json "$f" 2>/dev/null | jq -r '.["full-backing-filename"] // empty') || continue
        [ -z "$b" ] || [ -e "$b" ] || fail "$2: '$f' is left backed by '$b', which is gone"
    done
}

# record_current DOM WHAT: the record of the files strata made
# (DOM/created) has no entry for a file that is gone: a command that
# removes a file strata made drops its entry.
record_current() {
    local f rec=$dir/state/$1/created
    [ -e "$rec" ] || return 0
    for f in $(jq -r '.[].path' "$rec"); do
        [ -e "$f" ] || fail "$2: DOM/created still lists '$f', which is gone"
    done
}
