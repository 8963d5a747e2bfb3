#!/usr/bin/env bash
# group: quick doc
# The man pages are valid POD and name every long option strata accepts.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires which podchecker
cd "$srcdir"

for p in doc/*.pod; do
    podchecker "$p" >/dev/null 2>&1 || { podchecker "$p"; fail "$p is not valid POD"; }
done
for opt in $("$STRATA" --long-options); do
    grep -q -- "B<$opt>" doc/strata.pod || fail "global option $opt is not documented in doc/strata.pod"
done
# Every command in --help is documented in some man page.
for cmd in $("$STRATA" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }'); do
    grep -q -- "=item B<$cmd>" doc/*.pod || fail "command '$cmd' is not documented in doc/"
done
echo ok
