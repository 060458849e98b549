#!/usr/bin/env python3
# How tests/import/samples were made (README.md there): synthetic outputs after each tool's
# documented format, every printed figure following from the printed time as the tool computes
# it.  Not run by the tests (the samples are kept as files); run it to remake them:
#   python3 tests/import/make_samples.py tests/import/samples
import math, os, sys
out = sys.argv[1]
def fs(v, w):
    for f in ("%%%d.2f", "%%%d.1f", "%%%d.0f"):
        s = (f % w) % v
        if len(s) <= w: return s
    return ("%%%d.1e" % w) % v
def factor(coll, n):   # nccl-tests' src/<op>.cu GetBw, on S / t (S: the printed size)
    return {"allreduce": 2*(n-1)/n, "reduce_scatter": (n-1)/n, "allgather": (n-1)/n,
            "alltoall": (n-1)/n, "broadcast": 1, "sendrecv": 1, "reduce": 1,
            "gather": (n-1)/n, "scatter": (n-1)/n, "hypercube": (n-1)/n, "alltoallv": (n-1)/n}[coll]
SPLIT = ("allgather", "reduce_scatter", "alltoall", "gather", "scatter", "hypercube", "alltoallv")
def nccl_rows(coll, n, sizes, bw_of, lat_us, redop="sum", root="-1", typ="float", wrong=True):
    rows = []
    for S in sizes:
        bus = bw_of(S)
        alg = bus / factor(coll, n)
        t = S / (alg * 1e9) * 1e6 + lat_us
        alg = S / (t * 1e-6) / 1e9
        bus = alg * factor(coll, n)
        ti = t * 1.01
        algi = S / (ti * 1e-6) / 1e9; busi = algi * factor(coll, n)
        cnt = S // 4 // n if coll in SPLIT else S // 4   # nccl-tests' count: paramcount
        pre = "%12d  %12d  %8s  %6s  %6s" % (S, cnt, typ, redop, root)
        if coll == "hypercube":   # hypercube_perf's algbw: the bytes each rank receives, busbw = algbw
            alg *= factor(coll, n); algi *= factor(coll, n)
        w = "  %6g" % 0 if wrong else "    N/A"
        rows.append(pre + "  %7s  %6s  %6s" % (fs(t, 7), fs(alg, 6), fs(bus, 6)) + w +
                    "  %7s  %6s  %6s" % (fs(ti, 7), fs(algi, 6), fs(busi, 6)) + w)
    avg = None
    return rows
def avg_bus(rows):
    v = []
    for r in rows:
        t = r.split()
        v += [float(t[7]), float(t[11])]
    return sum(v) / len(v)
HDR = ["#",
 "#                                                              out-of-place                       in-place          ",
 "#       size         count      type   redop    root     time   algbw   busbw  #wrong     time   algbw   busbw  #wrong",
 "#        (B)    (elements)                               (us)  (GB/s)  (GB/s)             (us)  (GB/s)  (GB/s)       "]
sizes = [1 << k for k in range(10, 29, 1)]   # 1 KiB .. 256 MiB
# ---- A: vendor log, one node, 8 x H100, srun --label, NCCL INFO interleaved, two tests
def plateau(S, peak, half):
    return peak * S / (S + half)
def cliffy(S):
    b = plateau(S, 310.0, 8e6)
    return b / 5.5 if 16 << 20 <= S <= 32 << 20 else b
L = []
def lab(r, s): L.append("%d: %s" % (r, s))
for prog, coll, bw in (("all_reduce_perf", "allreduce", cliffy), ("reduce_scatter_perf", "reduce_scatter", lambda S: plateau(S, 300.0, 6e6))):
    lab(0, "# nccl-tests version 2.17.6 nccl-headers=22803 nccl-library=22803")
    lab(0, "# Collective test starting: %s" % prog)
    lab(0, "# nThread 1 nGpus 1 minBytes 1024 maxBytes 268435456 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0 unalign: 0")
    lab(0, "#")
    lab(0, "# Using devices")
    for r in range(8):
        lab(0, "#  Rank %2d Group  0 Pid %6d on %10s device %2d [%04x:%02x:%02x] %s" % (r, 51000 + r, "gpu-a01", r, 0, [0x18,0x2a,0x3a,0x5d,0x9a,0xab,0xba,0xdb][r], 0, "NVIDIA H100 80GB HBM3"))
    if coll == "allreduce":
        lab(3, "gpu-a01:51003:51003 [3] NCCL INFO Bootstrap: Using ibp12s0:10.1.0.11<0>")
        lab(0, "gpu-a01:51000:51000 [0] NCCL INFO NCCL version 2.28.3+cuda12.9")
        lab(0, "gpu-a01:51000:51010 [0] NCCL INFO NET/IB : Using [0]mlx5_0:1/IB [1]mlx5_3:1/IB [2]mlx5_4:1/IB [3]mlx5_5:1/IB [RO]; OOB ibp12s0:10.1.0.11<0>")
        lab(5, "gpu-a01:51005:51015 [5] NCCL INFO comm 0x55d0 rank 5 nRanks 8 nNodes 1 localRanks 8 localRank 5 MNNVL 0")
    for h in HDR: lab(0, h)
    rows = nccl_rows(coll, 8, sizes, bw, 18.0)
    for i, r in enumerate(rows):
        if coll == "allreduce" and i == 0:   # NCCL's own line came between two writes of a row
            cut = r.index("-1") + 2
            lab(0, r[:cut] + "gpu-a01:51000:51010 [0] NCCL INFO Connected all rings, use ring PXN 0 GDR 1")
            lab(0, r[cut:])
            continue
        lab(0, r)
        if coll == "allreduce" and i == 3:
            lab(2, "gpu-a01:51002:51020 [2] NCCL INFO Channel 00/0 : 2[2] -> 3[3] via P2P/CUMEM/read")
    lab(0, "# Out of bounds values : 0 OK")
    lab(0, "# Avg bus bandwidth    : %g " % avg_bus(rows))
    lab(0, "#")
    lab(0, "# Collective test concluded: %s" % prog)
    lab(0, "")
open(os.path.join(out, "nccl-8xh100-srun.log"), "w").write("\n".join(L) + "\n")

# ---- B: old format (no version, no "test starting", no Group, [0x..] bus id, no root column,
# "error" column), mpirun --tag-output with prefixes inside rows, cut in the middle of the table.
L = []
T = "[1,0]<stdout>:"
L.append(T + "# nThread 1 nGpus 1 minBytes 8 maxBytes 134217728 step: 2(factor) warmup iters: 5 iters: 3 validation: 1 ")
L.append(T + "#")
L.append(T + "# Using devices")
for r in range(16):
    L.append(T + "#   Rank %2d Pid %6d on %10s device %2d [0x%02x] Tesla V100-SXM2-32GB" % (r, 7000 + r, "v%02d" % (r // 8), r % 8, 0x15 + r % 8))
L.append(T + "#")
L.append(T + "#                                                     out-of-place                       in-place          ")
L.append(T + "#       size         count    type   redop     time   algbw   busbw  error     time   algbw   busbw  error")
L.append(T + "#        (B)    (elements)                     (us)  (GB/s)  (GB/s)            (us)  (GB/s)  (GB/s)       ")
n = 16
osz = [1 << k for k in range(3, 27)]
for i, S in enumerate(osz):
    bus = plateau(S, 9.0, 1.5e6)
    alg = bus / factor("allreduce", n)
    t = S / (alg * 1e9) * 1e6 + 25
    alg = S / (t * 1e-6) / 1e9; bus = alg * factor("allreduce", n)
    a = "%12d  %12d  %6s  %6s" % (S, S // 4, "float", "sum")
    b = "  %7s  %6s  %6s  %5s" % (fs(t, 7), fs(alg, 6), fs(bus, 6), "0e+00")
    c = "  %7s  %6s  %6s  %5s" % (fs(t * 1.02, 7), fs(alg / 1.02, 6), fs(bus / 1.02, 6), "0e+00")
    if i == 5:   # the in-place half came in its own write: a second tag inside the row
        L.append(T + a + b + T + c)
    elif i == 9:
        L.append("[1,3]<stderr>:v00:7003:7003 [3] NCCL INFO Using network IB")
        L.append(T + a + b + c)
    elif i == 17:   # cut in the middle of this row: the file ends here
        L.append(T + a + b[:9])
        break
    else:
        L.append(T + a + b + c)
open(os.path.join(out, "nccl-old-tagged-cut.log"), "w").write("\n".join(L))

# ---- C: nccl-tests -J JSON of all_reduce_perf, 8 ranks on one node of H100
import json
res = []
for S in sizes:
    bus = plateau(S, 440.0, 4e6)
    alg = bus / factor("allreduce", 8)
    t = S / (alg * 1e9) * 1e6 + 15
    alg = S / (t * 1e-6) / 1e9; bus = alg * factor("allreduce", 8)
    pl = lambda k: {"time": round(t * k, 6), "alg_bw": round(alg / k, 6), "bus_bw": round(bus / k, 6), "nwrong": 0.0}
    res.append({"size": S, "count": S // 4, "type": "float", "redop": "sum", "root": "    -1",
                "out_of_place": pl(1.0), "in_place": pl(1.01), "actual_iterations": 20, "experiment_name": ""})
avg = sum(r["out_of_place"]["bus_bw"] + r["in_place"]["bus_bw"] for r in res) / (2 * len(res))
doc = {"version": 1, "start_time": "2026-11-20 10:00:00", "args": ["./build/all_reduce_perf", "-b", "1K", "-e", "256M", "-f", "2", "-g", "1", "-J", "ar.json"],
       "env": ["NCCL_DEBUG=WARN"], "nccl_version": 22803,
       "config": {"nthreads": 1, "ngpus": 1, "minimum_bytes": 1024, "maximum_bytes": 268435456, "step_factor": 2,
                  "warmup_iters": 5, "iterations": 20, "aggregated_iterations": 1, "validation": 1, "graph": 0,
                  "blocking_collectives": False, "per_iter_timing": False, "per_iter_skip": 0, "parallel_init": False,
                  "devices": [{"rank": r, "group": 0, "pid": 900 + r, "hostname": "gpu-b07", "device": r,
                               "device_hex": "0000:%02x:00" % (0x18 + 16 * r), "device_info": "NVIDIA H100 80GB HBM3"} for r in range(8)]},
       "results": res, "out_of_bounds": {"count": 0, "okay": True},
       "average_bus_bandwidth": {"bandwidth": round(avg, 6), "okay": "unchecked"}, "errors": [], "end_time": "2026-11-20 10:01:00"}
open(os.path.join(out, "nccl-8xh100.json"), "w").write(json.dumps(doc, indent=1) + "\n")

# ---- D: OSU collectives and point to point (8 ranks on 2 nodes for collectives)
def osu_coll(title, coll, n, full, peak, lat, spread=1.0, iters_big=None):
    L = ["# OSU MPI %s Latency Test v7.3" % title, "# Datatype: MPI_CHAR."]
    if full:
        L.append("# Size       Avg Latency(us)   Min Latency(us)   Max Latency(us)  Iterations")
    else:
        L.append("# Size       Avg Latency(us)")
    for k in range(0, 21):
        sz = 1 << k
        S = sz * n if coll in ("allgather", "alltoall", "reduce_scatter") else sz
        bus = plateau(S, peak, 2e5)
        alg = bus / factor(coll, n)
        t = S / (alg * 1e9) * 1e6 + lat
        it = 1000 if sz <= 8192 else 100
        if iters_big and sz >= 1 << 18: it = iters_big
        if full:
            mn, mx = t * 0.9, t * (spread if sz >= 1 << 16 else 1.1)
            L.append("%-10d%18.2f%18.2f%18.2f%12d" % (sz, t, mn, mx, it))
        else:
            L.append("%-10d%18.2f" % (sz, t))
    return L
L = []
L += osu_coll("Allreduce", "allreduce", 8, True, 11.0, 6.0, spread=3.0, iters_big=3) + [""]
L += osu_coll("Allgather", "allgather", 8, False, 10.0, 8.0) + [""]
L += osu_coll("All-to-All Personalized Exchange", "alltoall", 8, False, 8.0, 12.0) + [""]
L += osu_coll("Broadcast", "broadcast", 8, True, 9.0, 5.0) + [""]
L += osu_coll("Reduce_scatter", "reduce_scatter", 8, True, 10.0, 7.0) + [""]
L += ["# OSU MPI Non-blocking Allreduce Latency, Overlap and Compute Test v7.3",
      "# Size           Overall(us)       Compute(us)    Pure Comm.(us)        Overlap(%)",
      "4                      12.10             10.00              8.20             74.39", ""]
open(os.path.join(out, "osu-collectives-8r2n.txt"), "w").write("\n".join(L) + "\n")
P = ["# OSU MPI Latency Test v7.3", "# Datatype: MPI_CHAR.", "# Size          Latency (us)"]
for k in range(0, 23):
    sz = 1 << k
    P.append("%-10d%18.2f" % (sz, 1.8 + sz / 11.5e3))
P += ["# OSU MPI Bandwidth Test v7.3", "# Datatype: MPI_CHAR.", "# Size      Bandwidth (MB/s)"]
for k in range(0, 23):
    sz = 1 << k
    P.append("%-10d%20.2f" % (sz, 12000.0 * sz / (sz + 3e4)))
P += ["# OSU MPI Bi-Directional Bandwidth Test v7.3", "# Datatype: MPI_CHAR.", "# Size      Bandwidth (MB/s)"]
for k in range(0, 23):
    sz = 1 << k
    P.append("%-10d%20.2f" % (sz, 23000.0 * sz / (sz + 3e4)))
open(os.path.join(out, "osu-pt2pt-2n.txt"), "w").write("\n".join(P) + "\n")

# ---- E: IMB-MPI1, 4 processes on 2 nodes
I = ["#----------------------------------------------------------------",
     "#    Intel(R) MPI Benchmarks 2021.7, MPI-1 part",
     "#----------------------------------------------------------------",
     "# Date                  : Fri Nov 20 10:00:00 2026",
     "#",
     "# Calling sequence was:",
     "",
     "# ./IMB-MPI1 PingPong Sendrecv Allreduce Allgather Barrier -npmin 2",
     "#",
     "# Minimum message length in bytes:   0",
     "# Maximum message length in bytes:   4194304",
     "#",
     "# List of Benchmarks to run:",
     "", "# PingPong", "# Sendrecv", "# Allreduce", "# Allgather", "# Barrier", ""]
def imb_hdr(name, procs, waiting):
    h = ["#---------------------------------------------------", "# Benchmarking %s " % name, "# #processes = %d " % procs]
    if waiting: h.append("# ( %d additional processes waiting in MPI_Barrier)" % waiting)
    h.append("#---------------------------------------------------")
    return h
I += imb_hdr("PingPong", 2, 2)
I.append("       #bytes #repetitions      t[usec]   Mbytes/sec")
for k in [0] + [1 << j for j in range(0, 23)]:
    t = 1.9 + k / 11.0e3
    I.append("%13d%13d%13.2f%13.2f" % (k, 1000 if k < 65536 else 160, t, k / t))
I.append("")
I += imb_hdr("Sendrecv", 4, 0)
I.append("       #bytes #repetitions  t_min[usec]  t_max[usec]  t_avg[usec]   Mbytes/sec")
for k in [0] + [1 << j for j in range(0, 23)]:
    t = 2.5 + k / 9.0e3
    I.append("%13d%13d%13.2f%13.2f%13.2f%13.2f" % (k, 1000 if k < 65536 else 160, t * 0.95, t * 1.05, t, 2 * k / (t*1.05)))
I.append("")
for procs, waiting in ((2, 2), (4, 0)):
    I += imb_hdr("Allreduce", procs, waiting)
    I.append("       #bytes #repetitions  t_min[usec]  t_max[usec]  t_avg[usec]")
    for k in [0] + [1 << j for j in range(2, 23)]:
        t = 3.0 + k / (4.5e3 if procs == 4 else 6e3)
        I.append("%13d%13d%13.2f%13.2f%13.2f" % (k, 1000 if k < 65536 else 160, t * 0.97, t * 1.04, t))
    I.append("")
I += imb_hdr("Allgather", 4, 0)
I.append("       #bytes #repetitions  t_min[usec]  t_max[usec]  t_avg[usec]")
for k in [0] + [1 << j for j in range(0, 21)]:
    t = 3.5 + 3 * k / 5.0e3
    I.append("%13d%13d%13.2f%13.2f%13.2f" % (k, 1000 if k < 65536 else 160, t * 0.97, t * 1.04, t))
I.append("")
I += imb_hdr("Barrier", 4, 0)
I.append(" #repetitions  t_min[usec]  t_max[usec]  t_avg[usec]")
I.append("         1000         3.01         3.20         3.10")
I.append("")
I.append("")
I.append("# All processes entering MPI_Finalize")
open(os.path.join(out, "imb-mpi1-4r2n.txt"), "w").write("\n".join(I) + "\n")

# ---- F: bad input: a garbled row in the middle of a table
bad = open(os.path.join(out, "nccl-8xh100-srun.log")).read().split("\n")
k = next(i for i, x in enumerate(bad) if "    262144 " in x and " 7.10 " in x)
bad[k] = bad[k].replace(" 7.10 ", " 7.1O ", 1)
open(os.path.join(out, "nccl-bad-row.log"), "w").write("\n".join(bad))

# ---- G: every *_perf program the driver does not run: reduce_perf, gather_perf, scatter_perf,
# hypercube_perf, alltoallv_perf (nccl-tests 2.19 text), 8 x H100 on two hosts, mpirun
# --tag-output; redop "none" and root 0 for gather / scatter, root 0 for reduce.  gather_perf
# falls 4x from 4 to 8 MiB (a size cliff); hypercube_perf's algbw is S (n-1)/n / t.
L = []
T = "[1,0]<stdout>:"
for prog, coll, redop, root, bw in (
        ("reduce_perf", "reduce", "sum", "0", lambda S: plateau(S, 36.0, 2e6)),
        ("gather_perf", "gather", "none", "0", lambda S: plateau(S, 40.0, 1e6) / (4.0 if 8 << 20 <= S <= 16 << 20 else 1)),
        ("scatter_perf", "scatter", "none", "0", lambda S: plateau(S, 38.0, 1e6)),
        ("hypercube_perf", "hypercube", "none", "-1", lambda S: plateau(S, 44.0, 3e6)),
        ("alltoallv_perf", "alltoallv", "none", "-1", lambda S: plateau(S, 36.0, 2e6))):
    L.append(T + "# nccl-tests version 2.19.6 nccl-headers=22807 nccl-library=22807")
    L.append(T + "# Collective test starting: %s" % prog)
    L.append(T + "# nThread 1 nGpus 1 minBytes 1024 maxBytes 268435456 step: 2(factor) warmup iters: 5 iters: 20 agg iters: 1 validation: 1 graph: 0")
    L.append(T + "#")
    L.append(T + "# Using devices")
    for r in range(8):
        L.append(T + "#  Rank %2d Group  0 Pid %6d on %10s device %2d [%04x:%02x:%02x] %s" % (r, 61000 + r, "gpu-c%02d" % (1 + r // 4), r % 4, 0, [0x18, 0x2a, 0x3a, 0x5d][r % 4], 0, "NVIDIA H100 80GB HBM3"))
    if coll == "reduce":
        L.append("[1,0]<stderr>:gpu-c01:61000:61000 [0] NCCL INFO NCCL version 2.28.7+cuda12.9")
    for h in HDR: L.append(T + h)
    rows = nccl_rows(coll, 8, sizes, bw, 22.0, redop=redop, root=root)
    L += [T + r for r in rows]
    L.append(T + "# Out of bounds values : 0 OK")
    L.append(T + "# Avg bus bandwidth    : %g " % avg_bus(rows))
    L.append(T + "#")
    L.append(T + "# Collective test concluded: %s" % prog)
    L.append(T + "")
open(os.path.join(out, "nccl-rooted-2n.log"), "w").write("\n".join(L) + "\n")
