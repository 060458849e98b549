/* The comm phase of a results file (doc/results-schema.md, phases.comm): the sweeps, the link
 * matrix, and training's pattern as the comm phase replayed it (train_pattern, optional).
 * Part of the loader (report/load.h). */
#include "load.h"

#include "error.h"
#include "metrics.h"
#include "results.h"
#include "stats.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- comm */
static int cmp_pts(const void *x, const void *y)
{
    const double *a = x, *b = y;
    return (a[0] > b[0]) - (a[0] < b[0]);
}

static int load_sweep(struct rr_ld_ctx *c, const char *p, json_t *e, struct rr_sweep *s)
{
    const char *f = c->file;
    char q[1100], k[1300];
    if (rr_ld_str(f, p, e, "collective", 1, s->coll, sizeof s->coll) < 0 ||
        rr_ld_str(f, p, e, "group", 1, s->group, sizeof s->group) < 0 ||
        rr_ld_str(f, p, e, "placement", 0, s->placement, sizeof s->placement) < 0)
        return -1;
    s->coll_id = llmb_coll_from_name(s->coll);
    if (s->coll_id < 0) {
        char names[256];
        llmb_coll_name_list(names, sizeof names, ", ", LLMB_COLL_COUNT);
        return llmb_results_error(f, llmb_jpath_key(q, sizeof q, p, "collective"),
                                  "expected one of %s; found \"%s\"", names, s->coll);
    }
    if (strcmp(s->group, "world") && strcmp(s->group, "intra") && strcmp(s->group, "inter"))
        return llmb_results_error(f, llmb_jpath_key(q, sizeof q, p, "group"),
                                  "expected world, intra or inter; found \"%s\"", s->group);
    if (rr_ld_int(f, p, e, "nranks", 1, c->run->nranks, 1, &s->nranks) < 0)
        return -1;
    int bad = 0;
    json_t *pts = llmb_jget(f, p, e, "points", JSON_ARRAY, 1, &bad);
    if (!pts)
        return -1;
    size_t n = json_array_size(pts);
    if (n > RR_MAX_POINTS)
        return llmb_results_error(f, llmb_jpath_key(q, sizeof q, p, "points"), "%zu points: "
                                  "expected at most %d (sizes MIN to MAX by a factor of 2 or more "
                                  "are at most 64)", n, RR_MAX_POINTS);
    /* row: bytes, busbw, algbw, op, skew, iters, wrong, op min, op max, op p10, op p90 */
    enum { W = 11 };
    double *rows = calloc(n ? n * W : 1, sizeof *rows);
    if (!rows)
        return llmb_error("out of memory");
    llmb_jpath_key(q, sizeof q, p, "points");
    for (size_t i = 0; i < n; i++) {
        json_t *pt = rr_ld_elem(f, q, pts, i, k, sizeof k);
        double *row = rows + W * i;
        for (int j = 1; j < W; j++)
            row[j] = NAN;
        json_t *op, *sk, *sm;
        char kk[1400];
        if (!pt || llmb_jnum(f, k, pt, "bytes", 0, MAX_BYTES, 1, &row[0]) != 0 ||
            llmb_jnum(f, k, pt, "busbw_gbs", 0, MAX_GBS, 1, &row[1]) != 0 ||
            rr_ld_num(f, k, pt, "algbw_gbs", 0, MAX_GBS, &row[2]) < 0 ||
            rr_ld_num(f, k, pt, "iters", 0, 1e12, &row[5]) < 0 ||
            rr_ld_num(f, k, pt, "wrong", 0, 1e15, &row[6]) < 0 ||
            rr_ld_object(f, k, pt, "op", &op) < 0 || rr_ld_object(f, k, pt, "arrival_skew", &sk) < 0 ||
            (op && (rr_ld_num(f, llmb_jpath_key(kk, sizeof kk, k, "op"), op, "median_s", 0,
                              MAX_TIME_S, &row[3]) < 0 ||
                    rr_ld_num(f, kk, op, "min_s", 0, MAX_TIME_S, &row[7]) < 0 ||
                    rr_ld_num(f, kk, op, "max_s", 0, MAX_TIME_S, &row[8]) < 0 ||
                    rr_ld_num(f, kk, op, "p10_s", 0, MAX_TIME_S, &row[9]) < 0 ||
                    rr_ld_num(f, kk, op, "p90_s", 0, MAX_TIME_S, &row[10]) < 0)) ||
            (sk && rr_ld_num(f, llmb_jpath_key(kk, sizeof kk, k, "arrival_skew"), sk, "median_s",
                           0, MAX_TIME_S, &row[4]) < 0) ||
            rr_ld_object(f, k, pt, "per_rank_summary", &sm) < 0 ||
            (sm && rr_ld_int(f, llmb_jpath_key(kk, sizeof kk, k, "per_rank_summary"), sm,
                             "budget_ranks", 1, 1 << 30, 0, &c->run->detail_budget) < 0)) {
            free(rows);
            return -1;
        }
        c->run->comm_summarised_points += sm != NULL; /* per_rank: the outlying members only */
    }
    qsort(rows, n, W * sizeof *rows, cmp_pts);
    s->npts = n;
    double **cols[W] = {&s->bytes, &s->busbw, &s->algbw, &s->op_med, &s->skew_med, &s->iters,
                        &s->wrong, &s->op_min, &s->op_max, &s->op_p10, &s->op_p90};
    for (int j = 0; j < W; j++) {
        *cols[j] = malloc((n ? n : 1) * sizeof(double));
        if (!*cols[j]) {
            free(rows);
            return llmb_error("out of memory");
        }
        for (size_t i = 0; i < n; i++)
            (*cols[j])[i] = rows[W * i + j];
    }
    free(rows);
    return 0;
}

/* An n x n matrix of numbers in [0, MAX_GBS] or nulls at path (arr) into out (NAN for null and
 * on the diagonal). */
static int load_matrix(const char *f, const char *path, json_t *arr, size_t n, double *out)
{
    char q[1100], k[1300];
    if (!json_is_array(arr) || json_array_size(arr) != n)
        return llmb_results_error(f, path, "expected %zu rows (one per name), found %zu", n,
                                  json_array_size(arr));
    for (size_t i = 0; i < n; i++) {
        json_t *row = json_array_get(arr, i);
        llmb_jpath_index(q, sizeof q, path, i);
        if (!json_is_array(row) || json_array_size(row) != n)
            return llmb_results_error(f, q, "expected an array of %zu numbers or nulls", n);
        for (size_t j = 0; j < n; j++) {
            json_t *v = json_array_get(row, j);
            double x = NAN;
            if (!json_is_null(v)) {
                llmb_jpath_index(k, sizeof k, q, j);
                if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
                    json_number_value(v) < 0 || json_number_value(v) > MAX_GBS)
                    return llmb_results_error(f, k, "expected null or a number in [0, %g]",
                                              MAX_GBS);
                x = json_number_value(v);
            }
            out[i * n + j] = i == j ? NAN : x;
        }
    }
    return 0;
}

/* The optional passes (pass_bw_gbs, one n x n matrix each): kept, and link_bw becomes their
 * best per pair and direction. */
static int load_passes(struct rr_ld_ctx *c, json_t *lm, size_t n)
{
    struct rr_run *run = c->run;
    const char *f = c->file, *P = "phases.comm.link_matrix.pass_bw_gbs";
    char q[1100];
    json_t *pb = json_object_get(lm, "pass_bw_gbs");
    if (!pb || json_is_null(pb))
        return 0;
    size_t np = json_is_array(pb) ? json_array_size(pb) : 0;
    if (np < 1 || np > RR_MAX_LINK_PASSES)
        return llmb_results_error(f, P, "expected an array of 1 to %d matrices (one per pass)",
                                  RR_MAX_LINK_PASSES);
    for (size_t p = 0; p < np; p++) { /* the shape before np n x n cells are allocated */
        json_t *m = json_array_get(pb, p);
        int ok = json_is_array(m) && json_array_size(m) == n;
        for (size_t i = 0; ok && i < n; i++)
            ok = json_array_size(json_array_get(m, i)) == n;
        if (!ok)
            return llmb_results_error(f, llmb_jpath_index(q, sizeof q, P, p), "expected %zu "
                                      "arrays (one per name) of %zu numbers or nulls", n, n);
    }
    run->link_pass_bw = malloc(np * n * n * sizeof *run->link_pass_bw + 1);
    if (!run->link_pass_bw)
        return llmb_error("out of memory");
    for (size_t p = 0; p < np; p++)
        if (load_matrix(f, llmb_jpath_index(q, sizeof q, P, p), json_array_get(pb, p), n,
                        run->link_pass_bw + p * n * n) < 0)
            return -1;
    run->link_passes = (int)np;
    for (size_t k = 0; k < n * n; k++)
        run->link_bw[k] = llmb_best_of(run->link_pass_bw + k, np, n * n, 1);
    return 0;
}

static int load_link(struct rr_ld_ctx *c, json_t *lm)
{
    struct rr_run *run = c->run;
    const char *f = c->file;
    const char *P = "phases.comm.link_matrix";
    char q[1100];
    int bad = 0;
    json_t *names = llmb_jget(f, P, lm, "names", JSON_ARRAY, 1, &bad);
    json_t *bw = names ? llmb_jget(f, P, lm, "bw_gbs", JSON_ARRAY, 1, &bad) : NULL;
    if (!bw)
        return -1;
    size_t n = json_array_size(names);
    if (n > (size_t)run->nranks) /* a matrix of nodes or of ranks */
        return llmb_results_error(f, "phases.comm.link_matrix.names", "%zu names for %d "
                                  "ranks: expected at most one per rank", n, run->nranks);
    if (json_array_size(bw) != n)
        return llmb_results_error(f, "phases.comm.link_matrix.bw_gbs",
                                  "expected %zu rows (one per name), found %zu", n,
                                  json_array_size(bw));
    for (size_t i = 0; i < n; i++) /* every row in the file before n x n cells are allocated */
        if (json_array_size(json_array_get(bw, i)) != n)
            return llmb_results_error(f, llmb_jpath_index(q, sizeof q,
                                      "phases.comm.link_matrix.bw_gbs", i),
                                      "expected an array of %zu numbers or nulls", n);
    if (rr_ld_str(f, P, lm, "level", 0, run->link_level, sizeof run->link_level) < 0 ||
        rr_ld_num(f, P, lm, "bytes", 0, MAX_BYTES, &run->link_bytes) < 0)
        return -1;
    run->link_n = (int)n;
    run->link_names = calloc(n ? n : 1, sizeof *run->link_names);
    run->link_bw = malloc((n ? n * n : 1) * sizeof *run->link_bw);
    if (!run->link_names || !run->link_bw)
        return llmb_error("out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *nm = json_array_get(names, i);
        if (!json_is_string(nm))
            return llmb_results_error(f, llmb_jpath_index(q, sizeof q,
                                      "phases.comm.link_matrix.names", i), "expected a string");
        llmb_utf8_cpy(run->link_names[i], json_string_value(nm), sizeof run->link_names[i]);
    }
    if (load_matrix(f, "phases.comm.link_matrix.bw_gbs", bw, n, run->link_bw) < 0)
        return -1;
    return load_passes(c, lm, n);
}

/* ---------------------------------------------------------------- train_pattern */
void rr_ld_pattern_init(struct rr_train_pattern *tp)
{
    memset(tp, 0, sizeof *tp);
    tp->bytes = tp->alone_s = tp->progressed_s = tp->interval_s = tp->blocking_s = NAN;
}

/* The median_s of an optional summary object at obj.key into *out (NAN when absent). */
static int summary_median(const char *f, const char *path, json_t *obj, const char *key,
                          double *out)
{
    json_t *sm;
    char q[256];
    if (rr_ld_object(f, path, obj, key, &sm) < 0)
        return -1;
    return sm ? rr_ld_num(f, llmb_jpath_key(q, sizeof q, path, key), sm, "median_s", 0,
                          MAX_TIME_S, out) : 0;
}

/* phases.comm.train_pattern: training's buckets replayed as training issues them. */
static int load_pattern(struct rr_ld_ctx *c, json_t *o)
{
    struct rr_train_pattern *tp = &c->run->pattern;
    const char *f = c->file, *P = "phases.comm.train_pattern";
    double *bytes = NULL;
    size_t nb = 0;
    if (rr_ld_str(f, P, o, "mode", 0, tp->mode, sizeof tp->mode) < 0 ||
        rr_ld_str(f, P, o, "group", 0, tp->group, sizeof tp->group) < 0 ||
        rr_ld_int(f, P, o, "nranks", 0, 1e9, 0, &tp->nranks) < 0 ||
        rr_ld_int(f, P, o, "outstanding", 0, 1e9, 0, &tp->outstanding) < 0 ||
        rr_ld_int(f, P, o, "progress_calls", 0, 1e9, 0, &tp->calls) < 0 ||
        llmb_jnum_array(f, P, o, "buckets_bytes", 0, MAX_BYTES, 0, &bytes, &nb) < 0 ||
        summary_median(f, P, o, "alone", &tp->alone_s) < 0 ||
        summary_median(f, P, o, "progressed", &tp->progressed_s) < 0 ||
        rr_ld_num(f, P, o, "progress_interval_s", 0, MAX_TIME_S, &tp->interval_s) < 0 ||
        rr_ld_str(f, P, o, "progress_interval_source", 0, tp->interval_src,
                  sizeof tp->interval_src) < 0 ||
        rr_ld_num(f, P, o, "blocking_s", 0, MAX_TIME_S, &tp->blocking_s) < 0) {
        free(bytes);
        return -1;
    }
    tp->nbuckets = (int)nb;
    tp->bytes = 0;
    for (size_t i = 0; i < nb; i++)
        tp->bytes += bytes[i];
    free(bytes);
    if (!tp->mode[0])
        strcpy(tp->mode, "dp");
    tp->present = tp->alone_s > 0;
    return 0;
}

int rr_ld_comm(struct rr_ld_ctx *c, json_t *ph)
{
    struct rr_run *run = c->run;
    const char *f = c->file;
    char p[512];
    int bad = 0;
    json_t *a = llmb_jget(f, "phases.comm", ph, "sweeps", JSON_ARRAY, 1, &bad);
    if (!a)
        return -1;
    size_t n = json_array_size(a);
    if (n > RR_MAX_SWEEPS)
        return llmb_results_error(f, "phases.comm.sweeps", "%zu sweeps: expected at most %d "
                                  "(one per collective, communicator and placement)", n,
                                  RR_MAX_SWEEPS);
    run->sweeps = calloc(n ? n : 1, sizeof *run->sweeps);
    if (!run->sweeps)
        return llmb_error("out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *e = rr_ld_elem(f, "phases.comm.sweeps", a, i, p, sizeof p);
        run->nsweeps = i + 1;
        if (!e || load_sweep(c, p, e, &run->sweeps[i]) < 0)
            return -1;
    }
    json_t *lm, *tp;
    if (rr_ld_object(f, "phases.comm", ph, "link_matrix", &lm) < 0)
        return -1;
    if (lm && load_link(c, lm) < 0)
        return -1;
    if (rr_ld_object(f, "phases.comm", ph, "train_pattern", &tp) < 0)
        return -1;
    return tp ? load_pattern(c, tp) : 0;
}

