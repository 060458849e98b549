#!/bin/sh
# Every input a fuzzer crashed on (tests/fuzz/crashes/, doc/fuzzing.md), replayed through the
# same harness built without libFuzzer (fuzz/replay_report, fuzz/replay_options): ok when it
# runs to the end.  A crash shows best in a sanitizer build (tools/check.sh runs this test in
# build/asan); in a plain build an out-of-bounds read may pass unseen.
# File names: report-* go through fuzz_report, options-* through fuzz_options.
# A crash whose bug is not fixed yet is listed in tests/fuzz/known-bugs (file name, then the
# bug): while it still crashes it is reported "not ok ... # TODO" (an expected failure, not a
# failed suite); once it passes it is plain ok, and a diagnostic asks to drop the line.
. "$top_srcdir/tests/tap.sh"
dir=$top_srcdir/tests/fuzz/crashes
known=$top_srcdir/tests/fuzz/known-bugs
n=0
for f in "$dir"/report-* "$dir"/options-*; do [ -f "$f" ] && n=$((n + 1)); done
if [ "$n" -eq 0 ]; then
    echo "1..0 # SKIP no crash inputs kept"
    exit 0
fi
tap_plan "$n"
t=$(tap_tmpdir)
trap 'rm -rf "$t"' EXIT
for f in "$dir"/report-* "$dir"/options-*; do
    [ -f "$f" ] || continue
    name=$(basename "$f")
    case $name in
    report-*) prog=$top_builddir/fuzz/replay_report ;;
    *) prog=$top_builddir/fuzz/replay_options ;;
    esac
    bug=$(awk -v n="$name" '$1 == n { $1 = ""; sub(/^ /, ""); print; exit }' "$known" 2>/dev/null)
    TMPDIR=$t timeout 120 "$prog" "$f" >"$t/out" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ]; then
        tap_ok "$name replays without a crash"
        [ -n "$bug" ] && tap_diag "$name passes now: remove its line from tests/fuzz/known-bugs ($bug)"
    else
        what=$(grep -E 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|^SUMMARY' "$t/out" | head -n 1)
        if [ -n "$bug" ]; then
            tap_n=$((tap_n + 1))
            echo "not ok $tap_n - $name (exit $rc) # TODO known bug: $bug"
        else
            tap_not_ok "$name (exit $rc): ${what:-see the log}"
            tap_diag "$(grep -E '^    #[0-9]+ |ERROR|SUMMARY|runtime error' "$t/out" | head -n 15)"
        fi
    fi
done
