/* The phase registry: one line per phase, in run order. */
#include "llmbench.h"
#include "comm.h"

const struct llmb_phase llmb_phases[] = {
    {"probe", LLMB_PHASE_PROBE, 0, llmb_phase_probe,
     "topology, binding, devices, software and machine state of every node"},
    {"comm", LLMB_PHASE_COMM, LLMB_PHASE_PROBE, llmb_phase_comm, "collective sweeps, node-pair link matrix, arrival times"},
    {NULL, 0, 0, NULL, NULL},
};
