#!/bin/sh
# llmbench-size on the demo run (tests/report/demo-2rank-avx512.json): one offer, two offers
# ranked by price, JSON, plots when gnuplot exists, a MoE target with and without expert
# parallelism, and bad input (one line, status 2).
. "$top_srcdir/tests/tap.sh"
S=$top_builddir/llmbench-size
PY=${PYTHON3:-python3}
DEMO=$top_srcdir/tests/report/demo-2rank-avx512.json
tap_plan 22
t=$(tap_tmpdir)
trap 'rm -rf "$t"' EXIT

"$S" --help > "$t/help" 2>&1
tap_check "--help: status 0, usage" grep -q "^usage: llmbench-size" "$t/help"
"$S" --version > "$t/ver" 2>&1
tap_check "--version: status 0" grep -q "^llmbench-size " "$t/ver"

# one offer, a bigger target on the same 2 ranks' measurements
"$S" --model gpt2-124m --seq 1024 --gpus 16 --gpus-per-node 8 --micro-batch 1 \
    --global-batch 64 --tokens 1e9 --price 2 "$DEMO" > "$t/one" 2> "$t/one.err"
rc=$?
tap_check "one offer: status 0 ($rc), the table and the self-check" \
    sh -c "[ $rc = 0 ] && grep -q '^1  *20261129T113451Z-vm-80c700' '$t/one' && grep -q 'self-check: .* error' '$t/one'"
tap_check "one offer: every assumption is listed" grep -q "^assumptions:" "$t/one"
# 2 nodes of 8 from a one-node run of 2 ranks: each extrapolation is flagged
tap_check "one offer: the missing inter-node tier and the rank counts are flagged" \
    sh -c "grep -q 'inter-node tier not measured' '$t/one' && grep -q '16 ranks, measured at 2' '$t/one' && grep -q 'GEMM shapes above the largest measured' '$t/one'"
tap_diag "$(sed -n 5,6p "$t/one")"

# two offers: the same measurements at $2 and $1 an hour; the cheaper ranks first, its cost half
"$S" --json --model gpt2-124m --seq 256 --gpus 8 --global-batch 16 --tokens 1e9 \
    --price 2 --price 1 --label dear --label cheap "$DEMO" "$DEMO" > "$t/two.json" 2> "$t/two.err"
rc=$?
tap_check "two offers: status 0 ($rc), ranked by cost per 1M tokens, half the price half the cost" \
    "$PY" - "$t/two.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
o = d["offers"]
assert [x["offer"] for x in o] == ["cheap", "dear"], [x["offer"] for x in o]
a, b = o[0]["usd_per_million_tokens"], o[1]["usd_per_million_tokens"]
assert abs(a["median"] * 2 - b["median"]) < 1e-9 * b["median"], (a, b)
assert a["p10"] <= a["median"] <= a["p90"], a
tps = o[0]["tokens_per_s"]
# cost = 8 GPUs x $1 / 3600 s x 1e6 / tokens/s
assert abs(a["median"] - 8 * 1.0 / 3600 * 1e6 / tps["median"]) < 1e-9 * a["median"]
# the cost band comes from the tokens/s band: the slow end is the dear end
assert abs(a["p90"] - 8 * 1.0 / 3600 * 1e6 / tps["p90"]) < 1e-9 * a["p90"]
assert d["assumptions"] and o[0]["fits"], d.keys()
PY

# plots
if command -v "${GNUPLOT:-gnuplot}" >/dev/null 2>&1 && [ "${GNUPLOT:-}" != no ]; then
    "$S" --model gpt2-124m --seq 256 --gpus 8 --global-batch 64 --price 2 --price 3 \
        --plots "$t/plots" "$DEMO" "$DEMO" > "$t/plot.out" 2> "$t/plot.err"
    tap_check "plots: tokens/s and cost against GPU count, PNG and SVG" \
        sh -c "for f in tokens_per_gpus cost_per_gpus; do [ -s '$t/plots/'\$f.png ] && [ -s '$t/plots/'\$f.svg ] || exit 1; done"
    tap_check "plots: one data row per GPU count 1..32 (dp 1..32 at tp 1)" \
        sh -c "[ \$(grep -vc '^#' '$t/plots/A.dat') = 6 ]"
else
    tap_skip "gnuplot not found"
    tap_skip "gnuplot not found"
fi

# mixture of experts: 8 experts, 2 active, against the dense model
"$S" --json --model llama-7b --seq 256 --gpus 2 "$DEMO" > "$t/dense.json" 2>&1 &&
"$S" --json --model llama-7b --seq 256 --gpus 2 --experts 8 --experts-active 2 "$DEMO" \
    > "$t/moe.json" 2>&1
tap_check "MoE: more parameters and FLOPs per token than dense, slower step" \
    "$PY" - "$t/dense.json" "$t/moe.json" <<'PY'
import json, sys
d, m = (json.load(open(f))["offers"][0] for f in sys.argv[1:3])
assert m["params"] > 3 * d["params"], (m["params"], d["params"])
assert m["flops_per_token"] > d["flops_per_token"]
assert m["step_s"]["median"] > d["step_s"]["median"]
PY

# expert parallelism: Mixtral 8x7B on 16 GPUs (2 nodes of 8), dp 16, ep 8 against ep 1
MIX="--model mixtral-8x7b --seq 1024 --gpus 16 --gpus-per-node 8 --global-batch 16"
"$S" $MIX --ep 8 "$DEMO" > "$t/ep.txt" 2>&1
rc=$?
tap_check "--ep 8: status 0 ($rc), shown in the layout with the all-to-all's bytes" \
    sh -c "[ $rc = 0 ] && grep -q '^layout: 16 GPUs, dp 16 x tp 1 x pp 1, ep 8 (experts 1 per GPU, all-to-all 3.355e+07 bytes' '$t/ep.txt' && grep -q 'EP all-to-all [0-9.e+-]* s' '$t/ep.txt'"
"$S" --json $MIX --ep 1 "$DEMO" > "$t/ep1.json" 2>&1 &&
"$S" --json $MIX --ep 8 "$DEMO" > "$t/ep8.json" 2>&1
tap_check "--ep 8 against 1: all-to-all priced, experts' memory / 8, less gradient traffic" \
    "$PY" - "$t/ep1.json" "$t/ep8.json" <<'PY'
import json, sys
(d1, a), (d8, b) = ((d["target"], d["offers"][0]) for d in
                    (json.load(open(f)) for f in sys.argv[1:3]))
assert d1["ep"] == 1 and d8["ep"] == 8 and d8["capacity_factor"] == 1, (d1, d8)
# 1024 tokens x top-2 x 4096 x 4 bytes
assert b["ep_alltoall_bytes"] == 1024 * 2 * 4096 * 4, b["ep_alltoall_bytes"]
assert a["terms_s"]["ep_alltoall"] == 0 and b["terms_s"]["ep_alltoall"] > 0
# weights: 4 bytes x (dense + experts / 8) against 4 bytes x all
P, X = a["params"], a["expert_params"]
assert abs(b["memory_bytes"]["weights"] / (4 * (P - X + X / 8)) - 1) < 1e-8, b["memory_bytes"]
assert abs(a["memory_bytes"]["weights"] / (4 * P) - 1) < 1e-8
assert b["terms_s"]["dp_comm"] < a["terms_s"]["dp_comm"]
assert b["flops_per_token"] == a["flops_per_token"]
PY
tap_check "--ep 8: the alltoall curve's extension from 2 ranks is flagged" \
    grep -q "alltoall (world): 8 ranks, measured at 2" "$t/ep.txt"

# bad input: one line on stderr, status 2
bad() {     # bad DESCRIPTION PATTERN ARGS...
    d=$1 pat=$2; shift 2
    "$S" "$@" > "$t/bad.out" 2> "$t/bad.err"
    rc=$?
    if [ $rc = 2 ] && [ "$(wc -l < "$t/bad.err")" = 1 ] && grep -q -- "$pat" "$t/bad.err"; then
        tap_ok "bad input: $d"
    else
        tap_not_ok "bad input: $d (status $rc)"; tap_diag "$(cat "$t/bad.err")"
    fi
}
bad "a missing file" "no-such.json" "$t/no-such.json"
printf '{"schema": "llmbench/1", "run_id": ' > "$t/cut.json"
bad "a file cut short" "cut.json" "$t/cut.json"
bad "--tp that does not divide the heads" "--tp 5" --tp 5 --gpus 10 "$DEMO"
bad "--zero 4" "--zero 4" --zero 4 "$DEMO"
# a run without its compute phase, and one with a GEMM time that is no time
"$PY" - "$DEMO" "$t" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d.pop("checksum", None)
c = json.loads(json.dumps(d))
del c["phases"]["compute"]
c["phases_completed"].remove("compute")
json.dump(c, open(sys.argv[2] + "/nocompute.json", "w"))
d["phases"]["compute"]["ranks"][1]["gemm"][3]["summary"]["median_s"] = "fast"
json.dump(d, open(sys.argv[2] + "/badgemm.json", "w"))
PY
bad "a run without a compute phase" "nocompute.json: phases.compute" "$t/nocompute.json"
bad "a GEMM time that is a string, named by its JSON path" \
    "phases.compute.ranks\[1\].gemm\[3\].summary.median_s" "$t/badgemm.json"
bad "--ep that does not divide the experts" "--ep 3: must divide the 8 experts" $MIX --ep 3 "$DEMO"
bad "--ep above the experts" "--ep 16: more than the 8 experts" $MIX --ep 16 "$DEMO"
bad "--ep that does not divide dp" "--ep 8: must divide --dp 4" \
    --model mixtral-8x7b --seq 1024 --gpus 4 --ep 8 "$DEMO"
bad "--ep on a dense model" "--ep 2: llama-7b is a dense model" \
    --model llama-7b --seq 256 --gpus 2 --ep 2 "$DEMO"
