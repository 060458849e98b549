/* bench/gpu_telemetry.h - NVML samples of every rank's GPU during the compute and train phases
 * (cluster/nvml.h), into phases.<phase>.gpu_telemetry (doc/results-schema.md). */
#ifndef LLMB_GPU_TELEMETRY_H
#define LLMB_GPU_TELEMETRY_H

#include <jansson.h>

#include "llmbench.h"

struct llmb_gpu_mon;

/* Start sampling this rank's GPU for phase `phase` (its "before" sample now, then one every
 * LLMB_GPU_SAMPLE_S on a thread).  Sampled: the compute and train phases of a backend with a
 * GPU per rank; NULL for any other phase or backend.  On a rank where NVML or its device is
 * missing, a monitor that records why.  Not collective. */
struct llmb_gpu_mon *llmb_gpu_mon_start(struct llmb_ctx *ctx, const char *phase);

/* Stop (the "after" sample) and gather every rank's samples into out.gpu_telemetry on rank 0.
 * Collective over the world when the phase is sampled (every rank decides alike); frees m. */
void llmb_gpu_mon_finish(struct llmb_ctx *ctx, const char *phase, struct llmb_gpu_mon *m,
                         json_t *out);

#endif
