#!/bin/sh
# Scale check (prints measurements and fits; not a test): the mission's own command at growing
# rank counts, oversubscribed on one machine with a small workload, and what the run costs as
# ranks grow: rank 0's peak memory, the largest rank's, the results file's size, the time
# spent gathering per-rank results to rank 0 and writing the file (phases.driver), the wall
# time.  Growth is fitted as a power law between each pair of neighbouring counts
# (exponent = d log y / d log ranks) and projected to 1024 and 8192 ranks from the last pair.
# Usage: bench/scripts/bench_scale.sh [BUILD_DIR]   (env: RANKS="2 16 64 256",
#        ARGS="--quick --model tiny --sizes 8:1M:4")
set -u
b=${1:-.}
LLMBENCH=${LLMBENCH:-$b/llmbench}
MPIRUN=${MPIRUN:-mpirun}
RANKS=${RANKS:-2 16 64 256}
ARGS=${ARGS:---quick --model tiny --sizes 8:1M:4}
PYTHON3=${PYTHON3:-python3}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl=^openib
export OMPI_MCA_hwloc_base_binding_policy=none
out=$(mktemp -d "${TMPDIR:-/tmp}/llmbench-bench-scale.XXXXXX")
trap 'rm -rf "$out"' EXIT
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for np in $RANKS; do
    t0=$(date +%s.%N)
    # shellcheck disable=SC2086
    if ! timeout -k 5 3600 "$MPIRUN" -np "$np" "$LLMBENCH" --quiet $ARGS --tag "np$np" \
        --output "$out" >"$out/log$np" 2>&1; then
        echo "np=$np: llmbench failed"; tail -n 5 "$out/log$np"; continue
    fi
    t1=$(date +%s.%N)
    echo "$np $t0 $t1" >>"$out/walls"
done
"$PYTHON3" - "$out" <<'PY'
import glob, json, math, os, sys
out = sys.argv[1]
walls = {int(l.split()[0]): float(l.split()[2]) - float(l.split()[1])
         for l in open(os.path.join(out, "walls"))} if os.path.exists(os.path.join(out, "walls")) else {}
rows = []
for f in glob.glob(os.path.join(out, "*.json")):
    d = json.load(open(f))
    dr = d.get("driver", {})
    n = d["world"]["ranks"]
    rows.append((n, os.path.getsize(f), dr.get("rank0_max_rss_bytes", 0),
                 dr.get("ranks_max_rss_bytes", 0), dr.get("rank0_gather_s", 0),
                 dr.get("write_s", 0), walls.get(n, float("nan")), d["status"]))
rows.sort()
cols = ["file_bytes", "rank0_rss", "max_rss", "gather_s", "write_s", "wall_s"]
print("%6s %12s %12s %12s %10s %9s %9s %s" % ("ranks", *cols, "status"))
for r in rows:
    print("%6d %12d %12d %12d %10.3f %9.3f %9.1f %s" % r)
if len(rows) >= 2:
    print("\n# growth exponent between neighbours (1 = linear in ranks), and a projection from "
          "the last pair")
    print("%13s %s" % ("", " ".join("%12s" % c for c in cols)))
    for a, b in zip(rows, rows[1:]):
        ex = [math.log(b[k] / a[k]) / math.log(b[0] / a[0]) if a[k] > 0 and b[k] > 0 else float("nan")
              for k in range(1, 7)]
        print("%5d -> %5d %s" % (a[0], b[0], " ".join("%12.2f" % e for e in ex)))
    a, b = rows[-2], rows[-1]
    for target in (1024, 8192):
        proj = []
        for k in range(1, 7):
            if a[k] > 0 and b[k] > 0:
                e = math.log(b[k] / a[k]) / math.log(b[0] / a[0])
                proj.append(b[k] * (target / b[0]) ** e)
            else:
                proj.append(float("nan"))
        print("%5d (proj) %s" % (target, " ".join("%12.4g" % p for p in proj)))
PY
