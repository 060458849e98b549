/* Queries on a loaded run (struct rr_run) shared by the reporter's subsystems: medians over
 * ranks and steps, a rank's train compute, the comm phase's curves.  A leaf: it calls no other
 * file of report/, so specs.c, model.c and the findings can all use it. */
#include "report.h"

#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

double rr_median(const double *x, size_t n)
{
    return n ? llmb_percentile(x, n, 0.5) : NAN;
}

double rr_rank_median(const struct rr_run *run, size_t off)
{
    double *v = malloc((size_t)run->nranks * sizeof *v);
    size_t n = 0;
    if (!v)
        return NAN;
    for (int r = 0; r < run->nranks; r++) {
        double x = *(const double *)((const char *)&run->ranks[r] + off);
        if (!isnan(x))
            v[n++] = x;
    }
    double m = n ? rr_median(v, n) : NAN;
    free(v);
    return m;
}

size_t rr_min_steps(const struct rr_run *run)
{
    size_t ns = (size_t)-1;
    for (int r = 0; r < run->nranks; r++)
        ns = run->ranks[r].nsteps < ns ? run->ranks[r].nsteps : ns;
    return run->nranks > 0 ? ns : 0;
}

double rr_rank_compute(const struct rr_run *run, int r)
{
    const struct rr_rank *rk = &run->ranks[r];
    return rk->compute ? rr_median(rk->compute, rk->nsteps) : NAN;
}

const struct rr_sweep *rr_find_sweep(const struct rr_run *run, const char *coll,
                                     const char *group)
{
    const struct rr_sweep *any = NULL;
    for (size_t i = 0; i < run->nsweeps; i++) {
        const struct rr_sweep *s = &run->sweeps[i];
        if (strcmp(s->coll, coll) || strcmp(s->group, group) || s->npts == 0)
            continue;
        if (strcmp(s->placement, "in") != 0)
            return s;
        any = s;
    }
    return any;
}

double rr_curve_busbw(const struct rr_sweep *s, double bytes)
{
    double lx = NAN, ly = NAN, hx = NAN, hy = NAN;
    for (size_t i = 0; i < s->npts; i++) {
        if (!(s->bytes[i] > 0 && s->busbw[i] > 0))
            continue;
        if (s->bytes[i] <= bytes)
            lx = s->bytes[i], ly = s->busbw[i];
        if (s->bytes[i] >= bytes && isnan(hx))
            hx = s->bytes[i], hy = s->busbw[i];
    }
    if (isnan(lx))
        return hy;
    if (isnan(hx) || hx == lx)
        return ly;
    double t = (log(bytes) - log(lx)) / (log(hx) - log(lx));
    return exp(log(ly) + t * (log(hy) - log(ly)));
}
