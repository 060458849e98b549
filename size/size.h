/* llmbench-size: project a measured run to a training job, and price it (doc/sizing.md,
 * doc/llmbench-size.1).  Internal interfaces, one file per subsystem:
 *
 *   fit.c      the formulas: least-squares line t(S) = a + S/B with its residuals, the ring and
 *              tree cost of a collective at p ranks, GEMM rate interpolated in log(FLOPs), the
 *              pipeline bubble, the cost arithmetic (pure; the unit tests check them by hand)
 *   measure.c  what one results file measured, in the shapes the projection needs: per
 *              (collective, tier) fits of the comm curves; the GEMM sweep and the kernels of the
 *              compute phase (median over ranks, with their 10th and 90th percentiles)
 *   project.c  the target (model, layout, batch, tokens) priced on one run's measurements:
 *              step time, tokens/s, MFU, time to train, cost, the flags and assumptions
 *   output.c   the table (text) and --json
 *   plots.c    tokens/s and cost per 1M tokens against GPU count (gnuplot, PNG + SVG)
 *
 * Below: report/ (the results loader and the step-time model, libllmb_report.a), kernels/plan.h
 * (the GEMMs and ops of a step), lib/.  No MPI.
 *
 * Units: seconds, bytes, GB/s = 1e9 B/s, GFLOP/s = 1e9 FLOP/s, US dollars.  An unknown number
 * is NAN. */
#ifndef LLMB_SIZE_H
#define LLMB_SIZE_H

#include "metrics.h"
#include "model.h"
#include "report/report.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* The three evaluations of every prediction: on the 10th percentiles of the measured samples
 * (fast), their medians, their 90th percentiles (slow). */
enum sz_band { SZ_P10, SZ_MED, SZ_P90, SZ_NBANDS };
extern const char *const sz_band_names[SZ_NBANDS];

/* ---- fit.c ---- */
/* t(S) = a_s + S / (bw_gbs * 1e9), fitted to (bytes[i], t[i]) by least squares of the
 * relative residuals (weights 1/t^2: the latency end and the bandwidth end count alike);
 * a_s >= 0 (a negative intercept is refitted through 0).  rms_rel, max_rel: the residuals
 * (fit - t) / t.  ok 0 when fewer than 2 usable points or no positive slope. */
struct sz_line {
    int ok;
    size_t n;
    double a_s, bw_gbs;
    double rms_rel, max_rel;
    double min_bytes, max_bytes;
};
void sz_fit_line(const double *bytes, const double *t, size_t n, struct sz_line *out);
double sz_line_time(const struct sz_line *l, double bytes);

/* The collectives' cost at p ranks from a per-hop latency alpha_s and a link bandwidth
 * beta_gbs (doc/sizing.md, "Communication"):
 *   allreduce ring   2(p-1) alpha + 2(p-1)/p S/beta
 *   allreduce tree   2 log2(p) alpha + 2 S/beta          (reduce up, broadcast down)
 *   reduce_scatter, allgather, alltoall ring   (p-1) alpha + (p-1)/p S/beta
 *   broadcast        min(ring (p-1) alpha + S/beta, tree log2(p) alpha + S/beta)
 *   sendrecv         alpha + S/beta
 * sz_coll_time takes the smaller of ring and tree where both exist (*algo: "ring", "tree",
 * "p2p"; may be NULL).  S in the nccl-tests convention (lib/metrics.h). */
double sz_ring_allreduce(int p, double alpha_s, double beta_gbs, double bytes);
double sz_tree_allreduce(int p, double alpha_s, double beta_gbs, double bytes);
double sz_coll_time(int coll, int p, double alpha_s, double beta_gbs, double bytes,
                    const char **algo);
/* Hops of the ring latency term and the bandwidth factor of coll at p ranks: the fitted line
 * a + S/B at p0 ranks is read through the ring formula: alpha = a / hops(p0),
 * beta = B * factor(p0). */
double sz_ring_hops(int coll, int p);

/* Pipeline bubble of 1F1B with p stages and m micro-batches: (p-1)/(m+p-1). */
double sz_bubble(int p, int m);

/* y at x, interpolated linearly in log(x) between the points (x[i] ascending, > 0); outside
 * [x[0], x[n-1]] the end value (clamped): *outside set to -1 below, +1 above, 0 inside (may
 * be NULL).  NAN when n is 0. */
double sz_interp_log(const double *x, const double *y, size_t n, double at, int *outside);

/* Cost: dollars per million tokens of gpus GPUs at usd_per_gpu_hour and tokens_per_s, and of
 * a whole run of tokens tokens.  NAN when an input is not positive. */
double sz_usd_per_mtok(int gpus, double usd_per_gpu_hour, double tokens_per_s);
double sz_usd_total(int gpus, double usd_per_gpu_hour, double tokens_per_s, double tokens);

/* ---- measure.c ---- */
/* One (collective, tier) fit: the line per band and the per-hop alpha / link beta it gives
 * through the ring formula at the measured rank count p0. */
struct sz_comm_fit {
    int ok;
    int coll;               /* enum llmb_coll */
    int tier;               /* enum rr_tier */
    int p0;                 /* ranks of the measured communicator */
    char group[16];         /* the sweep's group: intra, inter or world */
    struct sz_line line[SZ_NBANDS];
    double alpha_s[SZ_NBANDS], beta_gbs[SZ_NBANDS];
};

/* A compute measurement at one size: FLOPs (GEMM) or a kernel's cost, its time per band. */
struct sz_point {
    double flops, bytes;
    double t[SZ_NBANDS];
};
struct sz_kernel {
    char name[32];
    int bwd;
    struct sz_point pt;
};

/* What one run measured, reduced for the projection.  Owns its arrays; the run stays loaded. */
struct sz_measured {
    const struct rr_run *run;
    char label[128];        /* the offer: --label, else the run id */
    struct sz_comm_fit fit[LLMB_COLL_COUNT][RR_NTIERS];
    /* GEMMs: flops per call ascending, GFLOP/s per band (several shapes of equal FLOPs are
     * averaged); and the kernels of a layer and of a step (median rank) */
    size_t ngemm;
    double *gemm_flops, *gemm_rate[SZ_NBANDS];
    struct sz_kernel *kern;
    size_t nkern;
    double adamw_s_per_param[SZ_NBANDS];
    double stream_gbs;      /* STREAM triad, median rank */
    double peak_nominal, peak_measured; /* GFLOP/s per rank */
    int ranks_per_node;     /* most ranks on one node */
    double bucket_bytes;    /* the run's gradient bucket, 0 unknown */
    int overlap;
    double progress, stall, other_s, wait_s, step_s; /* from the run's step-time model */
    double self_pred_s;     /* the reporter's model of the run's own step, NAN unknown */
    /* training's own collectives against the fits: what one step's buckets took as training
     * issued them (train_pattern alone, else comm_alone_s), over what the fits price them at
     * (train_fit_s); 1 when not measured.  The projection scales data-parallel traffic by it. */
    double train_comm_s, train_fit_s, train_factor;
    /* the same for compute: the train phase's compute per step (median rank and step) over
     * what the kernels price the run's own workload at (set by the caller from the
     * self-check's projection, 1 until then).  The projection scales compute by it. */
    double compute_train_s, compute_kernels_s, compute_factor;
};

/* Reduce a loaded and analyzed run (rr_analyze).  0, or -1 after one line naming the file and
 * the JSON path (bad compute-phase field) or what is missing (exit status 2). */
int sz_measure(const struct rr_run *run, struct sz_measured *m);
void sz_measured_free(struct sz_measured *m);
/* The fit used for coll on tier: the tier's own, else (flagged by *substitute = 1) the other
 * tier's; NULL when neither was measured. */
const struct sz_comm_fit *sz_fit_for(const struct sz_measured *m, int coll, int tier,
                                     int *substitute);

/* Memory per GPU of a layout, bytes (lib/model.h's ZeRO and activation accounting at fp32):
 * the model states of params / (tp x pp) parameters by ZeRO stage over dp (with expert
 * parallelism: the dense part so, the experts' FFN weights / (tp x pp x ep) by ZeRO stage over
 * the expert-data-parallel group of dp / ep GPUs); activations of one
 * micro-batch per layer (Korthikanti et al. 2022, doubled for 4-byte elements) times the
 * layers of a stage and the micro-batches in flight on the first stage (min(pp, m)). */
struct sz_memory {
    double weights, grads, optimizer, activations, total;
};

/* ---- project.c ---- */
struct sz_target {
    struct llmb_model_config cfg; /* batch = micro-batch, seq = sequence length */
    int gpus, gpus_per_node;      /* gpus_per_node 0: the run's ranks per node */
    int dp, tp, pp;
    int ep;                       /* expert-parallel degree (MoE), carved out of dp: divides
                                     the experts and dp; 0 or 1: none */
    double capacity;              /* MoE capacity factor of the all-to-all buffers (tokens x
                                     top-k x capacity rows); 0: 1.0 */
    int zero;                     /* 0..3 */
    int global_batch;             /* sequences per step */
    double tokens;                /* training tokens (0: no time to train) */
    enum llmb_recompute recompute;
    int overlap;                  /* -1: as the measured run */
    double price;                 /* $ per GPU-hour, NAN unknown */
    double gpu_mem_bytes;         /* 0: not checked */
};

#define SZ_MAX_NOTES 24
struct sz_projection {
    int ok;
    char why[256];                /* when not ok */
    int gpus, nodes, m;           /* m: micro-batches per pipeline per step */
    double step_s[SZ_NBANDS], tokens_per_s[SZ_NBANDS];
    double usd_per_mtok[SZ_NBANDS], usd_total[SZ_NBANDS], days[SZ_NBANDS];
    double mfu_nominal, mfu_measured; /* at the median */
    /* the median's decomposition, seconds per step */
    double t_compute, t_tp, t_p2p, t_bubble, t_dp_total, t_dp_exposed, t_opt, t_other;
    double t_ep;                  /* expert parallelism's all-to-alls (in the pipeline slots) */
    double ep_bytes;              /* one all-to-all's send buffer per GPU (nccl-tests S), bytes;
                                     0 without expert parallelism */
    double expert_params;         /* llmb_model_count's experts_total (0 dense) */
    double bubble;                /* (p-1)/(m+p-1) */
    double params, flops_per_token; /* llmb_model_count total, llmb_model_flops_per_token */
    struct sz_memory mem;
    int nnotes;
    char notes[SZ_MAX_NOTES][200]; /* outside the measured range; substitutes; fit quality */
};
/* Project t on the measurements m.  Always fills p (p->ok 0 with why for an impossible
 * layout: the caller prints it as one line and exits 2). */
void sz_project(const struct sz_measured *m, const struct sz_target *t, struct sz_projection *p);
/* The assumptions of every projection, one sentence each, NULL-terminated. */
extern const char *const sz_assumptions[];

/* ---- output.c ---- */
struct sz_offer {
    struct rr_run run;
    struct sz_measured meas;
    struct sz_projection proj;
    double price;           /* $ per GPU-hour, NAN unknown */
    /* the self-check: the projection of the run's own layout and workload against its
     * measured median step (NAN when the run has no train phase) */
    struct sz_projection self;
    double self_meas_s;
};
/* The table ranked by cost per 1M tokens (by tokens/s without prices), the fits, the notes and
 * the assumptions. */
void sz_print(FILE *out, const struct sz_target *t, struct sz_offer *o, int n);
json_t *sz_json(const struct sz_target *t, struct sz_offer *o, int n);

/* ---- plots.c ---- */
/* tokens/s and $/1M tokens against GPU count (the target's layout with dp scaled) per offer
 * into dir; 0, 1 gnuplot missing (scripts and data written), -1 (note says why). */
int sz_plots(const struct sz_target *t, struct sz_offer *o, int n, const char *dir, char *note,
             size_t len);

#endif
