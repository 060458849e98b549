#!/bin/sh
# llmbench-report on hostile results files (tests/report/make_hostile.py): names that climb out
# of the output directory, control characters and CSV / markdown syntax in strings, a failing
# gnuplot, impossible step times, and counts far beyond what a file holds.  Every bad file is
# one line naming the file and the JSON path, status 2, within seconds and a bounded memory.
. "$top_srcdir/tests/tap.sh"
R=${LLMBENCH_REPORT:-$top_builddir/llmbench-report}
case $R in /*) ;; *) R=$(pwd)/$R ;; esac
PY=${PYTHON3:-python3}
tap_plan 34
t=$(tap_tmpdir)
trap 'rm -rf "$t"' EXIT
fx=$t/fx
hx=$t/hx
"$PY" "$top_srcdir/tests/report/make_fixtures.py" "$fx" &&
    "$PY" "$top_srcdir/tests/report/make_hostile.py" "$fx" "$hx" || { echo "Bail out! fixtures"; exit 1; }

# lim SECONDS MIB CMD...: run CMD (stdout $t/o.txt, stderr $t/err.txt); $t/lim.txt gets
# "status seconds MiB" (MiB: the child's peak, from before its exec too); succeeds when it ran
# within SECONDS and MIB.
lim() { "$PY" - "$t" "$@" <<'PY'
import resource, subprocess, sys, time
t, secs, mib, cmd = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
t0 = time.time()
with open(t + "/o.txt", "w") as o, open(t + "/err.txt", "w") as e:
    try:  # a regression must not hang the suite: stopped at 3 times the limit
        rc = subprocess.call(cmd, stdout=o, stderr=e, timeout=3 * secs)
    except subprocess.TimeoutExpired:
        rc = 124
dt = time.time() - t0
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
open(t + "/lim.txt", "w").write("%d %.2f %.0f\n" % (rc, dt, rss))
sys.exit(0 if dt <= secs and rss <= mib else 1)
PY
}
# refused FILE: status 2, one line on stderr naming the file, nothing on stdout
refused() {
    [ "$1" -eq 2 ] && [ "$(wc -l < "$t/err.txt")" -eq 1 ] && [ ! -s "$t/o.txt" ] &&
        grep -q "^llmbench-report: $2: " "$t/err.txt"; }

# 1. file names from run_id: never a path, never a leading dot, never two runs in one file
mkdir -p "$t/a/b/c"
"$R" --no-plots --csv "$t/a/b/c/csv" "$hx/climb.json" > /dev/null 2>&1
n=$(find "$t" -name '*climbed*' | grep -vc "^$t/a/b/c/csv/[^/]*\$")
tap_check "--csv: a run_id of ../../../../climbed writes its tables inside DIR only" sh -c \
    "[ $n -eq 0 ] && [ \$(ls '$t/a/b/c/csv' | grep -c '^_._.._.._.._climbed-.*\\.csv\$') -eq 3 ]"
"$R" --no-plots --csv "$t/dot" "$hx/dot.json" > /dev/null 2>&1
tap_check "--csv: a run_id with a leading dot, a slash and 300 more bytes: a short safe name" sh -c \
    "ls '$t/dot' | grep -q '^_hidden_.._' && ! ls -a '$t/dot' | grep -q '^\\.[^.]' && [ \$(ls '$t/dot' | awk '{ if (length(\$0) > m) m = length(\$0) } END { print m }') -le 120 ]"
"$R" --no-plots --csv "$t/same" "$hx/same-a.json" "$hx/same-b.json" > /dev/null 2>&1
tap_check "--csv: two runs with the same run_id keep their own tables (-a, -b)" sh -c \
    "[ \$(ls '$t/same' | wc -l) -eq 6 ] && [ -s '$t/same/same-a-steps.csv' ] && [ -s '$t/same/same-b-steps.csv' ]"
mkdir -p "$t/cwd"
(cd "$t/cwd" && GNUPLOT=no "$R" "$hx/climb.json" > /dev/null 2>&1)
tap_check "default plot directory: plots/<run id made safe>, nothing outside plots/" sh -c \
    "[ \$(ls '$t/cwd') = plots ] && [ \$(ls '$t/cwd/plots' | wc -l) -eq 1 ] && [ -s '$t/cwd/plots/_._.._.._.._climbed/busbw.gp' ]"

# 2. plots are an extra: a failing gnuplot, a missing one, an unwritable directory
GNUPLOT=/bin/false "$R" --plots "$t/pf" "$fx/clean.json" > "$t/o.txt" 2> "$t/err.txt"; rc=$?
tap_check "GNUPLOT=/bin/false: status 0, the report printed, one warning line about the plots" sh -c \
    "[ $rc -eq 0 ] && grep -q 'Findings' '$t/o.txt' && grep -q '^plots: /bin/false failed' '$t/o.txt' && [ \$(wc -l < '$t/err.txt') -eq 1 ] && grep -q '^llmbench-report: warning: plots: ' '$t/err.txt'"
GNUPLOT=$t/no/such/gnuplot "$R" --plots "$t/pm" "$fx/clean.json" > "$t/o.txt" 2> "$t/err.txt"; rc=$?
tap_check "GNUPLOT naming a missing program: status 0, 'gnuplot not found', scripts written" sh -c \
    "[ $rc -eq 0 ] && grep -q 'gnuplot not found' '$t/o.txt' && [ -s '$t/pm/busbw.gp' ]"
: > "$t/file"
"$R" --plots "$t/file/plots" "$fx/clean.json" > "$t/o.txt" 2> "$t/err.txt"; rc=$?
tap_check "--plots under a regular file: status 0, the report printed, one warning" sh -c \
    "[ $rc -eq 0 ] && grep -q 'Findings' '$t/o.txt' && [ \$(wc -l < '$t/err.txt') -eq 1 ] && grep -q 'warning: plots: none' '$t/err.txt'"

# 3. error messages quote file content on one line, control characters escaped
esc=$(printf '\033')
for f in nl-collective nl-node ctl-syntax; do
    "$R" --no-plots "$hx/$f.json" > "$t/o.txt" 2> "$t/err.txt"; rc=$?
    if refused $rc "$hx/$f.json" && ! grep -q "$esc" "$t/err.txt" && grep -q '\\[nx]' "$t/err.txt"; then
        tap_ok "$f: one line, control characters escaped: $(cut -c1-50 < "$t/err.txt" | sed "s|$hx/||")..."
    else tap_not_ok "$f: status $rc"; tap_diag "$(cat "$t/err.txt")"; fi
done

# 4. strings from the file in text, markdown, JSON, CSV
GNUPLOT=no "$R" --plots "$t/ps" --csv "$t/cs" "$hx/strings.json" > "$t/s.txt" 2>&1; rc=$?
tap_check "text: a host name with a newline and an escape stays on its line, escaped" sh -c \
    "[ $rc -eq 0 ] && grep -q 'nodes evil,\"host\"\\\\nsecond line' '$t/s.txt' && ! grep -q '^second line' '$t/s.txt' && ! grep -q '$esc' '$t/s.txt'"
"$R" --no-plots --format md "$hx/strings.json" > "$t/s.md"
tap_check "markdown: | \` < > escaped, no raw newline or escape from the file" sh -c \
    "grep -q 'nodes evil,\"host\"\\\\\\\\nsecond line\\\\|\\\\\`code\\\\\`\\\\<b\\\\>' '$t/s.md' && ! grep -q '^second line' '$t/s.md' && ! grep -q '$esc' '$t/s.md' && grep -q '^## run A: run\\\\\\\\nwith a newline' '$t/s.md'"
"$R" --no-plots --format json "$hx/strings.json" > "$t/s.json"
tap_check "JSON: the host name kept exactly" "$PY" -c "
import json, sys
d = json.load(open('$t/s.json'))
host = 'evil,\"host\"\nsecond line|\`code\`<b>\x1b[31m'
assert any(host in f['nodes'] for f in d['findings']), d['findings']
assert d['runs'][0]['run_id'] == 'run\nwith a newline\x1b[2J'"
tap_check "CSV: fields with , \" and newlines quoted (RFC 4180), the escape byte replaced" "$PY" -c "
import csv, glob
host = 'evil,\"host\"\nsecond line|\`code\`<b>?[31m'
rows = list(csv.reader(open(glob.glob('$t/cs/*-steps.csv')[0], newline='')))
assert all(len(r) == 8 for r in rows), [r for r in rows if len(r) != 8][:2]
assert any(r[1] == host for r in rows), set(r[1] for r in rows)
rows = list(csv.reader(open(glob.glob('$t/cs/*-comm.csv')[0], newline='')))
assert all(len(r) == 11 for r in rows) and any(r[2] == 'o,\"t' for r in rows)"

# 4b. spreadsheet formulas, markdown emphasis and links, C1 and bidirectional controls
"$R" --no-plots --csv "$t/ci" "$hx/inject.json" > "$t/i.txt" 2>&1; rc=$?
"$R" --no-plots --format md "$hx/inject.json" > "$t/i.md" 2>&1
"$R" --no-plots --format json "$hx/inject.json" > "$t/i.json" 2>&1
# no_raw FILE: none of U+0085, U+202A, U+202E, U+2066, U+2069 as raw UTF-8 in FILE
no_raw() { "$PY" -c "
import sys
b = open(sys.argv[1], 'rb').read()
sys.exit(1 if any(c.encode() in b for c in '\u0085\u202a\u202e\u2066\u2069') else 0)" "$1"; }
cat > "$t/csvinj.py" <<'PY'
import csv, glob, sys
t = sys.argv[1]
def num(x):
    try:
        float(x)
        return True
    except ValueError:
        return False
rows = list(csv.reader(open(glob.glob(t + '/ci/inject-steps.csv')[0], newline='')))
hosts = set(r[1] for r in rows[1:])
want = {"'+1", "'-1", "'@SUM(1)", "'=HYPERLINK(\"http://x/\"&A1) *b*_i_[l](u) ??evil?x?"}
assert hosts == want, hosts
pl = set(r[2] for r in csv.reader(open(glob.glob(t + '/ci/inject-comm.csv')[0], newline='')))
assert {"'\tx", "'\rx"} <= pl, pl
for f in glob.glob(t + '/ci/*.csv'):
    for r in csv.reader(open(f, newline='')):
        bad = [x for x in r if x[:1] in ('=', '+', '-', '@', '\t', '\r') and not num(x)]
        assert not bad, (f, bad)
PY
tap_check "CSV: fields beginning with = + - @ tab CR get a leading ' (OWASP), controls are ?" \
    "$PY" "$t/csvinj.py" "$t"
ok=0
[ $rc -eq 0 ] && grep -qF '\u0085\u202eevil\u2066x\u2069' "$t/i.txt" && no_raw "$t/i.txt" && ok=1
tap_check "text: C1 and bidirectional controls shown as \\uHHHH, none raw" [ $ok -eq 1 ]
ok=0
grep -qF '\*b\*\_i\_\[l\](u) \\u0085\\u202eevil\\u2066x\\u2069' "$t/i.md" && no_raw "$t/i.md" && ok=1
tap_check "markdown: * _ [ ] escaped, bidirectional controls shown as \\uHHHH, none raw" [ $ok -eq 1 ]
tap_check "JSON: ASCII only (U+202E as \\u202e), the host name kept exactly" "$PY" -c "
import json
b = open('$t/i.json', 'rb').read()
assert all(c < 0x80 for c in b), 'raw non-ASCII byte'
d = json.loads(b)
host = '=HYPERLINK(\"http://x/\"&A1) *b*_i_[l](u) \u0085\u202eevil\u2066x\u2069'
assert any(host in f['nodes'] for f in d['findings']), d['findings']"

# 5. impossible values: one line naming the file and the JSON path, status 2
for f in step-zero total-zero step-huge step-short steps-differ step-denormal alone-denormal; do
    "$R" --no-plots "$hx/$f.json" > "$t/o.txt" 2> "$t/err.txt"; rc=$?
    if refused $rc "$hx/$f.json" && grep -q ": phases\\.train\\.[a-z_]*[][0-9.a-z_]*: " "$t/err.txt"; then
        tap_ok "$f: $(cut -c1-70 < "$t/err.txt" | sed "s|$hx/||")..."
    else tap_not_ok "$f: status $rc"; tap_diag "$(cat "$t/err.txt")"; fi
done
for f in passes-shape passes-value passes-9; do
    "$R" --no-plots "$hx/$f.json" > "$t/o.txt" 2> "$t/err.txt"; rc=$?
    if refused $rc "$hx/$f.json" && grep -q ": phases\.comm\.link_matrix\.pass_bw_gbs[][0-9]*: " "$t/err.txt"; then
        tap_ok "$f: $(cut -c1-70 < "$t/err.txt" | sed "s|$hx/||")..."
    else tap_not_ok "$f: status $rc"; tap_diag "$(cat "$t/err.txt")"; fi
done
"$R" --no-plots "$fx" > "$t/o.txt" 2> "$t/err.txt"; rc=$?
tap_check "a directory as input: status 2, 'is a directory'" sh -c \
    "[ $rc -eq 2 ] && grep -q '$fx: is a directory' '$t/err.txt' && [ \$(wc -l < '$t/err.txt') -eq 1 ]"

# 6. bounds: refused within seconds and 200 MiB, before anything per rank or point is built
# refused_fast SECONDS MIB NAME...: each $hx/NAME.json refused within the limits; sets bad
refused_fast() {
    secs=$1 mib=$2 bad=0
    shift 2
    for f in "$@"; do
        lim "$secs" "$mib" "$R" --no-plots "$hx/$f.json"; ok=$?
        read -r st dt mb < "$t/lim.txt"
        if [ $ok -eq 0 ] && refused "$st" "$hx/$f.json"; then
            tap_diag "$f: status $st in $dt s, $mb MiB: $(sed "s|$hx/||" "$t/err.txt" | cut -c1-90)"
        else bad=$((bad + 1)); tap_diag "$f: status $st in $dt s, $mb MiB: $(cat "$t/err.txt")"; fi
    done
}
refused_fast 5 200 ranks-1e9 world-1e6 ranks-1e6 points-5000 deep values
tap_check "10^9 ranks, 10^6 ranks in 2 MB, 5000 points, 10^5 deep, 17M values: refused fast" [ $bad -eq 0 ]
refused_fast 2 100 array-8m schema-8m
tap_check "8M values in an array, or under another schema: refused before parsing (2 s, 100 MiB)" [ $bad -eq 0 ]
lim 30 400 "$R" --no-plots "$hx/long-a.json" "$hx/long-b.json"; ok=$?
set -- $(cat "$t/lim.txt")
tap_diag "A/B of 200,000 steps: status $1 in $2 s, $3 MiB"
tap_check "A/B of 200,000 steps each: reported (status 0) within 30 s and 400 MiB" sh -c \
    "[ $ok -eq 0 ] && [ $1 -eq 0 ] && grep -q 'bootstrap' '$t/o.txt'"
lim 5 400 "$R" --no-plots "$hx/wide-20k.json"; ok=$?
set -- $(cat "$t/lim.txt")
tap_diag "20,000 ranks on 20,000 nodes: status $1 in $2 s, $3 MiB"
tap_check "20,000 ranks on 20,000 nodes: reported (status 0) within 5 s and 400 MiB" sh -c \
    "[ $ok -eq 0 ] && [ $1 -eq 0 ]"

# 7. results files from before still read
"$R" --no-plots "$top_srcdir/tests/report/demo-2rank-avx512.json" > /dev/null 2>&1; rc=$?
tap_check "the demo run of tests/report still reads (status 0)" [ $rc -eq 0 ]
