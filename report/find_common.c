/* Helpers shared by the findings' evaluation functions (report/find_*.c) and the driver
 * (report/findings.c): a new finding of a table row, the ranks and nodes it names, sets of
 * ranks, severity from time, compute excess.  Declared in report/findings.h; it calls no other
 * findings file, so the table (findings.c) and the evaluations depend on it, not on each
 * other. */
#include "findings.h"

#include "error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rr_finding *rr_finding_new(const struct rr_find_ctx *cx, const struct rr_finding_def *def,
                                  int sev)
{
    struct rr_findings *out = cx->out;
    if (out->n == out->cap) {
        size_t cap = out->cap ? 2 * out->cap : 16;
        struct rr_finding *v = realloc(out->v, cap * sizeof *v);
        if (!v) {
            llmb_error("out of memory");
            return NULL;
        }
        out->v = v;
        out->cap = cap;
    }
    struct rr_finding *f = &out->v[out->n];
    memset(f, 0, sizeof *f);
    f->def = def;
    f->id = def->id;
    f->sev = sev;
    f->run = cx->ri;
    f->prio = def->prio;
    f->seq = out->n++;
    f->time_lost_s = NAN;
    return f;
}

/* Append x to the list *v of *n (capacity *cap) unless it is there. */
static void add_once(int **v, int *n, int *cap, int x)
{
    if (*n == 0 || x <= (*v)[*n - 1]) /* out of order: look for it (in order: it is new) */
        for (int i = 0; i < *n; i++)
            if ((*v)[i] == x)
                return;
    if (*n == *cap) {
        int c = *cap ? 2 * *cap : 8;
        int *w = realloc(*v, (size_t)c * sizeof *w);
        if (!w) {
            llmb_error("out of memory");
            return;
        }
        *v = w, *cap = c;
    }
    (*v)[(*n)++] = x;
}

void rr_finding_add_rank(struct rr_finding *f, int r)
{
    add_once(&f->ranks, &f->nranks, &f->ranks_cap, r);
}

void rr_finding_add_node(struct rr_finding *f, int n)
{
    add_once(&f->nodes, &f->nnodes, &f->nodes_cap, n);
}

void rr_finding_add_set(struct rr_finding *f, const struct rr_run *run, const char *set)
{
    /* the ranks in order (appended at once); each node once, in the order of its first rank,
     * without searching the list for every rank (ranks x nodes) */
    char *seen = calloc((size_t)(run->nnodes > 0 ? run->nnodes : 1), 1);
    for (int k = 0; k < f->nnodes && seen; k++)
        seen[f->nodes[k]] = 1;
    for (int r = 0; r < run->nranks; r++) {
        if (!set[r])
            continue;
        rr_finding_add_rank(f, r);
        int nd = run->ranks[r].node;
        if (!seen)
            rr_finding_add_node(f, nd);
        else if (nd >= 0 && nd < run->nnodes && !seen[nd])
            seen[nd] = 1, rr_finding_add_node(f, nd);
    }
    free(seen);
}

const struct rr_finding *rr_finding_in_run(const struct rr_find_ctx *cx, const char *id)
{
    for (size_t i = cx->from; id && i < cx->out->n; i++)
        if (strcmp(cx->out->v[i].id, id) == 0)
            return &cx->out->v[i];
    return NULL;
}

char *rr_rank_set(const struct rr_run *run, int (*pick)(const struct rr_run *run, int r), int *n)
{
    char *set = calloc((size_t)(run->nranks > 0 ? run->nranks : 1), 1);
    *n = 0;
    for (int r = 0; set && r < run->nranks; r++)
        if (pick(run, r))
            set[r] = 1, (*n)++;
    return set;
}

int rr_sev_of_time(double t, double step, int dflt)
{
    if (!(t >= 0) || !(step > 0))
        return dflt;
    return t >= RR_SEV_CRIT_FRAC * step ? RR_CRITICAL
           : t >= RR_SEV_WARN_FRAC * step ? RR_WARNING : RR_INFO;
}

const char *rr_pct_of_step(double t, double step, char *buf, size_t len)
{
    if (t >= 0 && step > 0)
        snprintf(buf, len, " (%.1f%% of the step)", 100 * t / step);
    else
        buf[0] = '\0';
    return buf;
}

/* rr_excess() with the reference every rank, or with others_only the ranks NOT in set. */
static double excess_of(const struct rr_run *run, const char *in_set, int others_only)
{
    size_t ns = run->has[RR_TRAIN] ? rr_min_steps(run) : 0;
    int nref = 0;
    for (int r = 0; r < run->nranks; r++)
        nref += !others_only || !in_set[r];
    if (ns == 0 || nref == 0)
        return NAN;
    double *col = malloc((size_t)nref * sizeof *col), *per = malloc(ns * sizeof *per);
    if (!col || !per) {
        free(col), free(per);
        return NAN;
    }
    for (size_t s = 0; s < ns; s++) {
        double mx = 0;
        int k = 0;
        for (int r = 0; r < run->nranks; r++) {
            double c = run->ranks[r].compute[s];
            if (in_set[r] && c > mx)
                mx = c;
            if (!others_only || !in_set[r])
                col[k++] = c;
        }
        per[s] = fmax(0.0, mx - rr_median(col, (size_t)nref));
    }
    double m = rr_median(per, ns);
    free(col), free(per);
    return m;
}

double rr_excess(const struct rr_run *run, const char *in_set)
{
    return excess_of(run, in_set, 0);
}

double rr_excess_vs_others(const struct rr_run *run, const char *in_set)
{
    return excess_of(run, in_set, 1);
}

const char *rr_host(const struct rr_run *run, int r)
{
    return run->nodes[run->ranks[r].node].name;
}

/* ---------------------------------------------------------------- counterfactuals */
double rr_saved_by(const struct rr_run *run, void (*edit)(struct rr_params *p, const void *arg),
                   const void *arg)
{
    double now = rr_model_step_with(run, NULL, NULL), then = rr_model_step_with(run, edit, arg);
    return isnan(now) || isnan(then) ? NAN : now - then;
}

void rr_edit_tier_scale(struct rr_params *p, const void *arg)
{
    const double *k = arg;
    for (int t = 0; t < RR_NTIERS; t++) {
        p->tier_s[t] *= k[t];
        p->tier_blocking_s[t] *= k[t];
    }
}

/* Median of a per-rank array over the ranks not in set (all ranks when every one is in it);
 * NANs skipped. */
static double median_of(const double *a, int n, const char *set)
{
    double *v = a ? malloc((size_t)n * sizeof *v) : NULL;
    size_t k = 0;
    for (int pass = 0; v && pass < 2 && k == 0; pass++)
        for (int r = 0; r < n; r++)
            if (!isnan(a[r]) && (pass == 1 || !set[r]))
                v[k++] = a[r];
    double m = k ? rr_median(v, k) : NAN;
    free(v);
    return m;
}

void rr_edit_ranks_to_median(struct rr_params *p, const void *arg)
{
    const char *set = arg;
    double *arrays[3] = {p->rank_compute, p->rank_opt, p->rank_host};
    for (int a = 0; a < 3; a++) {
        double med = median_of(arrays[a], p->nranks, set);
        for (int r = 0; arrays[a] && r < p->nranks; r++)
            if (set[r])
                arrays[a][r] = med;
    }
}
