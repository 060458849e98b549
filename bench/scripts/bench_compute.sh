#!/bin/sh
# bench/scripts/bench_compute.sh - the CPU performance targets of the compute phase
# (issue 4), as ratios; a benchmark, not a test: run it on a quiet machine.
#
#   (a) gpt2-124m, batch 4, seq 64, --layers 2, one rank with 2 threads: the training step
#       (forward + backward + AdamW) sustains >= 70% of the large-GEMM GFLOP/s measured in the
#       same run (model FLOPs by the PaLM formula / step time).
#   (b) the same with all 12 layers: >= 130 tokens/s on a quiet 2-core machine.
#
# usage: bench/scripts/bench_compute.sh [LLMBENCH [THREADS]]
#   LLMBENCH defaults to $LLMBENCH, then ./llmbench; THREADS to 2.
# Prints one line per target and the per-kernel table of the last run; exit status 0 when
# both targets are met, 1 when one is missed, 2 when a run failed.
set -u
bin=${1:-${LLMBENCH:-./llmbench}}
threads=${2:-2}
mpirun=${MPIRUN:-mpirun}
py=${PYTHON3:-python3}
out=$(mktemp -d "${TMPDIR:-/tmp}/bench_compute.XXXXXX") || exit 2
trap 'rm -rf "$out"' EXIT

root=""
[ "$(id -u)" = 0 ] && root="--allow-run-as-root"

run() { # $1 = tag, rest = llmbench options
    tag=$1; shift
    # one rank bound to $threads PUs (Open MPI binds a lone rank to one core by default)
    $mpirun $root -np 1 --map-by "slot:PE=$threads" --bind-to core \
        "$bin" --phases compute --threads "$threads" --quiet --output "$out/$tag" \
        --model gpt2-124m --batch 4 --seq 64 "$@" >"$out/$tag.log" 2>&1
    rc=$?
    f=$(ls "$out/$tag"/*.json 2>/dev/null | head -n 1)
    if [ -z "$f" ]; then
        echo "bench_compute: run $tag failed (status $rc):" >&2
        tail -n 5 "$out/$tag.log" >&2
        return 2
    fi
    echo "$f"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
fa=$(run a --layers 2) || exit 2
fb=$(run b) || exit 2
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null) (the targets are for a quiet machine)"

"$py" - "$fa" "$fb" <<'PYEOF'
import json, sys

def rank0(path):
    d = json.load(open(path))
    ph = d.get("phases", d)
    return ph["compute"]["ranks"][0]

a, b = rank0(sys.argv[1]), rank0(sys.argv[2])
ok = True
sa = a["model_step"]
peak = a["measured_peak_gflops"]
ratio = sa["model_gflops"] / peak if peak else 0.0
ok &= ratio >= 0.70
print("(a) gpt2-124m --layers 2, batch 4, seq 64, %d threads: step %.3f s, model %.1f GFLOP/s"
      " / large GEMM %.1f GFLOP/s = %.1f%% (target >= 70%%) %s"
      % (a["threads"], sa["summary"]["median_s"], sa["model_gflops"], peak, 100 * ratio,
         "ok" if ratio >= 0.70 else "MISSED"))
sb = b["model_step"]
tps = sb["tokens_per_s"]
ok &= tps >= 130
print("(b) gpt2-124m 12 layers, batch 4, seq 64, %d threads: step %.3f s, %.1f tokens/s "
      "(target >= 130) %s; model %.1f GFLOP/s = %.1f%% of its run's large GEMM %.1f GFLOP/s"
      % (b["threads"], sb["summary"]["median_s"], tps, "ok" if tps >= 130 else "MISSED",
         sb["model_gflops"], 100 * sb["model_gflops"] / b["measured_peak_gflops"],
         b["measured_peak_gflops"]))
print("nominal peak: %s" % a["nominal_peak_derivation"])
print("stream triad: %.1f GB/s" % a["stream_triad_gbs"])
print("%-12s %-4s %10s %9s %8s" % ("kernel", "pass", "median_ms", "GFLOP/s", "GB/s"))
for k in b["kernels"]:
    if k.get("median_s") is not None:
        print("%-12s %-4s %10.3f %9.1f %8.1f" % (k["name"], k["pass"], 1e3 * k["median_s"],
                                                 k["gflops"], k["gbs"]))
print("layer (sum of kernel medians): %.3f ms" % (1e3 * b["layer_time_s"]))
sys.exit(0 if ok else 1)
PYEOF
