#!/usr/bin/env bash
# group: qsd api
# libstrata as a user's program meets it: `ninja install`'s file list
# into a DESTDIR, tests/api/example.c built with `pkg-config --cflags
# --libs strata` against that install (a copy of the source outside the
# tree, so nothing of the build tree is found), run against real QSDs;
# strata.h compiles as C++; uninstall removes exactly what install put.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires "$QSD" --version
requires qemu-io --version
requires pkg-config --version

dir=$(mktempdir)
dest=$dir/dest
pc=$builddir/strata.pc
[ -f "$pc" ] && [ -f "$builddir/libstrata.so" ] || fail "libstrata not built (ninja lib)"
prefix=$(pkg-config --variable=prefix "$pc")
libdir=$(pkg-config --variable=libdir "$pc")
includedir=$(pkg-config --variable=includedir "$pc")
real=$(readlink -f "$builddir/libstrata.so")
so_version=${real##*/libstrata.so.}
install_files() {
    DESTDIR=$dest sh "$srcdir/scripts/install-files" "$1" --builddir="$builddir" \
        --bindir="$prefix/bin" --libdir="$libdir" --includedir="$includedir" \
        --mandir="$prefix/share/man" --so-version="$so_version"
}

install_files install >"$dir/installed"
for f in "$prefix/bin/strata" "$libdir/libstrata.so.$so_version" "$libdir/libstrata.so.0" \
         "$libdir/libstrata.so" "$includedir/strata.h" "$libdir/pkgconfig/strata.pc" \
         "$prefix/share/man/man1/strata.1" "$prefix/share/man/man3/strata-api.3" \
         "$prefix/share/man/man5/strata-store.5" "$prefix/share/man/man7/strata-hacking.7"; do
    [ -e "$dest$f" ] || fail "install did not put $f"
done
assert_eq "$(readlink "$dest$libdir/libstrata.so")" libstrata.so.0 "the development link"

# Build as a user would, against the install only.
export PKG_CONFIG_PATH=$dest$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest
flags=$(pkg-config --cflags --libs strata)
assert_contains "$flags" "-I$dest$includedir"
cp "$srcdir/tests/api/example.c" "$dir/example.c"
cc -std=c11 -Wall -Wextra -Werror -o "$dir/example" "$dir/example.c" $flags
export LD_LIBRARY_PATH=$dest$libdir
ldd "$dir/example" | grep -q "libstrata.so.0 => $dest$libdir/libstrata.so.0" ||
    fail "example does not load the installed library: $(ldd "$dir/example" | grep strata)"
if command -v c++ >/dev/null; then
    printf '#include <strata.h>\nint main() { return strata_version() ? 0 : 1; }\n' >"$dir/cxx.cc"
    c++ -Wall -Wextra -Werror -o "$dir/cxx" "$dir/cxx.cc" $flags
    "$dir/cxx"
fi

mkdir "$dir/disks"
qemu-img create -q -f qcow2 "$dir/disks/vda.qcow2" 64M
qemu-img create -q -f qcow2 "$dir/disks/vdb.qcow2" 64M
"$dir/example" "$dir/disks" "$dir/state" "$dir/run" >"$dir/out" || {
    cat "$dir/out"; fail "the example program failed"; }
cat "$dir/out"
grep -q '^all checks passed$' "$dir/out" || fail "the example did not finish"

# What the library did is what the program sees.
st() { "$STRATA" --state-dir "$dir/state" --run-dir "$dir/run" "$@"; }
assert_eq "$(st snapshot-list api-vm --name | sed '/^$/d' | tr '\n' ' ')" "s2 s3 " "snapshots left"
st chain check api-vm >/dev/null || fail "chain check after the example"

unset PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR LD_LIBRARY_PATH
install_files uninstall >"$dir/removed"
left=$(find "$dest" ! -type d)
[ -z "$left" ] || fail "uninstall left: $left"
assert_eq "$(wc -l <"$dir/removed")" "$(wc -l <"$dir/installed")" "files removed and installed"

# The example of strata-api(3) compiles against the install too.
sed -n '/^=head1 EXAMPLE/,/^A longer program/p' "$srcdir/doc/strata-api.pod" |
    sed -n 's/^ //p' >"$dir/manexample.c"
grep -q 'strata_snapshot_delete' "$dir/manexample.c" || fail "no example found in strata-api.pod"
install_files install >/dev/null
PKG_CONFIG_PATH=$dest$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest \
    cc -std=c11 -Wall -Wextra -Werror -o "$dir/manexample" "$dir/manexample.c" \
    $(PKG_CONFIG_PATH=$dest$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$dest pkg-config --cflags --libs strata)
install_files uninstall >/dev/null
