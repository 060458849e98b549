#!/bin/sh
# Scenario 1: one node's link is rate-limited (both directions, tbf).
# Cluster A: 4 nodes x 1 rank, node i on core i mod 2 (cpuset), clean.  (4,
# not 3: with 3 nodes two of the three node pairs are slow, and a slow pair is
# judged against the median pair.)
# Cluster B: the same with llmbe-n1's link at $LLMBENCH_SCENARIO_SLOW_RATE
# (default 50mbit).
# Expect: the top finding is link.slow_pair about run B naming llmbe-n1 (alone or
# in one pair), and comm_inter has the largest share of the gap.
NODES=4 RANKS=1
PHASES=probe,compute,comm,train
RATE=${LLMBENCH_SCENARIO_SLOW_RATE:-50mbit}
INJECTED="llmbe-n1 link at $RATE"
setup_a() { spread_cores; }
setup_b() { "$EMU" shape 1 "$RATE"; }
WORKLOAD="--model tiny --seq 32 --sizes 1K:256K:4 --collectives allreduce --steps 10 --threads 1 --batch 8"
CHECKS="top=link.slow_pair top-run=1 top-nodes-has=llmbe-n1 top-nodes-max=2 largest=comm_inter"
. "$(dirname "$0")/scenario.sh"
scenario_main "$@"
