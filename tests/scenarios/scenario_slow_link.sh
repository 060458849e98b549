#!/bin/sh
# Scenario 1: one node's link is rate-limited (both directions, tbf).
# Cluster A: 3 nodes x 1 rank, clean.  Cluster B: the same with llmbe-n1's link
# at $LLMBENCH_SCENARIO_SLOW_RATE (default 200mbit).
# Expect: the top finding is link.slow_pair about run B naming llmbe-n1 (alone or
# in one pair), and comm_inter has the largest share of the gap.
NODES=3 RANKS=1
PHASES=probe,comm,train
RATE=${LLMBENCH_SCENARIO_SLOW_RATE:-200mbit}
INJECTED="llmbe-n1 link at $RATE"
setup_b() { "$EMU" shape 1 "$RATE"; }
CHECKS="top=link.slow_pair top-run=1 top-nodes-has=llmbe-n1 top-nodes-max=2 largest=comm_inter"
. "$(dirname "$0")/scenario.sh"
scenario_main "$@"
