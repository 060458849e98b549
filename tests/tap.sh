# Tiny TAP emitter for shell tests.  Source it, call tap_plan N, then ok/not_ok/skip.
tap_n=0
tap_failed=0
tap_plan() { echo "1..$1"; }
tap_ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
tap_not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
tap_skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $*"; }
# tap_check "description" command...: ok when the command succeeds.
tap_check() { d=$1; shift; if "$@"; then tap_ok "$d"; else tap_not_ok "$d"; fi; }
tap_diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
# Tests that run ranks share the machine's cores with each other (a shared lock on
# LLMBENCH_TEST_CPU_LOCK, tests/env.sh); the emulated-cluster scenarios, whose A/B timings need a
# quiet machine, take it exclusively (tests/scenarios/common.sh).
tap_cpu_shared() {
    if [ -n "${LLMBENCH_TEST_CPU_LOCK:-}" ] && command -v flock >/dev/null 2>&1; then
        flock -s "$LLMBENCH_TEST_CPU_LOCK" "$@"
    else
        "$@"
    fi
}
# Run mpirun with a hard timeout so that a hang is a failure, not a stuck CI.
tap_mpirun() { _tap_t=$1; shift; tap_cpu_shared timeout -k 5 "$_tap_t" "$MPIRUN" "$@"; }
tap_tmpdir() { mktemp -d "${TMPDIR:-/tmp}/llmbench-test.XXXXXX"; }
