#!/bin/sh
# The compute phase end to end (2 ranks, --quick, tiny model): every section is there, every
# kernel was validated before it was timed, and a kernel that differs from its reference
# (LLMBENCH_CORRUPT_KERNEL=gelu) is refused: not timed, counted, exit status 1.
. "$top_srcdir/tests/tap.sh"
tap_plan 6
out=$(tap_tmpdir)
trap 'rm -rf "$out"' EXIT

tap_mpirun 300 -np 2 "$LLMBENCH" --phases compute --quick --quiet --model tiny \
    --output "$out/good" >"$out/good.log" 2>&1
rc=$?
if [ $rc -eq 0 ]; then tap_ok "compute phase exits 0"; else tap_not_ok "compute phase exits 0 (got $rc)"; tap_diag "$(tail -n 5 "$out/good.log")"; fi
f=$(ls "$out"/good/*.json 2>/dev/null | head -n 1)
if [ -n "$f" ] && "$PYTHON3" - "$f" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["phases"]["compute"]
assert c["model"] == "tiny" and len(c["ranks"]) == 2, c.keys()
tol = c["tolerance_rel_l2"]
for r in c["ranks"]:
    assert r["measured_peak_gflops"] > 0 and r["stream_triad_gbs"] > 0
    assert r["nominal_peak_gflops"] > 0 and "FLOP/cycle" in r["nominal_peak_derivation"]
    names = [g["name"] for g in r["gemm"]]
    for p in ("qkv", "attn_out", "fc", "fc_proj", "lm_head"):
        for s in ("fwd", "bwd_data", "bwd_weight"):
            assert p + "." + s in names, (p, s, names)
    for g in r["gemm"]:
        assert 0 <= g["rel_l2_err"] <= tol and g["gflops"] > 0, g
    passes = [(k["name"], k["pass"]) for k in r["kernels"]]
    for n in ("ln_1", "qkv", "attention", "attn_out", "ln_2", "fc", "gelu", "fc_proj"):
        assert (n, "fwd") in passes and (n, "bwd") in passes, n
    total = 0
    for k in r["kernels"]:
        assert 0 <= k["rel_l2_err"] <= tol, k
        assert k["median_s"] > 0 and k["flops"] >= 0 and k["bytes"] > 0, k
        assert k["summary"]["n"] == len(k["summary"]["samples_s"])
        total += k["median_s"]
    assert abs(total - r["layer_time_s"]) <= 1e-9 + 1e-6 * total
    sk = [(k["name"], k["pass"]) for k in r["step_kernels"]]
    for n in ("embedding", "ln_f", "lm_head", "softmax_xent"):
        assert (n, "fwd") in sk and (n, "bwd") in sk, n
    assert ("adamw", "fwd") in sk
    assert all(k["median_s"] > 0 and 0 <= k["rel_l2_err"] <= tol for k in r["step_kernels"])
    assert r["predicted_step_s"] > r["layer_time_s"] * c["layers"]
    st = r["model_step"]
    assert st["tokens_per_s"] > 0 and st["model_flops"] > 0 and st["loss"] > 0, st
assert c["summary"]["measured_peak_gflops_min"] > 0
assert c["summary"]["validation_failed"] is False
PY
then tap_ok "results: peak, triad, GEMM sweep, validated kernels, model step"; else tap_not_ok "results: peak, triad, GEMM sweep, validated kernels, model step"; fi

LLMBENCH_CORRUPT_KERNEL=gelu tap_mpirun 300 -np 2 -x LLMBENCH_CORRUPT_KERNEL "$LLMBENCH" \
    --phases compute --quick --quiet --model tiny --output "$out/bad" >"$out/bad.log" 2>&1
rc=$?
if [ $rc -eq 1 ]; then tap_ok "a wrong kernel makes the phase fail (status 1)"; else tap_not_ok "a wrong kernel makes the phase fail (got $rc)"; fi
if grep -q "kernel gelu fwd differs from its reference" "$out/bad.log"; then tap_ok "the failure names the kernel"; else tap_not_ok "the failure names the kernel"; tap_diag "$(tail -n 5 "$out/bad.log")"; fi
f=$(ls "$out"/bad/*.json 2>/dev/null | head -n 1)
if [ -n "$f" ] && "$PYTHON3" - "$f" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["phases"]["compute"]
assert c["summary"]["validation_failed"] is True
for r in c["ranks"]:
    g = [k for k in r["kernels"] if k["name"] == "gelu" and k["pass"] == "fwd"][0]
    assert g["median_s"] is None and g["timed"] is False and g["rel_l2_err"] > c["tolerance_rel_l2"], g
    others = [k for k in r["kernels"] if k is not g]
    assert all(k["median_s"] and k["median_s"] > 0 for k in others)
PY
then tap_ok "the wrong kernel is not timed, the others are"; else tap_not_ok "the wrong kernel is not timed, the others are"; fi
"$LLMBENCH" --describe-model gpt2-124m --layers 2 >"$out/describe.txt" 2>&1
if [ $? -eq 0 ] && grep -q "53561088" "$out/describe.txt" && grep -q "lm_head.bwd_weight" "$out/describe.txt"; then
    tap_ok "--describe-model without MPI"
else
    tap_not_ok "--describe-model without MPI"; tap_diag "$(head -n 5 "$out/describe.txt")"
fi
[ $tap_failed -eq 0 ]
