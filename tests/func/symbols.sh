#!/usr/bin/env bash
# group: quick static
# Every global symbol defined in libstrata.a starts with st_ (STYLE.md
# §3.2): the obvious names collide with libnbd, json-c and libxml2.
source "$srcdir/tests/functions.sh"
set -euo pipefail

lib=$builddir/libstrata.a
[ -f "$lib" ] || fail "$lib not built"
# ASan adds __odr_asan.* and __asan_* globals of its own to every object.
bad=$(nm -g --defined-only "$lib" | awk 'NF >= 3 { print $3 }' |
    grep -v '^st_' |
    grep -v '^__odr_asan\.\|^__asan_' || true)
if [ -n "$bad" ]; then
    echo "symbols without the st_ prefix in $lib:"
    echo "$bad"
    fail "exported symbols must start with st_"
fi
n=$(nm -g --defined-only "$lib" | awk 'NF >= 3' | wc -l)
[ "$n" -gt 20 ] || fail "only $n symbols found in $lib: is nm reading the archive?"
echo "$n symbols, all st_*"
