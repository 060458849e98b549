/* bench/phase_compute.c - the `compute` phase: on every rank at the same time (iterations
 * separated by an untimed barrier, so a slow rank shows), with the run's backend (ctx->be):
 *   - the nominal peak of the rank's compute units and how it was derived (the backend's);
 *   - one large square GEMM (the measured peak) and a GEMM sweep at the model's real shapes:
 *     the GEMMs of the plan of a training step (kernels/plan.h), with their transposes;
 *   - a STREAM-triad memory bandwidth well beyond the last-level cache (the backend's triad),
 *     a large copy within the backend's memory (k->copy: bytes read + written) and, for a
 *     backend whose memory is not the host's (a GPU), host -> device and device -> host copies
 *     of the same size from page-locked host memory where the backend has it (the PCIe health
 *     check);
 *   - every kernel of the plan, forward and backward, each validated against its naive
 *     reference before it is timed (relative L2 error <= llmb_kernel_tol(), else it is not
 *     timed, counted in ctx->wrong, and the phase fails);
 *   - one whole training step of the model (forward + backward + AdamW) where memory allows:
 *     model FLOPs (PaLM) per second against the measured peak.
 * Per-rank results are gathered to rank 0 as JSON text; beyond --detail-ranks ranks only the
 * outlying ranks send their full record, the others their key figures (bench/detail.h).
 * Results: phases.compute in doc/results-schema.md.
 *
 * Test-only environment: LLMBENCH_CORRUPT_KERNEL=gelu makes the GELU forward wrong in one
 * element, so the suite can check that a kernel differing from its reference is refused. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cluster/machine.h"
#include "detail.h"
#include "error.h"
#include "kernels/gpt.h"
#include "kernels/kernels.h"
#include "kernels/plan.h"
#include "llmbench.h"
#include "model.h"
#include "results.h"
#include "stats.h"

/* --quick: micro-batch capped at this many tokens, model step with 1 layer */
#define QUICK_TOKENS 128

struct timing {
    int warmup, min_iters, max_iters;
    double budget_s;
};

/* Seconds of one fn(arg) (which ends with the backend's sync): on the device's clock where the
 * backend can time its queue (CUDA events), else the wall clock. */
static double timed_call(struct llmb_ctx *ctx, void (*fn)(void *), void *arg)
{
    const struct llmb_kernels *k = ctx->be->k;
    int dev = k->timer_start && k->timer_elapsed_s;
    if (dev)
        k->timer_start();
    double t0 = MPI_Wtime();
    fn(arg);
    double wall = MPI_Wtime() - t0, t = dev ? k->timer_elapsed_s() : -1;
    return t >= 0 ? t : wall;
}

/* Run fn: warm-up, then the same number of timed iterations on every rank (from the slowest
 * rank's warm-up estimate), each between barriers.  samples: caller frees.  Returns n. */
static int time_op(struct llmb_ctx *ctx, const struct timing *tm, void (*fn)(void *), void *arg,
                   double **samples)
{
    double est = 0;
    int w = tm->warmup > 0 ? tm->warmup : 1;
    for (int i = 0; i < w; i++) {
        double t = timed_call(ctx, fn, arg);
        est = i == 0 || t < est ? t : est;
    }
    MPI_Allreduce(MPI_IN_PLACE, &est, 1, MPI_DOUBLE, MPI_MAX, ctx->world);
    int n = est > 0 ? (int)ceil(tm->budget_s / est) : tm->max_iters;
    if (n < tm->min_iters)
        n = tm->min_iters;
    if (n > tm->max_iters)
        n = tm->max_iters;
    *samples = calloc((size_t)n, sizeof **samples);
    for (int i = 0; i < n; i++) {
        MPI_Barrier(ctx->world);
        double t = timed_call(ctx, fn, arg);
        if (*samples)
            (*samples)[i] = t;
    }
    return *samples ? n : 0;
}

static json_t *summary_json(const double *x, int n, struct llmb_summary *s)
{
    struct llmb_summary tmp;
    if (!s)
        s = &tmp;
    if (llmb_summarize(x, (size_t)n, s) != 0)
        memset(s, 0, sizeof *s);
    json_t *j = llmb_summary_json(s, "s");
    json_t *raw = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(raw, llmb_json_seconds(x[i]));
    json_object_set_new(j, "samples_s", raw);
    return j;
}

/* every rank agrees: 1 if any rank has flag set */
static int any_rank(struct llmb_ctx *ctx, int flag)
{
    MPI_Allreduce(MPI_IN_PLACE, &flag, 1, MPI_INT, MPI_MAX, ctx->world);
    return flag;
}

/* ---- operations timed ---- */

struct gemm_op {
    const struct llmb_kernels *k;
    int ta, tb, m, n, kk;
    float *A, *B, *C;
};

static void run_gemm(void *arg)
{
    struct gemm_op *g = arg;
    g->k->gemm(g->ta, g->tb, g->m, g->n, g->kk, 1.0f, g->A, g->ta ? g->m : g->kk, g->B,
               g->tb ? g->kk : g->n, 0.0f, g->C, g->n);
    g->k->sync();
}

struct triad_op {
    const struct llmb_kernels *k;
    float *a, *b, *c;
    size_t n;
};

static void run_triad(void *arg)
{
    struct triad_op *t = arg;
    t->k->triad(t->a, t->b, t->c, 3.0f, t->n);
    t->k->sync();
}

static void run_kernel(void *arg) { llmb_kernel_run_call(arg); }

struct step_op {
    struct llmb_gpt *g;
    int t;
};

static void run_step(void *arg)
{
    struct step_op *s = arg;
    llmb_gpt_zero_grad(s->g);
    llmb_gpt_forward(s->g);
    llmb_gpt_backward(s->g, NULL, NULL);
    llmb_gpt_update(s->g, 1e-4f, 0.9f, 0.95f, 1e-8f, 0.1f, ++s->t, 0, s->g->num_params);
    s->g->k->sync();
}

/* ---- the kernels of a step, from its plan ---- */

struct timed_kernel {
    char name[32];
    enum llmb_kernel_id id;
    int bwd;
    struct llmb_kshape s;
    double per_step;   /* calls per step at this shape relative to one call (1, AdamW: its
                        * parameters / the n it is timed on) */
};

#define ADAMW_TIMED_MAX ((size_t)1 << 24) /* AdamW is timed on at most this many parameters */

/* The plan's ops inside a layer (layer = 1: one layer's calls, per_step 1 each, in execution
 * order) or outside (layer = 0: embedding, final norm, LM head, softmax + cross-entropy,
 * AdamW).  out has room for p->nop entries; returns how many. */
static int plan_kernels(const struct llmb_plan *p, int layer, struct timed_kernel *out)
{
    int n = 0;
    for (int i = 0; i < p->nop; i++) {
        const struct llmb_plan_op *op = &p->op[i];
        if (op->layer != layer)
            continue;
        struct timed_kernel *t = &out[n++];
        snprintf(t->name, sizeof t->name, "%s", op->name);
        t->id = op->kernel;
        t->bwd = op->bwd;
        t->s = op->shape;
        t->per_step = layer ? 1.0 : op->count;
        if (op->kernel == LLMB_K_ADAMW && op->shape.n > ADAMW_TIMED_MAX) {
            t->s.n = ADAMW_TIMED_MAX;
            t->per_step = op->count * (double)op->shape.n / (double)ADAMW_TIMED_MAX;
        }
    }
    return n;
}

/* the same kernel at the same widths with few tokens, for the naive reference */
static struct llmb_kshape validation_shape(enum llmb_kernel_id id, struct llmb_kshape s)
{
    const double max_macs = 3e7;
    int tok = s.N ? s.N : s.B * s.T;
    int T = s.T < 32 ? s.T : 32;
    if (id == LLMB_K_ENCODER) { /* few tokens from a smaller vocabulary */
        s.B = 1;
        s.T = T;
        s.V = s.V < 1024 ? s.V : 1024;
        return s;
    }
    if (id == LLMB_K_ATTENTION || id == LLMB_K_ROPE) {
        s.B = 1;
        s.T = T;
        s.N = 0;
        return s;
    }
    if (id == LLMB_K_MATMUL || id == LLMB_K_GEMM) {
        double per_row = (double)s.C * s.OC * (id == LLMB_K_MATMUL ? 3 : 1);
        int rows = per_row > 0 ? (int)(max_macs / per_row) : 1;
        rows = rows < 1 ? 1 : rows > 32 ? 32 : rows;
        if (id == LLMB_K_GEMM && s.ta == 1 && s.tb == 0 && s.C > 32) { /* bwd_weight: K = tokens */
            s.C = 32 < s.C ? 32 : s.C;
        }
        s.N = tok < rows ? tok : rows;
        return s;
    }
    if (s.N)
        s.N = tok < 32 ? tok : 32;
    if (s.n > (size_t)32 * 1024)
        s.n = 32 * 1024 + 7;
    return s;
}

/* ---- one rank's measurements ---- */

/* What every step of one rank's measurements shares. */
struct cphase {
    struct llmb_ctx *ctx;
    const struct llmb_kernels *k;
    const struct llmb_model_config *cfg;
    struct timing tm;
    uint64_t seed;
    int point, npoints;        /* progress */
    int failed;                /* a kernel or result was wrong on this rank */
    json_t *r;                 /* this rank's object */
    double measured;           /* the square GEMM's GFLOP/s, 0 when not measured */
    double layer_s, other_s;   /* sums of kernel medians: one layer; the rest of a step */
};

static int validate_or_count(struct cphase *c, enum llmb_kernel_id id, struct llmb_kshape vs,
                             uint64_t seed, double *err, const char *what)
{
    *err = INFINITY;
    int bad = llmb_kernel_validate(c->k, id, 0, &vs, seed, err) != 0 ||
              !(*err <= llmb_kernel_tol(c->k, id));
    if (bad) {
        c->failed = 1;
        c->ctx->wrong++;
        llmb_error("compute: %s differs from its reference (rel L2 %g)", what, *err);
    }
    return bad;
}

/* Backend memory seen from the host, in chunks (llmb_staged_walk): random inputs, a constant,
 * the count of elements that differ from one. */
struct host_fill {
    uint64_t *st;     /* random: the generator's state */
    float v;          /* constant */
    long long wrong;  /* count */
};

static void random_chunk(void *arg, float *x, size_t first, size_t n)
{
    (void)first;
    llmb_fill_uniform(x, n, -1, 1, ((struct host_fill *)arg)->st);
}

static void value_chunk(void *arg, float *x, size_t first, size_t n)
{
    (void)first;
    for (size_t i = 0; i < n; i++)
        x[i] = ((struct host_fill *)arg)->v;
}

static void count_chunk(void *arg, float *x, size_t first, size_t n)
{
    struct host_fill *h = arg;
    (void)first;
    for (size_t i = 0; i < n; i++)
        h->wrong += x[i] != h->v;
}

/* Fill n floats of backend memory x with uniform values in [-1, 1) from *st.  0, or -1. */
static int fill_random(const struct llmb_kernels *k, float *x, size_t n, uint64_t *st)
{
    struct host_fill h = {.st = st};
    return llmb_staged_walk(k, x, n, 1, random_chunk, &h);
}

/* 1 and 2: the large square GEMM (the measured peak), then the GEMM sweep at the plan's
 * shapes (the GEMMs a fused kernel does inside, attention's, are timed as that kernel). */
static int gemms(struct cphase *c, const struct llmb_plan *plan)
{
    const struct llmb_kernels *k = c->k;
    /* a GPU runs 2048^3 in tens of microseconds, far from its peak: 8192^3 there */
    int sq = c->ctx->be->gpu_per_rank ? (c->ctx->opt->quick ? 4096 : 8192)
                                      : c->ctx->opt->quick ? 1024 : 2048;
    size_t maxa = (size_t)sq * sq, maxb = maxa, maxc = maxa;
    for (int i = 0; i < plan->ngemm; i++) {
        const struct llmb_plan_gemm *g = &plan->gemm[i];
        size_t a = (size_t)g->m * g->k, b = (size_t)g->k * g->n, cc = (size_t)g->m * g->n;
        maxa = a > maxa ? a : maxa;
        maxb = b > maxb ? b : maxb;
        maxc = cc > maxc ? cc : maxc;
    }
    /* a preset too large for this node (llama3.1-405b: 17 GB of operands per rank) is an input
     * error, found before any allocation (touching overcommitted pages would meet the OOM
     * killer instead) */
    double need = 4.0 * (double)(maxa + maxb + maxc), avail = llmb_mem_available_bytes();
    int ranks = c->ctx->node_size > 0 ? c->ctx->node_size : 1;
    if (any_rank(c->ctx, c->ctx->be->host_memory && avail > 0 && need * ranks > 0.5 * avail)) {
        if (c->ctx->rank == 0)
            llmb_error("compute: model %s does not fit: its largest GEMM operands need %.3g GB "
                       "per rank x %d ranks on a node, more than half of MemAvailable (%.3g "
                       "GB; the kernels' buffers need the rest); use a smaller --model, "
                       "--batch or --seq", c->cfg->name, need / 1e9, ranks, avail / 1e9);
        return LLMB_EINPUT;
    }
    struct gemm_op g = {.k = k, .A = k->alloc(maxa * 4), .B = k->alloc(maxb * 4),
                        .C = k->alloc(maxc * 4)};
    uint64_t st = c->seed;
    int oom = !g.A || !g.B || !g.C || fill_random(k, g.A, maxa, &st) || fill_random(k, g.B, maxb, &st);
    if (any_rank(c->ctx, oom)) {
        llmb_error("compute: out of memory for GEMM operands (%.3g GB)",
                   4.0 * (maxa + maxb + maxc) / 1e9);
        if (g.A) k->free(g.A);
        if (g.B) k->free(g.B);
        if (g.C) k->free(g.C);
        return LLMB_EFAIL;
    }
    double *x = NULL, err;
    struct llmb_summary s;
    /* 1. the square GEMM */
    llmb_progress(c->ctx, "compute", ++c->point, c->npoints, "square GEMM");
    int bad = validate_or_count(c, LLMB_K_GEMM, (struct llmb_kshape){.N = 4, .C = sq, .OC = sq},
                                c->seed, &err, "square GEMM");
    json_t *gq = json_pack("{s:i, s:i, s:i, s:f}", "m", sq, "n", sq, "k", sq, "rel_l2_err",
                           isfinite(err) ? err : -1.0);
    if (!any_rank(c->ctx, bad)) {
        g.ta = g.tb = 0;
        g.m = g.n = g.kk = sq;
        int n = time_op(c->ctx, &c->tm, run_gemm, &g, &x);
        json_object_set_new(gq, "summary", summary_json(x, n, &s));
        c->measured = s.median > 0 ? 2.0 * sq * sq * (double)sq / s.median / 1e9 : 0;
        free(x);
    }
    json_object_set_new(c->r, "gemm_square", gq);
    /* not measured (refused by its reference check, or no time): null, never 0 */
    json_object_set_new(c->r, "measured_peak_gflops",
                        c->measured > 0 ? json_real(c->measured) : json_null());

    /* 2. the sweep */
    json_t *sweep = json_array();
    for (int i = 0; i < plan->ngemm; i++) {
        const struct llmb_plan_gemm *pg = &plan->gemm[i];
        if (pg->in_kernel)
            continue;
        llmb_progress(c->ctx, "compute", ++c->point, c->npoints, pg->name);
        g.ta = pg->ta;
        g.tb = pg->tb;
        g.m = pg->m;
        g.n = pg->n;
        g.kk = pg->k;
        char what[64];
        snprintf(what, sizeof what, "GEMM %.40s", pg->name);
        struct llmb_kshape vs = validation_shape(
            LLMB_K_GEMM, (struct llmb_kshape){.N = g.m, .OC = g.n, .C = g.kk, .ta = g.ta, .tb = g.tb});
        double flops = 2.0 * g.m * g.n * (double)g.kk;
        bad = validate_or_count(c, LLMB_K_GEMM, vs, c->seed + (uint64_t)i, &err, what);
        json_t *e = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:f, s:f}", "name", pg->name,
                              "m", g.m, "n", g.n, "k", g.kk, "transa", g.ta, "transb", g.tb,
                              "flops", flops, "rel_l2_err", isfinite(err) ? err : -1.0);
        if (!any_rank(c->ctx, bad)) {
            int n = time_op(c->ctx, &c->tm, run_gemm, &g, &x);
            json_object_set_new(e, "summary", summary_json(x, n, &s));
            json_object_set_new(e, "gflops", json_real(s.median > 0 ? flops / s.median / 1e9 : 0));
            free(x);
        }
        json_array_append_new(sweep, e);
    }
    json_object_set_new(c->r, "gemm", sweep);
    k->free(g.A);
    k->free(g.B);
    k->free(g.C);
    return 0;
}

/* Set n floats of backend memory to v.  0, or -1 out of memory. */
static int fill_value(const struct llmb_kernels *k, float *x, size_t n, float v)
{
    struct host_fill h = {.v = v};
    return llmb_staged_walk(k, x, n, 1, value_chunk, &h);
}

/* Elements of backend memory x (n floats) that differ from v (all of them out of memory). */
static long long count_not(const struct llmb_kernels *k, const float *x, size_t n, float v)
{
    struct host_fill h = {.v = v};
    if (llmb_staged_walk(k, (float *)x, n, 0, count_chunk, &h) != 0)
        return (long long)n;
    return h.wrong;
}

/* 3. memory bandwidth: a = b + s*c, each array 4x the last-level cache shared by the node's
 * ranks (all ranks run it at once, so together they are 4x beyond the cache), at least 32 MiB
 * together and 1 MiB each, at most 1 GiB */
/* bytes of one array of the bandwidth tests: 4 x the last-level cache (*llc) shared by the
 * node's ranks, at least 32 MiB / ranks and 1 MiB, at most 1 GiB */
static size_t stream_bytes(struct cphase *c, size_t *llc)
{
    *llc = llmb_llc_bytes();
    size_t ranks = (size_t)(c->ctx->node_size > 0 ? c->ctx->node_size : 1);
    size_t per = 4 * *llc / ranks, floor = ((size_t)32 << 20) / ranks;
    floor = floor < ((size_t)1 << 20) ? (size_t)1 << 20 : floor;
    return per < floor ? floor : per > ((size_t)1 << 30) ? (size_t)1 << 30 : per;
}

static void triad(struct cphase *c)
{
    const struct llmb_kernels *k = c->k;
    llmb_progress(c->ctx, "compute", ++c->point, c->npoints, "stream triad");
    size_t llc, per = stream_bytes(c, &llc);
    struct triad_op t = {.k = k, .n = per / 4, .a = k->alloc(per), .b = k->alloc(per),
                         .c = k->alloc(per)};
    int oom = !t.a || !t.b || !t.c || fill_value(k, t.b, t.n, 1.0f) || fill_value(k, t.c, t.n, 2.0f);
    double gbs = 0, *x = NULL;
    if (!any_rank(c->ctx, oom)) {
        struct llmb_summary s;
        int n = time_op(c->ctx, &c->tm, run_triad, &t, &x);
        /* the result is known exactly: every element 1 + 3*2 = 7 */
        long long wrong = count_not(k, t.a, t.n, 7.0f);
        if (wrong) {
            c->failed = 1;
            c->ctx->wrong += wrong;
            llmb_error("compute: stream triad wrong in %lld elements", wrong);
        }
        if (llmb_summarize(x, (size_t)n, &s) != 0)
            memset(&s, 0, sizeof s);
        gbs = !wrong && s.median > 0 ? 3.0 * per / s.median / 1e9 : 0;
        json_object_set_new(c->r, "stream_triad", json_pack("{s:f, s:f, s:o}", "array_bytes",
                                                            (double)per, "llc_bytes", (double)llc,
                                                            "summary", summary_json(x, n, NULL)));
        free(x);
    }
    /* not measured (out of memory, or wrong): null, never 0 */
    json_object_set_new(c->r, "stream_triad_gbs", gbs > 0 ? json_real(gbs) : json_null());
    if (t.a) k->free(t.a);
    if (t.b) k->free(t.b);
    if (t.c) k->free(t.c);
}

/* one timed copy: device -> device (k->copy), host -> device or device -> host */
struct copy_op {
    const struct llmb_kernels *k;
    int dir;            /* 0: dev -> dev2, 1: host -> dev, 2: dev -> host */
    float *dev, *dev2, *host;
    size_t n;
};

static void run_copy(void *arg)
{
    struct copy_op *o = arg;
    if (o->dir == 0)
        o->k->copy(o->dev2, o->dev, o->n);
    else if (o->dir == 1)
        o->k->to_device(o->dev, o->host, o->n * sizeof(float));
    else
        o->k->to_host(o->host, o->dev, o->n * sizeof(float));
    o->k->sync();
}

/* GB/s of one copy direction into r[name] (null when not measured or wrong): bytes_per_call
 * counts what moves (a device copy reads and writes: 2 x its size) */
static void time_copy(struct cphase *c, struct copy_op *o, const char *name, double bytes_per_call)
{
    double *x = NULL, gbs = 0;
    struct llmb_summary s;
    llmb_progress(c->ctx, "compute", ++c->point, c->npoints, name);
    int n = time_op(c->ctx, &c->tm, run_copy, o, &x);
    long long wrong = 0; /* every copied element is 1 */
    if (o->dir == 2) {
        for (size_t i = 0; i < o->n; i++)
            wrong += o->host[i] != 1.0f;
    } else {
        wrong = count_not(o->k, o->dir == 0 ? o->dev2 : o->dev, o->n, 1.0f);
    }
    if (wrong) {
        c->failed = 1;
        c->ctx->wrong += wrong;
        llmb_error("compute: %s wrong in %lld elements", name, wrong);
    }
    if (llmb_summarize(x, (size_t)n, &s) != 0)
        memset(&s, 0, sizeof s);
    gbs = !wrong && s.median > 0 ? bytes_per_call / s.median / 1e9 : 0;
    free(x);
    json_object_set_new(c->r, name, gbs > 0 ? json_real(gbs) : json_null());
}

/* device_copy_gbs always; h2d_gbs and d2h_gbs when the backend's memory is not the host's, from
 * its page-locked host memory where it has some (host_pinned), else from malloc's */
static void copies(struct cphase *c, size_t bytes)
{
    const struct llmb_kernels *k = c->k;
    int host = c->ctx->be->host_memory, pinned = 0;
    struct copy_op o = {.k = k, .n = bytes / 4, .dev = k->alloc(bytes), .dev2 = k->alloc(bytes)};
    if (!host && k->host_alloc && (o.host = k->host_alloc(bytes)))
        pinned = 1;
    else if (!host)
        o.host = malloc(bytes);
    int oom = !o.dev || !o.dev2 || (!host && !o.host) || fill_value(k, o.dev, o.n, 1.0f);
    if (!any_rank(c->ctx, oom)) {
        time_copy(c, &o, "device_copy_gbs", 2.0 * bytes);
        if (!host) {
            for (size_t i = 0; i < o.n; i++)
                o.host[i] = 1.0f;
            o.dir = 1;
            time_copy(c, &o, "h2d_gbs", (double)bytes);
            o.dir = 2;
            time_copy(c, &o, "d2h_gbs", (double)bytes);
        }
    } else {
        c->point += host ? 1 : 3;
        json_object_set_new(c->r, "device_copy_gbs", json_null());
    }
    for (int i = 0; !host && i < 2; i++) /* not measured: null, never 0 */
        if (!json_object_get(c->r, i ? "d2h_gbs" : "h2d_gbs"))
            json_object_set_new(c->r, i ? "d2h_gbs" : "h2d_gbs", json_null());
    if (!host)
        json_object_set_new(c->r, "host_pinned", json_boolean(pinned));
    if (o.dev) k->free(o.dev);
    if (o.dev2) k->free(o.dev2);
    if (pinned)
        k->host_free(o.host);
    else
        free(o.host);
}

/* 4. validate, then time, each kernel of lk; returns their JSON array; *sum_s = sum of the
 * medians x per_step of the timed ones */
static json_t *time_kernels(struct cphase *c, const struct timed_kernel *lk, int nk,
                            uint64_t seed, double *sum_s)
{
    json_t *kern = json_array();
    double *x = NULL;
    *sum_s = 0;
    for (int i = 0; i < nk; i++) {
        char what[64];
        snprintf(what, sizeof what, "%.31s %s", lk[i].name, lk[i].bwd ? "bwd" : "fwd");
        llmb_progress(c->ctx, "compute", ++c->point, c->npoints, what);
        struct llmb_kshape vs = validation_shape(lk[i].id, lk[i].s);
        double err = INFINITY, flops, bytes;
        int bad = llmb_kernel_validate(c->k, lk[i].id, lk[i].bwd, &vs, seed + i, &err) != 0 ||
                  !(err <= llmb_kernel_tol(c->k, lk[i].id));
        llmb_kernel_cost(lk[i].id, lk[i].bwd, &lk[i].s, &flops, &bytes);
        json_t *e = json_pack("{s:s, s:s, s:s, s:f, s:f, s:f}", "name", lk[i].name, "kernel",
                              llmb_kernel_name(lk[i].id), "pass", lk[i].bwd ? "bwd" : "fwd",
                              "flops", flops, "bytes", bytes, "rel_l2_err",
                              isfinite(err) ? err : -1.0);
        if (lk[i].per_step != 1.0)
            json_object_set_new(e, "per_step", json_real(lk[i].per_step));
        if (lk[i].id == LLMB_K_ADAMW)
            json_object_set_new(e, "n", json_integer((json_int_t)lk[i].s.n));
        if (bad) {
            c->failed = 1;
            c->ctx->wrong++;
            llmb_error("compute: kernel %s differs from its reference (rel L2 %g > %g): "
                       "not timed", what, err, llmb_kernel_tol(c->k, lk[i].id));
        }
        struct llmb_kernel_run *run = NULL;
        if (!any_rank(c->ctx, bad) &&
            !any_rank(c->ctx, !(run = llmb_kernel_run_new(c->k, lk[i].id, lk[i].bwd, &lk[i].s,
                                                          seed + 100 + i)))) {
            struct llmb_summary s;
            int n = time_op(c->ctx, &c->tm, run_kernel, run, &x);
            json_object_set_new(e, "summary", summary_json(x, n, &s));
            json_object_set_new(e, "median_s", json_real(s.median));
            json_object_set_new(e, "gflops", json_real(s.median > 0 ? flops / s.median / 1e9 : 0));
            json_object_set_new(e, "gbs", json_real(s.median > 0 ? bytes / s.median / 1e9 : 0));
            *sum_s += s.median * lk[i].per_step;
            free(x);
        } else {
            json_object_set_new(e, "median_s", json_null());
            json_object_set_new(e, "timed", json_false());
        }
        llmb_kernel_run_free(run);
        json_array_append_new(kern, e);
    }
    return kern;
}

/* 5. one whole training step (forward + backward + AdamW) when memory allows */
static void model_step(struct cphase *c)
{
    const struct llmb_options *opt = c->ctx->opt;
    int quick = opt->quick;
    llmb_progress(c->ctx, "compute", ++c->point, c->npoints, "model step");
    struct llmb_model_config sc = *c->cfg;
    if (quick && sc.layers > 1)
        sc.layers = 1;
    struct llmb_model_params pc;
    llmb_model_count(&sc, &pc);
    double need = 16.0 * pc.total +
                  4.0 * sc.batch * sc.seq *
                      ((double)sc.layers * (16.0 * sc.d_model + 3.0 * sc.d_ff +
                                            (double)sc.heads * sc.seq) + sc.vocab);
    double avail = llmb_mem_available_bytes() / (c->ctx->node_size > 0 ? c->ctx->node_size : 1);
    int skip = any_rank(c->ctx, need > 0.5 * avail);
    json_t *st = json_pack("{s:i, s:i, s:i, s:f}", "layers", sc.layers, "batch", sc.batch,
                           "seq", sc.seq, "memory_bytes", need);
    struct llmb_gpt model;
    int oom = skip ? 0 : any_rank(c->ctx, llmb_gpt_init(&model, &sc, c->k, opt->seed) != 0);
    if (skip || oom) {
        json_object_set_new(st, "skipped", json_string(skip ? "not enough memory per rank"
                                                            : "out of memory"));
        json_object_set_new(c->r, "model_step", st);
        return;
    }
    size_t nt = (size_t)sc.batch * sc.seq + 1;
    int *tok = malloc(nt * sizeof *tok);
    if (!tok)
        llmb_abort(LLMB_EFAIL, "compute: out of memory for %zu tokens", nt);
    llmb_synthetic_tokens(tok, nt, sc.vocab, opt->seed + 1);
    llmb_gpt_set_batch(&model, tok, tok + 1);
    free(tok);
    struct step_op so = {.g = &model};
    struct timing ts = c->tm;
    ts.min_iters = quick ? 2 : (c->tm.min_iters < 5 ? c->tm.min_iters : 5);
    ts.max_iters = quick ? 2 : 20;
    ts.warmup = 1;
    struct llmb_summary s;
    double *x = NULL;
    int n = time_op(c->ctx, &ts, run_step, &so, &x);
    double mf = llmb_model_flops_per_step(&sc);
    json_object_set_new(st, "summary", summary_json(x, n, &s));
    json_object_set_new(st, "model_flops", json_real(mf));
    json_object_set_new(st, "tokens_per_s",
                        json_real(s.median > 0 ? sc.batch * sc.seq / s.median : 0));
    json_object_set_new(st, "model_gflops", json_real(s.median > 0 ? mf / s.median / 1e9 : 0));
    json_object_set_new(st, "fraction_of_measured_peak",
                        json_real(s.median > 0 && c->measured > 0
                                      ? mf / s.median / 1e9 / c->measured : 0));
    json_object_set_new(st, "loss", json_real(model.loss));
    json_object_set_new(st, "predicted_from_kernels_s",
                        json_real(sc.layers * c->layer_s + c->other_s));
    free(x);
    llmb_gpt_free(&model);
    json_object_set_new(c->r, "model_step", st);
}

/* Every measurement of one rank into r; *failed when a result was wrong.  0, or LLMB_EFAIL
 * when the GEMM operands do not fit. */
static int rank_compute(struct llmb_ctx *ctx, const struct llmb_model_config *cfg,
                        const struct llmb_kernels *k, json_t *r, int *failed)
{
    const struct llmb_options *opt = ctx->opt;
    int quick = opt->quick;
    struct cphase c = {.ctx = ctx, .k = k, .cfg = cfg, .r = r,
                       .tm = {.warmup = quick ? 1 : opt->warmup,
                              .min_iters = quick ? 3 : opt->min_iters,
                              .max_iters = quick ? 5 : 1000,
                              .budget_s = opt->time_per_point_s},
                       .seed = opt->seed + 7919u * (uint64_t)ctx->rank};
    if (c.tm.min_iters < 1)
        c.tm.min_iters = 1;
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    int pus = llmb_binding_pus();
    char deriv[512];
    double nominal = ctx->be->nominal_peak_gflops(pus, deriv, sizeof deriv);
    if (ctx->pu_sharers > 1) { /* ranks bound to the same PUs share their peak */
        size_t used = strlen(deriv);
        nominal /= ctx->pu_sharers;
        snprintf(deriv + used, sizeof deriv - used, "; shared by %d ranks bound to overlapping "
                 "PUs: 1/%d of it, %.1f GFLOP/s", ctx->pu_sharers, ctx->pu_sharers, nominal);
    }
    json_object_set_new(r, "rank", json_integer(ctx->rank));
    json_object_set_new(r, "host", json_string(ctx->host));
    json_object_set_new(r, "threads", json_integer(threads));
    json_object_set_new(r, "pus", json_integer(pus));
    json_object_set_new(r, "nominal_peak_gflops", json_real(nominal));
    json_object_set_new(r, "nominal_peak_derivation", json_string(deriv));

    struct llmb_plan plan;
    if (llmb_plan_build(&plan, cfg) != 0)
        llmb_abort(LLMB_EFAIL, "compute: cannot build the plan of a step of %s", cfg->name);
    struct timed_kernel *lk = calloc((size_t)plan.nop, sizeof *lk);
    struct timed_kernel *sk = calloc((size_t)plan.nop, sizeof *sk);
    if (!lk || !sk)
        llmb_abort(LLMB_EFAIL, "compute: out of memory");
    int nk = plan_kernels(&plan, 1, lk), nsk = plan_kernels(&plan, 0, sk), nsweep = 0;
    for (int i = 0; i < plan.ngemm; i++)
        nsweep += !plan.gemm[i].in_kernel;
    c.npoints = 2 + nsweep + nk + nsk + 1 + (ctx->be->host_memory ? 1 : 3);

    int rc = gemms(&c, &plan);
    if (rc == 0) {
        triad(&c);
        size_t llc;
        copies(&c, stream_bytes(&c, &llc));
        json_object_set_new(r, "kernels", time_kernels(&c, lk, nk, c.seed + 100, &c.layer_s));
        json_object_set_new(r, "layer_time_s", json_real(c.layer_s));
        json_object_set_new(r, "step_kernels", time_kernels(&c, sk, nsk, c.seed + 300, &c.other_s));
        json_object_set_new(r, "step_kernels_time_s", json_real(c.other_s));
        /* T_compute of one step from the kernels: layers x layer + the rest (zero_grad, a
         * memset, not counted) */
        json_object_set_new(r, "predicted_step_s", json_real(cfg->layers * c.layer_s + c.other_s));
        model_step(&c);
    }
    free(lk);
    free(sk);
    llmb_plan_free(&plan);
    *failed = c.failed;
    return rc;
}

/* ---- the per-rank detail budget (bench/detail.h) ---- */

/* the figures of a rank that decide whether it keeps its detail (the findings name a rank by
 * them: GEMM rate, memory bandwidth, kernel times) */
static const char *const detail_keys[] = {"measured_peak_gflops", "stream_triad_gbs",
                                          "layer_time_s", "step_kernels_time_s"};
#define NKEYS (int)(sizeof detail_keys / sizeof *detail_keys)

static double num_or_nan(json_t *v) { return json_is_number(v) ? json_number_value(v) : NAN; }

/* Sum of key of the kernels of r[name] whose pass is `pass` (NULL: every pass). */
static double kernel_sum(json_t *r, const char *key, const char *pass)
{
    size_t i;
    json_t *k;
    double s = 0;
    json_array_foreach(json_object_get(r, "kernels"), i, k) {
        const char *p = json_string_value(json_object_get(k, "pass"));
        json_t *v = json_object_get(k, key);
        if ((!pass || (p && strcmp(p, pass) == 0)) && json_is_number(v))
            s += json_number_value(v);
    }
    return s;
}

/* A rank's record without its detail: the GEMM sweep, the kernels, the triad's detail and the
 * raw samples go; the figures the reporter and the later phases read stay, with the layer's
 * FLOPs and backward time computed from the kernels (doc/results-schema.md). */
static void summarise_rank(json_t *r)
{
    json_object_set_new(r, "layer_flops", json_real(kernel_sum(r, "flops", NULL)));
    json_object_set_new(r, "layer_backward_s", json_real(kernel_sum(r, "median_s", "bwd")));
    json_object_del(r, "gemm");
    json_object_del(r, "kernels");
    json_object_del(r, "step_kernels");
    json_object_del(r, "stream_triad");
    json_object_del(json_object_get(json_object_get(r, "gemm_square"), "summary"), "samples_s");
    json_object_del(json_object_get(json_object_get(r, "model_step"), "summary"), "samples_s");
    json_object_set_new(r, "summarised", json_true());
}

/* Every rank learns every rank's key figures and whether it keeps its detail (the same set on
 * every rank); a rank beyond the budget's outliers summarises its own record before the gather.
 * Rank 0: detail = {budget_ranks, summarised_ranks, full_ranks[] (when some are summarised)}. */
static json_t *apply_budget(struct llmb_ctx *ctx, json_t *mine)
{
    int n = ctx->size, budget = ctx->opt->detail_ranks;
    double key[NKEYS], *all = malloc((size_t)n * NKEYS * sizeof *all);
    double *by_key = malloc((size_t)n * NKEYS * sizeof *by_key);
    char *keep = malloc((size_t)n);
    if (!all || !by_key || !keep)
        llmb_abort(LLMB_EFAIL, "compute: out of memory for the key figures of %d ranks", n);
    for (int k = 0; k < NKEYS; k++)
        key[k] = num_or_nan(json_object_get(mine, detail_keys[k]));
    MPI_Allgather(key, NKEYS, MPI_DOUBLE, all, NKEYS, MPI_DOUBLE, ctx->world);
    for (int r = 0; r < n; r++) /* rank-major as gathered -> key-major for llmb_detail_pick */
        for (int k = 0; k < NKEYS; k++)
            by_key[(size_t)k * n + r] = all[(size_t)r * NKEYS + k];
    int kept = llmb_detail_pick(by_key, NKEYS, n, budget, keep);
    if (kept < 0)
        kept = n;
    if (!keep[ctx->rank])
        summarise_rank(mine);
    json_t *d = json_pack("{s:i, s:i}", "budget_ranks", budget, "summarised_ranks", n - kept);
    if (kept < n) {
        json_t *full = json_array();
        for (int r = 0; r < n; r++)
            if (keep[r])
                json_array_append_new(full, json_integer(r));
        json_object_set_new(d, "full_ranks", full);
    }
    free(all), free(by_key), free(keep);
    return d;
}

/* ---- the phase ---- */

/* The test hook's kernel: the backend's GELU forward, then one element changed. */
static const struct llmb_kernels *corrupt_base;

static void corrupt_gelu_forward(float *out, const float *inp, size_t n)
{
    corrupt_base->gelu_forward(out, inp, n);
    if (n) {
        float v;
        corrupt_base->to_host(&v, out + n / 2, sizeof v);
        v += 1.0f;
        corrupt_base->to_device(out + n / 2, &v, sizeof v);
    }
}

int llmb_phase_compute(struct llmb_ctx *ctx, json_t *out)
{
    const struct llmb_options *opt = ctx->opt;
    const struct llmb_kernels *k = ctx->be->k;
    static struct llmb_kernels corrupted;
    const char *corrupt = getenv("LLMBENCH_CORRUPT_KERNEL");
    if (corrupt && strcmp(corrupt, "gelu") == 0) {
        corrupt_base = k;
        corrupted = *k;
        corrupted.gelu_forward = corrupt_gelu_forward;
        k = &corrupted;
    }
    struct llmb_model_config cfg;
    if (llmb_model_config_init(&cfg, opt->model, opt->layers, opt->batch, opt->seq) != 0)
        return LLMB_EINPUT;
    int capped = 0;
    if (opt->quick && cfg.batch * cfg.seq > QUICK_TOKENS) { /* --quick: few tokens */
        cfg.batch = QUICK_TOKENS / cfg.seq > 0 ? QUICK_TOKENS / cfg.seq : 1;
        if (cfg.batch * cfg.seq > QUICK_TOKENS)
            cfg.seq = QUICK_TOKENS;
        capped = 1;
    }

    json_t *mine = json_object();
    int failed = 0;
    int rc = rank_compute(ctx, &cfg, k, mine, &failed);

    /* every rank's object to rank 0, beyond the budget most of them summarised */
    json_t *detail = apply_budget(ctx, mine);
    json_t *gathered = llmb_gather_json(mine, ctx->world);
    int any_failed = any_rank(ctx, failed);
    if (ctx->rank == 0) {
        json_t *ranks = json_array();
        double *peaks = calloc((size_t)ctx->size, sizeof *peaks);
        double *bws = calloc((size_t)ctx->size, sizeof *bws);
        int np = 0, nb = 0;
        for (int i = 0; i < ctx->size; i++) {
            json_t *o = json_incref(json_array_get(gathered, (size_t)i));
            if (!json_is_object(o)) {
                json_decref(o);
                o = json_pack("{s:i, s:s}", "rank", i, "error", "unreadable result");
            }
            json_t *p = json_object_get(o, "measured_peak_gflops");
            json_t *b = json_object_get(o, "stream_triad_gbs");
            if (json_is_number(p) && peaks)
                peaks[np++] = json_number_value(p);
            if (json_is_number(b) && bws)
                bws[nb++] = json_number_value(b);
            json_array_append_new(ranks, o);
        }
        json_object_set_new(out, "backend", json_string(k->name));
        json_object_set_new(out, "model", json_string(cfg.name));
        json_object_set_new(out, "family", json_string(cfg.llama ? "llama" : "gpt2"));
        json_object_set_new(out, "layers", json_integer(cfg.layers));
        json_object_set_new(out, "batch", json_integer(cfg.batch));
        json_object_set_new(out, "seq", json_integer(cfg.seq));
        json_object_set_new(out, "quick_capped_tokens", json_boolean(capped));
        json_object_set_new(out, "precision", json_string(k->precision ? k->precision : "fp32"));
        json_object_set_new(out, "tolerance_rel_l2", json_real(llmb_kernel_tol(k, LLMB_K_GELU)));
        json_object_set_new(out, "tolerance_rel_l2_gemm",
                            json_real(llmb_kernel_tol(k, LLMB_K_GEMM)));
        json_object_set_new(out, "ranks", ranks);
        json_object_set_new(out, "detail", json_incref(detail));
        json_t *sum = json_object();
        double pmin = 0;
        for (int i = 0; i < np; i++)
            pmin = i == 0 || peaks[i] < pmin ? peaks[i] : pmin;
        /* a figure no rank measured is null, never 0 */
        json_object_set_new(sum, "measured_peak_gflops_median",
                            np ? json_real(llmb_percentile(peaks, (size_t)np, 0.5)) : json_null());
        json_object_set_new(sum, "measured_peak_gflops_min", np ? json_real(pmin) : json_null());
        json_object_set_new(sum, "stream_triad_gbs_median",
                            nb ? json_real(llmb_percentile(bws, (size_t)nb, 0.5)) : json_null());
        json_object_set_new(sum, "validation_failed", json_boolean(any_failed));
        json_object_set_new(out, "summary", sum);
        if (rc != LLMB_EINPUT) /* refused: the error line says why, no figures */
            llmb_say(ctx, "compute: measured peak %.1f GFLOP/s (median of %d ranks, min %.1f), "
                          "triad %.1f GB/s%s\n",
                     np ? llmb_percentile(peaks, (size_t)np, 0.5) : 0.0, np, pmin,
                     nb ? llmb_percentile(bws, (size_t)nb, 0.5) : 0.0,
                     any_failed ? "; KERNEL VALIDATION FAILED" : "");
        free(peaks);
        free(bws);
        json_decref(gathered);
    }
    json_decref(detail);
    if (rc)
        return rc;
    return any_failed ? LLMB_EFAIL : LLMB_OK;
}
