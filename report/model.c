/* The step-time decomposition and the step-time model (doc/design.md, "The step-time model and
 * attribution"; the formula is at struct rr_params in report/report.h).  The comparison of two
 * runs is in compare.c.
 *
 * Measured decomposition (train phase, "median rank"): per step the median over ranks of
 * compute_s and optimizer_s; the communication and waiting of the step (comm_s, plus wait_s
 * when comm_s does not contain it); the waiting for slower ranks = the smaller of the timers'
 * wait_s and the per-rank spread (slowest rank's compute + optimizer + host minus the median
 * rank's), since a late arrival that the ranks' own times do not explain is communication
 * finishing late, not a straggler; exposed communication = communication and waiting - that
 * wait; then the median over steps.  T_step is the median of step_time_samples_s (the slowest
 * rank's step); other = T_step - the sum of the rest.  The exposed communication is split over
 * the tiers in proportion to the modelled communication of each tier (or to its bytes).
 *
 * Model parameters (struct rr_params), each from a measurement of its own resource:
 *   Tc      the compute phase's per-layer FLOP rate (median rank), else the train compute timer;
 *   S       training's communication pattern as the comm phase replayed it
 *           (phases.comm.train_pattern: alone; progressed sets the progress factor), else the
 *           train phase's comm_alone_s, else the comm phase's blocking curves at the bucket
 *           sizes, else (not independent) the train comm timer;
 *   window  the backward pass's share of compute (2/3: backward runs twice the forward FLOPs)
 *           with overlap, 0 without;
 *   wait    the spread of the per-rank train timers (compute, optimizer, host);
 *   opt, other  the median rank's optimizer and host time. */
#include "report.h"

#include "metrics.h"
#include "stats.h"
#include "util.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const rr_term_names[RR_NTERMS] = {"compute", "optimizer", "comm_intra",
                                              "comm_inter", "wait", "other"};

/* ---------------------------------------------------------------- the model */
/* max - median of x[r] = compute + opt + host over the ranks; 0 when none. */
static double rank_spread(const struct rr_params *p)
{
    if (p->nranks <= 0 || !p->rank_compute)
        return 0.0;
    double *x = malloc((size_t)p->nranks * sizeof *x);
    if (!x)
        return NAN;
    double mx = -INFINITY;
    size_t n = 0;
    for (int r = 0; r < p->nranks; r++) {
        double v = p->rank_compute[r];
        if (isnan(v))
            continue;
        if (p->rank_opt && !isnan(p->rank_opt[r]))
            v += p->rank_opt[r];
        if (p->rank_host && !isnan(p->rank_host[r]))
            v += p->rank_host[r];
        x[n++] = v;
        mx = fmax(mx, v);
    }
    double w = n ? mx - rr_median(x, n) : 0.0;
    free(x);
    return w;
}

double rr_model_wait(const struct rr_params *p)
{
    return p->nranks > 0 ? rank_spread(p) : p->wait;
}

double rr_model_time(const struct rr_params *p, double terms[RR_NTERMS])
{
    double phi = isnan(p->phi) || p->phi <= 0 ? 1.0 : p->phi;
    double tc = p->comp_norm / phi;
    double s = p->tier_s[RR_INTRA] + p->tier_s[RR_INTER];
    double exposed = s;
    if (s > 0 && p->window > 0) {
        double g = p->progress > 0 ? p->progress : 1.0;
        double done = fmin(1.0, p->window * tc / (g * s)); /* share finished while computing */
        exposed = s * (1.0 - done) + s * fmax(0.0, p->stall);
        if (p->nbuckets > 0)
            exposed = fmax(exposed, s / p->nbuckets); /* the last bucket starts at the end */
    }
    double wait = rr_model_wait(p);
    double t[RR_NTERMS] = {tc, p->opt, 0, 0, wait, p->other};
    if (s > 0) {
        t[RR_T_INTRA] = exposed * p->tier_s[RR_INTRA] / s;
        t[RR_T_INTER] = exposed * p->tier_s[RR_INTER] / s;
    }
    double sum = 0;
    for (int i = 0; i < RR_NTERMS; i++)
        sum += t[i];
    if (terms)
        memcpy(terms, t, sizeof t);
    return sum;
}

void rr_params_free(struct rr_params *p)
{
    free(p->rank_compute), free(p->rank_opt), free(p->rank_host);
    p->rank_compute = p->rank_opt = p->rank_host = NULL;
    p->nranks = 0;
}

static double *dup_array(const double *a, int n)
{
    if (!a || n <= 0)
        return NULL;
    double *b = malloc((size_t)n * sizeof *b);
    if (b)
        memcpy(b, a, (size_t)n * sizeof *b);
    return b;
}

double rr_model_step_with(const struct rr_run *run,
                          void (*edit)(struct rr_params *p, const void *arg), const void *arg)
{
    if (!run->params_ok)
        return NAN;
    struct rr_params p = run->params;
    p.rank_compute = dup_array(run->params.rank_compute, p.nranks);
    p.rank_opt = dup_array(run->params.rank_opt, p.nranks);
    p.rank_host = dup_array(run->params.rank_host, p.nranks);
    double t = NAN;
    if (p.nranks == 0 || p.rank_compute) {
        if (edit)
            edit(&p, arg);
        t = rr_model_time(&p, NULL);
    }
    rr_params_free(&p);
    return t;
}

/* ---------------------------------------------------------------- headline */
static void analyze_headline(struct rr_run *run)
{
    struct llmb_summary sm;
    if (llmb_summarize(run->steps, run->nsteps, &sm) == 0) {
        run->step_med = sm.median;
        run->step_cv = sm.cv;
    }
    if (isnan(run->tokens_per_s) && run->global_batch_tokens > 0 && run->step_med > 0)
        run->tokens_per_s = run->global_batch_tokens / run->step_med;
    /* model FLOPs (PaLM), llm.c's count and hardware FLOPs against both peaks */
    const double flops[3] = {run->flops_per_step, run->flops_per_step_llmc,
                             run->hardware_flops_per_step};
    double *nominal[3] = {&run->mfu_nominal, &run->mfu_llmc_nominal, &run->hfu_nominal};
    double *measured[3] = {&run->mfu_measured, &run->mfu_llmc_measured, &run->hfu_measured};
    for (int i = 0; i < 3; i++) {
        if (!(flops[i] > 0 && run->step_med > 0))
            continue;
        if (run->peak_nominal > 0)
            *nominal[i] = llmb_mfu(flops[i], run->nranks, run->peak_nominal, run->step_med);
        if (run->peak_measured > 0)
            *measured[i] = llmb_mfu(flops[i], run->nranks, run->peak_measured, run->step_med);
    }
}

/* ---------------------------------------------------------------- per-rank timers */
/* Does comm_s include wait_s?  Decide from the sums (doc/llmbench-report.1): in most samples
 * with a wait, compute + comm + wait (+ optimizer) exceeds the step's total. */
static int comm_includes_wait(const struct rr_run *run)
{
    size_t over = 0, all = 0;
    for (int r = 0; r < run->nranks; r++) {
        const struct rr_rank *rk = &run->ranks[r];
        if (!rk->comm || !rk->wait || !rk->total)
            continue;
        for (size_t s = 0; s < rk->nsteps; s++) {
            if (rk->wait[s] <= 0.01 * rk->total[s])
                continue; /* no wait in this sample: it cannot tell */
            double sum = rk->compute[s] + rk->comm[s] + rk->wait[s] + (rk->opt ? rk->opt[s] : 0);
            all++;
            if (sum > rk->total[s] * 1.001 + 1e-9)
                over++;
        }
    }
    return all > 0 && over * 2 > all;
}

/* What the timers of rank r say of step s. */
enum rr_timer { TM_COMPUTE, TM_OPT, TM_WAIT, TM_COMMWAIT, TM_HOST, TM_OWN };
static double timer(const struct rr_run *run, int r, size_t s, enum rr_timer k)
{
    const struct rr_rank *rk = &run->ranks[r];
    double c = rk->compute[s], o = rk->opt ? rk->opt[s] : 0.0, w = rk->wait ? rk->wait[s] : 0.0;
    double cw = (rk->comm ? rk->comm[s] : 0.0) + (run->wait_in_comm ? 0.0 : w);
    double h = rk->total ? fmax(0.0, rk->total[s] - c - o - cw) : 0.0;
    switch (k) {
    case TM_COMPUTE: return c;
    case TM_OPT: return o;
    case TM_WAIT: return w;
    case TM_COMMWAIT: return cw;
    case TM_HOST: return h;
    default: return c + o + h; /* the rank's own time: what it does not wait for */
    }
}

/* Median over steps of the median over ranks of a timer; with spread, of max - median. */
static double med_med(const struct rr_run *run, enum rr_timer k, int spread)
{
    size_t ns = rr_min_steps(run);
    if (ns == 0)
        return NAN;
    double *col = malloc((size_t)run->nranks * sizeof *col), *per = malloc(ns * sizeof *per);
    double m = NAN;
    if (col && per) {
        for (size_t s = 0; s < ns; s++) {
            double mx = -INFINITY;
            for (int r = 0; r < run->nranks; r++)
                mx = fmax(mx, col[r] = timer(run, r, s, k));
            per[s] = rr_median(col, (size_t)run->nranks);
            if (spread)
                per[s] = mx - per[s];
        }
        m = rr_median(per, ns);
    }
    free(col), free(per);
    return m;
}

/* Per rank, the median over steps of a timer; malloc'd, NULL when out of memory. */
static double *per_rank(const struct rr_run *run, enum rr_timer k)
{
    size_t ns = rr_min_steps(run);
    double *v = malloc((size_t)run->nranks * sizeof *v), *col = malloc((ns ? ns : 1) * sizeof *col);
    if (v && col)
        for (int r = 0; r < run->nranks; r++) {
            for (size_t s = 0; s < ns; s++)
                col[s] = timer(run, r, s, k);
            v[r] = rr_median(col, ns);
        }
    free(col);
    if (!col) {
        free(v);
        return NULL;
    }
    return v;
}

/* The measured decomposition (file comment); the tier split follows the weights w. */
static void measure_terms(struct rr_run *run, const double w[RR_NTIERS])
{
    double *m = run->meas;
    m[RR_T_COMPUTE] = med_med(run, TM_COMPUTE, 0);
    m[RR_T_OPT] = med_med(run, TM_OPT, 0);
    run->wait_timers = med_med(run, TM_WAIT, 0);
    m[RR_T_WAIT] = fmin(run->wait_timers, med_med(run, TM_OWN, 1));
    double exposed = fmax(0.0, med_med(run, TM_COMMWAIT, 0) - m[RR_T_WAIT]);
    double wsum = w[RR_INTRA] + w[RR_INTER];
    for (int t = 0; t < RR_NTIERS; t++)
        m[RR_T_INTRA + t] = wsum > 0 ? exposed * w[t] / wsum : 0.0;
    double sum = 0;
    for (int i = 0; i < RR_T_OTHER; i++)
        sum += m[i];
    m[RR_T_OTHER] = run->step_med - sum;
}

/* ---------------------------------------------------------------- prediction */
/* Median clock ratio current/max over the nodes that report both; NAN when none. */
static double clock_ratio(const struct rr_run *run)
{
    double *phis = malloc((size_t)(run->nnodes > 0 ? run->nnodes : 1) * sizeof *phis);
    size_t nphi = 0;
    if (!phis)
        return NAN;
    for (int n = 0; n < run->nnodes; n++)
        if (run->nodes[n].cur_mhz > 0 && run->nodes[n].max_mhz > 0)
            phis[nphi++] = fmin(1.0, run->nodes[n].cur_mhz / run->nodes[n].max_mhz);
    double phi = nphi ? rr_median(phis, nphi) : NAN;
    free(phis);
    return phi;
}

/* Predicted compute per step: model FLOPs at the compute phase's per-layer rate (median rank)
 * when every rank has one, else the measured train compute timer. */
static double predict_compute(struct rr_run *run)
{
    double tc = run->meas[RR_T_COMPUTE];
    snprintf(run->pred_compute_src, sizeof run->pred_compute_src, "train compute timer");
    run->pred_independent = 0;
    if (!run->has[RR_COMPUTE] || !(run->flops_per_step > 0))
        return tc;
    double per_rank_flops = run->flops_per_step / run->nranks;
    double *t = malloc((size_t)run->nranks * sizeof *t);
    size_t nt = 0;
    for (int r = 0; t && r < run->nranks; r++) {
        const struct rr_rank *rk = &run->ranks[r];
        if (rk->layer_flops > 0 && rk->layer_time_s > 0)
            t[nt++] = per_rank_flops / (rk->layer_flops / rk->layer_time_s);
    }
    if (nt == (size_t)run->nranks) {
        tc = rr_median(t, nt);
        run->pred_independent = 1;
        snprintf(run->pred_compute_src, sizeof run->pred_compute_src,
                 "model FLOPs at the compute phase's per-layer FLOP rate (median rank)");
    }
    free(t);
    return tc;
}

/* Per-rank figures and the terms taken from the train phase's own timers. */
static int fit_ranks(struct rr_run *run)
{
    struct rr_params *p = &run->params;
    p->nranks = run->nranks;
    p->rank_compute = per_rank(run, TM_COMPUTE);
    p->rank_opt = per_rank(run, TM_OPT);
    p->rank_host = per_rank(run, TM_HOST);
    if (!p->rank_compute || !p->rank_opt || !p->rank_host) {
        rr_params_free(p);
        return -1;
    }
    p->opt = rr_median(p->rank_opt, (size_t)p->nranks);
    p->other = rr_median(p->rank_host, (size_t)p->nranks);
    p->wait = 0;
    return 0;
}

/* Model parameters (struct rr_params) and the prediction. */
static void fit_model(struct rr_run *run)
{
    struct rr_params *p = &run->params;
    double w[RR_NTIERS];
    p->phi = clock_ratio(run);
    rr_price_comm(run, w);
    measure_terms(run, w);
    double tc = predict_compute(run);
    if (run->pred_comm_independent)
        run->pred_independent = 1;
    p->comp_norm = tc * (isnan(p->phi) ? 1.0 : p->phi);
    if (fit_ranks(run) < 0)
        return;
    if (!run->pred_comm_independent)
        rr_comm_from_timers(run, tc);
    int ok = 1;
    for (int i = 0; i < RR_NTERMS; i++)
        if (!isfinite(run->meas[i]))
            ok = 0;
    run->params_ok = ok && isfinite(tc) && isfinite(p->tier_s[RR_INTRA] + p->tier_s[RR_INTER]);
    if (run->params_ok) {
        run->pred_total = rr_model_time(p, run->pred);
        run->pred_err = run->step_med > 0 ? (run->pred_total - run->step_med) / run->step_med
                                          : NAN;
    }
}

void rr_analyze(struct rr_run *run, const struct rr_resource res[RR_NRES])
{
    for (int i = 0; i < RR_NTERMS; i++)
        run->meas[i] = run->pred[i] = NAN;
    run->pred_total = run->pred_err = run->step_med = run->step_cv = NAN;
    run->wait_timers = run->comm_blocking_s = NAN;
    run->mfu_nominal = run->mfu_measured = NAN;
    run->mfu_llmc_nominal = run->mfu_llmc_measured = run->hfu_nominal = run->hfu_measured = NAN;
    run->peak_nominal = res ? rr_nominal_peak(run, res, run->peak_nominal_src,
                                              sizeof run->peak_nominal_src) : NAN;
    run->peak_measured = rr_rank_median(run, offsetof(struct rr_rank, measured_gflops));
    if (isnan(run->peak_measured))
        run->peak_measured = run->peak_measured_train;
    if (!run->has[RR_TRAIN])
        return;
    analyze_headline(run);
    run->wait_in_comm = comm_includes_wait(run);
    fit_model(run);
}
