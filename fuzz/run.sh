#!/bin/sh
# Run the libFuzzer harnesses side by side for SECONDS each (make fuzz; doc/fuzzing.md).
#   fuzz/run.sh SECONDS SRCDIR BUILDDIR PYTHON3
# Seed corpora: the reporter's test fixtures (tests/report/make_fixtures.py) and tests/topo/*.json
# for fuzz_report; fuzz/seeds/options for fuzz_options.  Everything lands in one new temporary
# directory (printed), which is kept: the grown corpora, the logs, and any crash as
# crashes/<harness>-crash-<sha1> (also leak-, timeout-, oom-).
# Prints one line per harness, "PASS: fuzz_NAME ..." or "FAIL: fuzz_NAME ...", and exits 1
# when one failed.
set -u
secs=$1 srcdir=$2 builddir=$3 py=${4:-python3}
harnesses="report options"
out=$(mktemp -d "${TMPDIR:-/tmp}/llmbench-fuzz.XXXXXX") || exit 1
echo "fuzz: ${secs}s per harness, output in $out"
mkdir -p "$out/crashes" "$out/corpus/report" "$out/corpus/options"

# seeds: copies, since libFuzzer adds what it finds to the first corpus directory
if ! "$py" "$srcdir/tests/report/make_fixtures.py" "$out/fixtures" >"$out/fixtures.log" 2>&1; then
    echo "fuzz: tests/report/make_fixtures.py failed (see $out/fixtures.log); seeding with tests/topo only" >&2
fi
for f in "$out"/fixtures/*.json "$srcdir"/tests/topo/*.json; do
    [ -f "$f" ] && cp "$f" "$out/corpus/report/$(basename "$(dirname "$f")")-$(basename "$f")"
done
cp "$srcdir"/fuzz/seeds/options/* "$out/corpus/options/"
# fuzz_report's dictionary: the member names and words the reader and the reporter look for
# (jansson is not instrumented, so libFuzzer cannot see its key comparisons), taken from the
# sources at run time, and a few JSON values at the edges
{
    grep -ho '"[A-Za-z_][A-Za-z0-9_.-]*"' "$srcdir"/report/*.c "$srcdir"/lib/results.c | sort -u
    printf '%s\n' '"null"' '"true"' '"false"' '"-1"' '"0"' '"1e308"' '"-0.0"' '"4294967297"' \
        '"9223372036854775808"' '"[]"' '"{}"' '"[null]"' '"\\u0000"'
} >"$out/report.dict"

# The fuzzers' own LeakSanitizer stays on: the harnesses link no MPI library at run time that
# is initialised (MPI_Init is never called), so every leak is ours.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}abort_on_error=0:detect_leaks=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}${UBSAN_OPTIONS:+:}print_stacktrace=1:halt_on_error=1"
for h in $harnesses; do
    dict=
    [ -f "$srcdir/fuzz/$h.dict" ] && dict="-dict=$srcdir/fuzz/$h.dict"
    [ -f "$out/$h.dict" ] && dict="-dict=$out/$h.dict"
    # -max_len: 2 MB, above the largest fixture (1.1 MB).  -timeout: one input taking more than
    # 25 s is a hang; -rss_limit_mb: an input that makes a harness take 2 GB is a bug too.
    # shellcheck disable=SC2086
    TMPDIR=$out "$builddir/fuzz/fuzz_$h" -max_total_time="$secs" -max_len=2097152 -rss_limit_mb=2048 \
        -timeout=25 -print_final_stats=1 -artifact_prefix="$out/crashes/$h-" $dict \
        "$out/corpus/$h" >"$out/$h.log" 2>&1 &
    echo $! >"$out/$h.pid"
done
status=0
for h in $harnesses; do
    wait "$(cat "$out/$h.pid")"
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$h.log" | tail -n 1)
    crash=$(ls "$out/crashes/$h-"* 2>/dev/null | head -n 1)
    if [ "$rc" -eq 0 ] && [ -z "$crash" ]; then
        echo "PASS: fuzz_$h (${execs:-?} inputs in ${secs}s)"
    else
        status=1
        echo "FAIL: fuzz_$h (exit $rc): input kept in ${crash:-(none written)}; log $out/$h.log"
        # the sanitizer's report: its first lines and the top of the stack
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error:|    #[0-9] )' "$out/$h.log" | head -n 12 | sed 's/^/    /'
    fi
done
if [ "$status" -eq 0 ] && [ "${FUZZ_KEEP:-0}" = 0 ]; then
    rm -rf "$out"
    echo "fuzz: nothing found; $out removed (FUZZ_KEEP=1 keeps the corpora and logs)"
else
    echo "fuzz: kept $out"
fi
exit $status
