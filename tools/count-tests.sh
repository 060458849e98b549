#!/bin/sh
# Sum automake's test-suite.log summary into "N passed, N failed, N skipped".
# failed counts FAIL, XPASS and ERROR; skipped and expected failures are reported apart.
log=${1:-test-suite.log}
[ -f "$log" ] || exit 1
awk '
/^# PASS: /  { pass = $3 }
/^# SKIP: /  { skip = $3 }
/^# XFAIL: / { xfail = $3 }
/^# FAIL: /  { fail += $3 }
/^# XPASS: / { fail += $3 }
/^# ERROR: / { fail += $3 }
END {
    if (pass == "") exit 1
    printf "%d passed, %d failed, %d skipped\n", pass + xfail, fail, skip
}' "$log"
