/* bench/detail.c - the per-rank detail budget: which ranks keep their full detail
 * (bench/detail.h).  No MPI. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detail.h"
#include "stats.h"

struct dev {
    double z;
    int r;
};

/* largest z first, then the lower rank: the same order on every rank */
static int cmp_dev(const void *a, const void *b)
{
    const struct dev *x = a, *y = b;
    if (x->z != y->z)
        return x->z < y->z ? 1 : -1;
    return (x->r > y->r) - (x->r < y->r);
}

/* The finite values of x[n] into tmp (returns how many) and the indices of the lowest and the
 * highest (*lo, *hi: the first of equals; -1 when none is finite). */
static size_t finite_extremes(const double *x, int n, double *tmp, int *lo, int *hi)
{
    size_t m = 0;
    *lo = *hi = -1;
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            continue;
        tmp[m++] = x[i];
        if (*lo < 0 || x[i] < x[*lo])
            *lo = i;
        if (*hi < 0 || x[i] > x[*hi])
            *hi = i;
    }
    return m;
}

int llmb_detail_pick(const double *v, int nk, int n, int budget, char *keep)
{
    if (n <= budget) {
        memset(keep, 1, (size_t)n);
        return n;
    }
    memset(keep, 0, (size_t)n);
    double *tmp = malloc((size_t)n * sizeof *tmp);
    struct dev *d = calloc((size_t)n, sizeof *d);
    if (!tmp || !d) {
        free(tmp), free(d);
        memset(keep, 1, (size_t)n);
        return -1;
    }
    int kept = 0;
    for (int r = 0; r < n; r++)
        d[r].r = r;
    for (int k = 0; k < nk; k++) {
        const double *x = v + (size_t)k * n;
        int lo, hi;
        size_t m = finite_extremes(x, n, tmp, &lo, &hi);
        if (lo >= 0 && kept < budget && !keep[lo])
            keep[lo] = 1, kept++;
        if (hi >= 0 && kept < budget && !keep[hi])
            keep[hi] = 1, kept++;
        struct llmb_summary s;
        if (m == 0 || llmb_summarize(tmp, m, &s) != 0)
            continue;
        for (int r = 0; r < n; r++) {
            double z = isfinite(x[r]) ? fabs(llmb_robust_z(x[r], s.median, s.mad)) : INFINITY;
            if (z > d[r].z)
                d[r].z = z;
        }
    }
    qsort(d, (size_t)n, sizeof *d, cmp_dev);
    for (int i = 0; i < n && kept < budget && d[i].z > LLMB_DETAIL_Z; i++)
        if (!keep[d[i].r])
            keep[d[i].r] = 1, kept++;
    free(tmp), free(d);
    return kept;
}

json_t *llmb_detail_spread(const double *x, const int *who, int n)
{
    double *tmp = malloc((size_t)(n > 0 ? n : 1) * sizeof *tmp);
    int lo = -1, hi = -1;
    size_t m = tmp ? finite_extremes(x, n, tmp, &lo, &hi) : 0;
    json_t *j = m ? json_pack("{s:f, s:i, s:f, s:f, s:i}", "min", x[lo], "min_rank", who[lo],
                              "median", llmb_percentile(tmp, m, 0.5), "max", x[hi], "max_rank",
                              who[hi])
                  : json_null();
    free(tmp);
    return j;
}
