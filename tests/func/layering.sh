#!/usr/bin/env bash
# group: quick static
# Folders are layers (STYLE.md §3.1): common <- xml, qmp, nbd <- chain
# (the image model) <- store <- live <- ops <- lib (the public API of
# include/strata.h) <- cli.  A lower layer never includes a higher one;
# include/strata.h includes nothing of strata's, and no layer below lib/
# includes it; the program's files written on the API include only
# common/, include/ and cli/.
source "$srcdir/tests/functions.sh"
set -euo pipefail
cd "$srcdir"

# allowed FOLDER: the folders whose headers FOLDER may include.
allowed() {
    case $1 in
    common) echo "common" ;;
    xml) echo "common xml" ;;
    qmp) echo "common qmp" ;;
    nbd) echo "common nbd" ;;
    chain) echo "common chain" ;;
    store) echo "common xml chain store" ;;
    live) echo "common xml qmp chain store live" ;;
    ops) echo "common xml qmp nbd chain store live ops" ;;
    lib) echo "common xml qmp nbd chain store live ops include lib" ;;
    cli) echo "common xml qmp nbd chain store live ops include lib cli" ;;
    esac
}

bad=0
for folder in common xml qmp nbd chain store live ops lib cli; do
    ok=" $(allowed $folder) "
    for f in "$folder"/*.c "$folder"/*.h; do
        [ -f "$f" ] || continue
        while IFS= read -r inc; do
            target=${inc%%/*}
            case $ok in
            *" $target "*) ;;
            *) echo "layering: $f includes \"$inc\" ($folder may include only:$ok)"; bad=1 ;;
            esac
        done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\/[^"]*\)".*/\1/p' "$f")
    done
done
# The program is becoming a client of the public API: the files already
# written on strata.h include only common/, include/ and cli/ headers
# (cli/api.h wraps the API's handles and errors); the list grows until
# it is all of cli/.
api_clients="cli/api.c cli/api.h cli/chain-show.h cli/cmd-blockjob.c cli/cmd-chain-domain.c
    cli/cmd-version.c"
for f in $api_clients; do
    [ -f "$f" ] || { echo "layering: $f is listed as an API client but does not exist"; bad=1; continue; }
    while IFS= read -r inc; do
        case ${inc%%/*} in
        common|include|cli) ;;
        *) echo "layering: $f includes \"$inc\" (an API client includes only common/, include/, cli/)"; bad=1 ;;
        esac
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\/[^"]*\)".*/\1/p' "$f")
done
# Every quoted include names its folder, so the check above sees it.
if grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^/"]*\.h"' \
        common/*.[ch] xml/*.[ch] qmp/*.[ch] nbd/*.[ch] chain/*.[ch] store/*.[ch] live/*.[ch] \
        ops/*.[ch] lib/*.[ch] cli/*.[ch] 2>/dev/null |
        grep -v '"config.h"'; then
    echo "layering: quoted includes must name their folder (\"ops/plan.h\")"
    bad=1
fi
# The public header stands alone: system headers only.
if grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' include/strata.h; then
    echo "layering: include/strata.h may include only <system> headers"
    bad=1
fi
# python/ (the extension module) is a client like any program: it
# includes its own headers, <strata.h>, Python.h and system headers, and
# nothing of the layers, not even config.h (tests/python/test_module.py
# checks that it links only strata_* functions).
for f in python/*.c python/*.h; do
    [ -f "$f" ] || continue
    while IFS= read -r inc; do
        case $inc in
        '"python/'*|'<'*) ;;
        *) echo "layering: $f includes $inc (python/ may include only \"python/...\" and <...>)"; bad=1 ;;
        esac
        case $inc in
        '<'*/*) top=${inc#<}; top=${top%%/*}
                case " common xml qmp nbd chain store live ops lib cli include python " in
                *" $top "*) echo "layering: $f includes $inc (strata's internals)"; bad=1 ;;
                esac ;;
        esac
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\(["<][^">]*[">]\).*/\1/p' "$f")
done
[ $bad = 0 ] || fail "layering rule broken"
echo "layering ok"
