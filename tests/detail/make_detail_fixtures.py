#!/usr/bin/env python3
"""Results files beyond the per-rank detail budget (bench/detail.h), for tests/detail/report.sh.

600 ranks on 75 nodes (8 a node); rank 437 (node55) runs its GEMMs at half the rate of the
others.  Written twice from the same run: full.json with every rank's detail, summarised.json
as llmbench writes it beyond --detail-ranks: full detail for the slow rank and the extremes,
every other compute rank reduced to its key figures (with the layer's FLOPs and backward time
from its kernels), the comm points' per_rank listing the outlying members with
per_rank_summary spanning all of them.
Usage: make_detail_fixtures.py OUTDIR"""
import copy
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "report"))
from make_fixtures import make_run, write  # noqa: E402

RANKS, NODES, SLOW, BUDGET = 600, 75, 437, 256


def spread(xs, who):
    lo = min(range(len(xs)), key=lambda i: xs[i])
    hi = max(range(len(xs)), key=lambda i: xs[i])
    s = sorted(xs)
    return {"min": xs[lo], "min_rank": who[lo], "median": s[len(s) // 2], "max": xs[hi],
            "max_rank": who[hi]}


def summarise(doc, keep):
    d = copy.deepcopy(doc)
    c = d["phases"]["compute"]
    for r in c["ranks"]:
        if r["rank"] in keep:
            continue
        ks = r.pop("kernels")
        r["layer_flops"] = sum(k["flops"] for k in ks)
        r["layer_backward_s"] = sum(k["median_s"] for k in ks if k["pass"] == "bwd")
        for k in ("gemm", "step_kernels", "stream_triad"):
            r.pop(k, None)
        r["gemm_square"]["summary"].pop("samples_s", None)
        r["summarised"] = True
    c["detail"] = {"budget_ranks": BUDGET, "summarised_ranks": RANKS - len(keep),
                   "full_ranks": sorted(keep)}
    for sw in d["phases"]["comm"]["sweeps"]:
        who = sw["ranks"]
        for pt in sw["points"]:
            if len(who) <= BUDGET:
                continue
            late = [1e-6 * (30 if r == SLOW else 1) for r in who]
            pt["per_rank"] = [{"rank": SLOW, "wait_median_s": 0.0, "lateness_mean_s": 3e-5,
                               "last_frac": 1.0, "inside_median_s": 1e-4}]
            pt["per_rank_summary"] = {"members": len(who), "listed": 1, "budget_ranks": BUDGET,
                                      "lateness_mean_s": spread(late, who)}
    return d


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    full = make_run("detail600", ranks=RANKS, nodes=NODES, seed=21, steps=4,
                    gemm={SLOW: 40.0})
    write(out, "full.json", full)
    write(out, "summarised.json", summarise(full, {0, SLOW, 599}))


if __name__ == "__main__":
    main()
