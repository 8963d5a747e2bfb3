# tests/functions.sh: what every functional test sources.
#   requires CMD [ARGS]   skip (exit 77) unless CMD ARGS succeeds
#   cleanup_fn CMD...     run CMD on exit, last registered first
#   mktempdir             a fresh directory under $TEST_TMPDIR, removed on exit
#   start_qsd PIDFILE ARGS...
#                         start qemu-storage-daemon daemonized, wait for its
#                         pid file (written once it is ready), stop it on exit
#   wait_for_file PATH [SECONDS], wait_for_socket PATH [SECONDS],
#   wait_for_exit PID [SECONDS]     deadline loops; never a bare sleep
#   assert_eq A B [WHAT], assert_contains HAYSTACK NEEDLE, assert_json FILE JQEXPR,
#   assert_same_content IMG-A IMG-B, assert_exit N CMD...
: "${srcdir:?run tests through tests/run}"
: "${builddir:?run tests through tests/run}"
: "${STRATA:=$builddir/strata}"
: "${QSD:=qemu-storage-daemon}"
: "${QEMU_IMG:=qemu-img}"
: "${TEST_TMPDIR:=$(mktemp -d)}"

_cleanup_fns=()
cleanup_fn() {
    _cleanup_fns+=("$(printf '%q ' "$@")")
}
_run_cleanups() {
    local rc=$? i
    set +e
    for ((i = ${#_cleanup_fns[@]} - 1; i >= 0; i--)); do
        eval "${_cleanup_fns[$i]}"
    done
    exit $rc
}
trap _run_cleanups EXIT
trap 'exit 130' INT TERM

requires() {
    if ! "$@" >/dev/null 2>&1; then
        echo "SKIP: requires $*"
        exit 77
    fi
}

mktempdir() {
    local d
    d=$(mktemp -d "$TEST_TMPDIR/t.XXXXXX")
    cleanup_fn rm -rf "$d"
    echo "$d"
}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# _wait_until SECONDS WHAT CMD...: poll CMD until it succeeds or the deadline.
_wait_until() {
    local secs=$1 what=$2 end
    shift 2
    end=$(( $(date +%s%N) + secs * 1000000000 ))
    until "$@"; do
        if [ "$(date +%s%N)" -ge "$end" ]; then
            fail "timed out after ${secs}s waiting for $what"
        fi
        sleep 0.01   # a poll interval inside a deadline loop, not a wait
    done
}

wait_for_file()   { _wait_until "${2:-30}" "file $1" test -s "$1"; }
wait_for_socket() { _wait_until "${2:-30}" "socket $1" test -S "$1"; }
_pid_gone()       { ! kill -0 "$1" 2>/dev/null; }
wait_for_exit()   { _wait_until "${2:-30}" "pid $1 to exit" _pid_gone "$1"; }

# stop_pid PID: SIGTERM, then SIGKILL after 10 s.
stop_pid() {
    local pid=$1
    kill -0 "$pid" 2>/dev/null || return 0
    kill "$pid" 2>/dev/null
    local end=$(( $(date +%s%N) + 10000000000 ))
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$(date +%s%N)" -ge "$end" ]; then
            kill -9 "$pid" 2>/dev/null
            break
        fi
        sleep 0.01
    done
}

# start_qsd PIDFILE ARGS...: daemonized QSD; the pid file appears only
# after chardevs, exports and NBD servers are set up (QSD's manual).
start_qsd() {
    local pidfile=$1
    shift
    "$QSD" "$@" --daemonize --pidfile "$pidfile" >"$pidfile.log" 2>&1 ||
        fail "qemu-storage-daemon failed to start: $(cat "$pidfile.log")"
    wait_for_file "$pidfile"
    cleanup_fn stop_pid "$(cat "$pidfile")"
}

assert_eq() {
    [ "$1" = "$2" ] || fail "${3:-values differ}: expected '$2', got '$1'"
}

assert_contains() {
    case $1 in
    *"$2"*) ;;
    *) fail "expected to find '$2' in: $1" ;;
    esac
}

assert_json() {
    jq -e "$2" "$1" >/dev/null || fail "$1 does not satisfy '$2': $(cat "$1")"
}

assert_same_content() {
    "$QEMU_IMG" compare -U "$1" "$2" >/dev/null ||
        fail "content of '$1' and '$2' differs"
}

# golden NAME FILE: FILE must equal tests/data/golden/NAME byte for byte.
# With STRATA_UPDATE_GOLDEN=1 in the environment FILE becomes the new
# golden instead: review 'git diff tests/data/golden' and commit it.
golden() {
    local want=$srcdir/tests/data/golden/$1
    if [ -n "${STRATA_UPDATE_GOLDEN:-}" ]; then
        mkdir -p "${want%/*}"
        cp "$2" "$want"
        echo "golden: updated $want"
        return 0
    fi
    [ -f "$want" ] || fail "no golden $want (STRATA_UPDATE_GOLDEN=1 makes it)"
    if ! cmp -s "$want" "$2"; then
        diff -u "$want" "$2" >&2 || true
        fail "$1 differs from its golden (if the change is meant, STRATA_UPDATE_GOLDEN=1 regenerates it)"
    fi
}

# qmp_transcript DIR < LOG: the QMP commands strata sent in a
# STRATA_DEBUG=1 log, in order, made comparable: no ids, no query-jobs
# polls (their number depends on timing), DIR written as DIR, transient
# run dirs as op-XXXXXX, node names (s + 16 hex digits of a path's
# hash) numbered by first use, the aio mode (io_uring where the kernel
# allows it) as AIO.
qmp_transcript() {
    DIR=$1 perl -ne '
        next unless /qmp\.client: -> (.*)/;
        $_ = $1;
        next if /"execute":"query-jobs"/;
        s/,"id":"st-\d+"//;
        s/\Q$ENV{DIR}\E/DIR/g;
        s{/op-[A-Za-z0-9]{6}}{/op-XXXXXX}g;
        s/"aio":"(io_uring|threads)"/"aio":"AIO"/g;
        s/\bs([0-9a-f]{16})\b/exists $m{$1} ? $m{$1} : ($m{$1} = "node" . ++$n)/ge;
        print "$_\n";'
}

# assert_exit N CMD...: CMD must exit with status N.
assert_exit() {
    local want=$1 rc=0
    shift
    "$@" || rc=$?
    [ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want"
}
