#!/bin/sh
# Scale check (prints measurements and fits; not a test): the mission's own command at growing
# rank counts, oversubscribed on one machine with a small workload, and what the run costs as
# ranks grow: rank 0's peak memory, the largest rank's, the results file's size, the time
# spent gathering per-rank results to rank 0 and writing the file (phases.driver), the link
# matrix's rounds, the wall time, the load average before and after each run; then the
# reporter's time and peak memory on the largest file.
# Growth: each quantity fitted by least squares as a + b*ranks and as a + b*ranks + c*ranks^2
# (the quadratic only with 4 counts or more), with the largest relative residual of each, and
# projected to 1024 and 8192 ranks from the linear fit (and the quadratic's, when its c is
# positive).  The power-law exponent between neighbouring counts is printed too (1 = linear).
# Usage: bench/scripts/bench_scale.sh [BUILD_DIR]   (env: RANKS="2 16 64 256",
#        ARGS="--quick --model tiny --sizes 8:1M:4", KEEP=DIR keeps the results files there,
#        NICE=10 the niceness of the runs)
set -u
b=${1:-.}
LLMBENCH=${LLMBENCH:-$b/llmbench}
REPORT=${REPORT:-$b/llmbench-report}
MPIRUN=${MPIRUN:-mpirun}
RANKS=${RANKS:-2 16 64 256}
ARGS=${ARGS:---quick --model tiny --sizes 8:1M:4}
PYTHON3=${PYTHON3:-python3}
NICE=${NICE:-10}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl=^openib
export OMPI_MCA_hwloc_base_binding_policy=none
if [ -n "${KEEP:-}" ]; then
    out=$KEEP
    mkdir -p "$out" || exit 1
else
    out=$(mktemp -d "${TMPDIR:-/tmp}/llmbench-bench-scale.XXXXXX")
    trap 'rm -rf "$out"' EXIT
fi
touch "$out/walls" # appended to: with KEEP, a later call may add counts to the same table
for np in $RANKS; do
    l0=$(cut -d' ' -f1-3 /proc/loadavg)
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    if ! timeout -k 5 3600 nice -n "$NICE" "$MPIRUN" -np "$np" "$LLMBENCH" --quiet $ARGS \
        --tag "np$np" --output "$out" >"$out/log$np" 2>&1; then
        echo "np=$np: llmbench failed"; tail -n 5 "$out/log$np"; continue
    fi
    t1=$(date +%s.%N)
    echo "$np $t0 $t1 $(echo "$l0" | tr ' ' ,) $(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)" \
        >>"$out/walls"
done
"$PYTHON3" - "$out" "$REPORT" "$NICE" <<'PY'
import glob, json, math, os, subprocess, sys, time
out, report, nice = sys.argv[1], sys.argv[2], sys.argv[3]
walls, loads = {}, {}
for l in open(os.path.join(out, "walls")):
    w = l.split()
    if len(w) < 5:
        continue
    walls[int(w[0])] = float(w[2]) - float(w[1])
    loads[int(w[0])] = (w[3], w[4])
rows, files = [], {}
for f in glob.glob(os.path.join(out, "*.json")):
    d = json.load(open(f))
    dr = d.get("driver", {})
    n = d["world"]["ranks"]
    lm = (d.get("phases", {}).get("comm", {}) or {}).get("link_matrix") or {}
    files[n] = f
    rows.append((n, os.path.getsize(f), dr.get("rank0_max_rss_bytes", 0),
                 dr.get("ranks_max_rss_bytes", 0), dr.get("rank0_gather_s", 0),
                 dr.get("write_s", 0), dr.get("write_cpu_s", 0), walls.get(n, float("nan")),
                 lm.get("rounds", 0),
                 d["status"]))
rows.sort()
cols = ["file_bytes", "rank0_rss", "max_rss", "gather_s", "write_s", "write_cpu", "wall_s",
        "lm_rounds"]
print("%6s %11s %11s %11s %9s %8s %9s %8s %9s %-8s %s" % ("ranks", *cols, "status",
                                                           "load before -> after"))
for r in rows:
    ld = loads.get(r[0], ("?", "?"))
    print("%6d %11d %11d %11d %9.3f %8.3f %9.3f %8.1f %9d %-8s %s -> %s" % (r + ld))

def solve(A, y):
    """Least squares by the normal equations (tiny systems)."""
    k = len(A[0])
    M = [[sum(a[i] * a[j] for a in A) for j in range(k)] for i in range(k)]
    v = [sum(a[i] * yy for a, yy in zip(A, y)) for i in range(k)]
    for i in range(k):  # Gauss-Jordan with partial pivoting
        p = max(range(i, k), key=lambda r: abs(M[r][i]))
        M[i], M[p], v[i], v[p] = M[p], M[i], v[p], v[i]
        for r in range(k):
            if r != i and M[i][i]:
                f = M[r][i] / M[i][i]
                M[r] = [x - f * z for x, z in zip(M[r], M[i])]
                v[r] -= f * v[i]
    return [v[i] / M[i][i] if M[i][i] else float("nan") for i in range(k)]

if len(rows) >= 2:
    n = [float(r[0]) for r in rows]
    print("\n# fits by least squares (n = ranks); worst = largest |residual| / measured")
    for k, c in enumerate(cols[:-1], start=1):
        y = [float(r[k]) for r in rows]
        lin = solve([[1, x] for x in n], y)
        wl = max(abs(lin[0] + lin[1] * x - yy) / abs(yy) if yy else 0 for x, yy in zip(n, y))
        line = "%-10s linear: %.4g + %.4g*n (worst %.0f%%)" % (c, lin[0], lin[1], 100 * wl)
        proj = [lin[0] + lin[1] * t for t in (1024, 8192)]
        if len(rows) >= 4:
            q = solve([[1, x, x * x] for x in n], y)
            wq = max(abs(q[0] + q[1] * x + q[2] * x * x - yy) / abs(yy) if yy else 0
                     for x, yy in zip(n, y))
            line += "; quadratic: %.4g + %.4g*n + %.4g*n^2 (worst %.0f%%)" % (*q, 100 * wq)
            if q[2] > 0:
                proj += [q[0] + q[1] * t + q[2] * t * t for t in (1024, 8192)]
        print(line)
        print("%-10s projected 1024: %.4g, 8192: %.4g (linear)%s" % (
            "", proj[0], proj[1], "; %.4g, %.4g (quadratic)" % (proj[2], proj[3])
            if len(proj) > 2 else ""))
    print("\n# growth exponent between neighbours (d log y / d log n; 1 = linear)")
    print("%13s %s" % ("", " ".join("%11s" % c for c in cols[:-1])))
    for a, b in zip(rows, rows[1:]):
        ex = [math.log(b[k] / a[k]) / math.log(b[0] / a[0]) if a[k] > 0 and b[k] > 0
              else float("nan") for k in range(1, len(cols))]
        print("%5d -> %5d %s" % (a[0], b[0], " ".join("%11.2f" % e for e in ex)))
if rows and os.access(report, os.X_OK):
    n, f = rows[-1][0], files[rows[-1][0]]
    t0 = time.time()
    p = subprocess.run(["nice", "-n", nice, "/usr/bin/time", "-f", "%M", report, f],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    t = time.time() - t0
    rss = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "?"
    print("\n# llmbench-report on the %d-rank file (%d bytes): %.2f s, peak %s KB, exit %d" %
          (n, os.path.getsize(f), t, rss, p.returncode))
print("# load average now: %s" % open("/proc/loadavg").read().split(" ", 3)[:3])
PY
