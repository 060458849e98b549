# Shared helpers for the emulated-cluster tests (sourced; POSIX sh + TAP).
#
# The harness exports top_srcdir, top_builddir, LLMBENCH, LLMBENCH_REPORT and
# MPIRUN; when run by hand, they default to this source tree and PATH.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MPIRUN:=mpirun}"
: "${LLMBENCH:=$top_builddir/llmbench}"
: "${LLMBENCH_REPORT:=$top_builddir/llmbench-report}"
: "${PYTHON3:=python3}"
case $PYTHON3 in ''|:|*missing*) PYTHON3=python3 ;; esac
export MPIRUN LLMBENCH LLMBENCH_REPORT
EMU=${LLMBENCH_EMULATE_TOOL:-$top_srcdir/cluster/emulate/llmbench-emulate}
SCEN_DIR=$top_srcdir/tests/scenarios

# TAP numbering survives re-execution inside a session through a counter file
# (TAP_COUNTER) created by tap_init.
tap_init() {    # tap_init PLAN
    if [ -z "${TAP_COUNTER:-}" ]; then
        TAP_COUNTER=$(mktemp "${TMPDIR:-/tmp}/llmbe-tap.XXXXXX")
        echo 0 > "$TAP_COUNTER"
        export TAP_COUNTER
        echo "1..$1"
    fi
}
_tap_next() { n=$(($(cat "$TAP_COUNTER") + 1)); echo $n > "$TAP_COUNTER"; echo $n; }
ok()     { echo "ok $(_tap_next) - $1"; }
not_ok() { echo "not ok $(_tap_next) - $1"; }
skip()   { echo "ok $(_tap_next) # SKIP $1"; }
check()  {  # check DESCRIPTION COMMAND...
    d=$1; shift
    if "$@"; then ok "$d"; else not_ok "$d"; fi
}
diag()   { printf '%s\n' "$*" | sed 's/^/# /'; }
tap_count() { cat "$TAP_COUNTER"; }
tap_fill() {    # tap_fill PLAN REASON: skip every test not yet reported
    while [ "$(cat "$TAP_COUNTER")" -lt "$1" ]; do skip "$2"; done
}
tap_done() { rm -f "$TAP_COUNTER"; }

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# Root, tools and kernel features; skips the whole test (never passes it)
# with the exact reason when something is missing.
emu_require() {
    [ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces, tc, cgroups)"
    [ -x "$EMU" ] || skip_all "llmbench-emulate not found at $EMU"
    command -v "$MPIRUN" >/dev/null 2>&1 || skip_all "mpirun not found ($MPIRUN)"
    _why=$("$EMU" check --quiet 2>&1)
    _rc=$?
    case $_rc in
        0) ;;
        3) skip_all "$(echo "$_why" | sed -n 's/^llmbench-emulate: unsupported: //p' | head -1)" ;;
        *) echo "1..1"; echo "not ok 1 - llmbench-emulate check failed (rc $_rc): $_why"; exit 1 ;;
    esac
}

# Serialize the emulated-cluster tests among themselves (make -j check): the
# tool allows one cluster per machine, and the timings need a quiet machine.
# The lock is held (fd 8) until the test exits.  Not the tool's own lock.
emu_test_lock() {
    mkdir -p /run/llmbench-emulate && chmod 700 /run/llmbench-emulate
    exec 8>>/run/llmbench-emulate/tests.lock
    flock -w "${LLMBENCH_EMULATE_TEST_WAIT:-900}" 8 ||
        skip_all "another emulated-cluster test held the machine for too long"
    # and the cores: no other test's ranks run during the A/B runs (tests/tap.sh)
    if [ -n "${LLMBENCH_TEST_CPU_LOCK:-}" ]; then
        exec 7>>"$LLMBENCH_TEST_CPU_LOCK"
        flock -w "${LLMBENCH_EMULATE_TEST_WAIT:-900}" 7 ||
            skip_all "the other tests held the machine's cores for too long"
    fi
}

emu_require_cgroup() {  # emu_require_cgroup cpu|cpuset -> 0 or prints why
    if [ -f "/sys/fs/cgroup/$1/cgroup.procs" ]; then return 0; fi
    echo "no cgroup v1 $1 controller at /sys/fs/cgroup/$1"
    return 1
}

# Names of everything the tool can create that still exist (empty = clean).
emu_leftovers() {
    ip netns list 2>/dev/null | awk '$1 ~ /^llmbe-/ { print "netns " $1 }'
    for c in cpu cpuset; do
        for d in /sys/fs/cgroup/$c/llmbe_*; do
            [ -d "$d" ] && echo "cgroup $d"
        done
    done
    [ -f /run/llmbench-emulate/state ] && echo "state /run/llmbench-emulate/state"
    return 0
}

# Wait (up to LLMBENCH_EMULATE_BUSY_WAIT s, default 300) until no cluster exists: another
# user of the tool (a CI job, a person) may hold the machine.  Skips the whole
# test if one stays up; a cluster left by a killed session is removed by the
# tool's next session anyway.
emu_wait_clean() {
    _t=0
    while [ -n "$(emu_leftovers)" ]; do
        _pid=$(sed -n 's/^owner session \([0-9]*\)-.*/\1/p' /run/llmbench-emulate/state 2>/dev/null)
        if [ -n "$_pid" ] && ! kill -0 "$_pid" 2>/dev/null; then
            diag "removing the cluster of a session that was killed (pid $_pid)"
            "$EMU" down >/dev/null 2>&1
        fi
        [ -n "$(emu_leftovers)" ] || break
        [ $_t -lt "${LLMBENCH_EMULATE_BUSY_WAIT:-300}" ] ||
            skip_all "an llmbench-emulate cluster is in use by someone else: $(emu_leftovers | tr '\n' ' ')"
        sleep 2; _t=$((_t + 2))
    done
}

# Run a python3 snippet on a JSON file: py_json FILE 'expr using d'
py_json() {
    "$PYTHON3" - "$1" "$2" <<'EOF'
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
r = eval(sys.argv[2])
print(r if not isinstance(r, (dict, list)) else json.dumps(r))
EOF
}
