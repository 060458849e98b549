#!/bin/sh
# llmbench-report reads what the real driver writes: llmbench --quick at -np 2 (probe, comm and
# train phases), then the report in every format.
. "$top_srcdir/tests/tap.sh"
R=${LLMBENCH_REPORT:-$top_builddir/llmbench-report}
PY=${PYTHON3:-python3}
tap_plan 4
# (not "t": tap_mpirun uses that name)
tmp=$(tap_tmpdir)
trap 'rm -rf "$tmp"' EXIT
if tap_mpirun 300 -np 2 "$LLMBENCH" --quick --quiet --phases probe,comm,train --steps 3 --layers 1 --batch 1 --seq 16 \
       --output "$tmp/res" --tag rr > "$tmp/run.txt" 2>&1; then
    tap_ok "llmbench --quick -np 2 (probe, comm, train)"
else
    tap_not_ok "llmbench --quick -np 2"; tap_diag "$(tail -5 "$tmp/run.txt")"
fi
f=$(ls "$tmp"/res/*-rr-*.json 2>/dev/null | head -n 1)
"$R" --no-plots --format json "$f" > "$tmp/out.json" 2> "$tmp/err.txt"; rc=$?
if [ $rc -eq 0 ] && "$PY" - "$tmp/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["runs"][0]
assert r["phases"] == ["probe", "comm", "train"], r["phases"]
assert r["missing_phases"] == ["compute"], r
assert r["tokens_per_s"] > 0 and r["step_time_s"] > 0, r
assert r["predicted_step_time_s"] > 0, r
for f in d["findings"]:
    assert f["severity"] in ("info", "warning", "critical") and f["evidence"] and f["remedy"], f
PY
then tap_ok "the report reads the real file (JSON): headline, model, findings"
else tap_not_ok "the report reads the real file (rc=$rc)"; tap_diag "$(cat "$tmp/err.txt")"; fi
"$R" --no-plots "$f" > "$tmp/out.txt" 2>&1; rc=$?
tap_check "text report of the real file" sh -c "[ $rc -eq 0 ] && grep -q 'Step time (median rank' '$tmp/out.txt'"
"$R" --no-plots "$f" "$f" --format md > "$tmp/out.md" 2>&1; rc=$?
tap_check "A/A of the real file: ratio 1.00" sh -c "[ $rc -eq 0 ] && grep -q \"B's step time is 1.00x\" '$tmp/out.md'"
