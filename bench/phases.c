/* The phase registry: one line per phase, in run order. */
#include "llmbench.h"
#include "comm.h"
#include "phase_compute.h"
#include "train.h"

const struct llmb_phase llmb_phases[] = {
    {"probe", LLMB_PHASE_PROBE, 0, llmb_phase_probe,
     "topology, binding, devices, software and machine state of every node"},
    {"compute", LLMB_PHASE_COMPUTE, LLMB_PHASE_PROBE, llmb_phase_compute, "GEMM peak and sweep at the model's shapes, memory bandwidth, every layer kernel validated then timed"},
    {"comm", LLMB_PHASE_COMM, LLMB_PHASE_PROBE, llmb_phase_comm, "collective sweeps, node-pair link matrix, arrival times"},
    {"train", LLMB_PHASE_TRAIN, LLMB_PHASE_COMPUTE | LLMB_PHASE_COMM, llmb_phase_train, "data-parallel or sharded training steps: tokens/s, MFU, per-rank timeline"},
    {NULL, 0, 0, NULL, NULL},
};
