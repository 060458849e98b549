/* The step-time decomposition, the step-time model, the bootstrap CI of a gap ratio and the
 * Shapley attribution of a gap over factor groups (doc/design.md, "The attribution model").
 *
 * Measured decomposition (train phase, "median rank"): for each step, the median over ranks of
 * each per-rank timer (compute_s, optimizer_s, wait_s, comm_s - wait_s when comm_s contains the
 * wait, else comm_s); then the median over steps.  T_step is the median of
 * step_time_samples_s (the slowest rank's step).  other = T_step - the sum of the rest.
 * The exposed communication is split over the tiers (intra, inter) in proportion to the
 * modelled communication time of each tier (or to its bytes when no comm phase).
 *
 * Model:  T = Tc + T_opt + max(0, S - rho*Tc) + T_wait + T_other,   Tc = comp_norm / phi,
 *         S = sum over tiers of Σ_buckets bytes * busbw_factor(n) / busbw_tier(bytes).
 * Tc is predicted from the compute phase (model FLOPs per rank per step at the FLOP rate the
 * compute phase measured over one layer's kernels, median rank) when it is there, else the
 * train compute timer; busbw_tier(bytes) is the comm phase's curve, interpolated log-log,
 * at the train phase's bucket sizes (world buckets use the world curve), else the train comm
 * timer; rho = (hidden communication) / Tc from overlap_hidden_frac; T_opt, T_wait, T_other are
 * the measured terms. */
#include "report.h"

#include "metrics.h"
#include "stats.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const rr_term_names[RR_NTERMS] = {"compute", "optimizer", "comm_intra",
                                              "comm_inter", "wait", "other"};
const char *const rr_group_names[RR_NGROUPS] = {"compute", "clocks", "memory", "comm_intra",
                                                "comm_inter", "wait", "other"};

/* Time of one bucket on the run's curve for its collective and group; NAN when no curve. */
static double bucket_time(const struct rr_run *run, const struct rr_bucket *b, int nranks)
{
    const char *coll = llmb_coll_name((enum llmb_coll)b->coll);
    const struct rr_sweep *s = rr_find_sweep(run, coll, b->group);
    if (!s && strcmp(b->group, "world") == 0)
        s = rr_find_sweep(run, coll, b->tier == RR_INTER ? "inter" : "intra");
    if (!s)
        return NAN;
    double bw = rr_curve_busbw(s, b->bytes);
    if (!(bw > 0))
        return NAN;
    int n = strcmp(b->group, "world") == 0 ? nranks : s->nranks;
    return b->bytes * llmb_busbw_factor((enum llmb_coll)b->coll, n) / (bw * 1e9);
}

double rr_model_time(const struct rr_params *p, double terms[RR_NTERMS])
{
    double phi = isnan(p->phi) || p->phi <= 0 ? 1.0 : p->phi;
    double tc = p->comp_norm / phi;
    double s = p->tier_s[RR_INTRA] + p->tier_s[RR_INTER];
    double hidden = fmin(s, fmax(0.0, p->rho * tc));
    double exposed = s - hidden;
    double t[RR_NTERMS] = {tc, p->opt, 0, 0, p->wait, p->other};
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

/* Median over steps of the median over ranks of x(rank, step). */
static double med_med(const struct rr_run *run, size_t off, int sub_wait)
{
    size_t ns = rr_min_steps(run);
    if (ns == 0)
        return NAN;
    double *col = malloc((size_t)run->nranks * sizeof *col), *per = malloc(ns * sizeof *per);
    if (!col || !per) {
        free(col), free(per);
        return NAN;
    }
    for (size_t s = 0; s < ns; s++) {
        for (int r = 0; r < run->nranks; r++) {
            const struct rr_rank *rk = &run->ranks[r];
            const double *a = *(double *const *)((const char *)rk + off);
            double v = a ? a[s] : 0.0;
            if (sub_wait && rk->wait)
                v = fmax(0.0, v - rk->wait[s]);
            col[r] = v;
        }
        per[s] = rr_median(col, (size_t)run->nranks);
    }
    double m = rr_median(per, ns);
    free(col), free(per);
    return m;
}

/* Headline figures: median step and its CV, tokens/s, MFU against both peaks. */
static void analyze_headline(struct rr_run *run)
{
    struct llmb_summary sm;
    if (llmb_summarize(run->steps, run->nsteps, &sm) == 0) {
        run->step_med = sm.median;
        run->step_cv = sm.cv;
    }
    if (isnan(run->tokens_per_s) && run->global_batch_tokens > 0 && run->step_med > 0)
        run->tokens_per_s = run->global_batch_tokens / run->step_med;
    if (run->flops_per_step > 0 && run->step_med > 0) {
        if (run->peak_nominal > 0)
            run->mfu_nominal = llmb_mfu(run->flops_per_step, run->nranks, run->peak_nominal,
                                        run->step_med);
        if (run->peak_measured > 0)
            run->mfu_measured = llmb_mfu(run->flops_per_step, run->nranks, run->peak_measured,
                                         run->step_med);
    }
}

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

/* How the exposed communication splits over the tiers. */
struct tier_split {
    double exposed;             /* exposed comm per step (median rank, median step), seconds */
    double curve_s[RR_NTIERS];  /* comm per tier from the curves at the bucket sizes, seconds */
    double w[RR_NTIERS], wsum;  /* weight of each tier (curve seconds, else bytes), their sum */
    int all_curves;             /* every tier in use has a curve for each of its buckets */
};

/* Communication per tier: from the curves when every bucket of the tier has one. */
static void split_tiers(const struct rr_run *run, struct tier_split *x)
{
    double bytes_t[RR_NTIERS] = {0, 0};
    int curve_ok[RR_NTIERS] = {1, 1}, used[RR_NTIERS] = {0, 0};
    x->curve_s[RR_INTRA] = x->curve_s[RR_INTER] = 0;
    for (size_t i = 0; i < run->nbuckets; i++) {
        const struct rr_bucket *b = &run->buckets[i];
        double t = run->has[RR_COMM] ? bucket_time(run, b, run->nranks) : NAN;
        used[b->tier] = 1;
        bytes_t[b->tier] += b->bytes;
        if (isnan(t))
            curve_ok[b->tier] = 0;
        else
            x->curve_s[b->tier] += t;
    }
    if (!used[RR_INTRA] && !used[RR_INTER]) /* no buckets: all comm on the widest tier */
        used[run->nnodes > 1 ? RR_INTER : RR_INTRA] = 1, bytes_t[run->nnodes > 1] = 1;
    x->all_curves = 1;
    for (int t = 0; t < RR_NTIERS; t++) {
        if (used[t] && (!curve_ok[t] || run->nbuckets == 0))
            x->all_curves = 0;
    }
    x->wsum = 0;
    for (int t = 0; t < RR_NTIERS; t++) {
        x->w[t] = !used[t] ? 0 : x->all_curves ? x->curve_s[t] : bytes_t[t];
        x->wsum += x->w[t];
    }
}

/* The measured decomposition (file comment): run->meas, and the tier split it used. */
static void measure_terms(struct rr_run *run, struct tier_split *x)
{
    double *m = run->meas;
    m[RR_T_COMPUTE] = med_med(run, offsetof(struct rr_rank, compute), 0);
    m[RR_T_OPT] = med_med(run, offsetof(struct rr_rank, opt), 0);
    m[RR_T_WAIT] = med_med(run, offsetof(struct rr_rank, wait), 0);
    x->exposed = med_med(run, offsetof(struct rr_rank, comm), run->wait_in_comm);
    split_tiers(run, x);
    for (int t = 0; t < RR_NTIERS; t++)
        m[RR_T_INTRA + t] = x->wsum > 0 ? x->exposed * x->w[t] / x->wsum : 0.0;
    double sum = 0;
    for (int i = 0; i < RR_T_OTHER; i++)
        sum += m[i];
    m[RR_T_OTHER] = run->step_med - sum;
}

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
    double per_rank = run->flops_per_step / run->nranks;
    double *t = malloc((size_t)run->nranks * sizeof *t);
    size_t nt = 0;
    for (int r = 0; t && r < run->nranks; r++) {
        const struct rr_rank *rk = &run->ranks[r];
        if (rk->layer_flops > 0 && rk->layer_time_s > 0)
            t[nt++] = per_rank / (rk->layer_flops / rk->layer_time_s);
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

/* Communication per tier before overlap: the curves at the bucket sizes when every bucket has
 * one, else the train comm timer (exposed + hidden) split like the measured terms. */
static void predict_comm(struct rr_run *run, const struct tier_split *x, double comm_total)
{
    struct rr_params *p = &run->params;
    if (!x->all_curves) {
        for (int t = 0; t < RR_NTIERS; t++)
            p->tier_s[t] = x->wsum > 0 ? comm_total * x->w[t] / x->wsum : 0.0;
        snprintf(run->pred_comm_src, sizeof run->pred_comm_src, "train comm timer%s",
                 run->has[RR_COMM] ? " (comm phase lacks a curve for a bucket)" : "");
        return;
    }
    for (int t = 0; t < RR_NTIERS; t++)
        p->tier_s[t] = x->curve_s[t];
    run->pred_independent = 1;
    double big = 0, top = 0;
    for (size_t i = 0; i < run->nbuckets; i++)
        big = fmax(big, run->buckets[i].bytes);
    for (size_t i = 0; i < run->nsweeps; i++)
        for (size_t j = 0; j < run->sweeps[i].npts; j++)
            top = fmax(top, run->sweeps[i].bytes[j]);
    char a[32], b[32];
    snprintf(run->pred_comm_src, sizeof run->pred_comm_src,
             "comm phase busbw curves at the %zu bucket sizes of one step%s%s%s%s%s",
             run->nbuckets, big > top ? " (buckets of " : "",
             big > top ? llmb_format_size((size_t)big, a, sizeof a) : "",
             big > top ? " exceed the largest measured message, " : "",
             big > top ? llmb_format_size((size_t)top, b, sizeof b) : "",
             big > top ? ": extrapolated, unreliable)" : "");
}

/* Model parameters (struct rr_params) and the prediction. */
static void fit_model(struct rr_run *run, const struct tier_split *x)
{
    struct rr_params *p = &run->params;
    const double *m = run->meas;
    p->phi = clock_ratio(run);
    double tc = predict_compute(run);
    double hf = run->overlap && run->hidden_frac >= 0 && run->hidden_frac < 1 ? run->hidden_frac
                                                                                 : 0.0;
    double comm_total = x->exposed / (1.0 - hf);
    p->rho = m[RR_T_COMPUTE] > 0 ? hf * comm_total / m[RR_T_COMPUTE] : 0.0;
    predict_comm(run, x, comm_total);
    p->comp_norm = tc * (isnan(p->phi) ? 1.0 : p->phi);
    p->opt = m[RR_T_OPT];
    p->wait = m[RR_T_WAIT];
    p->other = m[RR_T_OTHER];
    int ok = 1;
    for (int i = 0; i < RR_NTERMS; i++)
        if (!isfinite(m[i]))
            ok = 0;
    run->params_ok = ok && isfinite(tc) && isfinite(p->rho);
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
    run->mfu_nominal = run->mfu_measured = NAN;
    run->peak_nominal = res ? rr_nominal_peak(run, res, run->peak_nominal_src,
                                              sizeof run->peak_nominal_src) : NAN;
    run->peak_measured = rr_rank_median(run, offsetof(struct rr_rank, measured_gflops));
    if (isnan(run->peak_measured))
        run->peak_measured = run->peak_measured_train;
    if (!run->has[RR_TRAIN])
        return;
    analyze_headline(run);
    run->wait_in_comm = comm_includes_wait(run);
    struct tier_split x;
    measure_terms(run, &x);
    fit_model(run, &x);
}

/* ---------------------------------------------------------------- Shapley */
void rr_shapley(int n, double (*v)(unsigned mask, void *ctx), void *ctx, double *phi)
{
    double val[256];
    unsigned full = (1u << n) - 1;
    for (unsigned s = 0; s <= full; s++)
        val[s] = v(s, ctx);
    int perm[8], c[8] = {0};
    for (int i = 0; i < n; i++)
        perm[i] = i, phi[i] = 0;
    long count = 0;
    /* Heap's algorithm: every ordering once. */
    for (int i = 0;;) {
        unsigned mask = 0;
        for (int k = 0; k < n; k++) {
            phi[perm[k]] += val[mask | (1u << perm[k])] - val[mask];
            mask |= 1u << perm[k];
        }
        count++;
        while (i < n && c[i] >= i) {
            c[i] = 0;
            i++;
        }
        if (i >= n)
            break;
        int j = i % 2 ? c[i] : 0;
        int tmp = perm[j];
        perm[j] = perm[i];
        perm[i] = tmp;
        c[i]++;
        i = 0;
    }
    for (int i = 0; i < n; i++)
        phi[i] /= (double)count;
}

struct ab {
    struct rr_params a, b;
};

static double v_ab(unsigned mask, void *ctx)
{
    const struct ab *x = ctx;
    struct rr_params p = x->a;
    if (mask & (1u << RR_G_COMPUTE))
        p.comp_norm = x->b.comp_norm;
    if (mask & (1u << RR_G_CLOCKS))
        p.phi = x->b.phi;
    if (mask & (1u << RR_G_MEMORY))
        p.opt = x->b.opt;
    if (mask & (1u << RR_G_INTRA))
        p.tier_s[RR_INTRA] = x->b.tier_s[RR_INTRA];
    if (mask & (1u << RR_G_INTER))
        p.tier_s[RR_INTER] = x->b.tier_s[RR_INTER];
    if (mask & (1u << RR_G_WAIT))
        p.wait = x->b.wait;
    if (mask & (1u << RR_G_OTHER))
        p.rho = x->b.rho, p.other = x->b.other;
    return rr_model_time(&p, NULL);
}

/* Ratio of medians, 95% percentile bootstrap over the per-step samples of both runs. */
static void bootstrap(const double *a, size_t na, const double *b, size_t nb, double *lo,
                      double *hi)
{
    enum { NBOOT = 2000 };
    double *ra = malloc(na * sizeof *ra), *rb = malloc(nb * sizeof *rb);
    double *ratios = malloc(NBOOT * sizeof *ratios);
    *lo = *hi = NAN;
    if (ra && rb && ratios) {
        uint64_t st = 0x6c6c6d62656e6368ull; /* fixed seed: the same files give the same CI */
        size_t k = 0;
        for (int i = 0; i < NBOOT; i++) {
            for (size_t j = 0; j < na; j++)
                ra[j] = a[llmb_splitmix64(&st) % na];
            for (size_t j = 0; j < nb; j++)
                rb[j] = b[llmb_splitmix64(&st) % nb];
            double ma = rr_median(ra, na), mb = rr_median(rb, nb);
            if (ma > 0)
                ratios[k++] = mb / ma;
        }
        if (k > 0) {
            *lo = llmb_percentile(ratios, k, 0.025);
            *hi = llmb_percentile(ratios, k, 0.975);
        }
    }
    free(ra), free(rb), free(ratios);
}

static void add_diff(struct rr_compare *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_diff(struct rr_compare *c, const char *fmt, ...)
{
    char one[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(one, sizeof one, fmt, ap);
    va_end(ap);
    rr_cat(c->differences, sizeof c->differences, "%s%s", c->differences[0] ? "; " : "", one);
    c->same_workload = 0;
}

void rr_compare_runs(const struct rr_run *a, const struct rr_run *b, struct rr_compare *c)
{
    memset(c, 0, sizeof *c);
    c->same_workload = 1;
    c->ratio = c->ci_lo = c->ci_hi = c->unexplained = c->pred_a = c->pred_b = NAN;
    if (a->nranks != b->nranks)
        add_diff(c, "ranks %d vs %d", a->nranks, b->nranks);
    if (!a->has[RR_TRAIN] || !b->has[RR_TRAIN]) {
        snprintf(c->why_no_attr, sizeof c->why_no_attr,
                 "train phase not in %s: no gap ratio and no attribution",
                 !a->has[RR_TRAIN] ? "A" : "B");
        return;
    }
    if (strcmp(a->model, b->model))
        add_diff(c, "model %s vs %s", a->model[0] ? a->model : "?", b->model[0] ? b->model : "?");
#define DIFF_INT(f, label) \
    if (a->f != b->f) add_diff(c, label " %d vs %d", a->f, b->f)
    DIFF_INT(layers, "layers");
    DIFF_INT(d_model, "d_model");
    DIFF_INT(batch, "batch");
    DIFF_INT(seq, "seq");
    DIFF_INT(accum, "accum");
#undef DIFF_INT
    if (strcmp(a->mode, b->mode))
        add_diff(c, "mode %s vs %s", a->mode, b->mode);
    if (a->step_med > 0 && b->step_med > 0) {
        c->have_ratio = 1;
        c->ratio = b->step_med / a->step_med;
        bootstrap(a->steps, a->nsteps, b->steps, b->nsteps, &c->ci_lo, &c->ci_hi);
    }
    if (!a->params_ok || !b->params_ok) {
        snprintf(c->why_no_attr, sizeof c->why_no_attr,
                 "the step-time model could not be built for %s", !a->params_ok ? "A" : "B");
        return;
    }
    struct ab x = {a->params, b->params};
    if (isnan(x.a.phi) || isnan(x.b.phi)) { /* clocks unknown on one side: not a factor */
        double pa = isnan(x.a.phi) ? 1 : x.a.phi, pb = isnan(x.b.phi) ? 1 : x.b.phi;
        x.a.comp_norm /= pa, x.b.comp_norm /= pb;
        x.a.phi = x.b.phi = 1.0;
    }
    rr_shapley(RR_NGROUPS, v_ab, &x, c->share_s);
    c->pred_a = v_ab(0, &x);
    c->pred_b = v_ab((1u << RR_NGROUPS) - 1, &x);
    double d = c->pred_b - c->pred_a;
    double L = c->pred_a > 0 && c->pred_b > 0 ? log(c->pred_b / c->pred_a) : NAN;
    for (int g = 0; g < RR_NGROUPS; g++)
        c->factor[g] = fabs(d) > 1e-15 * fmax(c->pred_a, 1e-30) && isfinite(L)
                           ? exp(c->share_s[g] / d * L) : 1.0;
    if (!isfinite(L)) {
        snprintf(c->why_no_attr, sizeof c->why_no_attr, "a predicted step time is not positive");
        return;
    }
    c->have_attr = 1;
    c->unexplained = c->have_ratio ? c->ratio / (c->pred_b / c->pred_a) : NAN;
}
