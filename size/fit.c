/* The formulas of the projection (doc/sizing.md): the least-squares line of a comm curve, the
 * ring and tree costs of the collectives, interpolation in log(FLOPs), the pipeline bubble, the
 * cost arithmetic.  Pure functions: tests/size/test_size.c checks each against worked
 * examples. */
#include "size/size.h"

#include <math.h>

const char *const sz_band_names[SZ_NBANDS] = {"p10", "median", "p90"};

/* Weighted least squares of t = a + c S with weights w = 1/t^2; a fixed at 0 when fit0. */
static int solve(const double *x, const double *t, size_t n, int fit0, double *a, double *c)
{
    double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        double w = 1.0 / (t[i] * t[i]);
        sw += w, sx += w * x[i], sy += w * t[i], sxx += w * x[i] * x[i], sxy += w * x[i] * t[i];
    }
    if (fit0) {
        *a = 0;
        *c = sxx > 0 ? sxy / sxx : NAN;
        return sxx > 0 ? 0 : -1;
    }
    double det = sw * sxx - sx * sx;
    if (!(fabs(det) > 0))
        return -1;
    *a = (sxx * sy - sx * sxy) / det;
    *c = (sw * sxy - sx * sy) / det;
    return 0;
}

void sz_fit_line(const double *bytes, const double *t, size_t n, struct sz_line *out)
{
    *out = (struct sz_line){0, 0, NAN, NAN, NAN, NAN, NAN, NAN};
    double x[1024], y[1024];
    size_t k = 0;
    for (size_t i = 0; i < n && k < 1024; i++)
        if (bytes[i] > 0 && t[i] > 0 && isfinite(bytes[i]) && isfinite(t[i]))
            x[k] = bytes[i], y[k] = t[i], k++;
    if (k < 2)
        return;
    double a, c;
    if (solve(x, y, k, 0, &a, &c) < 0)
        return;
    if (a < 0 && solve(x, y, k, 1, &a, &c) < 0)
        return;
    if (!(c > 0))
        return;
    double ss = 0, mx = 0, lo = INFINITY, hi = 0;
    for (size_t i = 0; i < k; i++) {
        double r = (a + c * x[i] - y[i]) / y[i];
        ss += r * r;
        mx = fmax(mx, fabs(r));
        lo = fmin(lo, x[i]), hi = fmax(hi, x[i]);
    }
    *out = (struct sz_line){1, k, a, 1.0 / c / 1e9, sqrt(ss / k), mx, lo, hi};
}

double sz_line_time(const struct sz_line *l, double bytes)
{
    return l->ok ? l->a_s + bytes / (l->bw_gbs * 1e9) : NAN;
}

double sz_ring_allreduce(int p, double alpha_s, double beta_gbs, double bytes)
{
    if (p <= 1)
        return 0;
    return 2.0 * (p - 1) * alpha_s + 2.0 * (p - 1) / p * bytes / (beta_gbs * 1e9);
}

double sz_tree_allreduce(int p, double alpha_s, double beta_gbs, double bytes)
{
    if (p <= 1)
        return 0;
    return 2.0 * log2(p) * alpha_s + 2.0 * bytes / (beta_gbs * 1e9);
}

double sz_ring_hops(int coll, int p)
{
    if (p <= 1)
        return 0;
    switch (coll) {
    case LLMB_COLL_ALLREDUCE: return 2.0 * (p - 1);
    case LLMB_COLL_SENDRECV: return 1.0;
    default: return p - 1.0;
    }
}

double sz_coll_time(int coll, int p, double alpha_s, double beta_gbs, double bytes,
                    const char **algo)
{
    const char *dummy;
    if (!algo)
        algo = &dummy;
    *algo = "ring";
    if (!(beta_gbs > 0) || !(alpha_s >= 0))
        return NAN;
    if (coll == LLMB_COLL_SENDRECV) {
        *algo = "p2p";
        return alpha_s + bytes / (beta_gbs * 1e9);
    }
    if (p <= 1)
        return 0;
    double bw = bytes / (beta_gbs * 1e9);
    switch (coll) {
    case LLMB_COLL_ALLREDUCE: {
        double r = sz_ring_allreduce(p, alpha_s, beta_gbs, bytes);
        double t = sz_tree_allreduce(p, alpha_s, beta_gbs, bytes);
        if (t < r)
            *algo = "tree";
        return fmin(r, t);
    }
    case LLMB_COLL_BROADCAST: {
        double r = (p - 1) * alpha_s + bw, t = log2(p) * alpha_s + bw;
        if (t < r)
            *algo = "tree";
        return fmin(r, t);
    }
    default:
        return (p - 1) * alpha_s + (p - 1.0) / p * bw;
    }
}

double sz_bubble(int p, int m)
{
    return p >= 1 && m >= 1 ? (p - 1.0) / (m + p - 1.0) : NAN;
}

double sz_interp_log(const double *x, const double *y, size_t n, double at, int *outside)
{
    int dummy;
    if (!outside)
        outside = &dummy;
    *outside = 0;
    if (n == 0)
        return NAN;
    if (at <= x[0]) {
        *outside = at < x[0] ? -1 : 0;
        return y[0];
    }
    if (at >= x[n - 1]) {
        *outside = at > x[n - 1] ? 1 : 0;
        return y[n - 1];
    }
    size_t i = 1;
    while (i < n - 1 && x[i] < at)
        i++;
    double f = (log(at) - log(x[i - 1])) / (log(x[i]) - log(x[i - 1]));
    return y[i - 1] + f * (y[i] - y[i - 1]);
}

double sz_usd_per_mtok(int gpus, double usd_per_gpu_hour, double tokens_per_s)
{
    if (!(gpus > 0 && usd_per_gpu_hour > 0 && tokens_per_s > 0))
        return NAN;
    return gpus * usd_per_gpu_hour / 3600.0 * 1e6 / tokens_per_s;
}

double sz_usd_total(int gpus, double usd_per_gpu_hour, double tokens_per_s, double tokens)
{
    if (!(tokens > 0))
        return NAN;
    return sz_usd_per_mtok(gpus, usd_per_gpu_hour, tokens_per_s) * tokens / 1e6;
}
