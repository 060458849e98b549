#!/bin/sh
# llmbench-report on GPU runs with NVML telemetry (tests/report/make_gpu_fixtures.py): a clean
# H200 run raises no GPU cause (an idle sample, a power-capped one at 98% of the clock and a
# short PCIe dip are normal); each planted cause raises its finding with its evidence: a
# throttled clock (reasons decoded, priced from the train phase), a degraded PCIe link, ECC
# errors, a slow memory; the GEMM nominal follows the run's precision
# (phases.train.peak_precision); no NVML and hostile telemetry are read without a finding or an
# error.
. "$top_srcdir/tests/tap.sh"
R=${LLMBENCH_REPORT:-$top_builddir/llmbench-report}
PY=${PYTHON3:-python3}
tap_plan 9
t=$(tap_tmpdir)
trap 'rm -rf "$t"' EXIT
fx=$t/fx
"$PY" "$top_srcdir/tests/report/make_gpu_fixtures.py" "$fx" || { echo "Bail out! fixtures"; exit 1; }

rj() { "$R" --no-plots --format json "$@" > "$t/out.json" 2> "$t/err.txt"; }
check() { "$PY" - "$t/out.json" <<PY
import json, sys
d = json.load(open(sys.argv[1]))
f = d["findings"]
ids = [x["id"] for x in f]
gpu = [x for x in f if x["id"] in ("clock.throttled", "pcie.degraded", "gpu.ecc_errors",
                                   "compute.memory_below_nominal", "compute.gemm_below_nominal")]
res = {x["name"]: x for x in d["runs"][0]["resources"]}
one = lambda i: [x for x in f if x["id"] == i]
$CHECK
PY
}
run() { # description fixture
    if rj "$fx/$2.json"; then tap_check "$1" check; else tap_not_ok "$1 (exit status)"; tap_diag "$(cat "$t/err.txt")"; fi
}

CHECK='assert not gpu, gpu
assert not [x for x in f if x["severity"] != "info"], f
assert res["GEMM"]["nominal"] == 67000 and "h200: fp32 peak" in res["GEMM"]["nominal_source"], res["GEMM"]
assert res["memory"]["nominal"] == 4800, res["memory"]'
run "clean H200 run: no GPU cause invented (idle sample, power cap at 98% of the clock, a 2-sample PCIe dip), fp32 and HBM nominals" gpu-clean

CHECK='c = one("clock.throttled")
assert len(c) == 1 and c[0]["ranks"] == [1] and c[0]["severity"] == "warning", c
e = c[0]["evidence"]
assert "1410 of 1980 MHz" in e and "sw_power_cap hw_thermal_slowdown" in e and "in train" in e, e
assert "power 690 of 700 W" in e, e
assert 0 < c[0]["time_lost_s"] < 0.1, c
r = c[0]["remedy"]
assert "power limit" in r and "cooling" in r, r'
run "throttled GPU: clock.throttled names rank 1, decodes the reasons, priced from train" gpu-throttled

CHECK='p = one("pcie.degraded")
assert len(p) == 1 and p[0]["ranks"] == [3], p
assert "PCIe Gen3 x8 of Gen5 x16" in p[0]["evidence"] and "not priced" in p[0]["evidence"], p
assert p[0]["time_lost_s"] is None, p
assert not one("clock.throttled") and not one("gpu.ecc_errors"), f'
run "degraded link: pcie.degraded names rank 3 only (rank 2 dips in 2 of 6 samples), not priced" gpu-pcie

CHECK='e = one("gpu.ecc_errors")
assert len(e) == 1 and e[0]["severity"] == "critical" and e[0]["ranks"] == [0, 2], e
t = e[0]["evidence"]
assert "rising during the run" in t and "remap pending" in t and "5 over the" in t, t
assert e[0]["time_lost_s"] is None'
run "ECC: gpu.ecc_errors critical (rising, remap pending), history-only rank named too" gpu-ecc

CHECK='m = one("compute.memory_below_nominal")
assert len(m) == 1 and m[0]["severity"] == "warning", m
assert "31% of the nominal 4800 GB/s" in m[0]["evidence"], m
assert len(gpu) == 1, gpu'
run "slow memory: compute.memory_below_nominal at 31% of the H200 HBM figure" gpu-slow-mem

CHECK='assert res["GEMM"]["nominal"] == 989500 and "h200: bf16 peak" in res["GEMM"]["nominal_source"], res["GEMM"]
assert not gpu, gpu'
run "bf16 run: held to the dense BF16 peak (81%: no finding)" gpu-bf16

CHECK='assert not gpu, gpu'
run "no NVML on any rank: states only, no GPU finding" gpu-no-nvml

CHECK='c = one("clock.throttled")
assert len(c) == 1 and c[0]["ranks"] == [1], c
assert not one("pcie.degraded") and not one("gpu.ecc_errors"), f'
run "hostile telemetry (bad types, ranks out of range): read, only the valid samples count" gpu-hostile

# CPU-backend fixtures of report.sh raise none of the GPU findings (no telemetry, no memory nominal)
"$PY" "$top_srcdir/tests/report/make_fixtures.py" "$t/cpu" || { echo "Bail out! cpu fixtures"; exit 1; }
bad=
for j in clean throttled cpu-on-gpu shared-core; do
    rj "$t/cpu/$j.json" || bad="$bad $j(exit)"
    CHECK='assert not [x for x in f if x["id"] in ("pcie.degraded", "gpu.ecc_errors", "compute.memory_below_nominal")], f
assert all("rank" not in x["evidence"][:5] for x in one("clock.throttled")), one("clock.throttled")'
    check || bad="$bad $j"
done
if [ -z "$bad" ]; then tap_ok "CPU fixtures: no GPU finding"; else tap_not_ok "CPU fixtures: no GPU finding:$bad"; fi
