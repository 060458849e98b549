/* bench/comm.h - what the files of the comm phase share (bench/phase_comm.c: groups, sweeps
 * and points; bench/comm_analyze.c: rank 0's analysis of one point's timestamps;
 * bench/comm_links.c: the node-pair link matrix).  Internal to the comm phase. */
#ifndef LLMB_COMM_H
#define LLMB_COMM_H

#include <jansson.h>
#include <mpi.h>

#include "clock.h"
#include "coll/coll.h"
#include "llmbench.h"

#define COMM_MAX_ITERS 1000       /* timed iterations per point at most (raw samples kept) */
#define COMM_SAMPLE_BUDGET 4000   /* arrival (and exit) samples kept per point, all ranks */
#define COMM_KEEP_ITERS 100       /* ... at most this many iterations of every rank */
#define COMM_MIN_KEPT 20          /* ... but at least this many */
#define COMM_VERIFY_ITERS 1       /* untimed verification iterations per point */
#define LINK_MAX_BYTES ((size_t)4 << 20)
#define LINK_TAG 7303
#define LLMB_LINK_RANKS 16        /* a rank-level link matrix (one node) samples this many ranks */

struct inject {
    int delay_rank;   /* -1: none */
    long delay_us;
    int corrupt_rank; /* -1: none */
};

struct group {
    const char *name;
    const char *skip;           /* reason the group is skipped, or NULL */
    int member;                 /* this rank runs the group's collectives */
    struct llmb_coll_comm comm; /* valid when member */
    MPI_Comm dup;               /* to free, or MPI_COMM_NULL */
    int color;                  /* which communicator of the group this rank is in */
    int nranks;                 /* size of the largest communicator of the group */
    int ncomms;
};

struct phase {
    struct llmb_ctx *ctx;
    const struct llmb_options *opt;
    struct llmb_clock clock;
    struct inject inj;
    size_t *sizes;
    int nsizes;
    int point, npoints;         /* progress */
    int point_seq;              /* varies the verification data from point to point */
    long long wrong_total;      /* all ranks (known everywhere) */
    float tab[LLMB_COLL_PERIOD], sum[LLMB_COLL_PERIOD];
    json_t *sweeps, *skipped;   /* rank 0 */
};

/* What rank 0 makes of one point: gathered arrivals and exits of every member (member after
 * member in world-rank order, arrive[iters] then exit[iters]), `colors[r]` the communicator of
 * world rank r (-1: not a member).  Returns the point's JSON; the medians of the operation
 * time and of the arrival skew in *op_median, *skew_median (s). */
json_t *llmb_comm_analyze(const struct phase *ph, const struct group *g, enum llmb_coll coll,
                          size_t bytes, size_t count, int iters, const double *all,
                          const int *colors, long long wrong, double *op_median,
                          double *skew_median);

/* What training issues, measured (bench/comm_pattern.c): its JSON on rank 0 (null when it
 * cannot run, with the reason in ph->skipped), NULL elsewhere; and the progress points it
 * takes. */
json_t *llmb_comm_train_pattern(struct phase *ph);
int llmb_comm_train_pattern_points(const struct llmb_options *opt);

/* The node-pair link matrix (every rank calls it); its JSON on rank 0, NULL elsewhere. */
json_t *llmb_comm_link_matrix(struct phase *ph);
/* Its members: the nodes, or on one node min(ranks, LLMB_LINK_RANKS) ranks; it takes
 * --link-passes times llmb_round_robin_rounds() of that many progress points. */
int llmb_link_members(const struct llmb_ctx *ctx);

#endif
