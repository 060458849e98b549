/* The metric definitions of doc/design.md ("Metric definitions"), in one place.  Units: bytes,
 * seconds, GB/s = 1e9 B/s, GFLOP/s = 1e9 FLOP/s.
 *
 * Collective sizes follow nccl-tests: S is the per-rank size in bytes of
 *   allreduce, broadcast, sendrecv, reduce: the buffer;
 *   allgather, gather, hypercube:           the TOTAL receive buffer (each rank sends S/n;
 *                                           gather: the root receives it);
 *   reduce-scatter, alltoall, scatter:      the TOTAL send buffer (each rank receives S/n;
 *                                           scatter: the root sends it);
 *   alltoallv:                              the largest per-rank send or receive total.
 * nccl-tests prints this S as its "size" (src/common.cu: max(sendBytes, expectedBytes)) and its
 * algbw as S / t, except hypercube_perf, whose algbw is the bytes each rank receives,
 * S (n-1)/n / t, with a busbw factor of 1 on it: the same busbw as S / t x (n-1)/n here.
 * OSU and IMB use the per-rank chunk (S/n) for allgather and alltoall instead.
 *
 * Adding a collective: one X() line in LLMB_COLLECTIVES below (its enum name, its name in
 * options and results files, and its facts); every function here then knows it. */
#ifndef LLMB_METRICS_H
#define LLMB_METRICS_H

#include <stddef.h>

/* One line per collective, in the order of enum llmb_coll (and of the driver's sweeps):
 *   X(ENUM, name, busbw_k, busbw_d, split, run)
 * ENUM: LLMB_COLL_<ENUM>; name: as written in options and results files;
 * busbw factor for n ranks = busbw_k * (n - busbw_d) / n, as nccl-tests' src/<op>.cu GetBw
 * computes it (allreduce 2(n-1)/n; reduce-scatter, allgather, alltoall, gather, scatter,
 * hypercube, alltoallv (n-1)/n; broadcast, sendrecv, reduce n/n = 1);
 * split: how S is cut into n chunks of S/n (llmb_coll_counts, llmb_coll_osu_bytes):
 *   LLMB_SPLIT_NONE  not cut: send = recv = S;
 *   LLMB_SPLIT_SEND  each rank sends one chunk, receives S (allgather, hypercube; gather:
 *                    the root alone receives S);
 *   LLMB_SPLIT_RECV  each rank sends S, receives one chunk (reduce-scatter; scatter: the
 *                    root alone sends S);
 *   LLMB_SPLIT_PEER  send = recv = S, one chunk to / from each peer (alltoall; alltoallv: S
 *                    is the largest per-rank total, the chunks uneven);
 * run: 1 the benchmark driver runs it (coll/coll.c has its tables, --collectives takes it);
 *      0 import-only: llmbench-import reads it from another tool's output (nccl-tests'
 *      reduce_perf, gather_perf, scatter_perf, hypercube_perf, alltoallv_perf) and
 *      llmbench-report explains it, but the driver has no implementation.  The run lines come
 *      first: LLMB_COLL_RUN_COUNT of them (checked at compile time). */
#define LLMB_COLLECTIVES(X)                                                                    \
    X(ALLREDUCE, "allreduce", 2, 1, LLMB_SPLIT_NONE, 1)                                        \
    X(REDUCE_SCATTER, "reduce_scatter", 1, 1, LLMB_SPLIT_RECV, 1)                              \
    X(ALLGATHER, "allgather", 1, 1, LLMB_SPLIT_SEND, 1)                                        \
    X(ALLTOALL, "alltoall", 1, 1, LLMB_SPLIT_PEER, 1)                                          \
    X(BROADCAST, "broadcast", 1, 0, LLMB_SPLIT_NONE, 1)                                        \
    X(SENDRECV, "sendrecv", 1, 0, LLMB_SPLIT_NONE, 1)                                          \
    X(REDUCE, "reduce", 1, 0, LLMB_SPLIT_NONE, 0)                                              \
    X(GATHER, "gather", 1, 1, LLMB_SPLIT_SEND, 0)                                              \
    X(SCATTER, "scatter", 1, 1, LLMB_SPLIT_RECV, 0)                                            \
    X(HYPERCUBE, "hypercube", 1, 1, LLMB_SPLIT_SEND, 0)                                        \
    X(ALLTOALLV, "alltoallv", 1, 1, LLMB_SPLIT_PEER, 0)

enum llmb_coll_split { LLMB_SPLIT_NONE, LLMB_SPLIT_SEND, LLMB_SPLIT_RECV, LLMB_SPLIT_PEER };

enum llmb_coll {
#define LLMB_COLL_ENUM(e, name, k, d, split, run) LLMB_COLL_##e,
    LLMB_COLLECTIVES(LLMB_COLL_ENUM)
#undef LLMB_COLL_ENUM
    LLMB_COLL_COUNT
};

/* The collectives the driver runs: enum values 0 .. LLMB_COLL_RUN_COUNT - 1. */
enum {
#define LLMB_COLL_RUNS(e, name, k, d, split, run) +(run)
    LLMB_COLL_RUN_COUNT = 0 LLMB_COLLECTIVES(LLMB_COLL_RUNS)
#undef LLMB_COLL_RUNS
};
#define LLMB_COLL_RUN_FIRST(e, name, k, d, split, run)                                         \
    _Static_assert(((int)LLMB_COLL_##e < (int)LLMB_COLL_RUN_COUNT) == (run),                   \
                   "lib/metrics.h: the collectives the driver runs come first");
LLMB_COLLECTIVES(LLMB_COLL_RUN_FIRST)
#undef LLMB_COLL_RUN_FIRST

/* "allreduce", "reduce_scatter", ..., "alltoallv"; "?" when c is not a collective. */
const char *llmb_coll_name(enum llmb_coll c);
/* Index of a name, or -1. */
int llmb_coll_from_name(const char *name);
/* Does the benchmark driver run c (1), or is it import-only (0)? */
int llmb_coll_runs(enum llmb_coll c);
/* The names of the first count collectives in table order (LLMB_COLL_COUNT: every one the
 * results schema and the reporter know; LLMB_COLL_RUN_COUNT: those the driver runs) joined by
 * sep ("allreduce, reduce_scatter, ..." with sep ", ") into buf; cut to len - 1 characters
 * (always terminated when len > 0). */
void llmb_coll_name_list(char *buf, size_t len, const char *sep, int count);

/* Bus-bandwidth factor for n ranks: allreduce 2(n-1)/n; reduce-scatter, allgather, alltoall,
 * gather, scatter, hypercube, alltoallv (n-1)/n; broadcast, sendrecv, reduce 1.  n < 1 gives
 * 0. */
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
