# tests/live-functions.sh: helpers for the live/export/verify/diff tests
# (sourced after tests/functions.sh, with $dir and the st=(...) array set).
#   snap_offline DOM NAME   an external disk-only snapshot made by hand while
#                           the domain is not live: qemu-img overlays, metadata
#                           through snapshot-create --redefine --current, the
#                           domain redefined onto the overlays
#   ref_digest IMG [ALG]    the xxh128-64k (or ALG: sha256-64k) digest by
#                           coreutils and xxhsum (strata-verify(1)), bare hex
#   strata_stop_all DOM     cleanup: 'strata stop', then kill what is left by pid

snap_offline() {
    local dom=$1 name=$2 parent xml new dev src
    parent=$("${st[@]}" snapshot-current --name "$dom" 2>/dev/null || true)
    "${st[@]}" dumpxml "$dom" >"$dir/cur.xml"
    cp "$dir/cur.xml" "$dir/new.xml"
    {
        echo "<domainsnapshot><name>$name</name><state>shutoff</state>"
        [ -z "$parent" ] || echo "<parent><name>$parent</name></parent>"
        echo "<creationTime>$(date +%s)</creationTime><memory snapshot='no'/><disks>"
        while read -r dev src; do
            new=${src%.*}.$name
            "$QEMU_IMG" create -q -f qcow2 -F qcow2 -b "$src" "$new"
            echo "<disk name='$dev' snapshot='external'><source file='$new'/></disk>"
            sed -i "s|'$src'|'$new'|" "$dir/new.xml"
        done < <("${st[@]}" --json domblklist "$dom" | jq -r '.disks[] | "\(.target) \(.source)"')
        echo "</disks>"
        cat "$dir/cur.xml"
        echo "</domainsnapshot>"
    } >"$dir/snap.xml"
    "${st[@]}" -q snapshot-create "$dom" "$dir/snap.xml" --redefine --current >/dev/null
    "${st[@]}" -q define "$dir/new.xml" >/dev/null
}

ref_digest() {
    local w=$dir/ref sum digits
    case ${2:-xxh128-64k} in
    xxh128-64k) sum="xxhsum -H2" digits=32 ;;
    sha256-64k) sum=sha256sum digits=64 ;;
    esac
    rm -rf "$w"; mkdir "$w"
    "$QEMU_IMG" convert -U -O raw "$1" "$w/raw"
    (cd "$w" && split -b 65536 -a 8 -d raw blk.)
    {
        printf '%016X' "$(stat -c %s "$w/raw")" | basenc --base16 -d
        if [ -s "$w/raw" ]; then
            (cd "$w" && $sum blk.*) | cut -c1-$digits | tr a-f A-F | tr -d '\n' |
                basenc --base16 -d
        fi
    } | $sum | cut -c1-$digits
    rm -rf "$w"
}

# The QSD pids of DOM (live and export-only), for the kill fallback.
_qsd_pids() {
    local f
    for f in "$dir/run/$1/qsd.pid" "$dir/run/$1/export/qsd.pid"; do
        [ -s "$f" ] && cat "$f"
    done
    return 0
}
strata_stop_all() {
    local p
    "${st[@]}" -q stop "$1" >/dev/null 2>&1
    "${st[@]}" -q export "$1" --stop >/dev/null 2>&1
    for p in $(_qsd_pids "$1"); do
        kill -9 "$p" 2>/dev/null
    done
    return 0
}
