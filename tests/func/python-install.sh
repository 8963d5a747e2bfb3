#!/usr/bin/env bash
# group: api python
# The Python module as a user meets it: `ninja install`'s file list into
# a DESTDIR puts strata.cpython-*.so and strata.pyi into the site
# directory configure chose; Debian's python3 imports the installed
# module (PYTHONPATH into DESTDIR, LD_LIBRARY_PATH into DESTDIR's libdir)
# and it loads the installed libstrata.so.0, not the build tree's; a
# domain defined through it is seen by the installed strata program;
# uninstall removes exactly what install put.
source "$srcdir/tests/functions.sh"
set -euo pipefail

conf=$builddir/config.ninja
get() { sed -n "s/^$1 = //p" "$conf"; }
python=$(get python)
[ -n "$python" ] || { echo "SKIP: requires python3-dev (the module is not configured)"; exit 77; }
pythondir=$(get pythondir) ext=$(get python_ext)
prefix=$(get prefix) libdir=$(get libdir)
[ -f "$builddir/python/strata$ext" ] || fail "the module is not built (ninja python)"
real=$(readlink -f "$builddir/libstrata.so")
so_version=${real##*/libstrata.so.}

dir=$(mktempdir)
dest=$dir/dest
install_files() {
    DESTDIR=$dest sh "$srcdir/scripts/install-files" "$1" --builddir="$builddir" \
        --bindir="$prefix/bin" --libdir="$libdir" --includedir="$prefix/include" \
        --mandir="$prefix/share/man" --so-version="$so_version" \
        --pythondir="$pythondir" --python-ext="$ext"
}
install_files install >"$dir/installed"
for f in "$pythondir/strata$ext" "$pythondir/strata.pyi" "$prefix/share/man/man3/strata-python.3"; do
    [ -e "$dest$f" ] || fail "install did not put $f"
done
case $prefix in
/usr) assert_eq "$pythondir" /usr/lib/python3/dist-packages "the site directory for /usr" ;;
*) assert_contains "$pythondir" "$prefix/lib/python3." ;;
esac

qemu-img create -q -f qcow2 "$dir/vda.qcow2" 8M
cd "$dir"
out=$(env -u PYTHONHOME PYTHONPATH="$dest$pythondir" LD_LIBRARY_PATH="$dest$libdir" \
    PYTHONDONTWRITEBYTECODE=1 "$python" -c '
import os, sys, strata
print(strata.__file__)
with open("/proc/self/maps") as f:
    print([l.split()[-1] for l in f if "libstrata.so" in l][0])
with strata.Connection(state_dir=sys.argv[1], run_dir=sys.argv[2]) as c:
    d = c.define_as("py-vm", {"vda": sys.argv[3]})
    print(d.snapshot_create_as("s1").name)
' "$dir/state" "$dir/run" "$dir/vda.qcow2")
echo "$out"
assert_eq "$(echo "$out" | sed -n 1p)" "$dest$pythondir/strata$ext" "the module imported"
assert_eq "$(echo "$out" | sed -n 2p)" "$dest$libdir/libstrata.so.$so_version" "the library it loaded"
assert_eq "$(echo "$out" | sed -n 3p)" s1 "the snapshot made"
assert_eq "$("$dest$prefix/bin/strata" --state-dir "$dir/state" --run-dir "$dir/run" \
    snapshot-list py-vm --name | sed '/^$/d')" s1 "what the program sees"

install_files uninstall >"$dir/removed"
left=$(find "$dest" ! -type d)
[ -z "$left" ] || fail "uninstall left: $left"
assert_eq "$(wc -l <"$dir/removed")" "$(wc -l <"$dir/installed")" "files removed and installed"
