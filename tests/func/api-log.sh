#!/usr/bin/env bash
# group: api qsd
# strata_set_log_callback() (through tests/api/client): a warning of a
# library call reaches the callback, with its subsystem and message, and
# nothing is printed on stderr; without a callback the library prints
# nothing; STRATA_LOG_WANT_DEBUG brings the debug lines to the callback
# too; unknown flags and WANT_DEBUG without a callback are refused
# (tests/api/bad-input.c).
source "$srcdir/tests/functions.sh"
set -euo pipefail

client=$builddir/tests/api/client
[ -x "$client" ] || fail "$client not built"
export LD_LIBRARY_PATH=$builddir
unset STRATA_DEBUG
dir=$(mktempdir)
c() { "$client" "$dir/state" "$dir/run" - "$@"; }
xml() {
    cat >"$dir/$1.xml" <<XML
<domain type='kvm'><name>$1</name><devices>
  <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
    <source file='$dir/$1-later.qcow2'/><target dev='vda' bus='virtio'/></disk>
</devices></domain>
XML
}
warning="log warning domain: disk 'vda': '$dir/vm1-later.qcow2' does not exist yet; snapshots need it"

# A callback: the warning reaches it, stderr stays empty.
xml vm1
CLIENT_LOG=1 c define-xml "$dir/vm1.xml" >"$dir/out" 2>"$dir/err"
assert_eq "$(cat "$dir/out")" "$warning" "the warning through the callback"
assert_eq "$(cat "$dir/err")" "" "stderr with a callback"

# No callback: the library prints nothing at all.
xml vm2
c define-xml "$dir/vm2.xml" >"$dir/out" 2>"$dir/err"
assert_eq "$(cat "$dir/out")$(cat "$dir/err")" "" "output without a callback"

# WANT_DEBUG: debug lines too (a digest talks QMP to a transient QSD),
# none on stderr; without it, the same call logs nothing.
requires "$QSD" --version
qemu-img create -q -f qcow2 "$dir/vm1-later.qcow2" 1M
"$client" "$dir/state" "$dir/run" vm1 digest - vda >"$dir/plain"
CLIENT_LOG=debug "$client" "$dir/state" "$dir/run" vm1 digest - vda >"$dir/out" 2>"$dir/err"
grep -q '^log debug qmp.client: -> {"execute":"blockdev-add"' "$dir/out" ||
    fail "no QMP debug line reached the callback"
assert_eq "$(tail -n 1 "$dir/out")" "$(cat "$dir/plain")" "the digest with debug lines"
assert_eq "$(cat "$dir/err")" "" "stderr with WANT_DEBUG"
CLIENT_LOG=1 "$client" "$dir/state" "$dir/run" vm1 digest - vda >"$dir/out"
assert_eq "$(cat "$dir/out")" "$(cat "$dir/plain")" "a digest logs nothing without WANT_DEBUG"
