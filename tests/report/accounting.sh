#!/bin/sh
# The reporter's accounting (doc/accounting.md) on the demo run (GPT-2 124M, 2 ranks, seq 64):
#  - a file from before the fields: llm.c's count recomputed from the model (6N + 6LCT with
#    N = 124,475,904, vocab padded to 50304), HFU = MFU (no recomputation), no precision;
#  - --mfu-llmc adds the llm.c rows to the headline;
#  - a GPU run is held to the dense peak of the precision it ran (h100-sxm: bf16 989, tf32
#    494.7, fp32 66.9 TFLOP/s), said in the report; a bad precision is refused (status 2).
. "$top_srcdir/tests/tap.sh"
R=${LLMBENCH_REPORT:-$top_builddir/llmbench-report}
PY=${PYTHON3:-python3}
DEMO=$top_srcdir/tests/report/demo-2rank-avx512.json
tap_plan 5
t=$(tap_tmpdir)
trap 'rm -rf "$t"' EXIT

"$R" --no-plots --format json "$DEMO" > "$t/old.json" 2> "$t/err.txt"
if "$PY" - "$t/old.json" "$DEMO" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
tr = json.load(open(sys.argv[2]))["phases"]["train"]
assert "flops_per_step_llmc" not in tr and "hfu" in tr   # a file from before the fields
n = 124439808 + (50304 - 50257) * 768
llmc = (6 * n + 6 * 12 * 768 * 64) * tr["global_batch_tokens"]
ratio = llmc / tr["flops_per_step"]
assert abs(r["mfu_llmc_nominal"] / r["mfu_nominal"] - ratio) < 1e-9, (r, ratio)
assert r["hfu_nominal"] == r["mfu_nominal"] and r["peak_precision"] is None
PY
then tap_ok "old file: llm.c MFU from the model (6N + 6LCT, padded vocab), HFU = MFU"
else tap_not_ok "old file: llm.c MFU from the model (6N + 6LCT, padded vocab), HFU = MFU"; fi

"$R" --no-plots --mfu-llmc "$DEMO" > "$t/text.txt" 2>> "$t/err.txt"
if grep -q "MFU, llm.c count, nominal peak" "$t/text.txt" &&
   ! "$R" --no-plots "$DEMO" 2>/dev/null | grep -q "llm.c count"
then tap_ok "--mfu-llmc adds the llm.c rows, and only then"
else tap_not_ok "--mfu-llmc adds the llm.c rows, and only then"; fi

# the demo as if its compute and train phases had run on H100s in a given precision
gpu() { "$PY" - "$DEMO" "$t/gpu-$1.json" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for p in ("compute", "train"):
    d["phases"][p]["backend"] = "cuda"
d["phases"]["train"]["peak_precision"] = sys.argv[3]
json.dump(d, open(sys.argv[2], "w"))
PY
}
for p in bf16 tf32 fp32; do
    gpu $p
    "$R" --no-plots --format json --device h100-sxm "$t/gpu-$p.json" > "$t/g-$p.json" 2>> "$t/err.txt"
done
if "$PY" - "$t" <<'PY'
import json, sys
t = sys.argv[1]
peak = {"bf16": 989000, "tf32": 494700, "fp32": 66900}
m = {}
for p in peak:
    r = json.load(open(f"{t}/g-{p}.json"))["runs"][0]
    g = [x for x in r["resources"] if x["name"] == "GEMM"][0]
    assert g["nominal"] == peak[p], (p, g)
    assert g["nominal_source"].startswith(f"h100-sxm: {p} peak;"), g["nominal_source"]
    assert r["peak_precision"] == p
    m[p] = r["mfu_nominal"]
assert abs(m["fp32"] / m["bf16"] - 989000 / 66900) < 1e-9
PY
then tap_ok "GPU MFU against the peak of the precision run (bf16, tf32, fp32), named"
else tap_not_ok "GPU MFU against the peak of the precision run (bf16, tf32, fp32), named"; fi
if "$R" --no-plots --device h100-sxm "$t/gpu-bf16.json" | grep -q "nominal bf16"
then tap_ok "the text report says which precision's peak"
else tap_not_ok "the text report says which precision's peak"; fi

gpu fp8
"$R" --no-plots "$t/gpu-fp8.json" > /dev/null 2> "$t/bad.txt"
rc=$?
if [ $rc -eq 2 ] && grep -q "peak_precision.*fp8" "$t/bad.txt" && [ "$(wc -l < "$t/bad.txt")" -eq 1 ]
then tap_ok "peak_precision fp8: one line naming it, status 2"
else tap_not_ok "peak_precision fp8: one line naming it, status 2 (rc $rc: $(cat "$t/bad.txt"))"; fi
