#!/usr/bin/env bash
# group: quick static
# Every man page a reader is sent to exists: each strata page named in
# doc/*.pod (L<strata-x(N)> or plain text), in the README ("man N
# strata-x") and at the end of every command's --help ("See
# strata-x(N).") is built into $builddir/doc and put by `ninja
# install`'s file list into MANDIR/manN (a DESTDIR install, removed
# again).
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires perl -v

dir=$(mktempdir)
{
    perl -ne 'print "$1 $2\n" while /\b(strata(?:-[a-z]+)*)\((\d)\)/g' "$srcdir"/doc/*.pod
    perl -ne 'print "$2 $1\n" while /\bman (\d) (strata(?:-[a-z]+)*)\b/g' "$srcdir/README.md"
    for cmd in $("$STRATA" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }'); do
        "$STRATA" "$cmd" --help | perl -ne 'print "$1 $2\n" while /See (strata(?:-[a-z]+)*)\((\d)\)/g'
    done
} | sort -u >"$dir/named"
n=$(wc -l <"$dir/named")
[ "$n" -ge 12 ] || fail "only $n pages found named: $(tr '\n' ' ' <"$dir/named")"

mandir=$(sed -n 's/^mandir = //p' "$builddir/config.ninja")
[ -n "$mandir" ] || fail "no mandir in $builddir/config.ninja"
dest=$dir/dest
args=(--builddir="$builddir" --bindir=/usr/bin --libdir=/usr/lib --includedir=/usr/include
      --mandir="$mandir" --so-version="$(sed -n 's/^so_version = //p' "$builddir/config.ninja")")
DESTDIR=$dest sh "$srcdir/scripts/install-files" install "${args[@]}" >"$dir/installed"
while read -r name section; do
    [ -f "$builddir/doc/$name.$section" ] ||
        fail "$name($section) is named but not built (doc/files.ninja)"
    [ -f "$dest$mandir/man$section/$name.$section" ] ||
        fail "$name($section) is built but not installed into $mandir/man$section"
done <"$dir/named"
DESTDIR=$dest sh "$srcdir/scripts/install-files" uninstall "${args[@]}" >/dev/null
[ -z "$(find "$dest" -type f)" ] || fail "uninstall left: $(find "$dest" -type f)"
echo "$n pages named, built and installed"
