/* The compute phase (bench/phase_compute.c): GEMM peak and sweep at the model's shapes, memory
 * bandwidth, every layer kernel validated then timed, one training step; on every rank. */
#ifndef LLMB_PHASE_COMPUTE_H
#define LLMB_PHASE_COMPUTE_H

#include "llmbench.h"

int llmb_phase_compute(struct llmb_ctx *ctx, json_t *out);

#endif
