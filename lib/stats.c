#include "stats.h"
#include "results.h"
#include "error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double sorted_percentile(const double *s, size_t n, double q)
{
    if (n == 0)
        return 0.0;
    if (q <= 0)
        return s[0];
    if (q >= 1)
        return s[n - 1];
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    double frac = pos - (double)i;
    if (i + 1 >= n)
        return s[n - 1];
    return s[i] + frac * (s[i + 1] - s[i]);
}

double llmb_best_of(const double *x, size_t n, size_t stride, int larger)
{
    double best = NAN;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * stride];
        if (!isnan(v) && (isnan(best) || (larger ? v > best : v < best)))
            best = v;
    }
    return best;
}

double llmb_percentile(const double *x, size_t n, double q)
{
    if (n == 0)
        return 0.0;
    double *s = malloc(n * sizeof *s);
    if (!s)
        return NAN;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    double v = sorted_percentile(s, n, q);
    free(s);
    return v;
}

int llmb_summarize(const double *x, size_t n, struct llmb_summary *out)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    if (n == 0)
        return 0;
    double *s = malloc(n * sizeof *s);
    if (!s)
        return llmb_error("out of memory summarizing %zu samples", n);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i])) {
            free(s);
            return llmb_error("sample %zu of %zu is not a finite number", i, n);
        }
        s[i] = x[i];
        sum += x[i];
    }
    qsort(s, n, sizeof *s, cmp_double);
    out->min = s[0];
    out->max = s[n - 1];
    out->median = sorted_percentile(s, n, 0.5);
    out->p10 = sorted_percentile(s, n, 0.10);
    out->p90 = sorted_percentile(s, n, 0.90);
    out->mean = sum / (double)n;
    if (n > 1 && out->mean != 0) {
        double ss = 0;
        for (size_t i = 0; i < n; i++)
            ss += (x[i] - out->mean) * (x[i] - out->mean);
        out->cv = sqrt(ss / (double)(n - 1)) / fabs(out->mean);
    }
    for (size_t i = 0; i < n; i++)
        s[i] = fabs(s[i] - out->median);
    qsort(s, n, sizeof *s, cmp_double);
    out->mad = sorted_percentile(s, n, 0.5);
    free(s);
    return 0;
}

json_t *llmb_summary_json(const struct llmb_summary *s, const char *unit)
{
    char k[7][32];
    const char *base[7] = {"median", "p10", "p90", "min", "max", "mean", "mad"};
    const double v[7] = {s->median, s->p10, s->p90, s->min, s->max, s->mean, s->mad};
    json_t *o = json_object();
    json_object_set_new(o, "n", json_integer((json_int_t)s->n));
    for (int i = 0; i < 7; i++) {
        snprintf(k[i], sizeof k[i], "%s%s%s", base[i], unit && *unit ? "_" : "", unit ? unit : "");
        /* seconds carry nanoseconds (lib/results.h); other units all their digits */
        json_object_set_new(o, k[i], unit && strcmp(unit, "s") == 0 ? llmb_json_seconds(v[i])
                                                                     : json_real(v[i]));
    }
    json_object_set_new(o, "cv", json_real(s->cv));
    if (s->n < LLMB_MIN_SAMPLES)
        json_object_set_new(o, "unreliable", json_true());
    return o;
}

double llmb_robust_z(double v, double median, double mad)
{
    double scale = 1.4826 * mad;
    if (scale <= 0)
        return v == median ? 0.0 : (v > median ? 1e9 : -1e9);
    return (v - median) / scale;
}
