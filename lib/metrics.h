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

/* Per-rank buffers of collective c for a requested size S = `bytes` (the nccl-tests convention
 * above) with elements of elem_bytes among n ranks.  Element counts are whole: the collectives
 * that split S into n chunks (reduce-scatter, allgather, alltoall) round the count down to a
 * multiple of n, with at least one element per chunk; the others use at least one element.
 *   allreduce, broadcast, sendrecv: send = recv = S;
 *   allgather:                      send = S/n, recv = S;
 *   reduce-scatter:                 send = S,   recv = S/n;
 *   alltoall:                       send = recv = S (S/n to / from each peer).
 * Sets *send_elems, *recv_elems (either may be NULL) and returns the S actually used in bytes
 * (elements x elem_bytes of the buffer that defines S), or 0 when n < 1, elem_bytes == 0 or c is
 * unknown. */
size_t llmb_coll_counts(enum llmb_coll c, size_t bytes, size_t elem_bytes, int n,
                        size_t *send_elems, size_t *recv_elems);

/* The OSU / IMB message size of the same operation: the per-rank chunk S/n for allgather,
 * the per-peer block S/n for alltoall, the per-rank result S/n for reduce-scatter; S for the
 * others.  0 when n < 1. */
size_t llmb_coll_osu_bytes(enum llmb_coll c, size_t bytes, int n);

/* Model FLOPs utilization: flops_per_step / (ranks * peak_gflops * 1e9 * step_s).
 * Returns a fraction in [0, inf); 0 when an input is not positive. */
double llmb_mfu(double flops_per_step, int ranks, double peak_gflops_per_rank, double step_s);

#endif
