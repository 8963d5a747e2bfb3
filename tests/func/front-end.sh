#!/usr/bin/env bash
# group: quick cli
# 'strata' is a static front end (cli/front.c) that prints 'chain
# show|check FILE' of a chain without faults itself and execs
# strata-engine for everything else.  Checked: it is static and links
# none of the lazily loaded libraries; for every kind of command line it
# prints and exits exactly as the engine does; without the engine beside
# it, a clean chain still shows, and anything else (other commands,
# faults, errors) fails with a clear error.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires qemu-img --version
requires jq --version

front=$builddir/strata
engine=$builddir/strata-engine
[ -x "$front" ] && [ -x "$engine" ] || fail "build strata and strata-engine first"

# Static, unless ./configure found it could not link so (it says then,
# and config.ninja says front_mode = dynamic).  config.ninja describes
# the last configured build dir only, so check that it is this one.
conf_dir=$(sed -n 's/^builddir = //p' "$srcdir/config.ninja")
mode=$(sed -n 's/^front_mode = //p' "$srcdir/config.ninja")
if [ "$(cd "$srcdir" && cd "$conf_dir" && pwd -P)" = "$(cd "$builddir" && pwd -P)" ]; then
    case $mode in
    musl|glibc)
        ! readelf -l "$front" | grep -q INTERP ||
            fail "$front has a program interpreter: not statically linked ($mode)"
        echo "front end: static, $mode"
        ;;
    dynamic) echo "front end: dynamic (configure found no static libc)" ;;
    *) fail "config.ninja has no front_mode" ;;
    esac
fi
# None of lazy/'s stubs (libxml2, libnbd, libcrypto, json-c) is linked:
# a static program cannot load those libraries safely.
stubs=$(nm "$front" | awk '$3 ~ /^(st_lazylib_sym|xmlReadMemory|nbd_create|json_object_new_object|EVP_DigestInit_ex)$/ { print $3 }')
[ -z "$stubs" ] || fail "the front end links library stubs: $stubs"

dir=$(mktempdir)
state=$dir/state
qemu-img create -q -f qcow2 "$dir/base.qcow2" 16M
qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 "$dir/top.qcow2"
# A fault for chain check: an overlay that does not record its backing format.
qemu-img create -q -f qcow2 -b base.qcow2 -F qcow2 "$dir/nofmt.qcow2"
"$builddir/tests/tools/qcow2-poke" "$dir/nofmt.qcow2" ext-del backing_format
"$engine" --state-dir "$state" define-as web --disk "vda=$dir/top.qcow2"

# same ARGS...: the front end and the engine print the same bytes on
# stdout and stderr and exit the same.
same() {
    local rf=0 re=0
    (cd "$dir" && "$front" "$@") >"$dir/f.out" 2>"$dir/f.err" || rf=$?
    (cd "$dir" && "$engine" "$@") >"$dir/e.out" 2>"$dir/e.err" || re=$?
    [ "$rf" = "$re" ] || fail "'$*': the front end exited $rf, the engine $re"
    cmp -s "$dir/f.out" "$dir/e.out" || fail "'$*': stdout differs: $(diff "$dir/f.out" "$dir/e.out" | head -20)"
    cmp -s "$dir/f.err" "$dir/e.err" || fail "'$*': stderr differs: $(diff "$dir/f.err" "$dir/e.err" | head -20)"
    echo "$rf"
}
s=(--state-dir "$state")
# In-process: the file form, as table, JSON, check; globals anywhere.
assert_eq "$(same "${s[@]}" chain show top.qcow2)" 0
assert_eq "$(same "${s[@]}" --json chain show top.qcow2)" 0
assert_eq "$(same chain show --json -q top.qcow2 "${s[@]}")" 0
assert_eq "$(same "${s[@]}" chain show --no-allocation --max-depth 1 top.qcow2)" 0
assert_eq "$(same "${s[@]}" chain check top.qcow2)" 0
assert_eq "$(same "${s[@]}" chain check nofmt.qcow2)" 2
assert_eq "$(same "${s[@]}" --json chain check nofmt.qcow2)" 2
assert_eq "$(same "${s[@]}" chain show ./web)" 1
# Errors the front end reports itself.
assert_eq "$(same "${s[@]}" --json chain show missing.qcow2)" 1
assert_eq "$(same "${s[@]}" chain show)" 1
assert_eq "$(same "${s[@]}" --json chain bogus)" 1
assert_eq "$(same "${s[@]}" chain show --max-depth 0 top.qcow2)" 1
assert_eq "$(same "${s[@]}" chain show --help)" 0
# Handed to the engine: the domain form, other commands, help, odd spellings.
assert_eq "$(same "${s[@]}" chain show web)" 0
assert_eq "$(same "${s[@]}" --json chain check web vda)" 0
assert_eq "$(same "${s[@]}" chain show web vdz)" 1
assert_eq "$(same "${s[@]}" --json list --all)" 0
assert_eq "$(same "${s[@]}" --js chain show top.qcow2)" 0
assert_eq "$(same -qv "${s[@]}" chain show top.qcow2)" 0
assert_eq "$(same "${s[@]}" -- chain show top.qcow2)" 0
assert_eq "$(same --help)" 0
assert_eq "$(same --version)" 0
assert_eq "$(same)" 1
assert_eq "$(same --json no-such-command)" 1
grep -q '"web"' <("$front" "${s[@]}" --json list) || fail "the engine did not get --state-dir"

# A working directory longer than PATH_MAX: musl's getcwd() fails there,
# glibc's does not, and the absolute paths must still be the engine's.
long=$(printf 'd%.0s' $(seq 200))
(
    cd "$dir"
    for _ in $(seq 22); do mkdir "$long" && cd "$long"; done
    cp "$dir/base.qcow2" "$dir/top.qcow2" .
    rf=0 re=0
    "$front" --json chain show top.qcow2 >"$dir/f.out" 2>"$dir/f.err" || rf=$?
    "$engine" --json chain show top.qcow2 >"$dir/e.out" 2>"$dir/e.err" || re=$?
    [ "$rf" = "$re" ] || fail "deep cwd: the front end exited $rf, the engine $re"
    cmp -s "$dir/f.out" "$dir/e.out" || fail "deep cwd: stdout differs: $(diff "$dir/f.out" "$dir/e.out" | head -5 | cut -c1-200)"
    jq -e '.layers[0]."absolute-path" | startswith("/")' "$dir/f.out" >/dev/null ||
        fail "deep cwd: a relative absolute-path"
)

# Without /proc (a chroot, a sandbox): the engine is found by the name
# the front end was run by, absolute or relative.
if unshare -m true 2>/dev/null; then
    out=$(unshare -m sh -c 'umount -l /proc && cd "$1" && ./strata --state-dir "$2" list --all' \
          sh "$builddir" "$state") || fail "without /proc: the engine was not found"
    assert_contains "$out" " web "
    out=$(unshare -m sh -c 'umount -l /proc && "$1/strata" --state-dir "$2" list --all' \
          sh "$builddir" "$state") || fail "without /proc: the engine was not found (absolute)"
    assert_contains "$out" " web "
else
    echo "not checked: running without /proc (unshare -m refused)"
fi

# Without the engine beside it: what the front end does itself works,
# what it hands over fails clearly.
mkdir "$dir/alone"
cp "$front" "$dir/alone/strata"
"$dir/alone/strata" --json chain show "$dir/top.qcow2" | jq -e '.layers | length == 2' >/dev/null ||
    fail "chain show of a clean chain needs the engine"
"$dir/alone/strata" chain check "$dir/top.qcow2" | grep -q "2 layers, no faults" ||
    fail "chain check of a clean chain needs the engine"
"$dir/alone/strata" chain --help | grep -q '^usage: strata chain' || fail "chain --help needs the engine"
handed() {   # handed ARGS...: the front end gave this to the (missing) engine
    local rc=0
    "$dir/alone/strata" "$@" >"$dir/out" 2>"$dir/err" || rc=$?
    assert_eq "$rc" 1 "exit status of '$*' without the engine"
    assert_contains "$(cat "$dir/err")" "cannot run the strata engine '$dir/alone/strata-engine'"
}
handed --json "${s[@]}" list
assert_contains "$(cat "$dir/err")" "hint: strata-engine is built and must be installed beside strata"
assert_json "$dir/out" '.error.code == "not-found" and .error.errno == "ENOENT"'
handed "${s[@]}" chain show web
handed chain check "$dir/nofmt.qcow2"
handed chain show "$dir/missing.qcow2"
handed chain show
echo "front end ok"
