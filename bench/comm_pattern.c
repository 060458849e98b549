/* bench/comm_pattern.c - the comm phase's measurement of what training issues
 * (phases.comm.train_pattern): the train phase's gradient buckets (bench/buckets.h: the same
 * model, bucket size and mode), each bucket's collective of the run's backend started
 * non-blocking, all of them back to back (as many outstanding as training keeps), then
 *   alone       waited at once: the collectives progress continuously inside the wait;
 *   progressed  one test call per progress interval of busy computation on every compute
 *               thread (the backward pass tests once per layer while its kernels keep the
 *               cores busy), for as many intervals as the model has layers, then waited.
 * zero mode: the reduce-scatters that way, then the allgathers started back to back and waited
 * (as the train phase does after the optimizer).  Each repetition is timed from a barrier to
 * the slowest rank's end.  The blocking sweeps price the same bytes in blocking_s (rank 0,
 * interpolated), so a report can tell a slow network from collectives that training issues
 * differently (many outstanding, starved of progress).  Verified once before timing. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "buckets.h"
#include "cluster/machine.h"
#include "comm.h"
#include "error.h"
#include "model.h"
#include "results.h"
#include "stats.h"
#include "util.h"

struct pattern {
    struct llmb_ctx *ctx;
    const struct llmb_coll_impl *reduce, *gather; /* gather: zero mode only */
    struct llmb_coll_comm *cc;
    struct llmb_buckets bk;
    struct llmb_coll_req *req;   /* [nb] */
    float *buf, *shard;          /* backend memory */
    int zero, layers;
    double interval_s;           /* progress interval, <= 0: none */
};

/* Busy computation on every compute thread for s seconds (what a layer's kernels do to the
 * cores the collectives would progress on). */
static void spin(double s)
{
    double end = llmb_now_s() + s;
#pragma omp parallel
    {
        volatile double x = 1.0;
        while (llmb_now_s() < end)
            x = x * 1.0000001 + 1e-9;
    }
}

static void check_rc(const struct pattern *p, const struct llmb_coll_impl *im, int rc)
{
    if (rc)
        llmb_abort(LLMB_EFAIL, "comm: train pattern: %s failed (error %d)",
                   llmb_coll_name(im->coll), rc);
}

static void start_reductions(struct pattern *p)
{
    for (int i = 0; i < p->bk.nb; i++) {
        struct llmb_coll_args a;
        llmb_bucket_reduce_args(&p->bk, i, p->zero, p->cc->rank, p->buf, p->shard, &a);
        llmb_coll_req_init(&p->req[i]);
        check_rc(p, p->reduce, p->reduce->start(&a, p->cc, &p->req[i]));
    }
}

/* zero: every bucket's allgather started, then waited */
static void gathers(struct pattern *p)
{
    for (int i = 0; i < p->bk.nb; i++) {
        struct llmb_coll_args a;
        llmb_bucket_gather_args(&p->bk, i, p->cc->rank, p->buf, &a);
        llmb_coll_req_init(&p->req[i]);
        check_rc(p, p->gather, p->gather->start(&a, p->cc, &p->req[i]));
    }
    check_rc(p, p->gather, p->ctx->be->coll->wait(p->req, p->bk.nb));
}

/* One repetition on this rank: start every bucket, progress (`calls` test calls after one
 * interval of computation each; 0: none), wait; zero: then the allgathers.  Seconds. */
static double once(struct pattern *p, int calls)
{
    const struct llmb_coll_backend *cb = p->ctx->be->coll;
    double t0 = llmb_now_s();
    start_reductions(p);
    for (int c = 0, done = 0; c < calls && !done; c++) {
        spin(p->interval_s);
        check_rc(p, p->reduce, cb->test(p->req, p->bk.nb, &done));
    }
    check_rc(p, p->reduce, cb->wait(p->req, p->bk.nb));
    if (p->zero)
        gathers(p);
    return llmb_now_s() - t0;
}

/* Verification before timing: every element the sum over ranks (zero: each rank's reduced
 * chunks copied back and allgathered, as training does).  Wrong elements, all ranks. */
static long long verify(struct pattern *p, size_t nparams)
{
    const struct llmb_kernels *k = p->ctx->be->k;
    long long wrong = llmb_buckets_fill(k, p->buf, nparams, p->cc->rank) != 0 ? (long long)nparams : 0;
    start_reductions(p);
    check_rc(p, p->reduce, p->ctx->be->coll->wait(p->req, p->bk.nb));
    if (p->zero) {
        llmb_buckets_unshard(&p->bk, k, p->cc->rank, p->buf, p->shard);
        gathers(p);
    }
    wrong += llmb_buckets_wrong(k, p->buf, nparams, p->cc->n);
    long long all = 0;
    MPI_Allreduce(&wrong, &all, 1, MPI_LONG_LONG, MPI_SUM, p->ctx->world);
    k->zero(p->buf, nparams); /* timed data: zeros, the fixed point of the sums */
    return all;
}

/* reps repetitions (calls as in once()), each the slowest rank's time; rank 0's summary. */
static json_t *timed(struct phase *ph, struct pattern *p, int reps, int calls, const char *what)
{
    double *x = calloc((size_t)reps, sizeof *x);
    if (!x)
        llmb_abort(LLMB_EFAIL, "out of memory");
    for (int r = 0; r < reps; r++) {
        MPI_Barrier(p->ctx->world);
        double dt = once(p, calls), mx = 0;
        MPI_Allreduce(&dt, &mx, 1, MPI_DOUBLE, MPI_MAX, p->ctx->world);
        x[r] = mx;
        llmb_progress(p->ctx, "comm", ++ph->point, ph->npoints, what);
    }
    struct llmb_summary s;
    json_t *j = llmb_summarize(x, (size_t)reps, &s) == 0 ? llmb_summary_json(&s, "s") : json_null();
    free(x);
    return j;
}

/* One layer's backward kernels in the compute phase (sum of their medians), median over
 * ranks (a summarised rank's layer_backward_s): the interval between two progress calls of
 * the backward pass.  Rank 0; <= 0 when
 * the compute phase did not run or timed nothing. */
static double layer_backward_s(struct llmb_ctx *ctx)
{
    json_t *c = llmb_phase_result(ctx, "compute"), *ranks = c ? json_object_get(c, "ranks") : NULL;
    size_t i, j;
    json_t *r, *k;
    double *v = calloc(json_array_size(ranks) + 1, sizeof *v), med = 0;
    int n = 0;
    if (!v)
        return 0;
    json_array_foreach(ranks, i, r) {
        double s = 0;
        json_array_foreach(json_object_get(r, "kernels"), j, k) {
            json_t *m = json_object_get(k, "median_s");
            const char *pass = json_string_value(json_object_get(k, "pass"));
            if (pass && strcmp(pass, "bwd") == 0 && json_is_number(m))
                s += json_number_value(m);
        }
        json_t *lb = json_object_get(r, "layer_backward_s"); /* a summarised rank's */
        if (s == 0 && json_is_number(lb))
            s = json_number_value(lb);
        if (s > 0)
            v[n++] = s;
    }
    if (n)
        med = llmb_percentile(v, (size_t)n, 0.5);
    free(v);
    return med;
}

/* The time of `bytes` of coll on the world group's blocking sweep (rank 0): interpolated
 * linearly between the neighbouring points, beyond the last at its algbw.  NAN without it. */
static double blocking_time(const struct phase *ph, const char *coll, double bytes)
{
    size_t i, j;
    json_t *s, *pt, *best = NULL;
    json_array_foreach(ph->sweeps, i, s) {
        const char *c = json_string_value(json_object_get(s, "collective"));
        const char *g = json_string_value(json_object_get(s, "group"));
        const char *pl = json_string_value(json_object_get(s, "placement"));
        if (c && g && pl && strcmp(c, coll) == 0 && strcmp(g, "world") == 0 &&
            (!best || strcmp(pl, "in") == 0)) /* in place where there is one, as training */
            best = s;
    }
    double b0 = 0, t0 = NAN;
    json_array_foreach(best ? json_object_get(best, "points") : NULL, j, pt) {
        double b = json_number_value(json_object_get(pt, "bytes"));
        double t = json_number_value(json_object_get(json_object_get(pt, "op"), "median_s"));
        if (!(t > 0))
            continue;
        if (b >= bytes)
            return isnan(t0) || b == b0 ? t * bytes / b : t0 + (t - t0) * (bytes - b0) / (b - b0);
        b0 = b;
        t0 = t;
    }
    return b0 > 0 ? t0 * bytes / b0 : NAN;
}

/* What it measured into JSON (rank 0). */
static json_t *pattern_json(const struct phase *ph, const struct pattern *p, json_t *alone,
                            json_t *prog, long long wrong, const char *interval_src)
{
    json_t *bytes = json_array(), *colls = json_array();
    double blocking = 0;
    json_array_append_new(colls, json_string(llmb_coll_name(p->reduce->coll)));
    if (p->zero)
        json_array_append_new(colls, json_string(llmb_coll_name(p->gather->coll)));
    for (int i = 0; i < p->bk.nb; i++) {
        double b = (double)p->bk.b[i].count * sizeof(float);
        json_array_append_new(bytes, json_integer((json_int_t)b));
        blocking += blocking_time(ph, llmb_coll_name(p->reduce->coll), b);
        if (p->zero)
            blocking += blocking_time(ph, llmb_coll_name(p->gather->coll), b);
    }
    return json_pack("{s:s, s:s, s:i, s:o, s:o, s:i, s:o, s:o, s:o, s:i, s:s, s:o, s:I}",
        "mode", p->zero ? "zero" : "dp", "group", "world", "nranks", p->cc->n,
        "collectives", colls, "buckets_bytes", bytes, "outstanding", p->bk.nb,
        "alone", alone, "progressed", prog ? prog : json_null(),
        "progress_interval_s", p->interval_s > 0 ? llmb_json_seconds(p->interval_s) : json_null(),
        "progress_calls", p->interval_s > 0 ? p->layers : 0, "progress_interval_source",
        interval_src, "blocking_s", isfinite(blocking) ? json_real(blocking) : json_null(),
        "wrong", (json_int_t)wrong);
}

/* Whether the pattern can run: 0, or a reason (every rank the same). */
static const char *pattern_setup(struct pattern *p, const struct llmb_options *opt,
                                 size_t *nparams)
{
    struct llmb_ctx *ctx = p->ctx;
    struct llmb_model_config cfg;
    struct llmb_model_params pc;
    if (ctx->size < 2)
        return "one rank: no gradient to reduce";
    if (llmb_model_config_init(&cfg, opt->model, opt->layers, opt->batch, opt->seq) != 0)
        return "the model does not configure";
    llmb_model_count(&cfg, &pc);
    *nparams = pc.total;
    p->layers = cfg.layers;
    const char *cb = ctx->be->coll->name;
    p->reduce = llmb_coll_find(p->zero ? LLMB_COLL_REDUCE_SCATTER : LLMB_COLL_ALLREDUCE, cb);
    p->gather = llmb_coll_find(LLMB_COLL_ALLGATHER, cb);
    if (!p->reduce || !p->reduce->start || (p->zero && (!p->gather || !p->gather->start)))
        return "the backend has no non-blocking collectives for this mode";
    double need = 4.0 * (double)pc.total * (p->zero ? 1.0 + 1.0 / ctx->size : 1.0);
    double avail = llmb_mem_available_bytes() / (ctx->node_size > 0 ? ctx->node_size : 1);
    int bad = avail > 0 && need > 0.5 * avail, any = 0;
    int oom = 0;
    if (!bad) {
        oom = llmb_buckets_cut(&p->bk, pc.total, opt->bucket_bytes, p->zero, ctx->size,
                               ctx->rank) != 0;
        p->buf = oom ? NULL : ctx->be->k->alloc(4 * pc.total);
        p->shard = p->zero && !oom ? ctx->be->k->alloc(4 * (p->bk.shard_n + 1)) : NULL;
        p->req = calloc((size_t)(p->bk.nb + 1), sizeof *p->req);
        oom = oom || !p->buf || (p->zero && !p->shard) || !p->req;
    }
    int mine = bad ? 1 : oom ? 2 : 0;
    MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, ctx->world);
    return any == 1 ? "the gradient buffer needs more than half the memory available per rank"
         : any == 2 ? "out of memory for the gradient buffer" : NULL;
}

json_t *llmb_comm_train_pattern(struct phase *ph)
{
    struct llmb_ctx *ctx = ph->ctx;
    const struct llmb_options *opt = ph->opt;
    struct llmb_coll_comm cc;
    struct pattern p = {.ctx = ctx, .cc = &cc, .zero = opt->zero};
    size_t nparams = 0;
    int reps = llmb_comm_train_pattern_points(opt) / 2;
    const char *skip = pattern_setup(&p, opt, &nparams);
    json_t *out = NULL;
    if (!skip && llmb_coll_comm_open(ctx->be->coll, ctx->world, &cc) != 0)
        llmb_abort(LLMB_EFAIL, "comm: cannot open the world communicator of backend %s",
                   ctx->be->coll->name);
    if (!skip) {
        double iv = ctx->rank == 0 ? layer_backward_s(ctx) : 0;
        MPI_Bcast(&iv, 1, MPI_DOUBLE, 0, ctx->world);
        p.interval_s = iv;
        long long wrong = verify(&p, nparams);
        ph->wrong_total += wrong;
        json_t *alone = timed(ph, &p, reps, 0, "train pattern alone");
        json_t *prog = iv > 0 ? timed(ph, &p, reps, p.layers, "train pattern progressed") : NULL;
        if (iv <= 0)
            ph->point += reps;
        if (ctx->rank == 0)
            out = pattern_json(ph, &p, alone, prog, wrong,
                               iv > 0 ? "compute phase: one layer's backward kernels (sum of "
                                        "medians), median rank"
                                      : "none: the compute phase did not run");
        else {
            json_decref(alone);
            json_decref(prog);
        }
        llmb_coll_comm_close(ctx->be->coll, &cc);
    } else {
        ph->point += 2 * reps;
        if (ctx->rank == 0) {
            json_array_append_new(ph->skipped, json_pack("{s:s, s:s}", "group", "train_pattern",
                                                         "reason", skip));
            out = json_null();
        }
    }
    if (p.buf)
        ctx->be->k->free(p.buf);
    if (p.shard)
        ctx->be->k->free(p.shard);
    free(p.req);
    llmb_buckets_free(&p.bk);
    return out;
}

int llmb_comm_train_pattern_points(const struct llmb_options *opt)
{
    /* two timings of `reps` repetitions each */
    return 2 * (opt->quick ? 2 : 5);
}
