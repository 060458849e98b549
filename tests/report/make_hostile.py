#!/usr/bin/env python3
"""Hostile results files for tests/report/hostile.sh, from a valid one (make_fixtures.py's
clean.json): names that climb out of the output directory, control characters and CSV/markdown
syntax in strings, impossible step times, and counts far beyond what the file or any run holds.
Usage: make_hostile.py FIXTURES OUTDIR   (FIXTURES: make_fixtures.py's directory)."""
import copy
import json
import os
import sys


def main():
    base = json.load(open(os.path.join(sys.argv[1], "clean.json")))
    slow = json.load(open(os.path.join(sys.argv[1], "slow-pair.json")))  # names node03
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)

    def write(name, d, compact=False):
        with open(os.path.join(out, name), "w") as f:
            json.dump(d, f, separators=(",", ":") if compact else None)

    def mutate(name, fn):
        d = copy.deepcopy(base)
        d.pop("checksum", None)
        fn(d)
        write(name, d)

    tr = lambda d: d["phases"]["train"]

    # 1. file names from run_id
    mutate("climb.json", lambda d: d.__setitem__("run_id", "../../../../climbed"))
    mutate("dot.json", lambda d: d.__setitem__("run_id", ".hidden/..\u00e9" + "x" * 300))
    mutate("same-a.json", lambda d: d.__setitem__("run_id", "same"))
    mutate("same-b.json", lambda d: d.__setitem__("run_id", "same"))

    # 3, 4. control characters and CSV / markdown syntax in strings
    host = 'evil,"host"\nsecond line|`code`<b>\x1b[31m'

    def strings(d):
        d["world"]["node_names"][2] = host
        for n in d["phases"]["probe"]["nodes"]:
            if n.get("name") == "node03":
                n["name"] = host
        for r in d["phases"]["probe"]["ranks"]:
            if r.get("host") == "node03":
                r["host"] = host
        for i, n in enumerate(d["phases"]["comm"]["link_matrix"]["names"]):
            if n == "node03":
                d["phases"]["comm"]["link_matrix"]["names"][i] = host
        d["run_id"] = "run\nwith a newline\x1b[2J"
        d["phases"]["comm"]["sweeps"][0]["placement"] = 'o,"t'

    d = copy.deepcopy(slow)
    d.pop("checksum", None)
    strings(d)
    write("strings.json", d)

    # 4b. formulas for a spreadsheet, markdown emphasis and links, a C1 control and Unicode
    # bidirectional controls (U+202E reverses what follows on a terminal) in host names
    rename = {"node01": "+1", "node02": "-1", "node04": "@SUM(1)",
              "node03": '=HYPERLINK("http://x/"&A1) *b*_i_[l](u) \u0085\u202eevil\u2066x\u2069'}

    def inject(d):
        d["world"]["node_names"] = [rename.get(x, x) for x in d["world"]["node_names"]]
        for n in d["phases"]["probe"]["nodes"]:
            n["name"] = rename.get(n.get("name"), n.get("name"))
        for r in d["phases"]["probe"]["ranks"]:
            r["host"] = rename.get(r.get("host"), r.get("host"))
        lm = d["phases"]["comm"]["link_matrix"]
        lm["names"] = [rename.get(x, x) for x in lm["names"]]
        d["run_id"] = "inject"
        d["phases"]["comm"]["sweeps"][0]["placement"] = "\tx"
        d["phases"]["comm"]["sweeps"][1]["placement"] = "\rx"

    d = copy.deepcopy(slow)
    d.pop("checksum", None)
    inject(d)
    write("inject.json", d)
    mutate("nl-collective.json", lambda d: d["phases"]["comm"]["sweeps"][0].__setitem__(
        "collective", "allfoo\nllmbench-report: all good\x1b[0m"))
    mutate("nl-node.json", lambda d: d["phases"]["probe"]["nodes"][0].__setitem__(
        "name", "ghost\nsecond line"))
    with open(os.path.join(out, "ctl-syntax.json"), "wb") as f:
        f.write(b'{"schema": "llmbench/1", "run_id": \x1b[31mred\nmore}')

    # 5. impossible values
    def step_zero(d):
        tr(d)["step_time_samples_s"] = [0.0] * len(tr(d)["step_time_samples_s"])

    mutate("step-zero.json", step_zero)

    def total_zero(d):
        r = tr(d)["ranks"][2]
        r["total_s"] = [0.0] * len(r["total_s"])

    mutate("total-zero.json", total_zero)
    mutate("step-huge.json", lambda d: tr(d)["step_time_samples_s"].__setitem__(5, 1e5))

    def step_short(d):
        s = tr(d)["step_time_samples_s"]
        s[7] = s[7] / 2

    mutate("step-short.json", step_short)

    def steps_differ(d):
        r = tr(d)["ranks"][1]
        for k in ("compute_s", "comm_s", "wait_s", "optimizer_s", "total_s",
                  "bucket_start_s", "bucket_done_s"):
            if k in r:
                r[k] = r[k][:-3]

    mutate("steps-differ.json", steps_differ)
    mutate("step-denormal.json", lambda d: tr(d)["step_time_samples_s"].__setitem__(0, 5e-324))
    mutate("alone-denormal.json", lambda d: tr(d).__setitem__("comm_alone_s", 1e-300))
    # the link matrix's passes: a pass of the wrong shape, a negative bandwidth, 9 passes
    lm = lambda d: d["phases"]["comm"]["link_matrix"]
    mutate("passes-shape.json", lambda d: lm(d).__setitem__("pass_bw_gbs",
                                                            [lm(d)["bw_gbs"], [[None]]]))
    mutate("passes-value.json", lambda d: lm(d).__setitem__("pass_bw_gbs",
                                                            [[[None, -1.0], [1.0, None]]]))
    mutate("passes-9.json", lambda d: lm(d).__setitem__("pass_bw_gbs", [lm(d)["bw_gbs"]] * 9))

    # 6. bounds
    mutate("ranks-1e9.json", lambda d: d["world"].__setitem__("ranks", 10 ** 9))
    n = 10 ** 6
    world = {"ranks": n, "nodes": 1, "rank_node": [0] * n, "node_names": ["n0"]}
    write("world-1e6.json", {"schema": "llmbench/1", "run_id": "w", "phases": {}, "world": world},
          compact=True)
    # about 3 MB claiming 10^6 ranks, with a train phase of 4 ranks
    big = copy.deepcopy(base)
    big.pop("checksum", None)
    big["world"] = world
    big["phases"] = {"train": tr(big)}
    write("ranks-1e6.json", big, compact=True)

    def many_points(d):
        sw = d["phases"]["comm"]["sweeps"][0]
        sw["points"] = [{"bytes": i + 1, "busbw_gbs": 1.0} for i in range(5000)]

    mutate("points-5000.json", many_points)
    with open(os.path.join(out, "deep.json"), "w") as f:
        f.write('{"schema": "llmbench/1", "x": ' + "[" * 100000 + "]" * 100000 + "}")
    # 8 million values (16 MB, under the parse limit): a top-level array, another schema
    with open(os.path.join(out, "array-8m.json"), "w") as f:
        f.write("[" + "0," * (8 << 20) + "0]")
    with open(os.path.join(out, "schema-8m.json"), "w") as f:
        f.write('{"schema": "other/1", "x": [' + "0," * (8 << 20) + "0]}")
    with open(os.path.join(out, "values.json"), "w") as f:  # 17 million values, 34 MB
        f.write('{"schema": "llmbench/1", "x": [' + "0," * (17 << 20) + "0]}")

    # 200,000 steps of one rank, A and B
    def long_run(name, scale):
        d = copy.deepcopy(base)
        d.pop("checksum", None)
        d["run_id"] = name
        d["world"] = {"ranks": 1, "nodes": 1, "rank_node": [0], "node_names": ["node01"]}
        t = tr(d)
        del d["phases"]["probe"], d["phases"]["compute"]
        d["phases"]["comm"]["sweeps"] = [dict(s, nranks=1)
                                         for s in d["phases"]["comm"]["sweeps"]]
        d["phases"]["comm"].pop("link_matrix", None)
        d["phases"]["comm"].pop("train_pattern", None)
        steps = [round(scale * (0.1 + 0.01 * ((i * 7919) % 101) / 101), 9)
                 for i in range(200000)]
        t["step_time_samples_s"] = steps
        t["ranks"] = [{"rank": 0, "compute_s": [round(0.8 * s, 9) for s in steps],
                       "total_s": steps}]
        write(name + ".json", d, compact=True)

    long_run("long-a", 1.0)
    long_run("long-b", 1.1)

    # 20,000 ranks on 20,000 nodes: every phase per rank (nodes x ranks loops)
    N = 20000
    names = ["n%d" % i for i in range(N)]
    wide = {"schema": "llmbench/1", "run_id": "wide", "status": "complete",
            "world": {"ranks": N, "nodes": N, "rank_node": list(range(N)), "node_names": names},
            "phases": {
                "probe": {"nodes": [{"name": x, "pus": 2, "cores": 2} for x in names],
                          "ranks": [{"rank": r, "bound": True, "threads": 1, "pus": 1,
                                     "cpuset": "0"} for r in range(N)]},
                "compute": {"ranks": [{"rank": r, "nominal_peak_gflops": 100,
                                       "measured_peak_gflops": 80 + r % 7} for r in range(N)]},
                "train": {"batch": 4, "seq": 128, "accum": 1, "global_batch_tokens": 512 * N,
                          "flops_per_step": 1e12, "tokens_per_s": 1e3,
                          "step_time_samples_s": [0.2, 0.21], "buckets": [{"bytes": 1 << 20}],
                          "ranks": [{"rank": r, "compute_s": [0.1, 0.1],
                                     "total_s": [0.2, 0.21] if r == 0 else [0.19, 0.19]}
                                    for r in range(N)]}}}
    write("wide-20k.json", wide, compact=True)


if __name__ == "__main__":
    main()
