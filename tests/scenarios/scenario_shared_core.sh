#!/bin/sh
# Scenario 3: two ranks of one node bound to the same core (rankfile).
# One emulated node with 2 ranks: on this 2-core machine the only layout where
# A is not oversubscribed and B's shared core is not also shared, invisibly,
# with another emulated node's rank (nodes share the machine's cores).
# Cluster A: rank 0 on core 0, rank 1 on core 1.
# Cluster B: ranks 0 and 1 both on core 0.
# Expect: the top finding is binding.shared_core about run B naming ranks 0 and 1.
NODES=1 RANKS=2
PHASES=probe,compute,comm,train
INJECTED="ranks 0 and 1 bound to core 0 of llmbe-n0"
RANKFILE_A='rank 0=llmbe-n0 slot=0
rank 1=llmbe-n0 slot=1'
RANKFILE_B='rank 0=llmbe-n0 slot=0
rank 1=llmbe-n0 slot=0'
WORKLOAD="--model tiny --seq 32 --sizes 1K:256K:4 --collectives allreduce --steps 10 --threads 1 --batch 32"
CHECKS="top=binding.shared_core top-run=1 top-ranks-eq=0,1"
. "$(dirname "$0")/scenario.sh"
scenario_main "$@"
