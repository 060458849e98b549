#!/bin/sh
# The per-rank detail budget in llmbench: at -np 4 with --detail-ranks 2 the compute phase keeps
# the detail of 2 ranks and the key figures of the others, the comm points list 2 members and
# the spread of all 4; the reporter reads the file and says so; a bad --detail-ranks is an
# input error.
. "$top_srcdir/tests/tap.sh"
R=${LLMBENCH_REPORT:-$top_builddir/llmbench-report}
tap_plan 5
out=$(tap_tmpdir)
trap 'rm -rf "$out"' EXIT

tap_mpirun 120 -np 2 "$LLMBENCH" --phases probe --quick --quiet --detail-ranks 0 \
    --output "$out/bad" >"$out/bad.log" 2>&1
rc=$?
n=$(grep -c "detail-ranks: bad value '0'" "$out/bad.log")
if [ $rc -eq 2 ] && [ "$n" -ge 1 ]; then tap_ok "--detail-ranks 0: exit 2 naming the value"; else tap_not_ok "--detail-ranks 0: exit 2 naming the value (rc $rc)"; tap_diag "$(cat "$out/bad.log")"; fi

tap_mpirun 600 -np 4 "$LLMBENCH" --phases compute,comm --quick --quiet --model tiny \
    --sizes 8:64K:16 --collectives allreduce --detail-ranks 2 --output "$out/run" \
    >"$out/run.log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then tap_ok "-np 4 --detail-ranks 2 exits 0"; else tap_not_ok "-np 4 --detail-ranks 2 exits 0 (rc $rc)"; tap_diag "$(tail -n 5 "$out/run.log")"; fi
f=$(ls "$out"/run/*.json 2>/dev/null | head -n 1)
tap_check "compute: 2 ranks in full detail, 2 summarised to their key figures" "$PYTHON3" - "$f" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["phases"]["compute"]
d = c["detail"]
assert d["budget_ranks"] == 2 and d["summarised_ranks"] == 2 and len(d["full_ranks"]) == 2, d
peaks = [r["measured_peak_gflops"] for r in c["ranks"]]
full = [r["rank"] for r in c["ranks"] if not r.get("summarised")]
assert full == d["full_ranks"], (full, d)
# the budget goes first to the lowest and the highest GEMM rate
assert peaks.index(min(peaks)) in full and peaks.index(max(peaks)) in full, (peaks, full)
for r in c["ranks"]:
    assert r["measured_peak_gflops"] > 0 and r["stream_triad_gbs"] > 0 and r["layer_time_s"] > 0
    if r["rank"] in full:
        assert len(r["kernels"]) > 0 and "gemm" in r and "summarised" not in r, r.keys()
        continue
    assert r["summarised"] is True and not {"kernels", "step_kernels", "gemm", "stream_triad"} & set(r)
    assert "samples_s" not in r["gemm_square"]["summary"] and r["gemm_square"]["summary"]["n"] > 0
    assert r["layer_flops"] > 0 and r["layer_backward_s"] > 0, r
PY
tap_check "comm: world points list 2 members, per_rank_summary spans all 4" "$PYTHON3" - "$f" <<'PY'
import json, sys
sw = json.load(open(sys.argv[1]))["phases"]["comm"]["sweeps"]
world = [s for s in sw if s["group"] == "world"]
assert world, [s["group"] for s in sw]
for s in world:
    for p in s["points"]:
        ps = p["per_rank_summary"]
        assert ps["members"] == 4 and ps["listed"] == 2 == len(p["per_rank"]), ps
        for k in ("wait_median_s", "lateness_mean_s", "last_frac", "inside_median_s"):
            v = ps[k]
            assert v["min"] <= v["median"] <= v["max"] and v["min_rank"] in s["ranks"], v
        # the budget goes first to the members of the lowest and the highest wait
        listed = [r["rank"] for r in p["per_rank"]]
        w = ps["wait_median_s"]
        assert w["min_rank"] in listed and w["max_rank"] in listed, (w, listed)
        assert min(r["wait_median_s"] for r in p["per_rank"]) == w["min"], (w, p["per_rank"])
PY
"$R" --no-plots "$f" > "$out/rep.txt" 2>&1 &&
    tap_check "the reporter reads the summarised file and says 2 of 4 compute ranks were summarised" \
        grep -q "2 of 4 compute ranks" "$out/rep.txt" || { tap_not_ok "the reporter reads it"; tap_diag "$(head -n 5 "$out/rep.txt")"; }
