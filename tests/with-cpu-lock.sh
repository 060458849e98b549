#!/bin/sh
# The test harness's LOG_COMPILER: runs one test holding a shared lock on the machine's cores
# (LLMBENCH_TEST_CPU_LOCK, tests/env.sh), so that the emulated-cluster scenarios, which take it
# exclusively for their A/B timings (tests/scenarios/common.sh), never run beside another test
# under make -j check.  The scenarios themselves run without it.
case "$1" in
*/scenarios/*) exec "$@" ;;
esac
if [ -n "${LLMBENCH_TEST_CPU_LOCK:-}" ] && command -v flock >/dev/null 2>&1; then
    exec flock -s "$LLMBENCH_TEST_CPU_LOCK" "$@"
fi
exec "$@"
