/* What one results file measured, reduced for the projection (doc/sizing.md, "Inputs"):
 *   comm:    per (collective, tier) the least-squares line of the operation time against the
 *            message size, on the 10th percentiles, the medians and the 90th percentiles of
 *            each size's samples, read through the ring formula at the measured rank count
 *            (alpha per hop, beta per link); tier intra from the intra sweeps (or world on one
 *            node), inter from the inter sweeps (or world with one rank per node);
 *   compute: the GEMM sweep (and the large square GEMM) as GFLOP/s against FLOPs per call,
 *            the kernels of a layer and of a step, AdamW per parameter: median over ranks of
 *            each percentile.
 * The comm curves come from the reporter's loader (struct rr_sweep); the compute phase's
 * per-shape figures, which the reporter does not keep, are read here from the loaded document
 * with the checked getters of lib/results.h (a bad field: file, JSON path, one line). */
#include "size/size.h"

#include "error.h"
#include "metrics.h"
#include "results.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_T 1e6           /* seconds: one operation */
#define MAX_FLOPS 1e30

/* ---------------------------------------------------------------- comm */
static int sweep_tier(const struct rr_run *run, const struct rr_sweep *s, int *specific)
{
    *specific = 1;
    if (strcmp(s->group, "intra") == 0)
        return RR_INTRA;
    if (strcmp(s->group, "inter") == 0)
        return RR_INTER;
    *specific = 0;
    if (run->nnodes == 1)
        return RR_INTRA;
    if (run->nranks == run->nnodes)
        return RR_INTER;
    return -1; /* world across nodes with several ranks per node: neither tier alone */
}

static void fit_sweep(const struct rr_sweep *s, int tier, struct sz_comm_fit *f)
{
    size_t n = s->npts;
    double *x = malloc((n ? n : 1) * sizeof *x), *t = malloc((n ? n : 1) * 3 * sizeof *t);
    if (!x || !t) {
        free(x), free(t);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(s->bytes[i] > 0 && s->op_med[i] > 0) || s->wrong[i] > 0 || isnan(s->busbw[i]))
            continue;
        x[k] = s->bytes[i];
        t[k] = s->op_p10[i] > 0 ? s->op_p10[i] : s->op_med[i];
        t[n + k] = s->op_med[i];
        t[2 * n + k] = s->op_p90[i] > 0 ? s->op_p90[i] : s->op_med[i];
        k++;
    }
    memset(f, 0, sizeof *f);
    f->coll = s->coll_id;
    f->tier = tier;
    f->p0 = s->nranks;
    snprintf(f->group, sizeof f->group, "%s", s->group);
    f->ok = s->nranks >= 2;
    for (int b = 0; b < SZ_NBANDS; b++) {
        sz_fit_line(x, t + b * n, k, &f->line[b]);
        f->ok &= f->line[b].ok;
        double hops = sz_ring_hops(s->coll_id, s->nranks);
        f->alpha_s[b] = hops > 0 ? f->line[b].a_s / hops : NAN;
        f->beta_gbs[b] = f->line[b].bw_gbs * llmb_busbw_factor((enum llmb_coll)s->coll_id,
                                                               s->nranks);
    }
    free(x), free(t);
}

static void measure_comm(const struct rr_run *run, struct sz_measured *m)
{
    int score[LLMB_COLL_COUNT][RR_NTIERS];
    memset(score, 0, sizeof score);
    for (size_t i = 0; i < run->nsweeps; i++) {
        const struct rr_sweep *s = &run->sweeps[i];
        int specific, tier = sweep_tier(run, s, &specific);
        if (tier < 0 || s->coll_id < 0 || s->coll_id >= LLMB_COLL_COUNT || s->nranks < 2)
            continue;
        int sc = 1 + 2 * specific + (strcmp(s->placement, "in") != 0);
        if (sc <= score[s->coll_id][tier])
            continue;
        struct sz_comm_fit f;
        fit_sweep(s, tier, &f);
        if (!f.ok)
            continue;
        score[s->coll_id][tier] = sc;
        m->fit[s->coll_id][tier] = f;
    }
}

const struct sz_comm_fit *sz_fit_for(const struct sz_measured *m, int coll, int tier,
                                     int *substitute)
{
    *substitute = 0;
    if (m->fit[coll][tier].ok)
        return &m->fit[coll][tier];
    *substitute = 1;
    return m->fit[coll][!tier].ok ? &m->fit[coll][!tier] : NULL;
}

/* Training's collectives as the run measured them, against the fits' price of its buckets. */
static void train_factor(const struct rr_run *run, struct sz_measured *m)
{
    m->train_factor = 1, m->train_comm_s = m->train_fit_s = NAN;
    double got = run->pattern.present && run->pattern.alone_s > 0 ? run->pattern.alone_s
                 : run->comm_alone_s > 0                          ? run->comm_alone_s
                                                                  : NAN;
    if (!(got > 0) || run->nbuckets == 0)
        return;
    double fit = 0;
    for (size_t i = 0; i < run->nbuckets; i++) {
        const struct rr_bucket *b = &run->buckets[i];
        int sub;
        const struct sz_comm_fit *f = sz_fit_for(m, b->coll, b->tier, &sub);
        int p = strcmp(b->group, "world") == 0 ? run->nranks : f ? f->p0 : 0;
        if (!f)
            return;
        fit += sz_coll_time(b->coll, p, f->alpha_s[SZ_MED], f->beta_gbs[SZ_MED], b->bytes, NULL);
    }
    if (fit > 0)
        m->train_comm_s = got, m->train_fit_s = fit, m->train_factor = got / fit;
}

/* ---------------------------------------------------------------- compute */
/* One named measurement across ranks: times per band, one per rank. */
struct acc {
    char name[40];
    int kind;               /* 0 gemm, 1 kernel (layer or step) */
    int bwd;
    double flops, bytes, n_params;
    double *t[SZ_NBANDS];
    size_t nt;
};

struct accs {
    struct acc *v;
    size_t n, cap;
    int nranks;
};

static struct acc *acc_get(struct accs *a, const char *name, int kind, int bwd)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].kind == kind && a->v[i].bwd == bwd && strcmp(a->v[i].name, name) == 0)
            return &a->v[i];
    if (a->n == a->cap) {
        size_t c = a->cap ? 2 * a->cap : 64;
        struct acc *v = realloc(a->v, c * sizeof *v);
        if (!v)
            return NULL;
        a->v = v, a->cap = c;
    }
    struct acc *e = &a->v[a->n];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    e->kind = kind, e->bwd = bwd;
    for (int b = 0; b < SZ_NBANDS; b++)
        if (!(e->t[b] = calloc((size_t)a->nranks, sizeof(double))))
            return NULL;
    a->n++;
    return e;
}

/* The summary's p10, median, p90 (seconds) at path p. */
static int read_summary(const char *f, const char *p, json_t *e, double t[SZ_NBANDS])
{
    char q[1200];
    int bad = 0;
    json_t *sm = llmb_jget(f, p, e, "summary", JSON_OBJECT, 1, &bad);
    if (!sm)
        return -1;
    llmb_jpath_key(q, sizeof q, p, "summary");
    static const char *const keys[SZ_NBANDS] = {"p10_s", "median_s", "p90_s"};
    for (int b = 0; b < SZ_NBANDS; b++)
        if (llmb_jnum(f, q, sm, keys[b], 0, MAX_T, 1, &t[b]) < 0)
            return -1;
    if (!(t[SZ_MED] > 0))
        return llmb_results_error(f, q, "median_s %g: expected a positive time", t[SZ_MED]);
    for (int b = 0; b < SZ_NBANDS; b++) /* a zero percentile (below the clock): the median */
        if (!(t[b] > 0))
            t[b] = t[SZ_MED];
    return 0;
}

static int read_list(const char *f, const char *rp, json_t *rk, const char *key, int kind,
                     struct accs *a)
{
    char p[1100], q[1200];
    int bad = 0;
    json_t *arr = llmb_jget(f, rp, rk, key, JSON_ARRAY, 0, &bad);
    if (!arr)
        return bad ? -1 : 0;
    llmb_jpath_key(p, sizeof p, rp, key);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        llmb_jpath_index(q, sizeof q, p, i);
        if (!json_is_object(e))
            return llmb_results_error(f, q, "expected an object");
        json_t *nm = llmb_jget(f, q, e, "name", JSON_STRING, 1, &bad);
        json_t *ps = llmb_jget(f, q, e, "pass", JSON_STRING, 0, &bad);
        double t[SZ_NBANDS], fl = NAN, by = NAN, n = NAN;
        if (!nm || bad || read_summary(f, q, e, t) < 0 ||
            llmb_jnum(f, q, e, "flops", 0, MAX_FLOPS, 1, &fl) < 0 ||
            llmb_jnum(f, q, e, "bytes", 0, MAX_FLOPS, 0, &by) < 0 ||
            llmb_jnum(f, q, e, "n", 1, 1e15, 0, &n) < 0)
            return -1;
        int bwd = ps && strcmp(json_string_value(ps), "bwd") == 0;
        struct acc *x = acc_get(a, json_string_value(nm), kind, bwd);
        if (!x)
            return llmb_error("out of memory");
        if (x->nt >= (size_t)a->nranks)
            continue; /* the same name twice on a rank: the first counts */
        x->flops = fl, x->bytes = by, x->n_params = n;
        for (int b = 0; b < SZ_NBANDS; b++)
            x->t[b][x->nt] = t[b];
        x->nt++;
    }
    return 0;
}

static int read_square(const char *f, const char *rp, json_t *rk, struct accs *a)
{
    char q[1200];
    int bad = 0;
    json_t *sq = llmb_jget(f, rp, rk, "gemm_square", JSON_OBJECT, 0, &bad);
    if (!sq)
        return bad ? -1 : 0;
    llmb_jpath_key(q, sizeof q, rp, "gemm_square");
    double mm, nn, kk, t[SZ_NBANDS];
    if (llmb_jnum(f, q, sq, "m", 1, 1e7, 1, &mm) < 0 || llmb_jnum(f, q, sq, "n", 1, 1e7, 1, &nn) < 0 ||
        llmb_jnum(f, q, sq, "k", 1, 1e7, 1, &kk) < 0 || read_summary(f, q, sq, t) < 0)
        return -1;
    struct acc *x = acc_get(a, "square", 0, 0);
    if (!x)
        return llmb_error("out of memory");
    if (x->nt < (size_t)a->nranks) {
        x->flops = 2 * mm * nn * kk;
        for (int b = 0; b < SZ_NBANDS; b++)
            x->t[b][x->nt] = t[b];
        x->nt++;
    }
    return 0;
}

static int cmp_flops(const void *x, const void *y)
{
    const double *a = x, *b = y;
    return (a[0] > b[0]) - (a[0] < b[0]);
}

/* The GEMM table from the accumulated GEMMs: rows (flops, rate p10, med, p90) sorted. */
static int gemm_table(struct accs *a, struct sz_measured *m)
{
    size_t n = 0;
    double *rows = malloc((a->n ? a->n : 1) * 4 * sizeof *rows);
    if (!rows)
        return llmb_error("out of memory");
    for (size_t i = 0; i < a->n; i++) {
        struct acc *x = &a->v[i];
        if (x->kind != 0 || !(x->flops > 0) || x->nt == 0)
            continue;
        rows[4 * n] = x->flops;
        for (int b = 0; b < SZ_NBANDS; b++)
            rows[4 * n + 1 + b] = x->flops / rr_median(x->t[b], x->nt) / 1e9;
        n++;
    }
    qsort(rows, n, 4 * sizeof *rows, cmp_flops);
    m->gemm_flops = malloc((n ? n : 1) * sizeof(double));
    for (int b = 0; b < SZ_NBANDS; b++)
        m->gemm_rate[b] = malloc((n ? n : 1) * sizeof(double));
    if (!m->gemm_flops || !m->gemm_rate[0] || !m->gemm_rate[1] || !m->gemm_rate[2]) {
        free(rows);
        return llmb_error("out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < n;) { /* equal FLOPs (fwd, bwd_data, bwd_weight): their mean */
        size_t j = i;
        double s[SZ_NBANDS] = {0, 0, 0};
        while (j < n && fabs(rows[4 * j] - rows[4 * i]) <= 1e-9 * rows[4 * i]) {
            for (int b = 0; b < SZ_NBANDS; b++)
                s[b] += rows[4 * j + 1 + b];
            j++;
        }
        m->gemm_flops[k] = rows[4 * i];
        for (int b = 0; b < SZ_NBANDS; b++)
            m->gemm_rate[b][k] = s[b] / (double)(j - i);
        k++, i = j;
    }
    m->ngemm = k;
    free(rows);
    return 0;
}

static int kernel_table(struct accs *a, struct sz_measured *m)
{
    m->kern = calloc(a->n ? a->n : 1, sizeof *m->kern);
    if (!m->kern)
        return llmb_error("out of memory");
    for (int b = 0; b < SZ_NBANDS; b++)
        m->adamw_s_per_param[b] = NAN;
    for (size_t i = 0; i < a->n; i++) {
        struct acc *x = &a->v[i];
        if (x->kind != 1 || x->nt == 0)
            continue;
        if (strcmp(x->name, "adamw") == 0) {
            for (int b = 0; b < SZ_NBANDS; b++)
                m->adamw_s_per_param[b] = x->n_params > 0 ? rr_median(x->t[b], x->nt) /
                                                                x->n_params : NAN;
            continue;
        }
        struct sz_kernel *k = &m->kern[m->nkern++];
        snprintf(k->name, sizeof k->name, "%s", x->name);
        k->bwd = x->bwd;
        k->pt.flops = x->flops, k->pt.bytes = x->bytes;
        for (int b = 0; b < SZ_NBANDS; b++)
            k->pt.t[b] = rr_median(x->t[b], x->nt);
    }
    return 0;
}

static int measure_compute(const struct rr_run *run, struct sz_measured *m)
{
    const char *f = run->file;
    json_t *ph = json_object_get(json_object_get(run->doc, "phases"), "compute");
    int bad = 0;
    json_t *ranks = llmb_jget(f, "phases.compute", ph, "ranks", JSON_ARRAY, 1, &bad);
    if (!ranks)
        return -1;
    struct accs a = {NULL, 0, 0, (int)json_array_size(ranks)};
    int rc = 0;
    char rp[100];
    for (size_t r = 0; rc == 0 && r < json_array_size(ranks); r++) {
        json_t *rk = json_array_get(ranks, r);
        llmb_jpath_index(rp, sizeof rp, "phases.compute.ranks", r);
        if (!json_is_object(rk))
            rc = llmb_results_error(f, rp, "expected an object");
        else if (read_list(f, rp, rk, "gemm", 0, &a) < 0 || read_square(f, rp, rk, &a) < 0 ||
                 read_list(f, rp, rk, "kernels", 1, &a) < 0 ||
                 read_list(f, rp, rk, "step_kernels", 1, &a) < 0)
            rc = -1;
    }
    if (rc == 0)
        rc = gemm_table(&a, m);
    if (rc == 0)
        rc = kernel_table(&a, m);
    if (rc == 0 && m->ngemm == 0)
        rc = llmb_results_error(f, "phases.compute.ranks", "no GEMM timed (gemm[], gemm_square): "
                                "the projection prices compute from them");
    for (size_t i = 0; i < a.n; i++)
        for (int b = 0; b < SZ_NBANDS; b++)
            free(a.v[i].t[b]);
    free(a.v);
    return rc;
}

/* ---------------------------------------------------------------- the run */
int sz_measure(const struct rr_run *run, struct sz_measured *m)
{
    memset(m, 0, sizeof *m);
    m->run = run;
    llmb_escape_ctl(run->run_id, m->label, sizeof m->label);
    if (!run->has[RR_COMPUTE])
        return llmb_results_error(run->file, "phases.compute", "%s%s%s: the projection prices "
                                  "compute from its GEMM sweep and kernels (run llmbench with "
                                  "the compute phase)", run->phase_status[RR_COMPUTE][0] ?
                                  "status \"" : "absent", run->phase_status[RR_COMPUTE],
                                  run->phase_status[RR_COMPUTE][0] ? "\", not ok" : "");
    if (measure_compute(run, m) < 0)
        return -1;
    measure_comm(run, m);
    int any = 0;
    for (int c = 0; c < LLMB_COLL_COUNT; c++)
        any |= m->fit[c][RR_INTRA].ok | m->fit[c][RR_INTER].ok;
    if (!any)
        return llmb_results_error(run->file, "phases.comm", "no collective curve to fit "
                                  "(absent, failed, or one rank): the projection prices "
                                  "communication from them");
    train_factor(run, m);
    m->compute_factor = 1, m->compute_train_s = m->compute_kernels_s = NAN;
    m->stream_gbs = rr_rank_median(run, offsetof(struct rr_rank, stream_gbs));
    m->peak_nominal = rr_rank_median(run, offsetof(struct rr_rank, nominal_gflops));
    m->peak_measured = run->peak_measured;
    for (int n = 0; n < run->nnodes; n++)
        if (run->nodes[n].nranks > m->ranks_per_node)
            m->ranks_per_node = run->nodes[n].nranks;
    json_t *opt = json_object_get(run->doc, "options");
    double bb = NAN, ov = NAN;
    if (json_is_object(opt) && llmb_jnum(run->file, "options", opt, "bucket_bytes", 1, 1e15, 0,
                                         &bb) < 0)
        return -1;
    json_t *o = json_is_object(opt) ? json_object_get(opt, "overlap") : NULL;
    ov = json_is_boolean(o) ? json_is_true(o) : NAN;
    m->bucket_bytes = bb > 0 ? bb : 0;
    m->overlap = run->has[RR_TRAIN] ? run->overlap : (isnan(ov) ? 1 : (int)ov);
    m->progress = 1, m->stall = 0, m->other_s = 0, m->wait_s = NAN, m->step_s = run->step_med;
    m->self_pred_s = run->pred_total;
    if (run->params_ok) {
        m->progress = run->params.progress;
        m->stall = run->params.stall;
        m->other_s = run->params.other;
        m->wait_s = run->meas[RR_T_WAIT];
    }
    return 0;
}

void sz_measured_free(struct sz_measured *m)
{
    free(m->gemm_flops);
    for (int b = 0; b < SZ_NBANDS; b++)
        free(m->gemm_rate[b]);
    free(m->kern);
    memset(m, 0, sizeof *m);
}
