#!/usr/bin/env python3
"""Results files for the step-time model's tests (tests/report/model.sh).

  make_model_fixtures.py reduce IN OUT   strip a real results file to what the reporter reads:
                                         per-iteration samples, per-rank comm points and the
                                         hwloc topology go (how tests/report/demo-2rank-avx512.json
                                         was made from the 16 MB demo file)
  make_model_fixtures.py OUTDIR [DEMO]   write the synthetic A/B pairs below, built on the
                                         reduced demo file (default: next to this script)

Synthetic runs keep the demo's probe, compute and comm phases and replace its train phase with
timers that follow a known machine: every rank computes (the compute phase's prediction, times
its own factor), runs the optimizer and a little host time; training's collectives (the demo's 19
buckets) take S alone and advance `progress` times slower than alone while the ranks compute
(progressed only by test calls), and are communicated during the backward pass (2/3 of compute); a step ends when the slowest rank has finished its own work and
the exposed communication.  phases.comm.train_pattern states S and S x progress, as a newer
llmbench writes it.

  comm-a / comm-b        only the communication differs: busbw, train_pattern and the train
                         phase's comm timers of B are 2.5x slower
  rank-a / rank-b        4 ranks; only rank 3's train compute differs (1.25x in B)
  pattern                comm-a with a poorly progressed pattern (progress 3x): comm.progress
Deterministic (fixed seeds)."""
import copy
import json
import os
import random
import sys

BACKWARD = 2.0 / 3.0


def strip(o):
    if isinstance(o, dict):
        for k in list(o):
            if k in ("samples", "samples_s", "topology_xml", "per_rank"):
                del o[k]
            else:
                strip(o[k])
    elif isinstance(o, list):
        for x in o:
            strip(x)


def summary(xs):
    s = sorted(xs)
    n = len(s)
    med = s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])
    mean = sum(s) / n
    return {"n": n, "median_s": med, "p10_s": s[0], "p90_s": s[-1], "min_s": s[0],
            "max_s": s[-1], "mean_s": mean, "mad_s": 0.0, "cv": 0.0}


def expand(doc, nranks):
    """The demo's one node with nranks ranks, one PU each."""
    doc["world"].update({"ranks": nranks, "rank_node": [0] * nranks,
                         "ranks_per_node": [nranks]})
    pr = doc["phases"]["probe"]
    node = pr["nodes"][0]
    node.update({"ranks": list(range(nranks)), "pus": nranks, "cores": nranks})
    node.get("machine", {})["loadavg"] = [float(nranks)] * 3
    base = pr["ranks"][0]
    pr["ranks"] = []
    for r in range(nranks):
        x = copy.deepcopy(base)
        x.update({"rank": r, "node_rank": r, "cpuset": str(r), "last_cpu": r})
        pr["ranks"].append(x)
    cr = doc["phases"]["compute"]["ranks"]
    doc["phases"]["compute"]["ranks"] = [dict(copy.deepcopy(cr[r % len(cr)]), rank=r)
                                         for r in range(nranks)]
    for s in doc["phases"]["comm"]["sweeps"]:
        s["nranks"] = nranks
        s["ranks"] = list(range(nranks))
    doc["phases"]["comm"]["link_matrix"] = None
    t = doc["phases"]["train"]
    t["ranks_total"] = nranks
    t["ranks"] = [dict(copy.deepcopy(t["ranks"][r % 2]), rank=r) for r in range(nranks)]


def tc_compute_phase(doc):
    """The reporter's compute prediction: model FLOPs per rank at the per-layer rate."""
    t = doc["phases"]["train"]
    rates = []
    for r in doc["phases"]["compute"]["ranks"]:
        fl = sum(k["flops"] for k in r["kernels"])
        rates.append(fl / r["layer_time_s"])
    rates.sort()
    n = len(rates)
    rate = rates[n // 2] if n % 2 else 0.5 * (rates[n // 2 - 1] + rates[n // 2])
    return t["flops_per_step"] / len(t["ranks"]) / rate


def synth(doc, run_id, alone_s, progress=1.2, busbw_scale=1.0, rank_factor=None, seed=1,
          steps=10, opt_s=0.13, host_s=0.005, jitter=0.004):
    """Replace the train phase's timers (see the module comment)."""
    doc = copy.deepcopy(doc)
    doc["run_id"] = run_id
    rng = random.Random(seed)
    comm = doc["phases"]["comm"]
    for s in comm["sweeps"]:
        for p in s["points"]:
            p["busbw_gbs"] *= busbw_scale
            if "algbw_gbs" in p:
                p["algbw_gbs"] *= busbw_scale
            if isinstance(p.get("op"), dict):
                for k in p["op"]:
                    if k.endswith("_s"):
                        p["op"][k] /= busbw_scale
    t = doc["phases"]["train"]
    nb = len(t["buckets"])
    n = len(t["ranks"])
    # progressed: calls test calls, one per interval of computation, then waited; while the
    # ranks compute the collectives advance progress x slower than alone
    calls, interval = 12, 0.05
    busy = calls * interval
    left = alone_s * (1 - min(1.0, busy / (progress * alone_s)))
    comm["train_pattern"] = {
        "mode": "dp", "group": "world", "nranks": n, "collectives": ["allreduce"],
        "buckets_bytes": [b["bytes"] for b in t["buckets"]], "outstanding": nb,
        "alone": summary([alone_s * (1 + 0.01 * rng.uniform(-1, 1)) for _ in range(5)]),
        "progressed": summary([(busy + left) * (1 + 0.01 * rng.uniform(-1, 1))
                               for _ in range(5)]),
        "progress_interval_s": interval, "progress_calls": calls,
        "progress_interval_source": "fixture",
        "blocking_s": None, "wrong": 0}
    tc = tc_compute_phase(doc)
    done = min(1.0, BACKWARD * tc / (progress * alone_s))
    exposed = max(alone_s / nb, alone_s * (1 - done))
    rank_factor = rank_factor or {}
    ranks = t["ranks"]
    cols = {r: {"compute_s": [], "comm_s": [], "wait_s": [], "optimizer_s": [], "total_s": [],
                "bucket_start_s": [], "bucket_done_s": []} for r in range(n)}
    last = [0] * n
    step_times = []
    for s in range(steps):
        own = []
        for r in range(n):
            c = tc * rank_factor.get(r, 1.0) * (1 + jitter * rng.uniform(-1, 1))
            o = opt_s * (1 + jitter * rng.uniform(-1, 1))
            own.append((c, o, c + o + host_s))
        slow = max(range(n), key=lambda r: own[r][2])
        last[slow] += 1
        for r in range(n):
            c, o, x = own[r]
            w = own[slow][2] - x
            cols[r]["compute_s"].append(c)
            cols[r]["optimizer_s"].append(o)
            cols[r]["wait_s"].append(w)
            cols[r]["comm_s"].append(exposed + w)  # as the train phase books it: wait inside
            cols[r]["total_s"].append(own[slow][2] + exposed)
            # buckets started through the backward pass, the last as it ends; those the
            # overlap finishes are seen complete at the next start, the rest after compute
            bwd0 = c * (1 - BACKWARD)
            starts = [bwd0 + (b + 1) * (c - bwd0) / nb for b in range(nb)]
            k = min(nb - 1, int(done * nb))
            dones = [starts[b + 1] if b < k else c + exposed * (b - k + 1) / (nb - k)
                     for b in range(nb)]
            cols[r]["bucket_start_s"].append(starts)
            cols[r]["bucket_done_s"].append(dones)
        step_times.append(own[slow][2] + exposed)
    for r in range(n):
        ranks[r].update(cols[r])
        ranks[r]["last_frac"] = last[r] / steps
    med = sorted(step_times)[steps // 2]
    t.update({"step_time_samples_s": step_times, "step_time": summary(step_times),
              "timed_steps": steps, "tokens_per_s": t["global_batch_tokens"] / med,
              "comm_alone_s": alone_s, "overlap": True, "overlap_hidden_frac": None,
              "exposed_comm": summary([exposed] * steps)})
    return doc


def write(outdir, name, doc):
    with open(os.path.join(outdir, name), "w") as f:
        json.dump(doc, f, separators=(",", ":"))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "reduce":
        doc = json.load(open(sys.argv[2]))
        strip(doc)
        write(os.path.dirname(sys.argv[3]) or ".", os.path.basename(sys.argv[3]), doc)
        return
    out = sys.argv[1]
    demo = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "demo-2rank-avx512.json")
    os.makedirs(out, exist_ok=True)
    base = json.load(open(demo))
    write(out, "comm-a.json", synth(base, "comm-a", alone_s=1.0, progress=1.2, seed=1))
    write(out, "comm-b.json", synth(base, "comm-b", alone_s=2.5, progress=1.2, busbw_scale=0.4,
                                    seed=1))
    four = copy.deepcopy(base)
    expand(four, 4)
    write(out, "rank-a.json", synth(four, "rank-a", alone_s=1.0, seed=2))
    write(out, "rank-b.json", synth(four, "rank-b", alone_s=1.0, seed=2,
                                    rank_factor={3: 1.25}))
    write(out, "pattern.json", synth(base, "pattern", alone_s=1.0, progress=3.0, seed=3))


if __name__ == "__main__":
    main()
