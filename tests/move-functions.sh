# tests/move-functions.sh: the domain the 'strata move' tests move
# about, sourced after tests/functions.sh and tests/delete-functions.sh
# with $dir set.
#   make_domain DIR    domain 'web' in DIR: vda (qcow2) and vdb (a sparse
#                      raw base), snapshots s1, s2 and, after a revert to
#                      s1, s3: three snapshots on two branches, data
#                      written between them
#   points             one line per point in time, branch overlay and
#                      active disk of 'web': its label and the md5 of its
#                      guest-visible content (no paths: a move keeps
#                      every line)
#   named_files        every file the metadata of 'web' names
#   all_named_exist W  fail (naming W) when one of them is missing
#   images DIR         the image files in DIR, by name
#   state_sum          md5 of every file of the state dir but the lock
#   checked_in DIR W   the domain is whole in DIR: the files of
#                      $files_a, the points of $dir/points.ref, metadata
#                      naming only files in DIR, relative backing strings,
#                      chain check clean, no orphan, the record current

make_domain() {
    local d=$1
    qemu-img create -q -f qcow2 "$d/vda.qcow2" 8M
    qemu-img create -q -f raw "$d/vdb.raw" 64M
    wr "$d/vda.qcow2" 'write -P 0x11 0 1M'
    qemu-io -f raw -c 'write -P 0x12 16M 1M' "$d/vdb.raw" >/dev/null
    st -q define-as web --disk "vda=$d/vda.qcow2" --disk "vdb=$d/vdb.raw,format=raw" >/dev/null
    st -q snapshot-create-as web s1 --disk-only >/dev/null
    wr "$(active_of web vda)" 'write -P 0x21 1M 1M'
    wr "$(active_of web vdb)" 'write -P 0x22 2M 1M'
    st -q snapshot-create-as web s2 --disk-only >/dev/null
    wr "$(active_of web vda)" 'write -P 0x31 2M 1M'
    st -q snapshot-revert web s1 >/dev/null
    wr "$(active_of web vda)" 'write -P 0x41 3M 1M'
    st -q snapshot-create-as web s3 --disk-only >/dev/null
    wr "$(active_of web vdb)" 'write -P 0x52 5M 1M'
}

_md5_of() {
    rm -f "$dir/point.raw"
    qemu-img convert -U -O raw "$1" "$dir/point.raw" 2>/dev/null || { echo unreadable; return; }
    md5sum <"$dir/point.raw" | cut -d' ' -f1
}

points() {
    local dev s f
    for dev in vda vdb; do
        echo "domain $dev $(_md5_of "$(active_of web "$dev")")"
        for s in $(st snapshot-list web --name); do
            f=$(pit_of web "$s" "$dev")
            [ -z "$f" ] || echo "$s $dev pit $(_md5_of "$f")"
            f=$(overlay_of web "$s" "$dev")
            [ -z "$f" ] || echo "$s $dev overlay $(_md5_of "$f")"
        done
    done
}

named_files() {
    local dev s
    for dev in vda vdb; do
        active_of web "$dev"; echo
        for s in $(st snapshot-list web --name); do
            pit_of web "$s" "$dev"; echo
            overlay_of web "$s" "$dev"; echo
        done
    done | sed '/^$/d' | sort -u
}

all_named_exist() {
    local f
    for f in $(named_files); do
        [ -e "$f" ] || fail "$1: metadata names '$f', which is missing"
    done
}

images() { (cd "$1" && ls -A | grep -E '^vd[ab]\.' || true) | tr '\n' ' '; }

state_sum() { (cd "$dir/state" && find . -type f ! -name lock | sort | xargs md5sum); }

checked_in() {
    local f b
    assert_eq "$(images "$1")" "$files_a" "files in $1 after $2"
    points >"$dir/points.now"
    assert_eq "$(cat "$dir/points.now")" "$(cat "$dir/points.ref")" "points after $2"
    for f in $(named_files); do
        case $f in "$1"/*) ;; *) fail "$2: metadata names '$f', outside $1" ;; esac
    done
    for f in "$1"/vd*; do
        b=$(qemu-img info -U --output=json "$f" | jq -r '.["backing-filename"] // empty')
        case $b in */*) fail "$2: '$f' has a backing string with a directory: '$b'" ;; esac
    done
    st chain check web >"$dir/check" || fail "$2: chain check: $(cat "$dir/check")"
    left_behind web "$2"
    record_current web "$2"
}
