#!/bin/sh
# Scenario 5: one bad link among 8 nodes: the link matrix (7 round-robin rounds of 4 disjoint
# pairs, O(nodes) rounds) must single it out.
# Cluster A: 8 nodes x 1 rank, node i on core i mod 2 (cpuset), clean.
# Cluster B: the same with llmbe-n5's link at $LLMBENCH_SCENARIO_SLOW_RATE (default 50mbit).
# Expect: the top finding is link.slow_pair about run B naming llmbe-n5 (alone or in one pair).
NODES=8 RANKS=1
PHASES=probe,compute,comm,train
RATE=${LLMBENCH_SCENARIO_SLOW_RATE:-50mbit}
INJECTED="llmbe-n5 link at $RATE"
setup_a() { spread_cores; }
setup_b() { spread_cores && "$EMU" shape 5 "$RATE"; }
WORKLOAD="--model tiny --seq 32 --sizes 1K:256K:4 --collectives allreduce --steps 10 --threads 1 --batch 8"
CHECKS="top=link.slow_pair top-run=1 top-nodes-has=llmbe-n5 top-nodes-max=2"
. "$(dirname "$0")/scenario.sh"
scenario_main "$@"
