#!/usr/bin/env bash
# group: quick cli
# Global options, exit statuses and the error channels of SPEC §3.
source "$srcdir/tests/functions.sh"
set -euo pipefail
requires jq --version

dir=$(mktempdir)

out=$("$STRATA" --version)
assert_eq "$out" "strata $(cat "$srcdir/VERSION")" "--version"
"$STRATA" --help | grep -q '^usage: strata' || fail "--help has no usage line"
"$STRATA" --json version | jq -e '.version | type == "string"' >/dev/null

# Global options after the command work too.
"$STRATA" version --json | jq -e .version >/dev/null
"$STRATA" version -q >/dev/null

# Unknown command: exit 1, nothing on stdout, a hint on stderr.
rc=0; "$STRATA" no-such-command >"$dir/out" 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "exit status of an unknown command"
[ ! -s "$dir/out" ] || fail "stdout not empty on error: $(cat "$dir/out")"
assert_contains "$(cat "$dir/err")" "strata: unknown command 'no-such-command'"
assert_contains "$(cat "$dir/err")" "strata: hint: "

# Unknown option with --json: stdout holds only the error object.
rc=0; "$STRATA" --json --no-such-option >"$dir/out" 2>"$dir/err" || rc=$?
assert_eq "$rc" 1 "exit status of an unknown option"
assert_json "$dir/out" '.error.code == "usage" and (.error.message | test("no-such-option"))'
assert_json "$dir/out" '(.error | keys) == ["code","errno","hint","message","path"]'

# Unknown option of a command.
rc=0; "$STRATA" --json version --bogus >"$dir/out" 2>/dev/null || rc=$?
assert_eq "$rc" 1 "exit status of an unknown command option"
assert_json "$dir/out" '.error.code == "usage" and (.error.hint | test("usage: strata version"))'

# A command's --help: usage, examples, its man page; with --json the
# same as one document.
"$STRATA" snapshot-delete --help >"$dir/out"
assert_contains "$(cat "$dir/out")" "usage: strata snapshot-delete DOMAIN"
assert_contains "$(cat "$dir/out")" "Examples:
  strata snapshot-delete web s2 --dry-run"
assert_eq "$(tail -n 1 "$dir/out")" "See strata-delete(1)." "last line of --help"
"$STRATA" --json list --help >"$dir/out"
assert_json "$dir/out" '(.usage | startswith("strata list ")) and .page == "strata-domain" and (.examples | index("strata list --all")) != null'
"$STRATA" chain show --help --json >"$dir/out"
assert_json "$dir/out" '.page == "strata-chain"'

# No command at all.
assert_exit 1 "$STRATA"

# -v turns on debug lines on stderr (and changes nothing on stdout).
a=$(STRATA_DEBUG=0 "$STRATA" version)
b=$("$STRATA" -v version 2>/dev/null)
assert_eq "$a" "$b" "stdout with -v"
echo ok
