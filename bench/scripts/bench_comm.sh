#!/bin/sh
# Harness overhead of the comm phase (issue 5): with 2 ranks on this machine, llmbench's median
# allreduce time per operation against a bare MPI_Barrier + MPI_Allreduce loop timed the same way
# (bare_allreduce.c), in the same run, two rounds interleaved (bare, llmbench, bare, llmbench).
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
tpp=${TIME_PER_POINT:-0.2} iters=${MIN_ITERS:-10} warm=${WARMUP:-3}
lo=8 hi=$((64 << 20))
work=$(mktemp -d "${TMPDIR:-/tmp}/bench_comm.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$mpicc" -O2 -o "$work/bare" "$here/bare_allreduce.c" -lm
for round in 1 2; do
    "$mpirun" -np "$np" "$work/bare" $lo $hi 2 "$tpp" "$iters" "$warm" > "$work/bare$round.txt"
    "$mpirun" -np "$np" "$llmbench" --phases comm --collectives allreduce --groups world \
        --no-link-matrix --sizes $lo:$hi:2 --time-per-point "$tpp" --min-iters "$iters" \
        --warmup "$warm" --quiet --output "$work/llmb$round" --tag bench
done
"$python3" - "$work" "$np" <<'PY'
import glob, json, statistics, sys
work, np = sys.argv[1], int(sys.argv[2])
def bare(i):
    return {int(b): float(t) for b, _, t in (l.split() for l in open(f"{work}/bare{i}.txt"))}
def llmb(i):
    d = json.load(open(glob.glob(f"{work}/llmb{i}/*.json")[0]))
    sw = [s for s in d["phases"]["comm"]["sweeps"] if s["collective"] == "allreduce" and s["placement"] == "out"][0]
    return {p["bytes"]: p["op"]["median_s"] for p in sw["points"]}, d["phases"]["comm"]["wrong_total"]
B = [bare(1), bare(2)]
L = [llmb(1), llmb(2)]
assert all(w == 0 for _, w in L), "llmbench verification failed"
L = [x for x, _ in L]
print(f"allreduce, {np} ranks, median operation time (last exit - last arrival), two interleaved rounds")
print(f"{'bytes':>10} {'bare r1 us':>11} {'llmb r1 us':>11} {'ratio r1':>9} {'bare r2 us':>11} {'llmb r2 us':>11} {'ratio r2':>9} {'best/best':>9} {'target':>7}  verdict")
bad = 0
for b in sorted(B[0]):
    if b not in L[0] or b not in L[1] or b not in B[1]:
        continue
    r = [L[i][b] / B[i][b] for i in range(2)]
    best = min(L[0][b], L[1][b]) / min(B[0][b], B[1][b])
    tol = 0.05 if b >= 65536 else 0.10 if b <= 4096 else None
    verdict = "-" if tol is None else ("ok" if abs(best - 1) <= tol else "OUTSIDE")
    if verdict == "OUTSIDE":
        bad += 1
    print(f"{b:>10} {B[0][b]*1e6:>11.2f} {L[0][b]*1e6:>11.2f} {r[0]:>9.3f} {B[1][b]*1e6:>11.2f} {L[1][b]*1e6:>11.2f} {r[1]:>9.3f} {best:>9.3f} {'' if tol is None else '+-%d%%' % round(tol*100):>7}  {verdict}")
print(f"sizes outside the target: {bad} (ratio = llmbench / bare; best/best = fastest round of each)")
PY
