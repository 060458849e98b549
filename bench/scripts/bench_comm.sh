#!/bin/sh
# Harness overhead of the comm phase (issue 5): with 2 ranks on this machine, llmbench's median
# allreduce time per operation against a bare MPI_Barrier + MPI_Allreduce loop timed the same way
# (bare_allreduce.c), in the same run, ROUNDS rounds interleaved (bare, llmbench, bare, ...;
# default 3).  The verdict compares the fastest round of each side (best median / best median),
# which discounts rounds disturbed by other load; every round's ratio is printed too.
# The reference initialises MPI as llmbench does (MPI_THREAD_FUNNELED); a second bare loop with
# plain MPI_Init shows what that thread level alone costs (column "vs plain").
# Targets: within 5% from 64 KiB to 64 MiB, within 10% from 8 B to 4 KiB.  A benchmark, not a
# test: it prints the ratios and a verdict per size and exits 0 unless something failed to run.
#
#   bench/scripts/bench_comm.sh [LLMBENCH] [NP]      (LLMBENCH default: ./llmbench)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
llmbench=${1:-${LLMBENCH:-./llmbench}}
np=${2:-2}
mpirun=${MPIRUN:-mpirun}
mpicc=${MPICC:-mpicc}
python3=${PYTHON3:-python3}
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
rounds=${ROUNDS:-3}
tpp=${TIME_PER_POINT:-0.2} iters=${MIN_ITERS:-10} warm=${WARMUP:-3}
lo=8 hi=$((64 << 20))
work=$(mktemp -d "${TMPDIR:-/tmp}/bench_comm.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$mpicc" -O2 -o "$work/bare" "$here/bare_allreduce.c" -lm
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
round=1
while [ $round -le "$rounds" ]; do
    "$mpirun" -np "$np" "$work/bare" $lo $hi 2 "$tpp" "$iters" "$warm" funneled > "$work/bare$round.txt"
    "$mpirun" -np "$np" "$llmbench" --phases comm --collectives allreduce --groups world \
        --no-link-matrix --sizes $lo:$hi:2 --time-per-point "$tpp" --min-iters "$iters" \
        --warmup "$warm" --quiet --output "$work/llmb$round" --tag bench
    "$mpirun" -np "$np" "$work/bare" $lo $hi 2 "$tpp" "$iters" "$warm" plain > "$work/plain$round.txt"
    round=$((round + 1))
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
"$python3" - "$work" "$np" "$rounds" <<'PY'
import glob, json, sys
work, np, R = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def bare(i, name="bare"):
    return {int(b): float(t) for b, _, t in (l.split() for l in open(f"{work}/{name}{i}.txt"))}
def llmb(i):
    d = json.load(open(glob.glob(f"{work}/llmb{i}/*.json")[0]))
    c = d["phases"]["comm"]
    assert c["wrong_total"] == 0, "llmbench verification failed"
    sw = [s for s in c["sweeps"] if s["collective"] == "allreduce" and s["placement"] == "out"][0]
    return {p["bytes"]: p["op"]["median_s"] for p in sw["points"]}
B = [bare(i) for i in range(1, R + 1)]
L = [llmb(i) for i in range(1, R + 1)]
P = [bare(i, "plain") for i in range(1, R + 1)]
print(f"allreduce, {np} ranks, median operation time (last exit - last arrival), {R} interleaved rounds")
print(f"{'bytes':>10} {'bare best us':>12} {'llmb best us':>12} {'best/best':>9} {'target':>7}  {'verdict':<9}  {'plain us':>9} {'vs plain':>8}  ratio per round")
bad = 0
for b in sorted(B[0]):
    if any(b not in x for x in B + L + P):
        continue
    rr = " ".join("%.3f" % (L[i][b] / B[i][b]) for i in range(R))
    bb, lb = min(x[b] for x in B), min(x[b] for x in L)
    best = lb / bb
    tol = 0.05 if b >= 65536 else 0.10 if b <= 4096 else None
    verdict = "-" if tol is None else ("ok" if abs(best - 1) <= tol else "OUTSIDE")
    bad += verdict == "OUTSIDE"
    pb = min(x[b] for x in P)
    print(f"{b:>10} {bb*1e6:>12.2f} {lb*1e6:>12.2f} {best:>9.3f} {'' if tol is None else '+-%d%%' % round(tol*100):>7}  {verdict:<9}  {pb*1e6:>9.2f} {lb/pb:>8.3f}  {rr}")
print(f"sizes outside the target: {bad} (ratio = llmbench / bare loop with MPI_THREAD_FUNNELED like llmbench; "
      f"'vs plain' = llmbench / bare loop with MPI_Init)")
PY
