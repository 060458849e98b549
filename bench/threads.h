/* Compute threads of a rank: they follow its CPU binding, so that OpenMP and BLAS use exactly
 * the PUs the rank is bound to, never every core of the machine.  The collective part (the
 * bindings of a node's ranks) lives here; the hardware facts in cluster/binding.h. */
#ifndef LLMB_THREADS_H
#define LLMB_THREADS_H

#include "cluster/binding.h" /* llmb_binding_pus() */

struct llmb_ctx;

/* Set the compute threads of this rank (OpenMP and BLAS) to n (at least 1). */
void llmb_set_threads(int n);

/* The ranks of this node whose bindings overlap this rank's (itself included, >= 1), and the
 * PUs of its binding in *pus.  Collective over ctx->node; out of memory aborts. */
int llmb_pu_sharers(struct llmb_ctx *ctx, int *pus);

/* Default compute threads: the PUs of this rank's binding divided among the ranks of its node
 * whose bindings overlap it (>= 1).  Collective over ctx->node; out of memory aborts. */
int llmb_default_threads(struct llmb_ctx *ctx);

#endif
