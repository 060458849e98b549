#!/bin/sh
# The train phase of the tiny model at -np 1, 2 and 4 (and -np 2 with --accum 2), data parallel
# with overlap: exit 0, the phases.train fields of doc/results-schema.md, parameter checksums
# equal on every rank, and the loss falling over the steps on a fixed batch
# (LLMBENCH_TEST_FIXED_BATCH=1, test-only: every step trains on the same tokens).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/train/common.sh"
tap_plan 11
out=$(tap_tmpdir)
trap 'rm -rf "$out"' EXIT
LLMBENCH_TEST_FIXED_BATCH=1; export LLMBENCH_TEST_FIXED_BATCH
for case_ in 1 2 4 2a; do
    n=${case_%a}; extra=; accum=1
    [ "$case_" = 2a ] && { extra="--accum 2"; accum=2; }
    # shellcheck disable=SC2086
    train_ok "np=$case_: train exits 0" r$case_ "$n" $extra
    if [ -n "$f" ] && "$PYTHON3" - "$f" "$n" "$accum" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2]); accum = int(sys.argv[3])
t = d["phases"]["train"]
assert d["status"] == "complete" and t["status"] == "ok", (d["status"], t["status"])
assert d["errors"]["wrong_elements"] == 0
m = t["model"]
assert m["preset"] == "tiny" and m["family"] == "gpt2" and m["layers"] == 2 and m["params"] > 0
assert m["flops_per_token"] > 6 * m["params_non_embedding"]
assert t["batch"] == 4 and t["seq"] == 32 and t["accum"] == accum
assert t["global_batch_tokens"] == 4 * 32 * accum * n
assert t["mode"] == "dp" and t["overlap"] is True and t["bucket_bytes"] == 16384
assert t["fixed_batch"] is True
b = t["buckets"]
assert len(b) >= 3 and all(x["group"] == "world" and x["collective"] == "allreduce" for x in b)
assert sum(x["bytes"] for x in b) == 4 * m["params"] == t["comm_bytes_per_step"]["allreduce"]
assert max(x["bytes"] for x in b) <= 16384
assert t["warmup_steps"] == 1 and t["timed_steps"] == 3
st = t["step_time"]; s = t["step_time_samples_s"]
assert st["n"] == 3 and len(s) == 3 and min(s) > 0 and st["p10_s"] <= st["median_s"] <= st["p90_s"]
assert abs(t["tokens_per_s"] - t["global_batch_tokens"] / st["median_s"]) < 1e-6 * t["tokens_per_s"]
assert abs(t["flops_per_step"] - m["flops_per_token"] * t["global_batch_tokens"]) < 1e-6 * t["flops_per_step"]
assert t["executed_flops_per_step"] > 0
# the other conventions (doc/accounting.md): no recomputation, so HFU's FLOPs are the model's
assert t["recompute"] == "none" and t["hardware_flops_per_step"] == t["flops_per_step"]
# llm.c: 6N + 6LCT, N = all parameters with the vocabulary (97) padded to 128 (tied)
llmc = (6 * (m["params"] + (128 - 97) * 32) + 6 * 2 * 32 * 32) * t["global_batch_tokens"]
assert abs(t["flops_per_step_llmc"] - llmc) < 1e-9 * llmc, (t["flops_per_step_llmc"], llmc)
assert t["peak_precision"] == "fp32" and t["zero_stage"] == 0 and "hfu" not in t
# no compute phase in this run: no peak, no MFU (never invented)
for k in ("peak_nominal_gflops", "peak_measured_gflops", "mfu_nominal", "mfu_measured",
          "mfu_llmc_nominal", "hardware_fu_nominal", "executed_fu_nominal", "executed_fu_measured"):
    assert t[k] is None, (k, t[k])
if n == 1:
    assert t["overlap_hidden_frac"] is None
else:
    assert 0 <= t["overlap_hidden_frac"] <= 1 and t["comm_alone_s"] > 0
assert sorted(r["rank"] for r in t["ranks"]) == list(range(n))
for r in t["ranks"]:
    for k in ("compute_s", "comm_s", "wait_s", "optimizer_s", "total_s"):
        assert len(r[k]) == 3 and min(r[k]) >= 0, (k, r[k])
    for i in range(3):
        parts = r["compute_s"][i] + r["comm_s"][i] + r["optimizer_s"][i]
        assert r["compute_s"][i] > 0 and parts <= r["total_s"][i] * 1.0001, (parts, r["total_s"][i])
        assert r["total_s"][i] <= s[i] + 1e-12
    assert 0 <= r["last_frac"] <= 1
if n > 1:
    assert abs(sum(r["last_frac"] for r in t["ranks"]) - 1) < 1e-6  # 9 significant digits in the file
c = t["checksum"]
assert c["equal"] is True and len(c["values"]) == n and len(set(c["values"])) == 1, c
assert len(set(c["params_l2"])) == 1
PY
    then tap_ok "np=$case_: results fields, checksums equal on $n ranks"; else tap_not_ok "np=$case_: results fields, checksums equal on $n ranks"; fi
    [ "$case_" = 2a ] && break
    if [ -n "$f" ] && "$PYTHON3" - "$f" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["phases"]["train"]
loss = t["loss_warmup"] + t["loss"]
assert len(loss) == 4
assert all(b < a for a, b in zip(loss, loss[1:])), loss
assert loss[-1] < loss[0] - 0.05, loss   # starts near ln(97) = 4.57
PY
    then tap_ok "np=$case_: loss falls on a fixed batch"; else tap_not_ok "np=$case_: loss falls on a fixed batch"; fi
done
