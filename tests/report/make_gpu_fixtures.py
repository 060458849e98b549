#!/usr/bin/env python3
"""Results files of GPU runs for the GPU findings (tests/report/gpu.sh): a 4-rank, 2-node H200
run of a CUDA backend with NVML telemetry (phases.compute / phases.train .gpu_telemetry,
doc/results-schema.md), clean, and with one cause planted at a time: a throttled clock, a
degraded PCIe link, ECC errors, a slow memory, and files without telemetry or with hostile
values.  The clean file carries what a healthy GPU shows and must not be taken for a cause: an
idle "before" sample at a low clock and PCIe Gen1, a power-capped sample at 98% of the clock,
a link that drops a generation in 2 of 6 samples.
Usage: make_gpu_fixtures.py OUTDIR   (deterministic)."""
import copy
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import make_run, write  # noqa: E402

H200 = [{"index": 0, "pci_busid": "0000:17:00.0", "vendor_id": "0x10de", "device_id": "0x2335",
         "class_id": "0302"}]


def sample(when, t, sm=1980, reasons=(), gen=5, width=16, power=520.0, temp=55, vol=0, agg=0,
           rows=0, pending=False):
    return {"when": when, "t_s": t, "sm_mhz": sm, "sm_max_mhz": 1980, "mem_mhz": 2619,
            "mem_max_mhz": 2619, "power_w": power, "power_limit_w": 700.0, "temp_c": temp,
            "reasons_mask": 0, "reasons": list(reasons), "ecc_uncorrected_volatile": vol,
            "ecc_uncorrected_aggregate": agg, "ecc_corrected_volatile": 0,
            "remapped_rows_uncorrectable": rows, "remapped_rows_correctable": 0,
            "remap_pending": pending, "remap_failed": False, "pcie_gen": gen,
            "pcie_gen_max": 5, "pcie_width": width, "pcie_width_max": 16, "nvlink_active": 18,
            "nvlink_links": 18}


def healthy(rank):
    """A healthy GPU: idle before the phase, at full clock under load, one power-capped sample
    at 98% of the clock, and (rank 2) a link that drops to Gen4 in 2 of 6 samples."""
    s = [sample("before", 0.0, sm=345, reasons=["gpu_idle"], gen=1, power=80.0, temp=35)]
    for k in range(6):
        capped = k == 3
        s.append(sample("during", 0.5 * (k + 1), sm=1950 if capped else 1980,
                        reasons=["sw_power_cap"] if capped else [],
                        gen=4 if rank == 2 and k in (1, 4) else 5))
    s.append(sample("after", 3.2))
    return s


def telemetry(ranks, samples_of):
    return {"source": "nvml", "interval_s": 0.5, "samples_max": 256,
            "ranks": [{"rank": r, "state": "ok", "reason": None,
                       "device": {"name": "NVIDIA H200", "uuid": "GPU-%04d" % r,
                                  "bus_id": "00000000:%02x:00.0" % (0x17 + r)},
                       "samples": samples_of(r)} for r in range(ranks)]}


def gpu_run(run_id, samples_of=healthy, gemm=60000.0, triad=4300.0, precision="fp32"):
    d = make_run(run_id, ranks=4, nodes=2, seed=21, backend="cuda", gpus=H200, intra_gbs=400.0)
    for rk in d["phases"]["compute"]["ranks"]:
        rk["measured_peak_gflops"] = gemm
        rk["stream_triad_gbs"] = triad
    d["phases"]["train"]["peak_precision"] = precision  # the arithmetic the backend ran in
    for p in ("compute", "train"):
        d["phases"][p]["gpu_telemetry"] = telemetry(4, samples_of)
    return d


def throttled(rank):
    if rank != 1:
        return healthy(rank)
    s = [sample("before", 0.0, sm=345, reasons=["gpu_idle"], gen=1)]
    for k in range(6):
        s.append(sample("during", 0.5 * (k + 1), sm=1410,
                        reasons=["sw_power_cap", "hw_thermal_slowdown"], power=699.0, temp=91))
    s.append(sample("after", 3.2, sm=1410, reasons=["sw_power_cap"], power=690.0, temp=90))
    return s


def pcie(rank):
    s = healthy(rank)
    if rank == 3:
        for x in s[1:]:
            x["pcie_gen"], x["pcie_width"] = 3, 8
    return s


def ecc(rank):
    s = healthy(rank)
    if rank == 0:
        s[-1].update(ecc_uncorrected_volatile=2, ecc_uncorrected_aggregate=2,
                     remapped_rows_uncorrectable=1, remap_pending=True)
    if rank == 2:  # history only: errors before this driver load, rows already remapped
        for x in s:
            x.update(ecc_uncorrected_aggregate=5, remapped_rows_uncorrectable=5)
    return s


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    write(out, "gpu-clean.json", gpu_run("gpu-clean"))
    write(out, "gpu-throttled.json", gpu_run("gpu-throttled", throttled))
    write(out, "gpu-pcie.json", gpu_run("gpu-pcie", pcie))
    write(out, "gpu-ecc.json", gpu_run("gpu-ecc", ecc))
    write(out, "gpu-slow-mem.json", gpu_run("gpu-slow-mem", triad=1500.0))
    write(out, "gpu-bf16.json", gpu_run("gpu-bf16", gemm=800000.0, precision="bf16"))
    # no NVML on any rank: states only, no samples
    d = gpu_run("gpu-no-nvml")
    for p in ("compute", "train"):
        for rk in d["phases"][p]["gpu_telemetry"]["ranks"]:
            rk.update(state="not-found", reason="NVML not found: libnvidia-ml.so.1: cannot open",
                      device=None, samples=[])
    write(out, "gpu-no-nvml.json", d)
    # hostile telemetry: wrong types, ranks out of range, missing fields: read, never trusted
    d = gpu_run("gpu-hostile", throttled)
    t = d["phases"]["train"]["gpu_telemetry"]["ranks"]
    t[0]["rank"] = 99
    t[1]["samples"][2] = {"when": "during", "sm_mhz": "fast", "reasons": "sw_power_cap"}
    t[2]["samples"] = {"not": "an array"}
    t[3]["rank"] = -1
    d["phases"]["compute"]["gpu_telemetry"] = {"ranks": "none"}
    write(out, "gpu-hostile.json", d)


if __name__ == "__main__":
    main()
