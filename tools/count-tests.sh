#!/bin/sh
# Sum automake test-suite.log summaries into one line "N passed, N failed, N skipped".
#   tools/count-tests.sh [LOG...]     (default: test-suite.log)
# Each LOG has the "# PASS: n" lines of automake's summary (tools/check.sh writes such a summary
# for the fuzzers too).  failed counts FAIL, XPASS and ERROR; expected failures (XFAIL) count as
# passed; skipped apart.  Exit 1 when a log is missing or has no "# PASS:" line.
[ $# -gt 0 ] || set -- test-suite.log
for log; do [ -f "$log" ] || exit 1; done
awk '
BEGIN        { nfiles = ARGC - 1 }
/^# PASS: /  { pass += $3; if (!(FILENAME in seen)) { seen[FILENAME] = 1; nseen++ } }
/^# SKIP: /  { skip += $3 }
/^# XFAIL: / { xfail += $3 }
/^# FAIL: /  { fail += $3 }
/^# XPASS: / { fail += $3 }
/^# ERROR: / { fail += $3 }
END {
    if (nseen < nfiles) exit 1
    printf "%d passed, %d failed, %d skipped\n", pass + xfail, fail, skip
}' "$@"
