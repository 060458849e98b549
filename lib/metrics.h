/* The metric definitions of doc/design.md ("Metric definitions"), in one place.  Units: bytes,
 * seconds, GB/s = 1e9 B/s, GFLOP/s = 1e9 FLOP/s.
 *
 * Collective sizes follow nccl-tests: S is the per-rank size in bytes of
 *   allreduce, broadcast, sendrecv: the buffer;
 *   allgather:                      the TOTAL receive buffer (each rank sends S/n);
 *   reduce-scatter, alltoall:       the TOTAL send buffer (each rank receives S/n).
 * OSU and IMB use the per-rank chunk (S/n) for allgather and alltoall instead.
 *
 * Adding a collective: one X() line in LLMB_COLLECTIVES below (its enum name, its name in
 * options and results files, and its facts); every function here then knows it. */
#ifndef LLMB_METRICS_H
#define LLMB_METRICS_H

#include <stddef.h>

/* One line per collective, in the order of enum llmb_coll (and of the driver's sweeps):
 *   X(ENUM, name, busbw_k, busbw_d, split)
 * ENUM: LLMB_COLL_<ENUM>; name: as written in options and results files;
 * busbw factor for n ranks = busbw_k * (n - busbw_d) / n  (allreduce 2(n-1)/n; reduce-scatter,
 * allgather, alltoall (n-1)/n; broadcast, sendrecv n/n = 1);
 * split: how S is cut into n chunks of S/n (llmb_coll_counts, llmb_coll_osu_bytes):
 *   LLMB_SPLIT_NONE  not cut: send = recv = S;
 *   LLMB_SPLIT_SEND  each rank sends one chunk, receives S (allgather);
 *   LLMB_SPLIT_RECV  each rank sends S, receives one chunk (reduce-scatter);
 *   LLMB_SPLIT_PEER  send = recv = S, one chunk to / from each peer (alltoall). */
#define LLMB_COLLECTIVES(X)                                                                    \
    X(ALLREDUCE, "allreduce", 2, 1, LLMB_SPLIT_NONE)                                           \
    X(REDUCE_SCATTER, "reduce_scatter", 1, 1, LLMB_SPLIT_RECV)                                 \
    X(ALLGATHER, "allgather", 1, 1, LLMB_SPLIT_SEND)                                           \
    X(ALLTOALL, "alltoall", 1, 1, LLMB_SPLIT_PEER)                                             \
    X(BROADCAST, "broadcast", 1, 0, LLMB_SPLIT_NONE)                                           \
    X(SENDRECV, "sendrecv", 1, 0, LLMB_SPLIT_NONE)

enum llmb_coll_split { LLMB_SPLIT_NONE, LLMB_SPLIT_SEND, LLMB_SPLIT_RECV, LLMB_SPLIT_PEER };

enum llmb_coll {
#define LLMB_COLL_ENUM(e, name, k, d, split) LLMB_COLL_##e,
    LLMB_COLLECTIVES(LLMB_COLL_ENUM)
#undef LLMB_COLL_ENUM
    LLMB_COLL_COUNT
};

/* "allreduce", "reduce_scatter", "allgather", "alltoall", "broadcast", "sendrecv". */
const char *llmb_coll_name(enum llmb_coll c);
/* Index of a name, or -1. */
int llmb_coll_from_name(const char *name);
/* Every collective name in table order joined by sep ("allreduce, reduce_scatter, ..." with
 * sep ", ") into buf; cut to len - 1 characters (always terminated when len > 0). */
void llmb_coll_name_list(char *buf, size_t len, const char *sep);

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
