/* Robust summaries of raw samples (doc/design.md, "Metric definitions", "Statistics").
 *
 * Every figure llmbench reports is a summary of raw per-iteration samples: median, p10, p90,
 * min, max, mean, median absolute deviation and the coefficient of variation (stddev / mean);
 * never the mean alone.
 * Percentiles use linear interpolation between closest ranks (numpy's default). */
#ifndef LLMB_STATS_H
#define LLMB_STATS_H

#include <stddef.h>
#include <jansson.h>

/* Fewer samples than this make a summary "unreliable" (flagged in the JSON). */
#define LLMB_MIN_SAMPLES 5

struct llmb_summary {
    size_t n;       /* number of samples */
    double median;  /* same unit as the samples */
    double p10, p90;
    double min, max;
    double mean;
    double cv;      /* stddev / mean; 0 when n < 2 or mean == 0 */
    double mad;     /* median absolute deviation */
};

/* Summarize n samples (n may be 0: everything 0).  x is not modified.  Returns 0, or -1
 * (message printed) when out of memory or a sample is NaN/inf. */
int llmb_summarize(const double *x, size_t n, struct llmb_summary *s);

/* Percentile q in [0,1] of n samples (copy sorted internally). */
double llmb_percentile(const double *x, size_t n, double q);

/* The best of n values x[0], x[stride], ..., x[(n - 1) * stride], NaN ones skipped: the largest
 * when larger is nonzero, else the smallest; NaN when every one is NaN (or n is 0).  The link
 * matrix's passes combine this way (bandwidth: the largest, latency: the smallest). */
double llmb_best_of(const double *x, size_t n, size_t stride, int larger);

/* {"n", "median_s", "p10_s", "p90_s", "min_s", "max_s", "mean_s", "mad_s", "cv"} when unit is
 * "s"; the suffix follows unit ("_gbs", ...; "" for none).  Adds "unreliable": true when
 * n < LLMB_MIN_SAMPLES.  New reference. */
json_t *llmb_summary_json(const struct llmb_summary *s, const char *unit);

/* Robust z-score of v against median and MAD (scaled by 1.4826); 0 when MAD is 0 and v equals
 * the median, +-inf-like 1e9 when MAD is 0 and v differs. */
double llmb_robust_z(double v, double median, double mad);

#endif
