#!/bin/sh
# llmbench-report on hand-made results files (tests/report/make_fixtures.py): each scenario's
# top finding and evidence, the A/B attribution with a known answer, A/A, workload refusal,
# phase subsets, malformed and hostile inputs (exit status 2, one message), formats, plots.
. "$top_srcdir/tests/tap.sh"
R=${LLMBENCH_REPORT:-$top_builddir/llmbench-report}
PY=${PYTHON3:-python3}
tap_plan 60
t=$(tap_tmpdir)
trap 'rm -rf "$t"' EXIT
fx=$t/fx
"$PY" "$top_srcdir/tests/report/make_fixtures.py" "$fx" || { echo "Bail out! fixtures"; exit 1; }

# 1. no MPI in the reporter
n=$(ldd "$R" | grep -c mpi)
if [ "$n" -eq 0 ]; then tap_ok "llmbench-report links no MPI library"; else tap_not_ok "llmbench-report links MPI ($n)"; fi

# json FILE... > out.json; then check with python
rj() { "$R" --no-plots --format json "$@" > "$t/out.json" 2> "$t/err.txt"; }
check() { "$PY" - "$t/out.json" "$@" <<PY
import json, math, sys
d = json.load(open(sys.argv[1]))
f = d["findings"]
above = [x for x in f if x["severity"] != "info"]
top = f[0] if f else None
$CHECK
PY
}

CHECK='assert not above, above
r = d["runs"][0]
assert 0 < r["mfu_nominal"] <= 1 and 0 < r["mfu_measured"] <= 1, r
assert abs(r["predicted_step_time_s"] - r["step_time_s"]) / r["step_time_s"] < 0.05'
rj "$fx/clean.json" && tap_check "clean run: no finding above info, MFU fractions, model within 5%" check || tap_not_ok "clean run: exit 0"

# nominal specs for the A/B runs: a 100 Gb/s fabric (12.5 GB/s), given with --fabric
sp=$t/specs
mkdir -p "$sp" && cp "$top_srcdir"/cluster/specs/*.json "$sp/" && cat > "$sp/fx-100g.json" <<'JSON'
{"id": "fx-100g", "kind": "fabric", "name": "fixture 100 Gb/s fabric", "inter_busbw_gbs": 12.5,
 "inter_source": "100 Gb/s = 12.5 GB/s (fixture)"}
JSON
FAB="--specs $sp --fabric fx-100g"

CHECK='assert not any(x["id"] in ("comm.size_cliff", "machine.oversubscribed", "binding.idle_cores") for x in f), f
res = {x["name"]: x for x in d["runs"][0]["resources"]}
ie = res["inter-node busbw"]
assert ie["nominal"] is None and "--fabric" in ie["nominal_source"] and "PCIe" in ie["nominal_source"], ie
assert "plateau at 64 MiB" in ie["measured_as"], ie'
rj "$fx/clean.json" && tap_check "clean run: no cliff, oversubscription or idle cores; no inter-node nominal from the NIC's PCIe link without --fabric" check || tap_not_ok "clean (nominal): exit 0"

CHECK='assert top["id"] == "comm.size_cliff" and top["severity"] == "critical", top
e = top["evidence"]
assert "allreduce world: 9.84 GB/s at 4 MiB, 2.57 GB/s at 16 MiB (3.8x lower)" in e, e
assert "4 of 4 train buckets" in e and "above the 4 MiB edge of allreduce world" in e, e
MiB = 1 << 20
want = 4 * 16 * MiB * 1.5 * (1 / 2.5717e9 - 1 / 9.8345e9)
assert abs(top["time_lost_s"] - want) < 0.03 * want, (top["time_lost_s"], want)
assert "coll_tuned_allreduce_algorithm" in top["remedy"] and "NCCL_PROTO" in top["remedy"], top
assert top["nodes"] == ["node01", "node02"], top'
rj "$fx/cliff.json" && tap_check "busbw falls 4x above 4 MiB: comm.size_cliff names both sizes and bandwidths, the buckets beyond, and the step at the pre-cliff rate" check || tap_not_ok "cliff: exit 0"

CHECK='c = [x for x in f if x["id"] == "comm.size_cliff"]
assert len(c) == 1 and c[0]["severity"] == "info" and c[0]["time_lost_s"] == 0, c
assert "all lie below the cliffs" in c[0]["evidence"], c[0]["evidence"]
assert not above, above'
rj "$fx/cliff-below.json" && tap_check "a cliff above the bucket size: comm.size_cliff info, no time lost" check || tap_not_ok "cliff-below: exit 0"

CHECK='assert top["id"] == "comm.size_cliff", top
e = top["evidence"]
assert "allreduce world: 5.23 GB/s at 16 MiB, 0.425 GB/s at 32 MiB (12.3x lower)" in e, e
assert "19 of 19 train buckets (bucket size 25 MiB" in e and "above the 16 MiB edge of allreduce world" in e and "the rate after the fall" in e, e
assert "0.224 GB/s busbw" in e, e
assert "buckets at or below 16 MiB" in top["remedy"], top["remedy"]
assert top["time_lost_s"] > 0.1, top
res = {x["name"]: x for x in d["runs"][0]["resources"]}
ia, av = res["intra-node busbw"], res["intra-node busbw avg"]
assert ia["measured"] == 7.341 and "plateau at 2 MiB" in ia["measured_as"], ia
bw = [0.013, 0.095, 0.415, 1.129, 0.97, 3.319, 6.219, 6.889, 7.341, 7.174, 6.553, 5.23, 0.425, 0.383, 0.325, 0.352]
assert abs(av["measured"] - sum(bw) / len(bw)) < 1e-9 and "16 pts" in av["measured_as"], av'
rj "$fx/real-cliff.json" && tap_check "real curve (5.23 GB/s at 16 MiB, 0.425 at 32 MiB): the cliff, 25 MiB buckets beyond it; headline busbw = plateau (7.34 at 2 MiB) and nccl-tests average" check || tap_not_ok "real-cliff: exit 0"

CHECK='o = [x for x in f if x["id"] == "machine.oversubscribed"]
assert len(o) == 1 and o[0]["severity"] == "critical" and o[0]["time_lost_s"] is None, o
assert o[0]["ranks"] == [0, 1] and o[0]["nodes"] == ["node01"], o
assert "2 ranks run 4 compute threads on 2 PUs" in o[0]["evidence"], o[0]["evidence"]
assert "not estimated" in o[0]["evidence"], o[0]["evidence"]'
rj "$fx/oversubscribed.json" && tap_check "2 ranks x 2 threads on 2 PUs: machine.oversubscribed, time lost not estimated" check || tap_not_ok "oversubscribed: exit 0"

CHECK='assert top["id"] == "binding.idle_cores" and top["severity"] == "critical", top
assert top["ranks"] == [0] and top["nodes"] == ["node01"], top
assert abs(top["time_lost_s"] - 0.05) < 0.003, top
assert "1 of 2 PUs bound by no rank while 2 threads run on the other 1" in top["evidence"], top["evidence"]
assert "slot:PE=" in top["remedy"], top
assert not any(x["id"] == "machine.oversubscribed" for x in f), f'
rj "$fx/idle-cores.json" && tap_check "2 threads bound to 1 of 2 PUs: binding.idle_cores, compute spread over the idle PU" check || tap_not_ok "idle-cores: exit 0"
CHECK='i = [x for x in f if x["id"] == "binding.idle_cores"][0]
assert i["time_lost_s"] == 0 and i["severity"] == "info", i
assert "other processes load 1.30 PUs, leaving 0.00 of them free" in i["evidence"], i["evidence"]
assert any(x["id"] == "machine.loaded" for x in f), f'
rj "$fx/idle-cores-loaded.json" && tap_check "the idle PU busy with other processes: binding.idle_cores saves nothing and says why" check || tap_not_ok "idle-cores-loaded: exit 0"

CHECK='c = [x for x in f if x["id"] == "clock.throttled"][0]
want = 0.1 * (1 - 2300 / 3000.0)
assert abs(c["time_lost_s"] - want) < 0.03 * want, (c, want)
assert c["severity"] == "warning" and c["nodes"] == ["node01", "node02"], c'
rj "$fx/throttled.json" && tap_check "clocks at 2300 of 3000 MHz: clock.throttled costs compute x (1 - phi), not x (1/phi - 1)" check || tap_not_ok "throttled: exit 0"

CHECK='assert top["id"] == "compute.rank_outlier", top
assert top["ranks"] == [1] and top["nodes"] == ["node02"], top
assert 0.15 < top["time_lost_s"] < 0.18 and top["severity"] == "critical", top
assert "38% of rank 0" in top["evidence"], top["evidence"]
s = [x for x in f if x["id"] == "straggler.arrival"]
assert all("explained by compute.rank_outlier" in x["evidence"] for x in s), s'
rj "$fx/outlier-2.json" && tap_check "2 ranks, rank 1 GEMM 2.65x slower: compute.rank_outlier fires with 2 ranks" check || tap_not_ok "outlier-2: exit 0"

CHECK='assert not above, above
r = d["runs"][0]
g = {x["name"]: x for x in r["resources"]}["GEMM"]
assert g["nominal"] == 100 and "GPUs ran no phase" in g["nominal_source"], g
assert r["mfu_nominal"] > 0.5, r'
rj "$fx/cpu-on-gpu.json" && tap_check "CPU-backend run on H100 nodes: the CPU peak, not the GPU's" check || tap_not_ok "cpu-on-gpu: exit 0"
CHECK='g = {x["name"]: x for x in d["runs"][0]["resources"]}["GEMM"]
assert g["nominal"] == 989000, g'
rj "$fx/gpu-backend.json" && tap_check "the same nodes with a GPU backend: the H100 spec" check || tap_not_ok "gpu-backend: exit 0"

CHECK='r = d["runs"][0]
g = {x["name"]: x for x in r["resources"]}["GEMM"]
assert g["nominal"] == 25 and "count only their share" in g["nominal_source"], g
assert r["mfu_nominal"] > 0.5, r
assert not any(x["id"] == "compute.gemm_below_nominal" for x in f), f
assert any(x["id"] == "binding.shared_core" for x in f), f'
rj "$fx/shared-pus.json" && tap_check "4 ranks bound to the same 2 PUs: each rank's nominal is its share (MFU not 4x too low)" check || tap_not_ok "shared-pus: exit 0"

GNUPLOT=no "$R" --plots "$t/neg" "$fx/negative-other.json" > /dev/null 2>&1
tap_check "step-time plot: a negative 'other' is kept (drawn below 0) and the step is marked" sh -c \
    "head -1 '$t/neg/steptime.dat' | grep -q ' other step\$' && awk '\$1 == \"A-measured\" && \$7 < -0.003 && (\$2+\$3+\$4+\$5+\$6+\$7-\$8)^2 < 1e-12 { n++ } END { exit n == 1 ? 0 : 1 }' '$t/neg/steptime.dat'"

CHECK='assert top["id"] == "binding.shared_core", top
assert top["severity"] == "critical" and set(top["ranks"]) == {0, 1}, top
assert "cpuset 0" in top["evidence"] and top["time_lost_s"] > 0.05, top'
rj "$fx/shared-core.json" && tap_check "two ranks on one core: top finding binding.shared_core, ranks 0-1" check || tap_not_ok "shared-core: exit 0"

CHECK='assert top["id"] == "straggler.arrival", top
assert top["ranks"] == [5] and top["nodes"] == ["node02"], top
assert "last in 90% of steps" in top["evidence"], top["evidence"]
assert 0.02 < top["time_lost_s"] < 0.04, top'
rj "$fx/straggler.json" && tap_check "rank 5 last in 90% of steps: top finding straggler.arrival with its wait" check || tap_not_ok "straggler: exit 0"

CHECK='assert top["id"] == "link.slow_pair", top
assert top["nodes"] == ["node03"], top
assert "every slow pair involves node03" in top["evidence"], top["evidence"]'
rj "$fx/slow-pair.json" && tap_check "one slow node among four: top finding link.slow_pair naming node03" check || tap_not_ok "slow-pair: exit 0"

CHECK='assert top["id"] == "link.slow_pair", top
assert top["nodes"] == ["node06"], top
assert "node06 is slow with 7 of its 7 partners" in top["evidence"], top["evidence"]'
rj "$fx/slow-pair8.json" && tap_check "one bad node among eight and a noisy pair: link.slow_pair names node06 alone" check || tap_not_ok "slow-pair8: exit 0"

# two link matrix passes: the report keeps each pair's best (bw_gbs there is the first pass's)
CHECK='assert not [x for x in f if x["id"] == "link.slow_pair"], f'
rj "$fx/link-passes-stall.json" && tap_check "link matrix passes: a node and pairs stalled in one pass only are no slow pair" check || tap_not_ok "link-passes-stall: exit 0"

CHECK='assert top["id"] == "link.slow_pair", top
assert top["nodes"] == ["node06"], top
assert "every slow pair involves node06" in top["evidence"], top["evidence"]
assert "best of 2 passes, which differ by more than 2x on 2 of the 7 slow pairs (lower confidence" in top["evidence"], top["evidence"]
assert "and on 9 of all 28 pairs" in top["evidence"], top["evidence"]'
rj "$fx/link-passes-slow.json" && tap_check "link matrix passes: node06 slow in both passes is named, the passes' disagreement said" check || tap_not_ok "link-passes-slow: exit 0"

CHECK='assert not [x for x in f if x["id"] == "link.slow_pair"], f
u = [x for x in f if x["id"] == "stats.unreliable"][0]
assert "link matrix: its 2 passes differ by more than 2x on 8 of 28 node pairs" in u["evidence"], u["evidence"]'
rj "$fx/link-passes-noisy.json" && tap_check "link matrix passes disagreeing on 8 of 28 pairs: scattered slow pairs not named, stats.unreliable says why" check || tap_not_ok "link-passes-noisy: exit 0"

CHECK='assert top["id"] == "compute.rank_outlier", top
assert top["ranks"] == [2], top
assert "40 GFLOP/s" in top["evidence"] and "median 80" in top["evidence"], top["evidence"]'
rj "$fx/gemm-outlier.json" && tap_check "low GEMM peak on rank 2: top finding compute.rank_outlier" check || tap_not_ok "gemm-outlier: exit 0"

CHECK='u = [x for x in f if x["id"] == "binding.unbound"][0]
assert len(u["ranks"]) == 65 and u["ranks"][-1] == 100, u["ranks"]
assert len(u["nodes"]) == 65 and u["nodes"][-1] == "node101", u["nodes"]
s = [x for x in f if x["id"] == "straggler.arrival"][0]
assert s["ranks"] == [100] and s["nodes"] == ["node101"], s
assert "explained by binding.unbound" in s["evidence"], s["evidence"]
assert top["id"] == "binding.unbound" and top["severity"] == "critical", top'
rj "$fx/rank100.json" && tap_check "128 ranks: rank 100 on node101, the 65th unbound rank, is named and explains the straggler" check || tap_not_ok "rank100: exit 0"
"$R" --no-plots "$fx/rank100.json" > "$t/r100.txt"
tap_check "128 ranks, text: 'ranks 0-63, 100', the straggler rank 100, the node list marked as cut" sh -c \
    "grep -q 'ranks 0-63, 100; nodes node01' '$t/r100.txt' && grep -q 'ranks 100; nodes node101' '$t/r100.txt' && grep -q '\.\.\. (65' '$t/r100.txt'"

CHECK='ids = {x["id"]: x for x in f}
u, s, l = ids["binding.unbound"], ids["straggler.arrival"], ids["link.slow_pair"]
assert u["ranks"] == [287] and u["nodes"] == ["node08"], u
assert s["ranks"] == [287] and s["nodes"] == ["node08"], s
assert "rank 287 (node08" in s["evidence"], s["evidence"]
assert l["nodes"] == ["node34"] and "every slow pair involves node34" in l["evidence"], l
assert d["runs"][0]["ranks"] == 300 and d["runs"][0]["nodes"] == 40, d["runs"][0]'
rj "$fx/scale300.json" && tap_check "300 ranks on 40 nodes (r on node r % 40): rank 287 on node08 and node34's links named" check || tap_not_ok "scale300: exit 0"
"$R" --no-plots --csv "$t/csv300" "$fx/scale300.json" > "$t/r300.txt"
tap_check "300 ranks, text and CSV: 'ranks 287; nodes node08', 'nodes node34', rank 299 on node20" sh -c \
    "grep -q 'ranks 287; nodes node08' '$t/r300.txt' && grep -q '^    nodes node34' '$t/r300.txt' && grep -q '300 ranks on 40 nodes' '$t/r300.txt' && grep -q '^299,node20,5,' '$t/csv300/scale300-steps.csv'"

CHECK='a = d["attribution"]
fs = {x["name"]: x for x in a["factors"]}
assert set(fs) == {"compute","clocks","memory","comm_intra","comm_inter","wait","other"}, fs
tot = sum(x["share_s"] for x in a["factors"])
assert a["ratio"] > 1.1 and a["ci95"][0] > 1.0, a
assert fs["comm_inter"]["share_s"] >= 0.9 * tot, (fs, tot)
assert math.log(fs["comm_inter"]["factor"]) >= 0.9 * math.log(a["ratio"]), a
prod = a["unexplained"]
for x in a["factors"]: prod *= x["factor"]
assert abs(prod - a["ratio"]) < 1e-6, (prod, a["ratio"])
assert any(x["id"] == "comm.busbw_below_nominal" and x["run"] == 1 for x in f), f
assert not any(x["run"] == 0 and x["severity"] != "info" for x in f), f'
rj $FAB "$fx/ab-a.json" "$fx/ab-b.json" && tap_check "A/B, only inter-node busbw differs: comm_inter >= 90% of the gap, factors multiply to the ratio" check || tap_not_ok "A/B: exit 0"

CHECK='a = d["attribution"]
assert abs(a["ratio"] - 1.0) < 0.005 and a["ci_includes_1"] is True, a
assert not above, above'
rj "$fx/clean.json" "$fx/clean-again.json" && tap_check "A/A: ratio 1.00, CI includes 1, no finding above info" check || tap_not_ok "A/A: exit 0"
"$R" --no-plots "$fx/clean.json" "$fx/clean-again.json" > "$t/aa.txt"
tap_check "A/A text says the runs do not differ beyond their noise" grep -q "do not differ beyond their own noise" "$t/aa.txt"

"$R" --no-plots "$fx/clean.json" "$fx/other-model.json" > /dev/null 2> "$t/err.txt"; rc=$?
if [ $rc -eq 2 ] && grep -q "ranks 4 vs 8" "$t/err.txt" && [ "$(wc -l < "$t/err.txt")" -eq 1 ]; then
    tap_ok "different workloads refused with status 2, listing the difference"
else tap_not_ok "different workloads refused (rc=$rc)"; tap_diag "$(cat "$t/err.txt")"; fi
"$R" --no-plots --allow-different "$fx/clean.json" "$fx/other-model.json" > "$t/ad.txt" 2>&1; rc=$?
tap_check "--allow-different compares anyway (status 0)" [ $rc -eq 0 ]
tap_check "--allow-different: the differences are printed" grep -q "workload differs.*ranks 4 vs 8" "$t/ad.txt"

CHECK='r = d["runs"][0]
assert r["tokens_per_s"] is None and r["step_time_s"] is None and r["mfu_nominal"] is None, r
assert r["missing_phases"] == ["probe", "compute", "train"], r'
rj "$fx/only-comm.json" && tap_check "a file with only the comm phase: nulls, missing phases listed" check || tap_not_ok "only-comm: exit 0"
"$R" --no-plots "$fx/only-comm.json" > "$t/oc.txt"
tap_check "only comm: the text says the train phase is not in this file" grep -q "train phase not in this file" "$t/oc.txt"

# Malformed inputs: status 2, one line naming the file and the JSON path or the parse error.
for f in truncated wrong-type huge-number huge-time nan missing-field rank-missing \
         negative-time other-schema bad-collective short-array big-int deep random; do
    "$R" --no-plots "$fx/bad/$f.json" > "$t/o.txt" 2> "$t/err.txt"; rc=$?
    if [ $rc -eq 2 ] && [ "$(wc -l < "$t/err.txt")" -eq 1 ] && grep -q "^llmbench-report: $fx/bad/$f.json: " "$t/err.txt" && [ ! -s "$t/o.txt" ]; then
        tap_ok "malformed $f: status 2, $(cut -c1-60 < "$t/err.txt" | sed "s|$fx/bad/||")..."
    else
        tap_not_ok "malformed $f: status $rc"; tap_diag "$(cat "$t/err.txt")"
    fi
done

# Hostile input: truncations of a valid file at many offsets, random bytes, never a crash.
"$PY" - "$fx/clean.json" "$t/cut" <<'PY'
import os, random, sys
data = open(sys.argv[1], "rb").read()
os.makedirs(sys.argv[2])
rng = random.Random(11)
offs = sorted(set([0, 1, 2, len(data) - 1] + [rng.randrange(len(data)) for _ in range(80)]))
for i, o in enumerate(offs):
    open(os.path.join(sys.argv[2], "cut%03d.json" % i), "wb").write(data[:o])
for i in range(10):
    b = bytearray(data)
    for _ in range(20):
        b[rng.randrange(len(b))] = rng.randrange(256)
    open(os.path.join(sys.argv[2], "flip%03d.json" % i), "wb").write(bytes(b))
PY
bad=0; total=0
for f in "$t"/cut/*.json; do
    total=$((total + 1))
    "$R" --no-plots "$f" > /dev/null 2> "$t/err.txt"; rc=$?
    case "$f" in */cut*) [ $rc -eq 2 ] && [ -s "$t/err.txt" ] || { bad=$((bad + 1)); tap_diag "$f: rc=$rc"; } ;;
                 *) [ $rc -eq 0 ] || [ $rc -eq 2 ] || { bad=$((bad + 1)); tap_diag "$f: rc=$rc"; } ;; esac
done
if [ $bad -eq 0 ]; then tap_ok "$total truncated or bit-flipped files: status 2 (or 0), never a crash"; else tap_not_ok "$bad of $total hostile files misbehaved"; fi

# Formats: text within 100 columns, markdown, CSV.
wide=0
for f in clean shared-core straggler slow-pair gemm-outlier only-comm rank100 cliff real-cliff \
         oversubscribed idle-cores throttled outlier-2 cpu-on-gpu shared-pus; do
    "$R" --no-plots "$fx/$f.json" > "$t/x.txt" || wide=$((wide + 1000))
    w=$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$t/x.txt")
    [ "$w" -le 100 ] || { wide=$((wide + 1)); tap_diag "$f: $w columns"; }
done
"$R" --no-plots "$fx/ab-a.json" "$fx/ab-b.json" > "$t/x.txt"
w=$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$t/x.txt")
[ "$w" -le 100 ] || wide=$((wide + 1))
if [ $wide -eq 0 ]; then tap_ok "text reports fit in 100 columns"; else tap_not_ok "text reports wider than 100 columns ($wide)"; fi
"$R" --no-plots --format md $FAB "$fx/ab-a.json" "$fx/ab-b.json" > "$t/x.md"
tap_check "markdown: headings and tables" sh -c "grep -q '^## run A: ab-a' '$t/x.md' && grep -q '^| factor group | factor |' '$t/x.md' && grep -q '^1\\. \\*\\*critical\\*\\* \`comm.busbw_below_nominal\`' '$t/x.md'"
"$R" --no-plots --csv "$t/csv" "$fx/clean.json" > /dev/null
tap_check "CSV: comm, gemm and per-rank step tables" sh -c "head -1 '$t/csv/clean-comm.csv' | grep -q '^collective,group,placement,nranks,bytes' && [ \$(wc -l < '$t/csv/clean-steps.csv') -eq 81 ] && grep -q '^2,node02,square,peak' '$t/csv/clean-gemm.csv'"

# Bad options.
"$R" --format yaml "$fx/clean.json" > /dev/null 2> "$t/err.txt"; rc=$?
tap_check "--format yaml: status 2 naming the value" sh -c "[ $rc -eq 2 ] && grep -q 'yaml' '$t/err.txt'"
"$R" > /dev/null 2>&1; rc=$?
tap_check "no file: status 2" [ $rc -eq 2 ]
"$R" --no-plots "$t/does-not-exist.json" > /dev/null 2> "$t/err.txt"; rc=$?
tap_check "missing file: status 2 naming it" sh -c "[ $rc -eq 2 ] && grep -q 'does-not-exist.json' '$t/err.txt'"

# Plots.
if [ -n "$GNUPLOT" ] && [ "$GNUPLOT" != no ] && [ -x "$GNUPLOT" ]; then
    "$R" --plots "$t/plots" "$fx/ab-a.json" "$fx/ab-b.json" > "$t/p.txt" 2>&1; rc=$?
    ok=1
    for p in busbw ranks links steptime attribution; do
        for e in gp png svg; do [ -s "$t/plots/$p.$e" ] || { ok=0; tap_diag "missing $p.$e"; }; done
        [ "$(head -c 8 "$t/plots/$p.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || { ok=0; tap_diag "$p.png: not a PNG"; }
        grep -q '<svg' "$t/plots/$p.svg" || { ok=0; tap_diag "$p.svg: not SVG"; }
    done
    if [ $rc -eq 0 ] && [ $ok -eq 1 ]; then tap_ok "plots: 5 figures as .gp, PNG (signature) and SVG"; else tap_not_ok "plots (rc=$rc)"; fi
else
    tap_skip "gnuplot not available"
fi
GNUPLOT=no "$R" --plots "$t/np" "$fx/clean.json" > "$t/np.txt" 2>&1; rc=$?
n=$(grep -c "gnuplot not found" "$t/np.txt")
tap_check "without gnuplot: the report still prints and says so once" sh -c "[ $rc -eq 0 ] && [ $n -eq 1 ] && grep -q 'Findings' '$t/np.txt' && [ -s '$t/np/busbw.gp' ]"
"$R" --plots "$t/pl2" "$fx/only-comm.json" > /dev/null 2>&1
tap_check "default plot dir name is safe and plots need no train phase" test -s "$t/pl2/busbw.gp"
# strings from a results file never reach a gnuplot script unquoted (gnuplot runs system())
"$PY" - "$fx/slow-pair.json" "$t/hostile.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["run_id"] = "x' ; system('touch pwned') ; y='"
d["phases"]["comm"]["sweeps"][0]["placement"] = "';!id;'"
json.dump(d, open(sys.argv[2], "w"))
PY
GNUPLOT=no "$R" --plots "$t/hp" "$t/hostile.json" > /dev/null 2>&1
tap_check "run_id and placement from the file are sanitized in gnuplot scripts" sh -c \
    "[ -s '$t/hp/links.gp' ] && [ -s '$t/hp/busbw.gp' ] && ! grep -q -e 'system(' -e '!id' '$t/hp/links.gp' '$t/hp/busbw.gp'"
