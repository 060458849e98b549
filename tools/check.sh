#!/bin/sh
# Run the whole test suite and end with one line "N passed, N failed, N skipped":
#   1. make check in build/ (tools/setup.sh configured and built it);
#   2. the unit tests once more under AddressSanitizer + UndefinedBehaviorSanitizer, in
#      build/asan/ (configure --enable-sanitizers): the cmocka programs, tests/report/*.sh and
#      tests/fuzz/*.sh (make print-sanitizer-tests), not the MPI integration or scenario tests;
#   3. the libFuzzer harnesses (make fuzz in build/), FUZZ_SECONDS each, side by side: one
#      that finds nothing counts as 1 passed, a crash as 1 failed, no clang as 2 skipped.
# LLMBENCH_CHECK_SANITIZERS=0 skips step 2, FUZZ_SECONDS=0 step 3 (doc/fuzzing.md).
cd "$(dirname "$0")/../build" || { echo "0 passed, 1 failed (no build/: run tools/setup.sh)"; exit 1; }
jobs=$(nproc 2>/dev/null || echo 2)
san=${LLMBENCH_CHECK_SANITIZERS:-1}
fuzz_secs=${FUZZ_SECONDS:-60}
logs=
status=0

# ---- 1. the whole suite ----
rm -f test-suite.log
make -j"$jobs" check >check.out 2>&1 || status=1
grep -E '^(PASS|FAIL|XPASS|ERROR|SKIP|XFAIL):' check.out | grep -v '^PASS' | head -100
if [ -f test-suite.log ]; then logs=test-suite.log
else
    tail -40 check.out; echo "FAIL: make check wrote no test-suite.log"; status=1
    printf '# PASS: 0\n# FAIL: 1\n' >check-broken.log; logs=check-broken.log
fi

# ---- 2. unit tests under ASan + UBSan ----
if [ "$san" != 0 ]; then
    mkdir -p asan
    (
        cd asan || exit 1
        if [ ! -f Makefile ]; then
            # shellcheck disable=SC2086
            ../../configure -q --enable-sanitizers ${LLMBENCH_CONFIGURE_FLAGS:-} >configure.out 2>&1 ||
                { tail -20 configure.out; exit 1; }
        fi
        rm -f test-suite.log
        make -j"$jobs" >make.out 2>&1 || { tail -40 make.out; exit 1; }
        tests=$(make -s print-sanitizer-tests | grep -v '[[:space:]]')
        # LeakSanitizer stays on for every program but those mpirun starts: Open MPI (and the
        # hwloc plugins it loads) keep allocations until exit in components they dlclose at
        # MPI_Finalize, so LSan sees frames of unloaded modules and no suppression file can
        # name them.  mca_base_env_list sets the ranks' environment only (like mpirun -x).
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
        OMPI_MCA_mca_base_env_list="ASAN_OPTIONS=detect_leaks=0:abort_on_error=0"
        export ASAN_OPTIONS UBSAN_OPTIONS OMPI_MCA_mca_base_env_list
        # shellcheck disable=SC2086
        make -j"$jobs" check TESTS="$tests" >check.out 2>&1
    ) || status=1
    if [ -f asan/test-suite.log ]; then
        grep -E '^(PASS|FAIL|XPASS|ERROR|SKIP|XFAIL):' asan/check.out | grep -v '^PASS' |
            sed 's/^\([A-Z]*\):/\1 (asan):/' | head -100
        logs="$logs asan/test-suite.log"
    else
        echo "FAIL: the sanitizer build (see build/asan/configure.out, make.out, check.out)"
        printf '# PASS: 0\n# FAIL: 1\n' >asan-build.log
        logs="$logs asan-build.log"
    fi
fi

# ---- 3. the fuzzers ----
if [ "$fuzz_secs" != 0 ]; then
    : >fuzz.out
    if grep -q '^FUZZ_CC = no$' Makefile; then
        echo "SKIP: fuzz_report, fuzz_options (no clang: make fuzz needs it; doc/fuzzing.md)"
        printf '# PASS: 0\n# SKIP: 2\n' >fuzz-suite.log
    else
        make fuzz FUZZ_SECONDS="$fuzz_secs" >fuzz.out 2>&1 || status=1
        grep -E '^(fuzz:|PASS: fuzz_|FAIL|    )' fuzz.out
        grep -q '^PASS: fuzz_\|^FAIL: fuzz_' fuzz.out || { tail -20 fuzz.out; echo "FAIL: make fuzz (build)" >>fuzz.out; }
        p=$(grep -c '^PASS: fuzz_' fuzz.out); f=$(grep -c '^FAIL: ' fuzz.out)
        printf '# PASS: %d\n# FAIL: %d\n' "$p" "$f" >fuzz-suite.log
    fi
    logs="$logs fuzz-suite.log"
fi

# shellcheck disable=SC2086
sh ../tools/count-tests.sh $logs || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
exit $status
