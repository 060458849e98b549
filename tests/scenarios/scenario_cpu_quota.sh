#!/bin/sh
# Scenario 2: one node under a CPU quota (cgroup cpu.cfs_quota_us).
# Cluster A: 2 nodes x 1 rank, each node on its own core (cpuset), clean.
# Cluster B: the same with llmbe-n1 (rank 1) limited to
# $LLMBENCH_SCENARIO_QUOTA percent of one core (default 25), 10 ms period.
# Expect: the top finding is straggler.arrival or compute.rank_outlier about
# run B naming rank 1 (llmbe-n1's only rank) and no other.
NODES=2 RANKS=1
PHASES=probe,compute,comm,train
QUOTA=${LLMBENCH_SCENARIO_QUOTA:-25}
INJECTED="llmbe-n1 at ${QUOTA}% of a core"
setup_a() { own_cores; }
setup_b() { "$EMU" quota 1 "$QUOTA"; }
WORKLOAD="--model tiny --seq 32 --sizes 1K:256K:4 --collectives allreduce --steps 10 --threads 1 --batch 64"
CHECKS="top=straggler.arrival|compute.rank_outlier top-run=1 top-ranks-in=1"
. "$(dirname "$0")/scenario.sh"
scenario_main "$@"
