#!/bin/sh
# Bad input: status 2 on every rank, one line on stderr naming the option and the value, no hang.
. "$top_srcdir/tests/tap.sh"
tap_plan 12
out=$(tap_tmpdir)
trap 'rm -rf "$out"' EXIT
check() { # np description expected-words args...
    np=$1; what=$2; words=$3; shift 3
    tap_mpirun 60 -np "$np" "$LLMBENCH" --output "$out/r" "$@" >"$out/stdout" 2>"$out/stderr"
    rc=$?
    lines=$(grep -c 'llmbench:' "$out/stderr")
    if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && grep -q -- "$words" "$out/stderr"; then
        tap_ok "np=$np $what: status 2, one line"
    else
        tap_not_ok "np=$np $what: status $rc, $lines lines"
        tap_diag "$(cat "$out/stderr")"
    fi
}
for np in 1 4; do
    check $np "--sizes garbage" "--sizes: bad value '1X:2'" --sizes 1X:2
    check $np "unknown option" "--frobnicate" --frobnicate
    check $np "unknown preset" "unknown preset 'gpt9'" --model gpt9
    check $np "bad phase" "unknown phase 'bake'" --phases probe,bake
    check $np "unwritable output" "/proc/llmbench" --phases probe --output /proc/llmbench/x
done
# --help and --version need no MPI
if "$LLMBENCH" --help | grep -q -- '--phases LIST'; then tap_ok "--help"; else tap_not_ok "--help"; fi
if "$LLMBENCH" --version | grep -q '^llmbench '; then tap_ok "--version"; else tap_not_ok "--version"; fi
