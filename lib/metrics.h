/* The metric definitions of DESIGN.md §3, in one place.  Units: bytes, seconds, GB/s = 1e9 B/s,
 * GFLOP/s = 1e9 FLOP/s.
 *
 * Collective sizes follow nccl-tests: S is the per-rank size in bytes of
 *   allreduce, broadcast, sendrecv: the buffer;
 *   allgather:                      the TOTAL receive buffer (each rank sends S/n);
 *   reduce-scatter, alltoall:       the TOTAL send buffer (each rank receives S/n).
 * OSU and IMB use the per-rank chunk (S/n) for allgather and alltoall instead. */
#ifndef LLMB_METRICS_H
#define LLMB_METRICS_H

#include <stddef.h>

enum llmb_coll {
    LLMB_COLL_ALLREDUCE,
    LLMB_COLL_REDUCE_SCATTER,
    LLMB_COLL_ALLGATHER,
    LLMB_COLL_ALLTOALL,
    LLMB_COLL_BROADCAST,
    LLMB_COLL_SENDRECV,
    LLMB_COLL_COUNT
};

/* "allreduce", "reduce_scatter", "allgather", "alltoall", "broadcast", "sendrecv". */
const char *llmb_coll_name(enum llmb_coll c);
/* Index of a name, or -1. */
int llmb_coll_from_name(const char *name);

/* Bus-bandwidth factor for n ranks: allreduce 2(n-1)/n; reduce-scatter, allgather, alltoall
 * (n-1)/n; broadcast and sendrecv 1.  n < 1 gives 0. */
double llmb_busbw_factor(enum llmb_coll c, int n);

/* algbw in GB/s = S / t.  0 when t <= 0. */
double llmb_algbw_gbs(double bytes, double seconds);

/* busbw in GB/s = algbw * factor. */
double llmb_busbw_gbs(enum llmb_coll c, int n, double bytes, double seconds);

/* Model FLOPs utilization: flops_per_step / (ranks * peak_gflops * 1e9 * step_s).
 * Returns a fraction in [0, inf); 0 when an input is not positive. */
double llmb_mfu(double flops_per_step, int ranks, double peak_gflops_per_rank, double step_s);

#endif
