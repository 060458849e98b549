/* The step-time model's communication (doc/design.md, "The step-time model and attribution"):
 * what one step's collectives cost as training issues them, priced from the best measurement
 * the file has, in this order:
 *   1. phases.comm.train_pattern: the comm phase replaying training's non-blocking collectives,
 *      as many outstanding as training keeps: alone (no compute) gives S, and progressed (one
 *      test call per progress interval of busy computation) / alone the progress factor;
 *   2. phases.train.comm_alone_s: one step's collectives alone, as the train phase issued them;
 *   3. the comm phase's blocking busbw curves at the bucket sizes (what the comm phase measured,
 *      one collective at a time: training may get much less; across a fall of 3x or more
 *      between two measured sizes, the lower rate);
 *   4. not independent: the train comm timer, exposed + hidden (overlap_hidden_frac).
 * The blocking curves' price of the same bytes is kept (tier_blocking_s) for the
 * counterfactual "training's communication at the comm phase's rate". */
#include "report.h"

#include "metrics.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define RR_BACKWARD_SHARE (2.0 / 3.0) /* backward FLOPs = 2 x forward: 2/3 of compute */

#define RR_CURVE_CLIFF 3.0 /* neighbouring points 3x apart: a protocol switch between them
                                (the threshold of comm.size_cliff, doc/findings.md) */

/* busbw of the curve at bytes: interpolated log-log (rr_curve_busbw), except between two
 * measured sizes whose busbw differ 3x or more: the library switches algorithm or protocol
 * somewhere between them, so the size is priced at the lower of the two rather than at an
 * interpolation across the fall. */
static double curve_busbw(const struct rr_sweep *s, double bytes)
{
    double lo = NAN, hi = NAN;
    for (size_t i = 0; i < s->npts; i++) {
        if (!(s->bytes[i] > 0 && s->busbw[i] > 0))
            continue;
        if (s->bytes[i] <= bytes)
            lo = s->busbw[i];
        if (s->bytes[i] >= bytes && isnan(hi))
            hi = s->busbw[i];
    }
    if (lo > 0 && hi > 0 && fmax(lo, hi) >= RR_CURVE_CLIFF * fmin(lo, hi))
        return fmin(lo, hi);
    return rr_curve_busbw(s, bytes);
}

/* Time of one bucket on the run's curve for its collective and group; NAN when no curve. */
static double bucket_time(const struct rr_run *run, const struct rr_bucket *b)
{
    const char *coll = llmb_coll_name((enum llmb_coll)b->coll);
    const struct rr_sweep *s = rr_find_sweep(run, coll, b->group);
    if (!s && strcmp(b->group, "world") == 0)
        s = rr_find_sweep(run, coll, b->tier == RR_INTER ? "inter" : "intra");
    if (!s)
        return NAN;
    double bw = curve_busbw(s, b->bytes);
    if (!(bw > 0))
        return NAN;
    int n = strcmp(b->group, "world") == 0 ? run->nranks : s->nranks;
    return b->bytes * llmb_busbw_factor((enum llmb_coll)b->coll, n) / (bw * 1e9);
}

/* The buckets on the blocking curves: per tier seconds (NAN where a bucket has no curve) and
 * weights (curve seconds when every used tier has them, else bytes). */
static void blocking_prices(struct rr_run *run, double w[RR_NTIERS])
{
    struct rr_params *p = &run->params;
    double bytes_t[RR_NTIERS] = {0, 0}, curve_s[RR_NTIERS] = {0, 0};
    int curve_ok[RR_NTIERS] = {1, 1}, used[RR_NTIERS] = {0, 0};
    for (size_t i = 0; i < run->nbuckets; i++) {
        const struct rr_bucket *b = &run->buckets[i];
        double t = run->has[RR_COMM] ? bucket_time(run, b) : NAN;
        used[b->tier] = 1;
        bytes_t[b->tier] += b->bytes;
        if (isnan(t))
            curve_ok[b->tier] = 0;
        else
            curve_s[b->tier] += t;
    }
    if (!used[RR_INTRA] && !used[RR_INTER]) /* no buckets: all comm on the widest tier */
        used[run->nnodes > 1 ? RR_INTER : RR_INTRA] = 1, bytes_t[run->nnodes > 1] = 1;
    int all = run->nbuckets > 0;
    for (int t = 0; t < RR_NTIERS; t++)
        all &= !used[t] || curve_ok[t];
    run->comm_blocking_s = 0;
    const struct rr_train_pattern *tp = &run->pattern;
    int from_pattern = tp->present && tp->blocking_s >= 0; /* the driver's price of its bytes */
    for (int t = 0; t < RR_NTIERS; t++) {
        p->tier_blocking_s[t] = !used[t] ? 0.0 : all ? curve_s[t] : NAN;
        run->comm_blocking_s += p->tier_blocking_s[t];
        w[t] = !used[t] ? 0 : all ? curve_s[t] : bytes_t[t];
    }
    if (from_pattern) {
        double wsum = w[RR_INTRA] + w[RR_INTER];
        for (int t = 0; t < RR_NTIERS; t++)
            p->tier_blocking_s[t] = wsum > 0 ? tp->blocking_s * w[t] / wsum : 0;
        run->comm_blocking_s = tp->blocking_s;
    }
}

/* The progress factor from the pattern progressed by test calls: during its calls x interval
 * of computation, alone - (progressed - calls x interval) of the alone time got done, so the
 * collectives advanced calls x interval / that as slowly as alone.  1 when they finished
 * within the computation (background progress: no slower than alone) or when not measured;
 * RR_PROGRESS_MAX when nothing advanced. */
#define RR_PROGRESS_MAX 1e6
/* Collectives that sat unprogressed can finish later than alone once waited for (the tail
 * after the computation exceeds the whole alone time): that excess over alone, as a fraction
 * of alone.  0 when not measured or when the tail is no longer than alone. */
static double stall_fraction(const struct rr_train_pattern *tp)
{
    double busy = tp->calls * tp->interval_s;
    if (!(tp->progressed_s > 0 && tp->alone_s > 0 && busy > 0))
        return 0.0;
    double left = tp->progressed_s - busy;
    return left > tp->alone_s ? (left - tp->alone_s) / tp->alone_s : 0.0;
}

static double progress_factor(const struct rr_train_pattern *tp)
{
    double busy = tp->calls * tp->interval_s;
    if (!(tp->progressed_s > 0 && tp->alone_s > 0 && busy > 0))
        return 1.0;
    double left = fmax(0.0, tp->progressed_s - busy), done = tp->alone_s - left;
    if (left <= 0)
        return 1.0;
    return done > busy / RR_PROGRESS_MAX ? fmax(1.0, busy / done) : RR_PROGRESS_MAX;
}

/* One step's communication of total seconds, split over the tiers by w. */
static void set_tiers(struct rr_params *p, double total, const double w[RR_NTIERS])
{
    double wsum = w[RR_INTRA] + w[RR_INTER];
    for (int t = 0; t < RR_NTIERS; t++)
        p->tier_s[t] = wsum > 0 ? total * w[t] / wsum : 0;
}

/* " (buckets of X exceed the largest measured message, Y: extrapolated, unreliable)" or "". */
static void extrapolated(const struct rr_run *run, char *b, size_t len)
{
    double big = 0, top = 0;
    char x[32], y[32];
    for (size_t i = 0; i < run->nbuckets; i++)
        big = fmax(big, run->buckets[i].bytes);
    for (size_t i = 0; i < run->nsweeps; i++)
        for (size_t j = 0; j < run->sweeps[i].npts; j++)
            top = fmax(top, run->sweeps[i].bytes[j]);
    b[0] = '\0';
    if (big > top && top > 0)
        snprintf(b, len, " (buckets of %s exceed the largest measured message, %s: "
                 "extrapolated, unreliable)", llmb_format_size((size_t)big, x, sizeof x),
                 llmb_format_size((size_t)top, y, sizeof y));
}

void rr_price_comm(struct rr_run *run, double w[RR_NTIERS])
{
    struct rr_params *p = &run->params;
    const struct rr_train_pattern *tp = &run->pattern;
    char a[32], b[32], c[32], ex[200];
    blocking_prices(run, w);
    p->progress = 1.0;
    p->stall = 0.0;
    p->window = run->overlap ? RR_BACKWARD_SHARE : 0.0;
    p->nbuckets = (int)run->nbuckets;
    run->pred_comm_independent = 1;
    if (tp->present && tp->alone_s > 0) {
        set_tiers(p, tp->alone_s, w);
        p->progress = progress_factor(tp);
        p->stall = stall_fraction(tp);
        snprintf(run->pred_comm_src, sizeof run->pred_comm_src,
                 "training's pattern replayed by the comm phase (train_pattern: %d %s "
                 "collectives, %d outstanding): %s alone", tp->nbuckets, tp->mode,
                 tp->outstanding, rr_format_time(tp->alone_s, a, sizeof a));
        char how[64];
        if (p->progress >= RR_PROGRESS_MAX && p->stall > 0)
            snprintf(how, sizeof how, "none done while computing, then %.0f%% slower than "
                     "alone", 100 * p->stall);
        else if (p->progress >= RR_PROGRESS_MAX)
            snprintf(how, sizeof how, "none done while computing");
        else if (p->progress > 1)
            snprintf(how, sizeof how, "progress factor %.2f", p->progress);
        else
            snprintf(how, sizeof how, "done while computing");
        if (tp->progressed_s > 0 && tp->calls * tp->interval_s > 0)
            rr_cat(run->pred_comm_src, sizeof run->pred_comm_src, ", %s with %d test calls one "
                   "per %s of computation (%s)", rr_format_time(tp->progressed_s, b, sizeof b),
                   tp->calls, rr_format_time(tp->interval_s, c, sizeof c), how);
        else
            rr_cat(run->pred_comm_src, sizeof run->pred_comm_src, "; progress while computing "
                   "not measured (taken as in the background)");
    } else if (run->comm_alone_s > 0) {
        set_tiers(p, run->comm_alone_s, w);
        snprintf(run->pred_comm_src, sizeof run->pred_comm_src,
                 "the train phase's comm_alone_s (one step's %zu collectives as training issues "
                 "them, run alone): %s; no train_pattern in this file, so how the collectives "
                 "progress while the ranks compute is not measured (taken as in the background)",
                 run->nbuckets, rr_format_time(run->comm_alone_s, a, sizeof a));
    } else if (isfinite(run->comm_blocking_s) && run->nbuckets > 0) {
        for (int t = 0; t < RR_NTIERS; t++)
            p->tier_s[t] = p->tier_blocking_s[t];
        extrapolated(run, ex, sizeof ex);
        snprintf(run->pred_comm_src, sizeof run->pred_comm_src,
                 "the comm phase's blocking busbw curves at the %zu bucket sizes of one step%s "
                 "(last resort: training's own pattern was not measured)", run->nbuckets, ex);
    } else {
        run->pred_comm_independent = 0; /* rr_comm_from_timers() fills it in */
    }
    int big = p->tier_s[RR_INTER] > p->tier_s[RR_INTRA] ||
              (p->tier_s[RR_INTER] == p->tier_s[RR_INTRA] && run->nnodes > 1);
    p->progress_tier = big ? RR_INTER : RR_INTRA;
    if (run->pred_comm_independent && p->window > 0)
        rr_cat(run->pred_comm_src, sizeof run->pred_comm_src, "; overlap: buckets communicated "
               "during the backward pass (%.0f%% of compute)", 100 * p->window);
}

void rr_comm_from_timers(struct rr_run *run, double tc)
{
    struct rr_params *p = &run->params;
    const double *m = run->meas;
    double exposed = m[RR_T_INTRA] + m[RR_T_INTER];
    double hf = run->overlap && run->hidden_frac >= 0 && run->hidden_frac < 1 ? run->hidden_frac
                                                                                 : 0.0;
    double total = exposed / (1.0 - hf);
    for (int t = 0; t < RR_NTIERS; t++)
        p->tier_s[t] = exposed > 0 ? total * m[RR_T_INTRA + t] / exposed : 0.0;
    if (exposed <= 0)
        p->tier_s[run->nnodes > 1 ? RR_INTER : RR_INTRA] = 0;
    p->window = tc > 0 ? hf * total / tc : 0.0;
    p->nbuckets = 0;
    p->progress = 1.0;
    snprintf(run->pred_comm_src, sizeof run->pred_comm_src, "the train comm timer (exposed "
             "communication / (1 - overlap_hidden_frac))%s",
             run->has[RR_COMM] ? "; the comm phase lacks a curve for a bucket" : "");
}
