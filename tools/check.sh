#!/bin/sh
# Run the whole test suite in build/ and end with one line "N passed, N failed, N skipped".
cd "$(dirname "$0")/../build" || { echo "0 passed, 1 failed (no build/: run tools/setup.sh)"; exit 1; }
make -j"$(nproc)" check >check.out 2>&1
rc=$?
grep -E '^(PASS|FAIL|XPASS|ERROR|SKIP|XFAIL):' check.out | grep -v '^PASS' | head -100
sh ../tools/count-tests.sh test-suite.log || { tail -40 check.out; echo "0 passed, 1 failed"; exit 1; }
exit $rc
