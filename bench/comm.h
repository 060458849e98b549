/* The comm phase: collective sweeps on the world / intra-node / inter-node communicators with
 * exact verification and per-rank arrival and exit times on a common clock, and the node-pair
 * link matrix.  Method: doc/methodology.md; results: phases.comm in doc/results-schema.md.
 *
 * Test-only injection (environment of rank 0, which broadcasts it; never for measurements):
 *   LLMBENCH_TEST_DELAY_US=RANK:MICROSECONDS  world rank RANK sleeps that long before each
 *                                             warm-up and timed collective (a straggler)
 *   LLMBENCH_TEST_CORRUPT_RANK=RANK           world rank RANK contributes value + 1 to every
 *                                             verification iteration (a wrong result) */
#ifndef LLMB_COMM_H
#define LLMB_COMM_H

#include "llmbench.h"

int llmb_phase_comm(struct llmb_ctx *ctx, json_t *out);

#endif
