/* bench/train.h - what the files of the train phase share (bench/phase_train.c: the steps;
 * bench/train_comm.c: gradient buckets and their collectives, and backend memory seen from the
 * host; bench/train_summary.c: the results on rank 0).  Internal to the train phase. */
#ifndef LLMB_TRAIN_H
#define LLMB_TRAIN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buckets.h"
#include "clock.h"
#include "coll/coll.h"
#include "kernels/gpt.h"
#include "llmbench.h"
#include "model.h"

/* AdamW hyper-parameters (constant learning rate: the benchmark times steps, it does not
 * train to convergence). */
#define TRAIN_LR 1e-3f
#define TRAIN_BETA1 0.9f
#define TRAIN_BETA2 0.95f
#define TRAIN_EPS 1e-8f
#define TRAIN_WD 0.1f
#define CLOCK_ROUNDS 10                     /* clock synchronisation rounds */


struct train {
    struct llmb_ctx *ctx;
    MPI_Comm comm;
    const struct llmb_backend *be;
    const struct llmb_kernels *k;
    struct llmb_coll_comm cc;                  /* the world, for the backend's collectives */
    const struct llmb_coll_impl *reduce, *gather; /* allreduce or reduce-scatter; allgather */
    int n, rank, zero, overlap, accum;
    struct llmb_gpt g;
    int have_model;
    struct llmb_buckets bk; /* the gradient buckets (bench/buckets.h) */
    struct llmb_bucket *b;  /* = bk.b: b[0] holds the end of the buffer (ready first) */
    int nb;                 /* = bk.nb */
    struct llmb_coll_req *req; /* [nb] */
    int started;          /* buckets b[0..started) started in this backward */
    size_t ready_lo;      /* gradients [ready_lo, num_params) are final */
    int order_bad;        /* the callbacks did not cover the buffer contiguously from its end */
    int reducing;         /* the callback starts collectives (last micro-batch, overlap) */
    struct llmb_clock clock; /* common clock (bench/clock.h) */
    double comm_s;        /* time inside communication calls in this step */
    double comm_cb_s;     /* ... of which inside the grad-ready callbacks */
    double *arrive;       /* [ncoll] this step's arrivals on the common clock */
    double *bstart, *bdone; /* [ncoll] this step's starts, and completions as first seen (at a
                             * progress call or a wait), s from the step's start (local clock) */
    double step_t0;       /* the step's start (local clock, s) */
    int ncoll;            /* collectives per step: nb (dp) or 2 nb (zero) */
    float *shard;         /* zero: this rank's reduced chunks of every bucket (backend memory) */
};

/* ---- the phase ---- */

/* What the steps measured, and what rank 0 gathered. */
struct record {
    int steps, warm, total;     /* timed, warm-up, both */
    int nc;                     /* collectives per step */
    size_t rec;                 /* doubles per rank: compute, comm, opt, total [steps] each,
                                 * then arrivals, starts, completions [steps][nc] each */
    double *loc, *losses;       /* this rank's record; losses of every step */
    double *all;                /* rank 0: every rank's record, rank after rank */
    uint64_t *sums;             /* rank 0: every rank's parameter checksum */
    double *l2s;                /* rank 0: every rank's parameter L2 norm */
    int differ, any_bad;        /* replicas that differ from rank 0; callbacks out of order */
    double alone;               /* one step's communication alone (s) */
    json_t *clk;                /* rank 0: the common clock's JSON */
};

/* ---- bench/train_comm.c ---- */

/* Cut the gradient buffer into buckets of bucket_bytes from its end (zero: with every rank's
 * chunk); 0 or -1 (message printed). */
int llmb_train_make_buckets(struct train *t, size_t bucket_bytes);
/* zero: keep AdamW moments for this rank's chunks only.  0 or -1. */
int llmb_train_set_shard(struct train *t);
void llmb_train_free_buckets(struct train *t);
/* Start every bucket not started yet on buf and wait for all; zero: allgather every bucket of
 * buf in place. */
void llmb_train_reduce_finish(struct train *t, float *buf);
void llmb_train_allgather_all(struct train *t, float *buf);
/* The grad-ready callback (kernels/gpt.h): starts the buckets whose gradients are final and
 * progresses those in flight. */
void llmb_train_on_grad_ready(void *arg, size_t off, size_t count);
/* Wrong elements of the reduction path on exact data (untimed). */
long long llmb_train_verify_reduction(struct train *t);
/* One step's communication alone, no compute: the slowest rank's time, median of reps (s). */
double llmb_train_comm_alone_s(struct train *t, int reps);
/* The parameters seen from the host: L2 norm; written raw to path (0 or -1); one changed
 * (test-only). */
double llmb_train_params_l2(const struct llmb_gpt *g);
int llmb_train_dump_params(const struct llmb_gpt *g, const char *path);
void llmb_train_corrupt_one_param(struct llmb_gpt *g);

/* ---- bench/train_summary.c ---- */

/* Throughput, MFU, the timeline and the replica checksums into out, and the console summary
 * (rank 0). */
void llmb_train_summarize(struct train *t, const struct llmb_model_config *cfg,
                          struct record *R, json_t *out);

/* A test-only switch of the environment: set, non-empty and not "0". */
static inline int llmb_train_env_flag(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

#endif
