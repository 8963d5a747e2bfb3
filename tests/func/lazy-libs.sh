#!/usr/bin/env bash
# group: quick static
# libxml2, libnbd and libcrypto load on first use (lazy/lazy.h): the
# engine's 'chain show FILE' loads none of them, a command that reads
# XML loads libxml2 and works, and a library that cannot be loaded is
# named with its Debian package, exit 1, nothing written.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires qemu-img --version

dir=$(mktempdir)
st() { "$STRATA" --state-dir "$dir/state" --run-dir "$dir/run" "$@"; }
qemu-img create -q -f qcow2 "$dir/base.qcow2" 16M
qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 "$dir/top.qcow2"

# loaded LOG: the libraries ld.so loaded, one soname per line.
loaded() { sed -n 's/.*calling init: .*\/\([^/]*\.so[.0-9]*\)$/\1/p' "$1" | sort -u; }

# The engine, not 'strata': that static front end runs 'chain show FILE'
# itself and loads nothing (tests/func/front-end.sh); the engine must
# stay as light for the commands it runs that need none of them.
LD_DEBUG=files LD_DEBUG_OUTPUT="$dir/ld-show" "$builddir/strata-engine" --state-dir "$dir/state" \
    --run-dir "$dir/run" --json chain show "$dir/top.qcow2" >"$dir/show.json"
grep -q '"layers"' "$dir/show.json" || fail "chain show printed no layers"
libs=$(loaded "$dir"/ld-show.*)
assert_contains "$libs" "libc.so"
for lib in libxml2 libnbd libcrypto libjson-c libgnutls libicuuc; do
    if grep -q "^$lib" <<<"$libs"; then fail "chain show FILE loaded $lib: $libs"; fi
done

# define-as writes XML: libxml2 is loaded then, and the domain reads back.
LD_DEBUG=files LD_DEBUG_OUTPUT="$dir/ld-define" st define-as web --disk "vda=$dir/top.qcow2"
libs=$(loaded "$dir"/ld-define.*)
grep -q '^libxml2' <<<"$libs" || fail "define-as did not load libxml2: $libs"
assert_contains "$(st dumpxml web)" "$dir/top.qcow2"

# A libxml2 that cannot be loaded (an empty file found first on the
# library path): a clear message, exit 1, no domain written.
soname=$(sed -n 's/^#define ST_SONAME_LIBXML2 "\(.*\)"$/\1/p' "$builddir/config.h")
[ -n "$soname" ] || fail "no ST_SONAME_LIBXML2 in config.h"
mkdir "$dir/broken"
: >"$dir/broken/$soname"
rc=0
LD_LIBRARY_PATH="$dir/broken" st define-as db --disk "vda=$dir/base.qcow2" 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "exit status with a broken libxml2"
err=$(cat "$dir/err")
assert_contains "$err" "cannot load $soname"
assert_contains "$err" "apt-get install libxml2"
[ ! -e "$dir/state/db/domain.xml" ] || fail "a domain was written without libxml2"
[ -e "$dir/state/web/domain.xml" ] || fail "the store layout changed: fix this test"
assert_exit 1 st dumpxml db
echo "lazy loading ok"
