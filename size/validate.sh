#!/bin/sh
# Validation of llmbench-size on the emulated cluster (doc/sizing.md, "Validation"): fit on a
# smaller run, predict a larger one, measure the larger one, print the error.
#   fit 2 nodes x 1 rank  -> predict 4 nodes x 1 rank
#   fit 1 node  x 2 ranks -> predict 2 nodes x 2 ranks  (the 1-node run has no inter-node
#                            curve: the projection says so and prices it at the intra fit)
# Every emulated node's link is rate-limited (tbf, RATE, default 2gbit: unshaped veth timings
# swing 2x with the machine's load) and every node gets a CPU quota of 50% of a core per rank,
# so that a rank has the same compute whether the machine holds 2 or 4 of them.
# Needs root and llmbench-emulate's kernel features; takes the emulated cluster's lock
# (llmbench-emulate session) and the machine's cores for a few minutes.  A benchmark script,
# not a unit test.
#   usage: size/validate.sh BUILD_DIR OUT_DIR   (VALIDATE_MEASURE=no: only the predictions,
#          from the runs already in OUT_DIR)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
BLD=${1:?usage: size/validate.sh BUILD_DIR OUT_DIR}
OUT=${2:?usage: size/validate.sh BUILD_DIR OUT_DIR}
EMU=${LLMBENCH_EMULATE_TOOL:-$here/cluster/emulate/llmbench-emulate}
RATE=${RATE:-2gbit}
MODEL="--model gpt2-124m --layers 1 --seq 64"
WORKLOAD="$MODEL --batch 4 --threads 1 --steps 6 --sizes 1K:32M:4 \
  --collectives allreduce,reduce_scatter,allgather,sendrecv"
. "$here/tests/env.sh"
mkdir -p "$OUT"

"$EMU" check || { echo "validate: the emulated cluster cannot run here (above)"; exit 3; }

measure() {     # measure NODES RANKS TAG
    rm -rf "${OUT:?}/$3"
    mkdir -p "$OUT/$3"
    echo "== $3: $1 nodes x $2 ranks, links $RATE, CPU quota $((50 * $2))% per node"
    "$EMU" session "$1" "$2" -- sh -c "'$EMU' shape all $RATE && '$EMU' quota all $((50 * $2)) &&
        '$EMU' run --timeout 900 --bin '$BLD/llmbench' -- --quick --quiet $WORKLOAD \
        --output '$OUT/$3' --tag $3" > "$OUT/$3.log" 2>&1 || { tail "$OUT/$3.log"; exit 1; }
    ls "$OUT/$3"/*.json
}

predict() {     # predict FIT_TAG TARGET_TAG GPUS GPUS_PER_NODE
    fit=$(ls "$OUT/$1"/*.json) target=$(ls "$OUT/$2"/*.json)
    cmd="$BLD/llmbench-size $MODEL --micro-batch 4 --gpus $3 --gpus-per-node $4 $fit"
    echo "\$ $cmd"
    $cmd > "$OUT/$1-to-$2.txt" || exit 1
    $cmd --json > "$OUT/$1-to-$2.json" || exit 1
    python3 - "$OUT/$1-to-$2.json" "$target" "$1 -> $2" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["offers"][0]
t = json.load(open(sys.argv[2]))["phases"]["train"]
s = p["step_s"]
meas = t["step_time"]["median_s"]
print("%-22s predicted %.4f s [%.4f-%.4f], measured %.4f s [p10 %.4f, p90 %.4f]: error %+.1f%%"
      % (sys.argv[3], s["median"], s["p10"], s["p90"], meas, t["step_time"]["p10_s"],
         t["step_time"]["p90_s"], 100 * (s["median"] / meas - 1)))
print("  predicted terms:", json.dumps(p["terms_s"]))
print("  self-check of the fit run: projected %s, measured %s"
      % (p["self_check"]["projected_step_s"]["median"], p["self_check"]["measured_step_s"]))
for n in p["outside_measured_range"]:
    print("  !", n)
PY
}

if [ "${VALIDATE_MEASURE:-yes}" != no ]; then   # VALIDATE_MEASURE=no: predict from OUT again
    measure 2 1 n2r1
    measure 4 1 n4r1
    measure 1 2 n1r2
    measure 2 2 n2r2
fi
predict n2r1 n4r1 4 1
predict n1r2 n2r2 4 2
predict n2r1 n2r1 2 1
