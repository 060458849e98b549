/* bench/comm_analyze.c - rank 0's analysis of one point of the comm phase: from every
 * member's arrival and exit times on the common clock, the operation time (last exit - last
 * arrival), the arrival skew, each rank's wait, lateness and time inside, and the kept samples.
 * No MPI.  Definitions: doc/methodology.md. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "comm.h"
#include "detail.h"
#include "error.h"
#include "metrics.h"
#include "results.h"
#include "stats.h"

static double median_of(const double *x, size_t n)
{
    return llmb_percentile(x, n, 0.5);
}

static json_t *real_array(const double *x, size_t n, double sub)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, llmb_json_seconds(x[i] - sub));
    return a;
}

static json_t *summary(const double *x, size_t n)
{
    struct llmb_summary s;
    if (llmb_summarize(x, n, &s) < 0)
        return json_null();
    return llmb_summary_json(&s, "s");
}

/* One point's figures: per iteration (op, skew, per communicator op), per member (wait and
 * time inside per iteration, lateness, how often last). */
struct point_stats {
    int M, ncol, iters;        /* members, communicators, iterations */
    int *who;                  /* [M] world rank of each member */
    int *last;                 /* [M] iterations it arrived last in its communicator */
    double *op, *skew;         /* [iters] slowest communicator's op time; largest skew */
    double *wait, *inside;     /* [M][iters] */
    double *late;              /* [M] sum of arrival - median arrival */
    double *col_op;            /* [ncol][iters] op time of each communicator (NaN: empty) */
    double t_first;            /* earliest arrival: the samples' origin */
};

static void stats_free(struct point_stats *st)
{
    free(st->who); free(st->last); free(st->op); free(st->skew); free(st->wait);
    free(st->inside); free(st->late); free(st->col_op);
}

/* Iteration k of communicator c: last arrival, last exit, median arrival, waits. */
static void stats_iteration(struct point_stats *st, const double *all, const int *colors, int k,
                            int c, double *tmp)
{
    int iters = st->iters, n = 0, lastm = -1;
    double la = -INFINITY, le = -INFINITY;
#define ARR(m, k) all[(size_t)(m) * 2 * iters + (k)]
#define EXT(m, k) all[(size_t)(m) * 2 * iters + iters + (k)]
    for (int m = 0; m < st->M; m++) {
        if (colors[st->who[m]] != c)
            continue;
        tmp[n++] = ARR(m, k);
        if (ARR(m, k) > la)
            la = ARR(m, k), lastm = m;
        if (EXT(m, k) > le)
            le = EXT(m, k);
    }
    if (n == 0) {
        st->col_op[(size_t)c * iters + k] = NAN;
        return;
    }
    double med = llmb_percentile(tmp, (size_t)n, 0.5);
    for (int m = 0; m < st->M; m++) {
        if (colors[st->who[m]] != c)
            continue;
        st->wait[(size_t)m * iters + k] = la - ARR(m, k);
        st->inside[(size_t)m * iters + k] = EXT(m, k) - ARR(m, k);
        st->late[m] += ARR(m, k) - med;
    }
#undef ARR
#undef EXT
    st->last[lastm]++;
    st->col_op[(size_t)c * iters + k] = le - la;
    if (le - la > st->op[k])
        st->op[k] = le - la;
    if (la - med > st->skew[k])
        st->skew[k] = la - med;
}

static void stats_compute(struct point_stats *st, int nranks, int iters, const double *all,
                          const int *colors)
{
    st->iters = iters;
    for (int r = 0; r < nranks; r++)
        if (colors[r] >= 0) {
            st->M++;
            if (colors[r] + 1 > st->ncol)
                st->ncol = colors[r] + 1;
        }
    size_t M = (size_t)st->M, it = (size_t)iters;
    st->who = malloc(M * sizeof *st->who);
    st->last = calloc(M ? M : 1, sizeof *st->last);
    st->op = malloc(it * sizeof *st->op);
    st->skew = malloc(it * sizeof *st->skew);
    st->wait = malloc(M * it * sizeof *st->wait);
    st->inside = malloc(M * it * sizeof *st->inside);
    st->late = calloc(M ? M : 1, sizeof *st->late);
    st->col_op = malloc((size_t)(st->ncol > 0 ? st->ncol : 1) * it * sizeof *st->col_op);
    double *tmp = malloc((M ? M : 1) * sizeof *tmp);
    if (!st->who || !st->last || !st->op || !st->skew || !st->wait || !st->inside || !st->late ||
        !st->col_op || !tmp)
        llmb_abort(LLMB_EFAIL, "out of memory analysing a point");
    for (int r = 0, m = 0; r < nranks; r++)
        if (colors[r] >= 0)
            st->who[m++] = r;
    st->t_first = INFINITY;
    for (size_t k = 0; k < M * 2 * it; k++)
        if (k % (2 * it) < it && all[k] < st->t_first)
            st->t_first = all[k];
    for (int k = 0; k < iters; k++) {
        st->op[k] = st->skew[k] = -INFINITY;
        for (int c = 0; c < st->ncol; c++)
            stats_iteration(st, all, colors, k, c, tmp);
    }
    free(tmp);
}

/* The per-communicator medians (groups of several communicators) and the per-rank figures:
 * of every member up to `budget` members, beyond it of the outlying members only
 * (llmb_detail_pick) with per_rank_summary: the spread of each figure over every member. */
static void ranks_json(const struct point_stats *st, const struct group *g, const int *colors,
                       int budget, json_t *pt)
{
    int iters = st->iters;
    if (g->ncomms > 1) {
        json_t *cm = json_array();
        for (int c = 0; c < st->ncol; c++) {
            double *x = st->col_op + (size_t)c * iters;
            if (isnan(x[0]))
                continue;
            int first = -1;
            for (int m = 0; m < st->M && first < 0; m++)
                if (colors[st->who[m]] == c)
                    first = st->who[m];
            json_array_append_new(cm, json_pack("{s:i, s:f}", "first_rank", first, "op_median_s",
                                                median_of(x, (size_t)iters)));
        }
        json_object_set_new(pt, "comms", cm);
    }
    /* per member: wait, lateness, last fraction, time inside */
    static const char *const keys[] = {"wait_median_s", "lateness_mean_s", "last_frac",
                                       "inside_median_s"};
    enum { NK = sizeof keys / sizeof *keys };
    size_t M = (size_t)st->M;
    double *v = malloc((M ? M : 1) * NK * sizeof *v);
    char *keep = malloc(M ? M : 1);
    if (!v || !keep)
        llmb_abort(LLMB_EFAIL, "out of memory analysing a point");
    for (size_t m = 0; m < M; m++) {
        v[m] = median_of(st->wait + m * iters, (size_t)iters);
        v[M + m] = st->late[m] / iters;
        v[2 * M + m] = (double)st->last[m] / iters;
        v[3 * M + m] = median_of(st->inside + m * iters, (size_t)iters);
    }
    /* beyond the budget: the outlying members listed, every member in the spreads */
    int listed = llmb_detail_pick(v, NK, st->M, budget, keep);
    json_t *pr = json_array();
    for (size_t m = 0; m < M; m++)
        if (keep[m] || listed < 0)
            json_array_append_new(pr, json_pack("{s:i, s:f, s:f, s:f, s:f}", "rank", st->who[m],
                                                keys[0], v[m], keys[1], v[M + m], keys[2],
                                                v[2 * M + m], keys[3], v[3 * M + m]));
    if (listed >= 0 && listed < st->M) {
        json_t *sum = json_pack("{s:i, s:i, s:i}", "members", st->M, "listed", listed,
                                "budget_ranks", budget);
        for (int k = 0; k < NK; k++)
            json_object_set_new(sum, keys[k], llmb_detail_spread(v + (size_t)k * M, st->who,
                                                                 st->M));
        json_object_set_new(pt, "per_rank_summary", sum);
    }
    free(v), free(keep);
    json_object_set_new(pt, "per_rank", pr);
}

/* The raw samples kept: op times, and arrivals and exits of the first `kept` iterations
 * (COMM_KEEP_ITERS at most, COMM_MIN_KEPT at least) of at most COMM_SAMPLE_BUDGET / kept
 * members, evenly spaced (all of them while they fit): at most COMM_SAMPLE_BUDGET of each kind
 * per point whatever the ranks (256 ranks kept 20 x 256 before).  `rows` names the members'
 * world ranks.  The summaries (per_rank) are of every iteration of every member (beyond
 * --detail-ranks members, of the outlying members; per_rank_summary spans all of them). */
static json_t *samples_json(const struct point_stats *st, const double *all)
{
    int iters = st->iters, kept = COMM_SAMPLE_BUDGET / (st->M > 0 ? st->M : 1);
    kept = kept > COMM_KEEP_ITERS ? COMM_KEEP_ITERS : kept < COMM_MIN_KEPT ? COMM_MIN_KEPT : kept;
    kept = kept > iters ? iters : kept; /* a point of 5 iterations among 256 ranks kept 20: the
                                         * exits and the next rank's arrivals as its own */
    int nrows = kept > 0 && st->M > COMM_SAMPLE_BUDGET / kept ? COMM_SAMPLE_BUDGET / kept : st->M;
    json_t *arr = json_array(), *ext = json_array(), *rows = json_array();
    for (int k = 0; k < nrows; k++) {
        int m = (int)((long long)k * st->M / nrows);
        const double *a = all + (size_t)m * 2 * iters;
        json_array_append_new(rows, json_integer(st->who[m]));
        json_array_append_new(arr, real_array(a, (size_t)kept, st->t_first));
        json_array_append_new(ext, real_array(a + iters, (size_t)kept, st->t_first));
    }
    return json_pack("{s:o, s:i, s:o, s:o, s:o}", "op_s", real_array(st->op, (size_t)iters, 0),
                     "kept_iters", kept, "rows", rows, "arrive_s", arr, "exit_s", ext);
}

json_t *llmb_comm_analyze(const struct phase *ph, const struct group *g, enum llmb_coll coll,
                          size_t bytes, size_t count, int iters, const double *all,
                          const int *colors, long long wrong, double *op_median,
                          double *skew_median)
{
    struct point_stats st = {0};
    stats_compute(&st, ph->ctx->size, iters, all, colors);
    json_t *pt = json_object();
    json_object_set_new(pt, "bytes", json_integer((json_int_t)bytes));
    json_object_set_new(pt, "count", json_integer((json_int_t)count));
    json_object_set_new(pt, "osu_bytes", json_integer((json_int_t)llmb_coll_osu_bytes(coll, bytes, g->nranks)));
    json_object_set_new(pt, "iters", json_integer(iters));
    json_object_set_new(pt, "verify_iters", json_integer(COMM_VERIFY_ITERS));
    json_object_set_new(pt, "op", summary(st.op, (size_t)iters));
    struct llmb_summary so, ss;
    if (llmb_summarize(st.op, (size_t)iters, &so) < 0)
        so.median = 0;
    if (llmb_summarize(st.skew, (size_t)iters, &ss) < 0)
        ss.median = 0;
    *op_median = so.median;
    *skew_median = ss.median;
    /* A point whose verification found wrong elements is an error with a count, never a
     * bandwidth: null, like a figure that could not be measured. */
    int rate_ok = so.median > 0 && wrong == 0;
    json_object_set_new(pt, "algbw_gbs", rate_ok ? json_real(llmb_algbw_gbs((double)bytes, so.median)) : json_null());
    json_object_set_new(pt, "busbw_gbs", rate_ok ? json_real(llmb_busbw_gbs(coll, g->nranks, (double)bytes, so.median)) : json_null());
    json_object_set_new(pt, "arrival_skew", summary(st.skew, (size_t)iters));
    json_object_set_new(pt, "wrong", json_integer(wrong));
    ranks_json(&st, g, colors, ph->opt->detail_ranks, pt);
    json_object_set_new(pt, "samples", samples_json(&st, all));
    stats_free(&st);
    return pt;
}
