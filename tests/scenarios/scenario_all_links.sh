#!/bin/sh
# Scenario 4: every link rate-limited (a slow fabric).
# Cluster A: 2 nodes x 1 rank, each on its own core (cpuset), clean.
# Cluster B: the same with every node's link at
# $LLMBENCH_SCENARIO_FABRIC_RATE (default 50mbit).
# Expect: B is slower and comm_inter takes at least 60% of the gap.
NODES=2 RANKS=1
PHASES=probe,compute,comm,train
RATE=${LLMBENCH_SCENARIO_FABRIC_RATE:-50mbit}
INJECTED="every link at $RATE"
setup_a() { own_cores; }
setup_b() { "$EMU" shape all "$RATE"; }
WORKLOAD="--model tiny --seq 32 --sizes 1K:256K:4 --collectives allreduce --steps 10 --threads 1 --batch 8"
CHECKS="slower=1 share-min=comm_inter:0.6"
. "$(dirname "$0")/scenario.sh"
scenario_main "$@"
