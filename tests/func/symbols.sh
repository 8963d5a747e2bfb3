#!/usr/bin/env bash
# group: quick static
# Symbols: every global defined in libstrata.a starts with st_ (STYLE.md
# §3.2: the obvious names collide with libnbd, json-c and libxml2); the
# API's objects add only strata_* and st_*; and libstrata.so exports
# exactly the functions include/strata.h declares, which are exactly
# those lib/libstrata.syms lists (one forgotten in either is a failure).
source "$srcdir/tests/functions.sh"
set -euo pipefail

# globals ARCHIVE: the global symbols it defines, minus ASan's own
# (__odr_asan.* and __asan_* in every object).
globals() {
    nm -g --defined-only "$1" | awk 'NF >= 3 { print $3 }' | grep -v '^__odr_asan\.\|^__asan_' || true
}

lib=$builddir/libstrata.a
[ -f "$lib" ] || fail "$lib not built"
bad=$(globals "$lib" | grep -v '^st_' || true)
[ -z "$bad" ] || fail "symbols without the st_ prefix in $lib: $bad"
n=$(globals "$lib" | wc -l)
[ "$n" -gt 20 ] || fail "only $n symbols found in $lib: is nm reading the archive?"
echo "$n symbols in $lib, all st_*"

api=$builddir/lib/lib.a
bad=$(globals "$api" | grep -v '^st_\|^strata_' || true)
[ -z "$bad" ] || fail "symbols of $api neither strata_* nor st_*: $bad"

so=$builddir/libstrata.so
[ -f "$so" ] || fail "$so not built"
tmp=$(mktempdir)
exported=$tmp/exported declared=$tmp/declared listed=$tmp/listed
nm -D --defined-only "$so" | awk '$2 != "A" { print $3 }' | sed 's/@.*//' | sort -u >"$exported"
# Declarations in strata.h: an identifier followed by '(' that starts
# with strata_ and is not a typedef'd function pointer.
grep -o '\bstrata_[a-z0-9_]*(' "$srcdir/include/strata.h" | tr -d '(' | sort -u >"$declared"
grep -o '^ *strata_[a-z0-9_]*;' "$srcdir/lib/libstrata.syms" | tr -d ' ;' | sort -u >"$listed"
[ "$(wc -l <"$declared")" -gt 40 ] || fail "found only $(wc -l <"$declared") functions in strata.h"
bad=$(grep -v '^strata_' "$exported" || true)
[ -z "$bad" ] || fail "libstrata.so exports more than strata_*: $bad"
diff -u "$declared" "$listed" >&2 || fail "strata.h and lib/libstrata.syms disagree (- header, + syms)"
diff -u "$declared" "$exported" >&2 || fail "strata.h and libstrata.so's exports disagree (- header, + exported)"
readelf -d "$so" | grep -q 'SONAME.*\[libstrata\.so\.0\]' || fail "$so has no soname libstrata.so.0"
echo "libstrata.so exports the $(wc -l <"$exported") functions of strata.h"
