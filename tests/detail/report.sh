#!/bin/sh
# The per-rank detail budget in the reporter (tests/detail/make_detail_fixtures.py): 600 ranks,
# rank 437 slow, written with every rank's detail and summarised as llmbench writes it beyond
# --detail-ranks.  Both forms name the same slow rank and node with the same figures; the
# summarised one says so in the report.
. "$top_srcdir/tests/tap.sh"
R=${LLMBENCH_REPORT:-$top_builddir/llmbench-report}
PY=${PYTHON3:-python3}
tap_plan 4
t=$(tap_tmpdir)
trap 'rm -rf "$t"' EXIT
"$PY" "$top_srcdir/tests/detail/make_detail_fixtures.py" "$t" || { echo "Bail out! fixtures"; exit 1; }

for form in full summarised; do
    "$R" --no-plots --format json "$t/$form.json" > "$t/$form.out" 2> "$t/$form.err" &&
        tap_check "$form form: compute.rank_outlier and straggler.arrival name rank 437 on node55" \
            "$PY" - "$t/$form.out" <<'PY' || tap_not_ok "$form form: exit 0 ($(cat "$t/$form.err"))"
import json, sys
f = {x["id"]: x for x in json.load(open(sys.argv[1]))["findings"]}
for i in ("compute.rank_outlier", "straggler.arrival"):
    assert f[i]["ranks"] == [437] and f[i]["nodes"] == ["node55"], f[i]
assert "rank 437 (node55) 40 GFLOP/s" in f["compute.rank_outlier"]["evidence"], f
PY
done

tap_check "both forms give the same report (findings, figures), the summarised one counts what was summarised" \
    "$PY" - "$t/full.out" "$t/summarised.out" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["runs"][0].pop("detail") == {"budget_ranks": None, "compute_ranks_summarised": 0,
                                      "comm_points_summarised": 0}, a["runs"][0]
d = b["runs"][0].pop("detail")
assert d == {"budget_ranks": 256, "compute_ranks_summarised": 597, "comm_points_summarised": 9}, d
for x in (a, b):
    x["runs"][0].pop("file")
assert a == b, "the summarised form changes the report"
PY

"$R" --no-plots "$t/summarised.json" > "$t/sum.txt" 2>&1 &&
    tap_check "text report: a note says the detail beyond 256 ranks was summarised" \
        grep -q "note: beyond 256 ranks (--detail-ranks) the file keeps full per-rank detail" "$t/sum.txt" ||
    tap_not_ok "text report: exit 0"
