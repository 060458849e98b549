/* Comparing two runs (doc/design.md, "The step-time model and attribution"): the bootstrap CI
 * of the gap ratio and the Shapley attribution of the modelled gap over factor groups.  Each
 * group substitutes B's parameters of one resource into A's (struct rr_params marks the group
 * of every parameter), so a change in one resource moves its own factor. */
#include "report.h"

#include "metrics.h"
#include "stats.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const rr_group_names[RR_NGROUPS] = {"compute", "clocks", "memory", "comm_intra",
                                                "comm_inter", "wait", "other"};

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
    int progress_tier;      /* the comm group that carries the progress factor */
};

/* The model at A's parameters with B's in the groups of mask (struct rr_params marks each
 * parameter's group). */
static double v_ab(unsigned mask, void *ctx)
{
    const struct ab *x = ctx;
    const struct rr_params *b = &x->b;
    struct rr_params p = x->a;
    if (mask & (1u << RR_G_COMPUTE))
        p.comp_norm = b->comp_norm, p.rank_compute = b->rank_compute;
    if (mask & (1u << RR_G_CLOCKS))
        p.phi = b->phi;
    if (mask & (1u << RR_G_MEMORY))
        p.opt = b->opt, p.rank_opt = b->rank_opt;
    for (int t = 0; t < RR_NTIERS; t++)
        if (mask & (1u << (RR_G_INTRA + t))) {
            p.tier_s[t] = b->tier_s[t];
            if (x->progress_tier == t)
                p.progress = b->progress;
        }
    if (mask & (1u << RR_G_WAIT))
        p.wait = b->wait;
    if (mask & (1u << RR_G_OTHER))
        p.window = b->window, p.nbuckets = b->nbuckets, p.other = b->other,
        p.rank_host = b->rank_host;
    return rr_model_time(&p, NULL);
}

/* The k-th smallest of x[0..n) (x reordered: everything after index k is at least it);
 * quickselect, O(n) on the bootstrap's random resamples. */
static double select_k(double *x, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double piv = x[lo + (hi - lo) / 2], t;
        size_t i = lo, j = hi;
        for (;;) {
            while (x[i] < piv)
                i++;
            while (x[j] > piv)
                j--;
            if (i >= j)
                break;
            t = x[i], x[i] = x[j], x[j] = t;
            i++, j--;
        }
        if (k <= j)
            hi = j;
        else
            lo = j + 1;
    }
    return x[k];
}

/* The median of x as rr_median gives it (the same number), x reordered: O(n), not a sort. */
static double median_of(double *x, size_t n)
{
    size_t i = (n - 1) / 2;
    double a = select_k(x, n, i);
    if (n % 2)
        return a;
    double b = x[i + 1];
    for (size_t j = i + 2; j < n; j++)
        b = x[j] < b ? x[j] : b;
    return a + 0.5 * (b - a);
}

/* At most BOOT_MAX samples of x[0..n) into out, evenly spaced over the run (all of them when
 * there are no more): the bootstrap's cost does not grow with the steps, and its interval from
 * fewer samples is only wider (conservative).  Returns how many. */
enum { NBOOT = 2000, BOOT_MAX = 4096 };
static size_t thin(const double *x, size_t n, double *out)
{
    size_t m = n < BOOT_MAX ? n : BOOT_MAX;
    for (size_t j = 0; j < m; j++)
        out[j] = x[m == n ? j : (size_t)((double)j * (double)n / (double)m)];
    return m;
}

/* Ratio of medians, 95% percentile bootstrap over the per-step samples of both runs (at most
 * BOOT_MAX of each). */
static void bootstrap(const double *a0, size_t na0, const double *b0, size_t nb0, double *lo,
                      double *hi)
{
    double a[BOOT_MAX], b[BOOT_MAX], ra[BOOT_MAX], rb[BOOT_MAX], ratios[NBOOT];
    size_t na = thin(a0, na0, a), nb = thin(b0, nb0, b);
    *lo = *hi = NAN;
    if (na == 0 || nb == 0)
        return;
    uint64_t st = 0x6c6c6d62656e6368ull; /* fixed seed: the same files give the same CI */
    size_t k = 0;
    for (int i = 0; i < NBOOT; i++) {
        for (size_t j = 0; j < na; j++)
            ra[j] = a[llmb_splitmix64(&st) % na];
        for (size_t j = 0; j < nb; j++)
            rb[j] = b[llmb_splitmix64(&st) % nb];
        double ma = median_of(ra, na), mb = median_of(rb, nb);
        if (ma > 0)
            ratios[k++] = mb / ma;
    }
    if (k > 0) {
        *lo = llmb_percentile(ratios, k, 0.025);
        *hi = llmb_percentile(ratios, k, 0.975);
    }
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

/* The curve of a collective to compare: world, else inter, else intra (out of place first). */
static const struct rr_sweep *offer_curve(const struct rr_run *r, const char *coll)
{
    static const char *const groups[] = {"world", "inter", "intra"};
    const struct rr_sweep *s = NULL;
    for (int g = 0; g < 3 && !s; g++)
        s = rr_find_sweep(r, coll, groups[g]);
    return s;
}

/* The comm phases side by side: per collective both measured, B's busbw over A's. */
static void compare_comm(const struct rr_run *a, const struct rr_run *b, struct rr_compare *c)
{
    if (!a->has[RR_COMM] || !b->has[RR_COMM])
        return;
    for (int k = 0; k < LLMB_COLL_COUNT; k++) {
        const char *name = llmb_coll_name((enum llmb_coll)k);
        const struct rr_sweep *sa = offer_curve(a, name), *sb = offer_curve(b, name);
        if (!sa || !sb || !sa->npts || !sb->npts)
            continue;
        double lo = fmax(sa->bytes[0], sb->bytes[0]);
        double hi = fmin(sa->bytes[sa->npts - 1], sb->bytes[sb->npts - 1]);
        double *r = malloc(sa->npts * sizeof *r), big = -1;
        size_t n = 0;
        if (!r)
            return;
        for (size_t i = 0; i < sa->npts; i++)
            if (sa->bytes[i] >= lo && sa->bytes[i] <= hi && sa->busbw[i] > 0) {
                double vb = rr_curve_busbw(sb, sa->bytes[i]);
                if (vb >= 0 && isfinite(vb))
                    r[n++] = vb / sa->busbw[i], big = sa->bytes[i];
            }
        if (n) {
            struct rr_comm_cmp *x = &c->comm[c->ncomm++];
            x->coll = k;
            x->na = sa->nranks, x->nb = sb->nranks;
            llmb_strlcpy(x->ga, sa->group, sizeof x->ga);
            llmb_strlcpy(x->gb, sb->group, sizeof x->gb);
            x->npts = (int)n;
            x->lo = lo, x->hi = big;
            x->ratio_med = rr_median(r, n);
            x->a_big = rr_curve_busbw(sa, big), x->b_big = rr_curve_busbw(sb, big);
        }
        free(r);
    }
}

void rr_compare_runs(const struct rr_run *a, const struct rr_run *b, struct rr_compare *c)
{
    memset(c, 0, sizeof *c);
    c->same_workload = 1;
    c->ratio = c->ci_lo = c->ci_hi = c->unexplained = c->pred_a = c->pred_b = NAN;
    if (a->nranks != b->nranks)
        add_diff(c, "ranks %d vs %d", a->nranks, b->nranks);
    compare_comm(a, b, c);
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
    struct ab x = {a->params, b->params, a->params.progress_tier};
    if (x.a.nranks != x.b.nranks) { /* per-rank figures do not pair up: a fixed wait each */
        x.a.wait = rr_model_wait(&x.a), x.b.wait = rr_model_wait(&x.b);
        x.a.nranks = x.b.nranks = 0;
    }
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
