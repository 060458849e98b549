/* bench/detail.h - the per-rank detail budget (issue 14): beyond --detail-ranks ranks, the
 * compute phase keeps its full per-rank record (GEMM sweep, kernels, raw samples) and the comm
 * phase its per-rank, per-point summaries only for the ranks a finding could name, chosen from
 * a few key scalars of every rank; every other rank keeps only those scalars (compute) or is
 * folded into min / median / max (comm).  No MPI: the callers bring every rank's scalars. */
#ifndef LLMB_DETAIL_H
#define LLMB_DETAIL_H

#include <jansson.h>

#define LLMB_DETAIL_RANKS_DEFAULT 256 /* --detail-ranks: ranks kept in full detail */
#define LLMB_DETAIL_Z 3.0             /* robust z-score beyond which a rank is an outlier */

/* Which of n ranks keep their full detail, at most budget of them (all when n <= budget):
 * first, for each key scalar in turn, the ranks with its lowest and highest value, then the
 * ranks by their largest robust z-score over the keys (|v - median| / (1.4826 MAD); a value
 * that is not finite while the key's median is counts as the largest), those beyond
 * LLMB_DETAIL_Z only.  v[k * n + r]: key k of rank r (nk keys); keep[n]: set to 1 or 0.
 * Deterministic: every rank computes the same set from the same values.  Returns how many are
 * kept, or -1 out of memory (then keep is all 1). */
int llmb_detail_pick(const double *v, int nk, int n, int budget, char *keep);

/* {min, min_rank, median, max, max_rank} of x[n] (ranks who[n]; non-finite values skipped);
 * null when none is finite.  New reference. */
json_t *llmb_detail_spread(const double *x, const int *who, int n);

#endif
