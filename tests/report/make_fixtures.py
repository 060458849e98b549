#!/usr/bin/env python3
"""Hand-made llmbench/1 results files for the llmbench-report tests.

Each scenario is built from a small, explicit machine model so that the true answer is known:
per-rank compute per step, one gradient bucket set reduced on the world communicator whose time
follows the comm phase's busbw curve, ranks waiting for the slowest at the allreduce.
Usage: make_fixtures.py OUTDIR   (deterministic: fixed seeds)."""
import json
import math
import os
import random
import sys

MiB = 1 << 20
SIZES = [1 << k for k in range(10, 27, 2)]  # 1 KiB .. 64 MiB


def curve(peak_gbs, half_bytes, size, cliff=None):
    """busbw (GB/s) of a latency + bandwidth link: peak * S / (S + S_half); with cliff
    (edge_bytes, factor) the MPI library's protocol switch: factor times lower above the edge."""
    bw = peak_gbs * size / (size + half_bytes)
    if cliff and size > cliff[0]:
        bw /= cliff[1]
    return bw


def summary(xs, unit="s"):
    s = sorted(xs)
    n = len(s)
    med = s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])
    mean = sum(s) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in s) / (n - 1)) if n > 1 else 0.0
    return {"n": n, "median_" + unit: med, "p10_" + unit: s[int(0.1 * (n - 1))],
            "p90_" + unit: s[int(0.9 * (n - 1))], "min_" + unit: s[0], "max_" + unit: s[-1],
            "mean_" + unit: mean, "mad_" + unit: 0.0, "cv": sd / mean if mean else 0.0}


def make_run(run_id, ranks=4, nodes=2, seed=1, steps=20, compute_s=0.100, jitter=0.005,
             rank_slow=None, slow_frac=1.0, gemm=None, shared=None, intra_gbs=20.0,
             inter_gbs=11.0, nic_gbs=12.5, link_slow_node=None, bucket_bytes=16 * MiB,
             nbuckets=4, env=None, unbound=(), cliff=None, other_t=0.002, cur_mhz=3000,
             backend="cpu", gpus=None, link_noisy_pair=None, round_robin=False,
             link_passes=None):
    rng = random.Random(seed)
    per_node = ranks // nodes
    # blocks of ranks per node, or (round_robin) rank r on node r % nodes, as many as fall
    rank_node = [r % nodes if round_robin else r // per_node for r in range(ranks)]
    on_node = [rank_node.count(n) for n in range(nodes)]
    per_node = max(on_node)
    local_of = [rank_node[:r].count(rank_node[r]) for r in range(ranks)]
    names = ["node%02d" % (n + 1) for n in range(nodes)]
    rank_slow = rank_slow or {}
    gemm = gemm or {}
    shared = shared or []
    doc = {
        "schema": "llmbench/1", "run_id": run_id, "llmbench_version": "fixture",
        "command_line": ["llmbench", "--fixture"], "options": {},
        "start_time": "2026-11-27T00:00:00Z", "end_time": "2026-11-27T00:01:00Z",
        "status": "complete", "phases_completed": ["probe", "compute", "comm", "train"],
        "world": {"ranks": ranks, "nodes": nodes, "rank_node": rank_node, "node_names": names,
                  "ranks_per_node": on_node},
        "software": {"mpi_library": "Open MPI v4.1.4 (fixture)", "compiler": "gcc"},
        "errors": {"wrong_elements": 0}, "phases": {}}
    # ---- probe
    pnodes = []
    for n in range(nodes):
        pnodes.append({"name": names[n], "ranks": [r for r in range(ranks) if rank_node[r] == n],
                       "packages": 1, "numa_nodes": 1, "cores": 2 * per_node, "pus": 2 * per_node,
                       "gpus": gpus or [],
                       "nics": [{"name": "eth0", "kind": "network", "numa": 0,
                                            "link_gbs": nic_gbs}],
                       "machine": {"loadavg": [on_node[n] * 1.0] * 3,
                                   "governor": "performance", "cur_freq_mhz": cur_mhz,
                                   "max_freq_mhz": 3000, "numa_balancing": 0}})
    pranks = []
    for r in range(ranks):
        local = local_of[r]
        cpuset = "%d-%d" % (2 * local, 2 * local + 1)
        overl = []
        for grp in shared:
            if r in grp:
                cpuset = "0"
                overl = [x for x in grp if x != r]
        pranks.append({"rank": r, "node": rank_node[r], "host": names[rank_node[r]],
                       "threads": 1 if overl else 2, "bound": r not in unbound, "cpuset": cpuset,
                       "pus": 1 if overl else 2, "numa": [0], "overlaps": overl, "gpu": None})
    doc["phases"]["probe"] = {"elapsed_s": 0.5, "status": "ok", "mpi_library": "Open MPI",
                              "nodes": pnodes, "ranks": pranks, "env": env or {},
                              "warnings": []}
    # ---- compute: 80 of 100 GFLOP/s nominal; one layer's kernels at the same rate
    layer_flops = 8e8
    cranks = []
    for r in range(ranks):
        g = gemm.get(r, 80.0)
        samples = [g * (1 + 0.002 * rng.uniform(-1, 1)) for _ in range(10)]
        cranks.append({
            "rank": r, "host": names[rank_node[r]], "threads": 2,
            "nominal_peak_gflops": 100.0,
            "nominal_peak_derivation": "2 PUs x 3.0 GHz x 16 FP32 FLOPs/cycle (fixture)",
            "measured_peak_gflops": g,
            "gemm_square": {"m": 1024, "n": 1024, "k": 1024,
                            "summary": summary([2 * 1024 ** 3 / (x * 1e9) for x in samples])},
            "stream_triad_gbs": 15.0,
            "gemm": [{"name": "qkv.fwd", "m": 1024, "n": 2304, "k": 768, "flops": 3.6e9,
                      "gflops": g * 0.9, "summary": summary([0.05, 0.051, 0.05, 0.052, 0.05])}],
            "kernels": [{"name": "matmul", "pass": "fwd", "flops": layer_flops / 2, "bytes": 1e6,
                         "median_s": layer_flops / 2 / (g * 1e9), "gflops": g, "gbs": 1.0,
                         "rel_l2_err": 1e-7},
                        {"name": "matmul", "pass": "bwd", "flops": layer_flops / 2, "bytes": 1e6,
                         "median_s": layer_flops / 2 / (g * 1e9), "gflops": g, "gbs": 1.0,
                         "rel_l2_err": 1e-7}],
            "layer_time_s": layer_flops / (g * 1e9)})
    doc["phases"]["compute"] = {"elapsed_s": 2.0, "status": "ok", "ranks": cranks,
                                "backend": backend,
                                "summary": {"measured_peak_gflops_median": 80.0}}
    # ---- comm: world/intra/inter allreduce curves and a node-pair link matrix
    half = 256 * 1024
    curves = {"intra": (intra_gbs, per_node), "inter": (inter_gbs, nodes),
              "world": (min(intra_gbs, inter_gbs) * 0.95, ranks)}
    sweeps = []
    for group, (peak, nr) in curves.items():
        if nr < 2:
            continue
        pts = []
        for S in SIZES:
            bw = curve(peak, half, S, cliff)
            t = S * 2 * (nr - 1) / nr / (bw * 1e9)
            op = [t * (1 + 0.01 * rng.uniform(-1, 1)) for _ in range(20)]
            pts.append({"bytes": S, "iters": 20, "op": summary(op), "algbw_gbs": S / t / 1e9,
                        "busbw_gbs": bw, "arrival_skew": summary([1e-6] * 20), "wrong": 0,
                        "per_rank": []})
        sweeps.append({"collective": "allreduce", "group": group, "placement": "out",
                       "nranks": nr, "ranks": list(range(nr)), "points": pts})
    link = None
    if nodes >= 2:
        bw = [[None if i == j else 10.0 * (1 + 0.02 * rng.uniform(-1, 1)) for j in range(nodes)]
              for i in range(nodes)]
        if link_slow_node is not None:
            for k in range(nodes):
                if k != link_slow_node:
                    bw[k][link_slow_node] = bw[link_slow_node][k] = 3.0
        if link_noisy_pair is not None:  # one slow pair elsewhere (noise, not a bad node)
            a, b = link_noisy_pair
            bw[a][b] = bw[b][a] = 3.0
        link = {"level": "node", "names": names, "bytes": 16 * MiB, "bw_gbs": bw,
                "lat_s": [[None if i == j else 2e-5 for j in range(nodes)] for i in range(nodes)],
                "rounds": 3}
        if link_passes is not None:
            # per pass, (a, b, GB/s) on top of the matrix above: a pair stalled in that pass
            # (both directions). bw_gbs stays the first pass's: the report combines the passes
            # itself, so a fixture shows that it does
            passes = []
            for over in link_passes:
                m = [row[:] for row in bw]
                for a, b, v in over:
                    m[a][b] = m[b][a] = v
                passes.append(m)
            link.update({"bw_gbs": passes[0], "passes": len(passes), "pass_bw_gbs": passes,
                         "pass_lat_s": [link["lat_s"]] * len(passes),
                         "pass_s": [0.01] * len(passes)})
    doc["phases"]["comm"] = {"elapsed_s": 3.0, "status": "ok",
                             "clock": {"method": "pingpong", "offsets_s": [0.0] * ranks,
                                       "residual_s": [1e-6] * ranks},
                             "timing": {"mode": "barrier-separated"}, "sweeps": sweeps,
                             "skipped": [], "link_matrix": link, "wrong_total": 0}
    # ---- train: data parallel, buckets on the world communicator, no overlap
    wpeak = curves["world"][0]
    comm_t = sum(bucket_bytes * 2 * (ranks - 1) / ranks
                 / (curve(wpeak, half, bucket_bytes, cliff) * 1e9) for _ in range(nbuckets))
    opt_t = 0.010
    comp = [[0.0] * steps for _ in range(ranks)]
    for s in range(steps):
        for r in range(ranks):
            c = compute_s * (1 + jitter * rng.uniform(-1, 1)) * (80.0 / gemm.get(r, 80.0))
            if r in rank_slow and s % 10 < round(10 * slow_frac):
                c *= rank_slow[r]
            comp[r][s] = c
    tr = []
    step_times = []
    last = [0] * ranks
    for s in range(steps):
        mx = max(comp[r][s] for r in range(ranks))
        last[max(range(ranks), key=lambda r: comp[r][s])] += 1
        step_times.append(mx + comm_t + opt_t + other_t)
    for r in range(ranks):
        wait = [max(comp[q][s] for q in range(ranks)) - comp[r][s] for s in range(steps)]
        tot = [comp[r][s] + wait[s] + comm_t + opt_t + other_t for s in range(steps)]
        tr.append({"rank": r, "compute_s": comp[r], "comm_s": [comm_t] * steps, "wait_s": wait,
                   "optimizer_s": [opt_t] * steps, "total_s": tot,
                   "last_frac": last[r] / steps})
    gbt = 4 * 256 * 1 * ranks
    med = sorted(step_times)[steps // 2]
    flops_per_step = ranks * compute_s * 80.0e9  # model FLOPs: compute_s at 80 GFLOP/s per rank
    doc["phases"]["train"] = {
        "elapsed_s": 5.0, "status": "ok", "backend": backend,
        "model": {"preset": "gpt2-small", "family": "gpt2", "layers": 2, "d_model": 768,
                  "heads": 12, "kv_heads": 12, "d_ff": 3072, "vocab": 50257},
        "batch": 4, "seq": 256, "accum": 1, "global_batch_tokens": gbt, "mode": "dp",
        "overlap": False, "bucket_bytes": bucket_bytes,
        "buckets": [{"bytes": bucket_bytes, "group": "world"} for _ in range(nbuckets)],
        "comm_bytes_per_step": {"allreduce": bucket_bytes * nbuckets, "reduce_scatter": 0,
                                "allgather": 0},
        "warmup_steps": 2, "timed_steps": steps, "step_time": summary(step_times),
        "step_time_samples_s": step_times, "tokens_per_s": gbt / med,
        "flops_per_step": flops_per_step, "peak_nominal_gflops": 100.0,
        "peak_measured_gflops": 80.0, "mfu_nominal": flops_per_step / (ranks * 100e9 * med),
        "mfu_measured": flops_per_step / (ranks * 80e9 * med), "hfu": None,
        "overlap_hidden_frac": None, "ranks": tr, "loss": [10.0 - 0.1 * s for s in range(steps)],
        "checksum": {"equal": True, "values": [1.0] * ranks}}
    return doc


def write(outdir, name, doc):
    with open(os.path.join(outdir, name), "w") as f:
        json.dump(doc, f, indent=1)


# allreduce busbw of a real 2-rank run (one 2-core VM, Open MPI, out of place), GB/s by size:
# 5.23 at 16 MiB, 0.425 at 32 MiB (the demo-2rank-avx512 results file)
REAL_CURVE = [(8, 0.013), (64, 0.095), (512, 0.415), (4096, 1.129), (8192, 0.97),
              (65536, 3.319), (262144, 6.219), (1048576, 6.889), (2097152, 7.341),
              (4194304, 7.174), (8388608, 6.553), (16777216, 5.23), (33554432, 0.425),
              (67108864, 0.383), (134217728, 0.325), (268435456, 0.352)]


def set_probe(doc, node_pus, **rank_fields):
    """Every node gets node_pus PUs and cores; every probe rank the given fields (a callable is
    called with the rank number)."""
    for n in doc["phases"]["probe"]["nodes"]:
        n["pus"] = n["cores"] = node_pus
    for pr in doc["phases"]["probe"]["ranks"]:
        for k, v in rank_fields.items():
            pr[k] = v(pr["rank"]) if callable(v) else v


def real_cliff():
    """2 ranks on one node with the real allreduce curve and 19 buckets of 25 MiB."""
    d = make_run("real-cliff", ranks=2, nodes=1, seed=18, bucket_bytes=25 * MiB, nbuckets=19)
    for sw in d["phases"]["comm"]["sweeps"]:
        pts = []
        for size, bw in REAL_CURVE:
            t = size / (bw * 1e9)  # 2 ranks: busbw factor 1
            pts.append({"bytes": size, "iters": 20, "op": summary([t] * 5), "algbw_gbs": bw,
                        "busbw_gbs": bw, "arrival_skew": summary([1e-6] * 5), "wrong": 0,
                        "per_rank": []})
        sw["points"] = pts
    # the buckets ran at 0.224 GB/s, as in the real run: every step's communication takes that
    tr = d["phases"]["train"]
    alone = 19 * 25 * MiB / 0.224e9
    tr["comm_alone_s"] = alone
    for rk in tr["ranks"]:
        delta = alone - rk["comm_s"][0]
        rk["comm_s"] = [alone] * len(rk["comm_s"])
        rk["total_s"] = [t + delta for t in rk["total_s"]]
    tr["step_time_samples_s"] = [t + delta for t in tr["step_time_samples_s"]]
    tr["step_time"] = summary(tr["step_time_samples_s"])
    return d


def write_scenarios(out):
    """The fixtures of comm.size_cliff, machine.oversubscribed, binding.idle_cores and of the
    accounting fixes (clocks, NIC rate, CPU run on a GPU node, 2-rank outlier, negative other,
    ranks sharing PUs)."""
    # allreduce busbw falls 4x above 8 MiB on every group: the 16 MiB buckets lie beyond it
    write(out, "cliff.json", make_run("cliff", seed=10, cliff=(8 * MiB, 4.0)))
    # the same fall above 32 MiB: the 16 MiB buckets lie below it
    write(out, "cliff-below.json", make_run("cliff-below", seed=10, cliff=(32 * MiB, 4.0)))
    write(out, "real-cliff.json", real_cliff())
    # 2 unbound ranks x 2 threads on a 2-PU node
    d = make_run("oversubscribed", ranks=2, nodes=1, seed=11, gemm={0: 40.0, 1: 40.0})
    set_probe(d, 2, cpuset="0-1", pus=2, threads=2, bound=False,
              overlaps=lambda r: [1 - r])
    write(out, "oversubscribed.json", d)
    # one rank with 2 threads bound to PU 0 of a 2-PU node (Open MPI's default binding)
    d = make_run("idle-cores", ranks=1, nodes=1, seed=12)
    set_probe(d, 2, cpuset="0", pus=1, threads=2, bound=True)
    write(out, "idle-cores.json", d)
    # the same on a node that other processes keep busy (load 2.3 with 1 rank): no PU is free
    d["run_id"] = "idle-cores-loaded"
    d["phases"]["probe"]["nodes"][0]["machine"]["loadavg"] = [2.3, 2.3, 2.3]
    write(out, "idle-cores-loaded.json", d)
    # every node at 2300 of 3000 MHz
    write(out, "throttled.json", make_run("throttled", seed=13, cur_mhz=2300))
    # 2 ranks on 2 nodes, rank 1's GEMM 2.65x slower
    write(out, "outlier-2.json", make_run("outlier-2", ranks=2, nodes=2, seed=14,
                                          gemm={1: 80.0 / 2.65}))
    # a CPU-backend run on H100 nodes; the same file as if a GPU backend had run it
    h100 = [{"index": 0, "pci_busid": "0000:18:00.0", "vendor_id": "0x10de",
             "device_id": "0x2330", "class_id": "0302"}]
    write(out, "cpu-on-gpu.json", make_run("cpu-on-gpu", seed=15, gpus=h100))
    write(out, "gpu-backend.json", make_run("gpu-backend", seed=15, gpus=h100,
                                            backend="cuda"))
    # the separate medians of the terms add up to more than the step: other < 0
    write(out, "negative-other.json", make_run("negative-other", seed=16, other_t=-0.004))
    # 4 ranks bound to the same 2 PUs, each measuring a quarter of them
    d = make_run("shared-pus", ranks=4, nodes=1, seed=17, gemm={r: 20.0 for r in range(4)})
    set_probe(d, 2, cpuset="0-1", pus=2, threads=1, bound=True,
              overlaps=lambda r: [q for q in range(4) if q != r])
    write(out, "shared-pus.json", d)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    clean = make_run("clean", seed=1)
    write(out, "clean.json", clean)
    write(out, "clean-again.json", make_run("clean-again", seed=1))
    write(out, "shared-core.json", make_run("shared-core", ranks=4, nodes=1, seed=2,
                                            shared=[[0, 1]], rank_slow={0: 2.0, 1: 2.0}))
    write(out, "straggler.json", make_run("straggler", ranks=8, nodes=2, seed=3,
                                          rank_slow={5: 1.3}, slow_frac=0.9))
    write(out, "slow-pair.json", make_run("slow-pair", ranks=4, nodes=4, seed=4,
                                          link_slow_node=2))
    # one bad node among eight, and one slow pair elsewhere: the bad node alone is named
    write(out, "slow-pair8.json", make_run("slow-pair8", ranks=8, nodes=8, seed=4,
                                           link_slow_node=5, link_noisy_pair=(0, 7)))
    # two passes of the link matrix (llmbench --link-passes): stalls in one pass only (node03
    # with every partner in the first, the pair node02-node07 in the second) are no slow pair
    stall3 = [(2, k, 1.0) for k in range(8) if k != 2]
    write(out, "link-passes-stall.json", make_run("link-passes-stall", ranks=8, nodes=8, seed=4,
                                                  link_passes=[stall3 + [(0, 7, 2.0)],
                                                               [(1, 6, 0.5)]]))
    # node06 slow in both passes (node01-node06 four times slower still in the first) among
    # stalls of one pass: node06 alone is named, with the passes' disagreement
    write(out, "link-passes-slow.json", make_run("link-passes-slow", ranks=8, nodes=8, seed=4,
                                                 link_slow_node=5,
                                                 link_passes=[stall3 + [(0, 5, 0.75)],
                                                              [(1, 6, 0.5)]]))
    # a busy machine: the passes disagree on 8 of 28 pairs and three pairs with no node in
    # common are slow in both: no slow pair is named, stats.unreliable says why
    both = [(0, 1, 2.0), (2, 3, 2.0), (4, 5, 2.0)]
    write(out, "link-passes-noisy.json", make_run("link-passes-noisy", ranks=8, nodes=8, seed=4,
                                                  link_passes=[both + [(0, 2, 1.0), (1, 3, 1.0),
                                                                       (4, 6, 1.0), (5, 7, 1.0)],
                                                               both + [(0, 4, 1.0), (1, 5, 1.0),
                                                                       (2, 6, 1.0), (3, 7, 1.0)]]))
    write(out, "gemm-outlier.json", make_run("gemm-outlier", ranks=4, nodes=2, seed=5,
                                             gemm={2: 40.0}))
    # 128 ranks on 128 nodes: rank 100 (node101) straggles and is one of 65 unbound ranks, the
    # 65th of them: a finding must name it, not stop at 64 entries
    write(out, "rank100.json", make_run("rank100", ranks=128, nodes=128, seed=8, steps=10,
                                        rank_slow={100: 1.3}, slow_frac=0.9,
                                        unbound=list(range(64)) + [100]))
    # 300 ranks on 40 nodes, rank r on node r % 40 (8 or 7 a node): rank 287 on node08, unbound,
    # straggles; node34's links are slow: the report names them, not ranks or nodes below 64
    write(out, "scale300.json", make_run("scale300", ranks=300, nodes=40, seed=19, steps=6,
                                         rank_slow={287: 1.3}, slow_frac=1.0, unbound=[287],
                                         link_slow_node=33, round_robin=True))
    write(out, "ab-a.json", make_run("ab-a", seed=6))
    write(out, "ab-b.json", make_run("ab-b", seed=6, inter_gbs=3.3))
    write(out, "other-model.json", dict(make_run("other-model", seed=6, ranks=8)))
    write_scenarios(out)
    # phase subsets
    only_comm = make_run("only-comm", seed=7)
    for p in ("probe", "compute", "train"):
        del only_comm["phases"][p]
    write(out, "only-comm.json", only_comm)
    # malformed inputs: each must give exit status 2 and one message
    text = json.dumps(clean, indent=1)
    bad = os.path.join(out, "bad")
    os.makedirs(bad, exist_ok=True)
    with open(os.path.join(bad, "truncated.json"), "w") as f:
        f.write(text[: len(text) // 2])

    def mutate(name, fn, raw=None):
        d = json.loads(text)
        fn(d)
        s = json.dumps(d, indent=1)
        if raw:
            s = s.replace(*raw)
        with open(os.path.join(bad, name), "w") as f:
            f.write(s)

    tr = lambda d: d["phases"]["train"]
    mutate("wrong-type.json", lambda d: tr(d).__setitem__("step_time_samples_s", "fast"))
    mutate("huge-number.json", lambda d: None, ('"accum": 1', '"accum": 1e400'))
    mutate("huge-time.json", lambda d: tr(d)["step_time_samples_s"].__setitem__(3, 1e300))
    mutate("nan.json", lambda d: None, ('"stream_triad_gbs": 15.0', '"stream_triad_gbs": NaN'))
    mutate("missing-field.json", lambda d: d["world"].pop("rank_node"))
    mutate("rank-missing.json", lambda d: tr(d)["ranks"].pop(2))
    mutate("negative-time.json", lambda d: tr(d)["ranks"][1]["compute_s"].__setitem__(0, -0.1))
    mutate("other-schema.json", lambda d: d.__setitem__("schema", "llmbench/2"))
    mutate("bad-collective.json",
           lambda d: d["phases"]["comm"]["sweeps"][0].__setitem__("collective", "allfoo"))
    mutate("short-array.json", lambda d: tr(d)["ranks"][0]["wait_s"].pop())
    mutate("big-int.json", lambda d: None, ('"batch": 4', '"batch": 99999999999999999999999'))
    with open(os.path.join(bad, "deep.json"), "w") as f:
        f.write("[" * 100000 + "]" * 100000)
    with open(os.path.join(bad, "random.json"), "wb") as f:
        f.write(random.Random(9).randbytes(4096))


if __name__ == "__main__":
    main()
