/* The train phase: data-parallel (or ZeRO-style sharded) training steps of a GPT model on every
 * rank, with gradient reduction in buckets overlapped with the backward pass.  Reports global
 * tokens/s, step time, MFU/HFU and a per-rank step timeline (compute, communication, waiting for
 * the last arrival, optimizer); checks that every replica ends with bit-identical parameters.
 * Results: phases.train in doc/results-schema.md.
 *
 * Test-only environment (never for measurements; recorded in the results):
 *   LLMBENCH_TEST_FIXED_BATCH=1      every step trains on the same batch (per rank), so the
 *                                    loss must fall; normal runs draw a fresh batch per step
 *   LLMBENCH_TEST_DUMP_PARAMS=PATH   rank 0 writes the final parameters there (raw float32,
 *                                    host byte order) for tests that compare two runs
 *   LLMBENCH_TEST_CORRUPT_RANK=R     rank R changes one parameter after the last step, so the
 *                                    replica check must fail (exit 1, rank R named) */
#ifndef LLMB_TRAIN_H
#define LLMB_TRAIN_H

#include "llmbench.h"

int llmb_phase_train(struct llmb_ctx *ctx, json_t *out);

#endif
