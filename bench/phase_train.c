/* bench/phase_train.c - the train phase: data-parallel (or ZeRO-style sharded) training steps
 * of a GPT model on every rank, with gradient reduction in buckets overlapped with the backward
 * pass.  Reports global tokens/s, step time, MFU and a per-rank step timeline (compute,
 * communication, waiting for the last arrival, optimizer); checks that every replica ends with
 * bit-identical parameters.  Method: doc/design.md; results: phases.train in
 * doc/results-schema.md.
 *
 * Every rank builds the same model (the same parameter seed), trains on its own synthetic
 * micro-batches (seeded per rank and step, reproducible) and averages gradients across the ranks
 * in buckets: contiguous slices of the flat gradient buffer, cut from its end, because the
 * backward pass finishes gradients from the end of the buffer (final norm / LM head, layer L-1,
 * ..., layer 0, embeddings).
 *
 *   dp    one non-blocking allreduce per bucket, then every rank applies AdamW to all
 *         parameters
 *   zero  one non-blocking reduce-scatter per bucket (each rank owns one chunk of every bucket;
 *         chunk sizes differ by at most one float, so no padding is needed), AdamW on the owned
 *         chunks (whose moments alone the rank keeps: llmb_gpt_set_shard), one non-blocking
 *         allgather of the parameters per bucket
 * The collectives are the registry's (coll/coll.h) for the run's backend (ctx->be): with the
 * MPI backend MPI_Iallreduce, MPI_Ireduce_scatter and MPI_Iallgatherv.  Every buffer is in the
 * backend's memory and is touched only through its kernels (copy, scale, AdamW) or staged
 * through to_host / to_device.
 *
 * Overlap (default): a bucket's collective starts from the grad-ready callback as soon as its
 * last gradient is final, and every callback (one per layer) tests the started ones (the
 * backend's test: MPI_Testall) so that they progress during the backward pass.  --no-overlap starts the very same
 * non-blocking collectives, with the same buckets in the same order, after the backward pass:
 * the two modes reduce identically and give bit-identical parameters.
 *
 * Timeline per rank and step (local clock, seconds): compute = forward + backward minus the
 * time spent inside MPI calls from the callbacks; comm = time inside MPI calls (starting,
 * testing, waiting); optimizer = gradient scaling + AdamW; total = the whole step.  Every
 * collective's arrival (the moment the rank starts it) is recorded on a common clock; a rank's
 * wait = last arrival - own arrival, summed over the step's collectives, at most its comm time
 * (collectives in flight together share one lag).  Steps are not
 * separated by barriers: the harness adds nothing to the step.
 *
 * Test-only environment (never for measurements; recorded in the results):
 *   LLMBENCH_TEST_FIXED_BATCH=1      every step trains on the same batch (per rank), so the
 *                                    loss must fall; normal runs draw a fresh batch per step
 *   LLMBENCH_TEST_DUMP_PARAMS=PATH   rank 0 writes the final parameters there (raw float32,
 *                                    host byte order) for tests that compare two runs
 *   LLMBENCH_TEST_CORRUPT_RANK=R     rank R changes one parameter after the last step, so the
 *                                    replica check must fail (exit 1, rank R named)
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cluster/machine.h"
#include "coll/coll.h"
#include "error.h"
#include "kernels/gpt.h"
#include "kernels/kernels.h"
#include "kernels/plan.h"
#include "llmbench.h"
#include "metrics.h"
#include "model.h"
#include "stats.h"
#include "util.h"

/* AdamW hyper-parameters (constant learning rate: the benchmark times steps, it does not
 * train to convergence). */
#define TRAIN_LR 1e-3f
#define TRAIN_BETA1 0.9f
#define TRAIN_BETA2 0.95f
#define TRAIN_EPS 1e-8f
#define TRAIN_WD 0.1f
#define CLOCK_ROUNDS 10
#define MAX_BUCKET_FLOATS ((size_t)1 << 30) /* MPI counts are int */
#define STAGE_FLOATS ((size_t)1 << 20)      /* host staging chunk of backend memory */

struct bucket {
    size_t off, count;    /* floats of the gradient (and parameter) buffer */
    int *counts, *displs; /* zero: [n] chunk of each rank, displacement relative to off */
    size_t shard_off;     /* zero: this rank's chunk in t->shard */
};

struct train {
    struct llmb_ctx *ctx;
    MPI_Comm comm;
    const struct llmb_backend *be;
    const struct llmb_kernels *k;
    struct llmb_coll_comm cc;                  /* the world, for the backend's collectives */
    const struct llmb_coll_impl *reduce, *gather; /* allreduce or reduce-scatter; allgather */
    int n, rank, zero, overlap, accum;
    struct llmb_gpt g;
    int have_model;
    struct bucket *b;     /* b[0] holds the end of the buffer (ready first) */
    int nb;
    struct llmb_coll_req *req; /* [nb] */
    int started;          /* buckets b[0..started) started in this backward */
    size_t ready_lo;      /* gradients [ready_lo, num_params) are final */
    int order_bad;        /* the callbacks did not cover the buffer contiguously from its end */
    int reducing;         /* the callback starts collectives (last micro-batch, overlap) */
    struct llmb_clock clock; /* common clock (bench/clock.h) */
    double comm_s;        /* time inside communication calls in this step */
    double comm_cb_s;     /* ... of which inside the grad-ready callbacks */
    double *arrive;       /* [ncoll] this step's arrivals on the common clock */
    int ncoll;            /* collectives per step: nb (dp) or 2 nb (zero) */
    float *shard;         /* zero: this rank's reduced chunks of every bucket (backend memory) */
    size_t shard_n;
};

static double now_s(void) { return llmb_now_s(); }

/* ---- buckets and collectives ---- */

static int make_buckets(struct train *t, size_t bucket_bytes)
{
    size_t np = t->g.num_params, bf = bucket_bytes / sizeof(float);
    if (bf < 1)
        bf = 1;
    if (bf > MAX_BUCKET_FLOATS)
        bf = MAX_BUCKET_FLOATS;
    t->nb = (int)((np + bf - 1) / bf);
    t->b = calloc((size_t)t->nb, sizeof *t->b);
    t->req = malloc((size_t)t->nb * sizeof *t->req);
    t->ncoll = t->zero ? 2 * t->nb : t->nb;
    t->arrive = calloc((size_t)t->ncoll, sizeof *t->arrive);
    if (!t->b || !t->req || !t->arrive)
        return llmb_error("train: out of memory for %d buckets", t->nb);
    size_t hi = np;
    for (int i = 0; i < t->nb; i++) {
        struct bucket *b = &t->b[i];
        b->off = hi > bf ? hi - bf : 0;
        b->count = hi - b->off;
        hi = b->off;
        llmb_coll_req_init(&t->req[i]);
        if (!t->zero)
            continue;
        b->counts = malloc((size_t)t->n * sizeof *b->counts);
        b->displs = malloc((size_t)t->n * sizeof *b->displs);
        if (!b->counts || !b->displs)
            return llmb_error("train: out of memory for %d buckets", t->nb);
        size_t base = b->count / (size_t)t->n, rem = b->count % (size_t)t->n, d = 0;
        for (int r = 0; r < t->n; r++) {
            b->counts[r] = (int)(base + ((size_t)r < rem));
            b->displs[r] = (int)d;
            d += (size_t)b->counts[r];
        }
        b->shard_off = t->shard_n;
        t->shard_n += (size_t)b->counts[t->rank];
    }
    if (t->zero) {
        t->shard = t->k->alloc((t->shard_n ? t->shard_n : 1) * sizeof(float));
        if (!t->shard)
            return llmb_error("train: out of memory for the gradient shard (%zu floats)",
                              t->shard_n);
    }
    return 0;
}

/* zero: this rank updates its chunk of every bucket; keep AdamW moments for those only. */
static int set_shard(struct train *t)
{
    struct llmb_gpt_range *r = malloc((size_t)t->nb * sizeof *r);
    if (!r)
        return llmb_error("train: out of memory for %d shard ranges", t->nb);
    for (int i = 0; i < t->nb; i++) {
        const struct bucket *b = &t->b[i];
        r[i].offset = b->off + (size_t)b->displs[t->rank];
        r[i].count = (size_t)b->counts[t->rank];
    }
    int rc = llmb_gpt_set_shard(&t->g, r, t->nb);
    free(r);
    return rc;
}

static void free_buckets(struct train *t)
{
    for (int i = 0; t->b && i < t->nb; i++) {
        free(t->b[i].counts);
        free(t->b[i].displs);
    }
    free(t->b);
    free(t->req);
    free(t->arrive);
    if (t->shard)
        t->k->free(t->shard);
}

static void coll_failed(const struct train *t, const struct llmb_coll_impl *im, int rc)
{
    llmb_abort(LLMB_EFAIL, "train: %s %s failed (error %d)", t->be->coll->name,
               llmb_coll_name(im->coll), rc);
}

/* Start bucket i's gradient reduction on buf (the gradient buffer, or a scratch copy). */
static void reduce_start(struct train *t, int i, float *buf)
{
    struct bucket *b = &t->b[i];
    struct llmb_coll_args a = {.send = buf + b->off, .send_elems = b->count};
    if (t->zero) {
        a.recv = t->shard + b->shard_off;
        a.recv_elems = (size_t)b->counts[t->rank];
        a.counts = b->counts;
        a.displs = b->displs;
    } else {
        a.recv = buf + b->off;
        a.recv_elems = b->count;
        a.in_place = 1;
    }
    t->arrive[i] = llmb_clock_now(&t->clock);
    int rc = t->reduce->start(&a, &t->cc, &t->req[i]);
    if (rc)
        coll_failed(t, t->reduce, rc);
}

static void wait_all(struct train *t, const struct llmb_coll_impl *im)
{
    int rc = t->be->coll->wait(t->req, t->nb);
    if (rc)
        coll_failed(t, im, rc);
}

/* Start every bucket not started yet, in order, and wait for all of them. */
static void reduce_finish(struct train *t, float *buf)
{
    while (t->started < t->nb)
        reduce_start(t, t->started++, buf);
    wait_all(t, t->reduce);
}

/* zero: allgather every bucket's chunks of buf (in place), wait for all. */
static void allgather_all(struct train *t, float *buf)
{
    for (int i = 0; i < t->nb; i++) {
        struct bucket *b = &t->b[i];
        struct llmb_coll_args a = {.recv = buf + b->off, .recv_elems = b->count,
                                   .send_elems = (size_t)b->counts[t->rank], .in_place = 1,
                                   .counts = b->counts, .displs = b->displs};
        t->arrive[t->nb + i] = llmb_clock_now(&t->clock);
        int rc = t->gather->start(&a, &t->cc, &t->req[i]);
        if (rc)
            coll_failed(t, t->gather, rc);
    }
    wait_all(t, t->gather);
}

/* zero: this rank's reduced chunk of every bucket, from the shard into buf (the gradients). */
static void unshard(struct train *t, float *buf)
{
    for (int i = 0; i < t->nb; i++) {
        struct bucket *b = &t->b[i];
        t->k->copy(buf + b->off + (size_t)b->displs[t->rank], t->shard + b->shard_off,
                   (size_t)b->counts[t->rank]);
    }
}

/* The grad-ready callback: gradients [off, off + count) are final. */
static void on_grad_ready(void *arg, size_t off, size_t count)
{
    struct train *t = arg;
    if (off + count != t->ready_lo)
        t->order_bad = 1;
    if (off < t->ready_lo)
        t->ready_lo = off;
    if (!t->reducing)
        return;
    double t0 = now_s();
    while (t->started < t->nb && t->b[t->started].off >= t->ready_lo) {
        reduce_start(t, t->started, t->g.grads);
        t->started++;
    }
    if (t->started > 0) { /* progress for everything in flight */
        int done, rc = t->be->coll->test(t->req, t->started, &done);
        if (rc)
            coll_failed(t, t->reduce, rc);
    }
    double dt = now_s() - t0;
    t->comm_s += dt;
    t->comm_cb_s += dt;
}

/* ---- memory estimate (before any allocation) ---- */

static const char *gb(double bytes, char *buf, size_t len)
{
    if (bytes >= 1e12)
        snprintf(buf, len, "%.3g TB", bytes / 1e12);
    else
        snprintf(buf, len, "%.3g GB", bytes / 1e9);
    return buf;
}

/* Refuse a model that will not fit: the same verdict on every rank.  Returns 0 or
 * LLMB_EINPUT (one line printed by each failing node's first rank). */
static int check_memory(struct train *t, const struct llmb_model_config *cfg, json_t *out)
{
    struct llmb_ctx *ctx = t->ctx;
    struct llmb_model_memory m;
    struct llmb_model_params p;
    llmb_model_memory(cfg, &m);
    llmb_model_count(cfg, &p);
    double acts = 4.0 * (double)llmb_gpt_activation_floats(cfg);
    double tokens = 4.0 * (double)t->accum * ((double)cfg->batch * cfg->seq + 1) * 2;
    /* zero: the reduce-scatter output, and the AdamW moments of the owned chunks only
     * (llmb_gpt_set_shard): 1/ranks of the model each (+ at most one float per bucket) */
    int shards = t->zero ? t->n : 1;
    double shard = t->zero ? 4.0 * (double)p.total / t->n : 0;
    double optim = m.adamw_bytes / shards;
    double per_rank = m.weights_bytes + m.grads_bytes + optim + acts + tokens + shard;
    double avail = 0;
    if (ctx->node_rank == 0)
        avail = llmb_mem_available_bytes();
    MPI_Bcast(&avail, 1, MPI_DOUBLE, 0, ctx->node);
    double need = per_rank * ctx->node_size;
    int bad = avail > 0 && need > avail, any = 0;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, t->comm);
    json_object_set_new(out, "memory", json_pack("{s:I, s:I, s:I, s:i, s:I, s:I, s:I, s:i, s:I}",
        "weights_bytes", (json_int_t)m.weights_bytes, "grads_bytes", (json_int_t)m.grads_bytes,
        "optimizer_bytes", (json_int_t)optim, "optimizer_shards", shards,
        "grad_shard_bytes", (json_int_t)shard, "activations_bytes", (json_int_t)acts,
        "per_rank_bytes", (json_int_t)per_rank, "ranks_on_node", ctx->node_size,
        "mem_available_bytes", (json_int_t)avail));
    if (!any)
        return 0;
    if (bad && ctx->node_rank == 0) {
        char a[32], b[32], c[32], d[32], e[32], f[32], h[32];
        llmb_error("train: model %s (layers %d, batch %d, seq %d, accum %d) does not fit: "
                   "%s per rank (weights %s, gradients %s, optimizer state %s%s, "
                   "activations %s) x %d ranks on %s = %s, but MemAvailable is %s; use a smaller --model, "
                   "--layers, --batch or --seq",
                   cfg->name, cfg->layers, cfg->batch, cfg->seq, t->accum,
                   gb(per_rank, a, sizeof a), gb(m.weights_bytes, b, sizeof b),
                   gb(m.grads_bytes, c, sizeof c), gb(optim, d, sizeof d),
                   t->zero ? " (sharded)" : "", gb(acts, e, sizeof e), ctx->node_size,
                   ctx->host, gb(need, f, sizeof f), gb(avail, h, sizeof h));
    }
    if (ctx->rank == 0)
        json_object_set_new(out, "error", json_string("model does not fit in memory"));
    return LLMB_EINPUT;
}

/* FLOPs the kernels execute for one micro-batch (the plan of the step, kernels/plan.h); 0
 * when the plan cannot be built (message printed). */
static double executed_flops_micro(const struct llmb_model_config *c)
{
    struct llmb_plan p;
    if (llmb_plan_build(&p, c) != 0)
        return 0;
    double f = llmb_plan_executed_flops(&p);
    llmb_plan_free(&p);
    return f;
}

/* ---- the step ---- */

static uint64_t batch_seed(uint64_t seed, int rank, int step, int micro)
{
    uint64_t st = seed ^ 0x747261696e2d6461ULL; /* "train-da" */
    uint64_t h = llmb_splitmix64(&st);
    st = h ^ ((uint64_t)(unsigned)rank << 40) ^ ((uint64_t)(unsigned)step << 12) ^
         (uint64_t)(unsigned)micro;
    llmb_splitmix64(&st);
    return llmb_splitmix64(&st);
}

struct step_times {
    double compute, comm, opt, total, loss;
};

/* One training step (t_adam >= 1 is the AdamW step).  tokens: accum micro-batches of
 * B*T + 1 tokens each. */
static int train_step(struct train *t, const int *tokens, int t_adam, struct step_times *st)
{
    struct llmb_gpt *g = &t->g;
    size_t bt = (size_t)g->B * g->T;
    t->comm_s = t->comm_cb_s = 0;
    double t0 = now_s();
    llmb_gpt_zero_grad(g);
    double loss = 0;
    for (int m = 0; m < t->accum; m++) {
        const int *tok = tokens + (size_t)m * (bt + 1);
        llmb_gpt_set_batch(g, tok, tok + 1);
        loss += llmb_gpt_forward(g);
        t->ready_lo = g->num_params;
        t->started = 0;
        t->reducing = t->overlap && m == t->accum - 1;
        if (llmb_gpt_backward(g, on_grad_ready, t) != 0)
            return -1;
        if (t->ready_lo != 0)
            t->order_bad = 1;
    }
    g->k->sync();
    double t1 = now_s();
    reduce_finish(t, g->grads);
    double t2 = now_s();
    t->comm_s += t2 - t1;

    float s = 1.0f / ((float)t->n * (float)t->accum);
    if (!t->zero) {
        t->k->scale(g->grads, g->num_params, s);
        if (llmb_gpt_update(g, TRAIN_LR, TRAIN_BETA1, TRAIN_BETA2, TRAIN_EPS, TRAIN_WD, t_adam, 0,
                            g->num_params) != 0)
            return -1;
    } else {
        for (int i = 0; i < t->nb; i++) {
            struct bucket *b = &t->b[i];
            size_t off = b->off + (size_t)b->displs[t->rank], cnt = (size_t)b->counts[t->rank];
            t->k->copy(g->grads + off, t->shard + b->shard_off, cnt);
            t->k->scale(g->grads + off, cnt, s);
            if (llmb_gpt_update(g, TRAIN_LR, TRAIN_BETA1, TRAIN_BETA2, TRAIN_EPS, TRAIN_WD, t_adam,
                                off, cnt) != 0)
                return -1;
        }
    }
    g->k->sync();
    double t3 = now_s();
    if (t->zero) {
        allgather_all(t, g->params);
        t->comm_s += now_s() - t3;
    }
    double t4 = now_s();
    st->compute = (t1 - t0) - t->comm_cb_s;
    st->comm = t->comm_s;
    st->opt = t3 - t2;
    st->total = t4 - t0;
    st->loss = loss / t->accum;
    return 0;
}

/* ---- backend memory seen from the host, in chunks ---- */

/* Call fn on x[0..n) (backend memory) one host chunk at a time: fn(arg, chunk, first, count).
 * write: the chunk is copied back after fn (fn fills it); else it is only read.  Returns 0, or
 * -1 when the staging chunk cannot be allocated. */
static int staged_walk(const struct llmb_kernels *k, float *x, size_t n, int write,
                       void (*fn)(void *arg, float *chunk, size_t first, size_t count), void *arg)
{
    size_t cap = n < STAGE_FLOATS ? (n ? n : 1) : STAGE_FLOATS;
    float *h = malloc(cap * sizeof *h);
    if (!h)
        return llmb_error("train: out of memory for a %zu-float staging buffer", cap);
    for (size_t i = 0; i < n; i += cap) {
        size_t c = n - i < cap ? n - i : cap;
        if (!write)
            k->to_host(h, x + i, c * sizeof *h);
        fn(arg, h, i, c);
        if (write)
            k->to_device(x + i, h, c * sizeof *h);
    }
    free(h);
    return 0;
}

/* The verification data: rank r's element i, small integers (exact sums in any order). */
static float check_value(size_t i, int r) { return (float)((i * 7 + (size_t)r * 3) % 13); }

struct check_walk {
    int rank, n;
    long long wrong;
    double sum2;    /* params_l2 */
    FILE *f;        /* dump_params */
    size_t written;
};

static void fill_chunk(void *arg, float *x, size_t first, size_t count)
{
    struct check_walk *w = arg;
    for (size_t i = 0; i < count; i++)
        x[i] = check_value(first + i, w->rank);
}

static void check_chunk(void *arg, float *x, size_t first, size_t count)
{
    struct check_walk *w = arg;
    for (size_t i = 0; i < count; i++) {
        float want = 0;
        for (int r = 0; r < w->n; r++)
            want += check_value(first + i, r);
        w->wrong += x[i] != want; /* NaN counts as wrong */
    }
}

static void l2_chunk(void *arg, float *x, size_t first, size_t count)
{
    struct check_walk *w = arg;
    for (size_t i = 0; i < count; i++)
        w->sum2 += (double)x[i] * x[i];
}

static void dump_chunk(void *arg, float *x, size_t first, size_t count)
{
    struct check_walk *w = arg;
    w->written += fwrite(x, sizeof(float), count, w->f);
}

/* Untimed check of the reduction path on integer-valued data (exact in any order): the
 * gradient buffer gets value(i, rank); after the bucketed reduction (and, for zero, the
 * allgather of the reduced chunks) every element must equal the sum over ranks.  Returns the
 * number of wrong elements on this rank (staging out of memory: all of them). */
static long long verify_reduction(struct train *t)
{
    struct llmb_gpt *g = &t->g;
    struct check_walk w = {.rank = t->rank, .n = t->n};
    if (staged_walk(t->k, g->grads, g->num_params, 1, fill_chunk, &w) != 0)
        return (long long)g->num_params;
    t->started = 0;
    reduce_finish(t, g->grads);
    if (t->zero) {
        unshard(t, g->grads);
        allgather_all(t, g->grads);
    }
    if (staged_walk(t->k, g->grads, g->num_params, 0, check_chunk, &w) != 0)
        w.wrong = (long long)g->num_params;
    llmb_gpt_zero_grad(g);
    return w.wrong;
}

/* Standalone communication of one step (no compute): barrier, then the step's collectives on
 * the (scratch) gradient buffer; the slowest rank's time, median of reps. */
static double comm_alone_s(struct train *t, int reps)
{
    double *v = malloc((size_t)reps * sizeof *v), med;
    if (!v)
        return 0;
    for (int k = 0; k < reps; k++) {
        MPI_Barrier(t->comm);
        double t0 = now_s();
        t->started = 0;
        reduce_finish(t, t->g.grads);
        if (t->zero)
            allgather_all(t, t->g.grads);
        double dt = now_s() - t0;
        MPI_Allreduce(&dt, &v[k], 1, MPI_DOUBLE, MPI_MAX, t->comm);
    }
    med = llmb_percentile(v, (size_t)reps, 0.5);
    free(v);
    return med;
}

static double params_l2(const struct llmb_gpt *g)
{
    struct check_walk w = {0};
    if (staged_walk(g->k, g->params, g->num_params, 0, l2_chunk, &w) != 0)
        return NAN;
    return sqrt(w.sum2);
}

static int dump_params(const struct llmb_gpt *g, const char *path)
{
    struct check_walk w = {.f = fopen(path, "wb")};
    if (!w.f)
        return llmb_error("train: cannot write %s", path);
    int rc = staged_walk(g->k, g->params, g->num_params, 0, dump_chunk, &w);
    if (fclose(w.f) != 0 || rc != 0 || w.written != g->num_params)
        return llmb_error("train: short write to %s", path);
    return 0;
}

/* Test-only (LLMBENCH_TEST_CORRUPT_RANK): change one parameter, so the replica check fires. */
static void corrupt_one_param(struct llmb_gpt *g)
{
    float v;
    size_t i = g->num_params / 2;
    g->k->to_host(&v, g->params + i, sizeof v);
    v += 1e-3f;
    g->k->to_device(g->params + i, &v, sizeof v);
}

static int env_flag(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

/* Mean over ranks of a compute-phase per-rank peak, or 0 when absent. */
static double compute_peak(struct llmb_ctx *ctx, const char *field)
{
    json_t *c = llmb_phase_result(ctx, "compute"), *ranks = c ? json_object_get(c, "ranks") : NULL;
    size_t i, k = 0;
    json_t *r;
    double s = 0;
    if (!json_is_array(ranks))
        return 0;
    json_array_foreach(ranks, i, r) {
        json_t *v = json_object_get(r, field);
        if (!json_is_number(v) || json_number_value(v) <= 0)
            return 0;
        s += json_number_value(v);
        k++;
    }
    return k == (size_t)ctx->size ? s / (double)k : 0;
}

static json_t *num_or_null(double v, int ok) { return ok ? json_real(v) : json_null(); }

static json_t *darray(const double *x, size_t n, size_t stride)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_real(x[i * stride]));
    return a;
}

/* ---- the phase ---- */

/* What the steps measured, and what rank 0 gathered. */
struct record {
    int steps, warm, total;     /* timed, warm-up, both */
    int nc;                     /* collectives per step */
    size_t rec;                 /* doubles per rank: compute, comm, opt, total [steps] each,
                                 * then arrivals [steps][nc] */
    double *loc, *losses;       /* this rank's record; losses of every step */
    double *all;                /* rank 0: every rank's record, rank after rank */
    uint64_t *sums;             /* rank 0: every rank's parameter checksum */
    double *l2s;                /* rank 0: every rank's parameter L2 norm */
    int differ, any_bad;        /* replicas that differ from rank 0; callbacks out of order */
    double alone;               /* one step's communication alone (s) */
    json_t *clk;                /* rank 0: the common clock's JSON */
};

/* 1. The model, buckets, moments and collectives on every rank; every rank agrees.  Returns
 * 0, LLMB_EINPUT (does not fit), or LLMB_EFAIL. */
static int setup(struct train *t, const struct llmb_model_config *cfg, int **tokens, json_t *out)
{
    struct llmb_ctx *ctx = t->ctx;
    const struct llmb_options *opt = ctx->opt;
    int rc = check_memory(t, cfg, out);
    if (rc)
        return rc;
    const char *cb = t->be->coll->name;
    t->reduce = llmb_coll_find(t->zero ? LLMB_COLL_REDUCE_SCATTER : LLMB_COLL_ALLREDUCE, cb);
    t->gather = llmb_coll_find(LLMB_COLL_ALLGATHER, cb);
    int ok = t->reduce && t->reduce->start && (!t->zero || (t->gather && t->gather->start));
    if (!ok && ctx->rank == 0)
        llmb_error("train: backend %s has no non-blocking %s", cb, t->zero ?
                   "reduce_scatter or allgather" : "allreduce");
    ok = ok && llmb_gpt_init(&t->g, cfg, t->k, opt->seed) == 0;
    t->have_model = ok;
    size_t bt = (size_t)cfg->batch * cfg->seq;
    if (ok) {
        *tokens = malloc((size_t)t->accum * (bt + 1) * sizeof **tokens);
        ok = *tokens && make_buckets(t, opt->bucket_bytes) == 0;
    }
    /* allocate the AdamW moments now, not in the first timed step: zero keeps them only for
     * this rank's chunks (one per bucket), dp for the whole model */
    if (ok)
        ok = (t->zero ? set_shard(t)
                      : llmb_gpt_update(&t->g, TRAIN_LR, TRAIN_BETA1, TRAIN_BETA2, TRAIN_EPS,
                                        TRAIN_WD, 1, 0, 0)) == 0;
    int all_ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, t->comm);
    if (!all_ok) {
        if (ctx->rank == 0)
            llmb_error("train: could not set up model %s on every rank (see above)", cfg->name);
        return LLMB_EFAIL;
    }
    if (llmb_coll_comm_open(t->be->coll, t->comm, &t->cc) != 0)
        llmb_abort(LLMB_EFAIL, "train: cannot open the world communicator of backend %s", cb);
    if (llmb_clock_sync(t->comm, ctx->node, CLOCK_ROUNDS, &t->clock) != 0)
        llmb_abort(LLMB_EFAIL, "train: common clock synchronisation failed");
    return 0;
}

/* 2. The reduction path checked before anything is timed.  0 or LLMB_EFAIL. */
static int verify(struct train *t, json_t *out)
{
    long long wrong = verify_reduction(t), wrong_all = 0;
    MPI_Allreduce(&wrong, &wrong_all, 1, MPI_LONG_LONG, MPI_SUM, t->comm);
    if (!wrong_all)
        return 0;
    if (t->ctx->rank == 0) {
        t->ctx->wrong += wrong_all;
        llmb_error("train: gradient reduction check failed: %lld wrong elements", wrong_all);
        json_object_set_new(out, "reduction_wrong", json_integer(wrong_all));
    }
    return LLMB_EFAIL;
}

/* 3. Warm-up and timed steps; fills this rank's record. */
static void run_steps(struct train *t, const struct llmb_model_config *cfg, int *tokens,
                      struct record *R)
{
    const struct llmb_options *opt = t->ctx->opt;
    int fixed = env_flag("LLMBENCH_TEST_FIXED_BATCH");
    size_t bt = (size_t)cfg->batch * cfg->seq;
    int steps = R->steps;
    for (int s = 0; s < R->total; s++) {
        int timed = s - R->warm;
        for (int m = 0; m < t->accum; m++)
            llmb_synthetic_tokens(tokens + (size_t)m * (bt + 1), bt + 1, cfg->vocab,
                                  batch_seed(opt->seed, t->rank, fixed ? 0 : s, m));
        struct step_times st;
        if (train_step(t, tokens, s + 1, &st) != 0)
            llmb_abort(LLMB_EFAIL, "train: step %d failed", s + 1);
        R->losses[s] = st.loss;
        if (timed >= 0) {
            R->loc[timed] = st.compute;
            R->loc[steps + timed] = st.comm;
            R->loc[2 * steps + timed] = st.opt;
            R->loc[3 * steps + timed] = st.total;
            memcpy(R->loc + 4 * (size_t)steps + (size_t)timed * t->ncoll, t->arrive,
                   (size_t)t->ncoll * sizeof(double));
        }
        char what[96];
        snprintf(what, sizeof what, "%s step %d  loss %.4f  %.3f s", timed < 0 ? "warm-up" : "timed",
                 timed < 0 ? s + 1 : timed + 1, st.loss, st.total);
        llmb_progress(t->ctx, "train", s + 1, R->total, what);
    }
}

/* 4. Gather the records, checksums and norms to rank 0; the replicas must be identical (rank 0
 * names the ones that are not); one step's communication alone.  0 or LLMB_EFAIL. */
static int gather_and_check(struct train *t, struct record *R)
{
    struct llmb_ctx *ctx = t->ctx;
    const char *dump = getenv("LLMBENCH_TEST_DUMP_PARAMS");
    const char *corrupt = getenv("LLMBENCH_TEST_CORRUPT_RANK");
    int rc = 0, order_bad = t->order_bad;
    MPI_Allreduce(&order_bad, &R->any_bad, 1, MPI_INT, MPI_MAX, t->comm);
    if (corrupt && *corrupt && atoi(corrupt) == t->rank) /* test-only: prove the check fires */
        corrupt_one_param(&t->g);
    uint64_t sum = llmb_gpt_checksum(&t->g);
    double l2 = params_l2(&t->g);
    if (ctx->rank == 0) {
        R->sums = malloc((size_t)t->n * sizeof *R->sums);
        R->l2s = malloc((size_t)t->n * sizeof *R->l2s);
        R->all = malloc((size_t)t->n * R->rec * sizeof *R->all);
        if (!R->sums || !R->l2s || !R->all)
            llmb_abort(LLMB_EFAIL, "train: out of memory gathering %d ranks", t->n);
    }
    MPI_Gather(&sum, 1, MPI_UINT64_T, R->sums, 1, MPI_UINT64_T, 0, t->comm);
    MPI_Gather(&l2, 1, MPI_DOUBLE, R->l2s, 1, MPI_DOUBLE, 0, t->comm);
    MPI_Gather(R->loc, (int)R->rec, MPI_DOUBLE, R->all, (int)R->rec, MPI_DOUBLE, 0, t->comm);
    if (ctx->rank == 0 && dump && *dump && dump_params(&t->g, dump) != 0)
        rc = LLMB_EFAIL;
    R->clk = llmb_clock_json(t->comm, CLOCK_ROUNDS, &t->clock, NULL);
    int steps = R->steps;
    R->alone = t->n > 1 ? comm_alone_s(t, steps < 3 ? 3 : steps > 10 ? 10 : steps) : 0;

    if (ctx->rank == 0) {
        char list[512] = "";
        size_t used = 0;
        for (int r = 1; r < t->n; r++)
            if (R->sums[r] != R->sums[0]) {
                R->differ++;
                if (used < sizeof list - 16)
                    used += (size_t)snprintf(list + used, sizeof list - used, "%s%d",
                                             R->differ > 1 ? ", " : "", r);
            }
        if (R->differ) {
            ctx->wrong += R->differ;
            llmb_error("train: parameters differ from rank 0's after %d steps on %d of %d "
                       "ranks (ranks %s): the replicas diverged", R->total, R->differ, t->n, list);
        }
        if (R->any_bad)
            llmb_error("train: gradient-ready callbacks did not cover the gradient buffer in "
                       "order: overlap results are not trustworthy");
    }
    MPI_Bcast(&R->differ, 1, MPI_INT, 0, t->comm);
    return R->differ || R->any_bad ? LLMB_EFAIL : rc;
}

/* Per-step figures of the run (rank 0). */
struct timeline {
    double *step, *expo;        /* [steps] the slowest rank's step; its exposed communication */
    double *wait;               /* [n][steps] each rank's wait for the last arrival */
    int *last;                  /* [n] how often each rank arrived last */
};

/* 5a. Per step: the slowest rank; per rank: waits from the arrivals on the common clock. */
static void timeline(const struct train *t, const struct record *R, struct timeline *tl)
{
    int n = t->n, nc = R->nc, steps = R->steps;
    const double *all = R->all;
    tl->step = calloc((size_t)steps, sizeof *tl->step);
    tl->expo = calloc((size_t)steps, sizeof *tl->expo);
    tl->wait = calloc((size_t)n * steps, sizeof *tl->wait);
    tl->last = calloc((size_t)n, sizeof *tl->last);
    if (!tl->step || !tl->expo || !tl->wait || !tl->last)
        llmb_abort(LLMB_EFAIL, "train: out of memory summarizing");
    for (int s = 0; s < steps; s++) {
        int slow = 0;
        for (int r = 0; r < n; r++)
            if (all[(size_t)r * R->rec + 3 * steps + s] > all[(size_t)slow * R->rec + 3 * steps + s])
                slow = r;
        const double *S = all + (size_t)slow * R->rec;
        tl->step[s] = S[3 * steps + s];
        tl->expo[s] = S[3 * steps + s] - S[s] - S[2 * steps + s];
        for (int c = 0; c < nc; c++) {
            double mx = -1e300;
            int who = 0;
            for (int r = 0; r < n; r++) {
                double a = all[(size_t)r * R->rec + 4 * (size_t)steps + (size_t)s * nc + c];
                if (a > mx)
                    mx = a, who = r;
            }
            tl->last[who]++;
            for (int r = 0; r < n; r++)
                tl->wait[(size_t)r * steps + s] +=
                    mx - all[(size_t)r * R->rec + 4 * (size_t)steps + (size_t)s * nc + c];
        }
        /* a rank can only be blocked inside a communication call: overlapped collectives
         * in flight together see the same lag, which the sum would count once per bucket */
        for (int r = 0; r < n; r++) {
            double cs = all[(size_t)r * R->rec + steps + s];
            if (tl->wait[(size_t)r * steps + s] > cs)
                tl->wait[(size_t)r * steps + s] = cs;
        }
    }
}

static void timeline_free(struct timeline *tl)
{
    free(tl->step);
    free(tl->expo);
    free(tl->wait);
    free(tl->last);
}

/* 5b. What was trained and how (rank 0). */
static void config_json(const struct train *t, const struct llmb_model_config *cfg, json_t *out)
{
    const struct llmb_options *opt = t->ctx->opt;
    struct llmb_model_params pc;
    llmb_model_count(cfg, &pc);
    size_t gbytes = t->g.num_params * sizeof(float);
    json_object_set_new(out, "model", json_pack(
        "{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:I, s:f}", "preset", cfg->name,
        "family", cfg->llama ? "llama" : "gpt2", "layers", cfg->layers, "d_model",
        cfg->d_model, "heads", cfg->heads, "kv_heads", cfg->kv_heads, "d_ff", cfg->d_ff,
        "vocab", cfg->vocab, "params", (json_int_t)pc.total, "params_non_embedding",
        (json_int_t)pc.non_embedding, "flops_per_token", llmb_model_flops_per_token(cfg)));
    json_object_set_new(out, "backend", json_string(t->k->name));
    json_object_set_new(out, "ranks_total", json_integer(t->n));
    json_object_set_new(out, "batch", json_integer(cfg->batch));
    json_object_set_new(out, "seq", json_integer(cfg->seq));
    json_object_set_new(out, "accum", json_integer(t->accum));
    json_object_set_new(out, "global_batch_tokens",
                        json_integer((json_int_t)((double)cfg->batch * cfg->seq * t->accum * t->n)));
    json_object_set_new(out, "mode", json_string(t->zero ? "zero" : "dp"));
    json_object_set_new(out, "overlap", json_boolean(t->overlap));
    json_object_set_new(out, "bucket_bytes", json_integer((json_int_t)opt->bucket_bytes));
    json_t *bk = json_array();
    for (int p = 0; p < (t->zero ? 2 : 1); p++)
        for (int i = 0; i < t->nb; i++)
            json_array_append_new(bk, json_pack("{s:I, s:s, s:s, s:I}", "bytes",
                (json_int_t)(t->b[i].count * sizeof(float)), "group", "world", "collective",
                llmb_coll_name(p ? t->gather->coll : t->reduce->coll), "offset_floats",
                (json_int_t)t->b[i].off));
    json_object_set_new(out, "buckets", bk);
    json_object_set_new(out, "comm_bytes_per_step", json_pack("{s:I, s:I, s:I}",
        "allreduce", (json_int_t)(t->zero ? 0 : gbytes),
        "reduce_scatter", (json_int_t)(t->zero ? gbytes : 0),
        "allgather", (json_int_t)(t->zero ? gbytes : 0)));
    json_object_set_new(out, "optimizer", json_pack("{s:s, s:f, s:f, s:f, s:f, s:f}",
        "name", "adamw", "lr", (double)TRAIN_LR, "beta1", (double)TRAIN_BETA1, "beta2",
        (double)TRAIN_BETA2, "eps", (double)TRAIN_EPS, "weight_decay", (double)TRAIN_WD));
    json_object_set_new(out, "fixed_batch", json_boolean(env_flag("LLMBENCH_TEST_FIXED_BATCH")));
}

/* 5c. Every rank's timeline and the replica checksums (rank 0). */
static void ranks_json(const struct train *t, const struct record *R, const struct timeline *tl,
                       json_t *out)
{
    int n = t->n, steps = R->steps;
    json_t *ranks = json_array();
    for (int r = 0; r < n; r++) {
        const double *X = R->all + (size_t)r * R->rec;
        json_array_append_new(ranks, json_pack("{s:i, s:o, s:o, s:o, s:o, s:o, s:f}",
            "rank", r, "compute_s", darray(X, (size_t)steps, 1),
            "comm_s", darray(X + steps, (size_t)steps, 1),
            "wait_s", darray(tl->wait + (size_t)r * steps, (size_t)steps, 1),
            "optimizer_s", darray(X + 2 * steps, (size_t)steps, 1),
            "total_s", darray(X + 3 * steps, (size_t)steps, 1),
            "last_frac", n > 1 ? (double)tl->last[r] / ((double)steps * R->nc) : 0.0));
    }
    json_object_set_new(out, "ranks", ranks);
    json_object_set_new(out, "loss", darray(R->losses + R->warm, (size_t)steps, 1));
    json_object_set_new(out, "loss_warmup", darray(R->losses, (size_t)R->warm, 1));
    json_t *vals = json_array(), *l2a = json_array();
    for (int r = 0; r < n; r++) {
        char hex[24];
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)R->sums[r]);
        json_array_append_new(vals, json_string(hex));
        json_array_append_new(l2a, json_real(R->l2s[r]));
    }
    json_object_set_new(out, "checksum", json_pack("{s:b, s:o, s:o, s:s}", "equal",
        R->differ == 0, "values", vals, "params_l2", l2a, "method",
        "FNV-1a 64 of the parameter bits after all steps"));
}

/* 5. Throughput, MFU and the timeline into the results, and the console summary (rank 0). */
static void summarize(struct train *t, const struct llmb_model_config *cfg, struct record *R,
                      json_t *out)
{
    struct llmb_ctx *ctx = t->ctx;
    int n = t->n, steps = R->steps;
    struct timeline tl;
    timeline(t, R, &tl);
    struct llmb_summary sm, se;
    llmb_summarize(tl.step, (size_t)steps, &sm);
    llmb_summarize(tl.expo, (size_t)steps, &se);
    size_t bt = (size_t)cfg->batch * cfg->seq;
    double gtok = (double)bt * t->accum * n;
    double fps = llmb_model_flops_per_step(cfg) * t->accum * n;
    double xfps = executed_flops_micro(cfg) * t->accum * n;
    double pn = compute_peak(ctx, "nominal_peak_gflops");
    double pm = compute_peak(ctx, "measured_peak_gflops");
    double mfu_n = llmb_mfu(fps, n, pn, sm.median), mfu_m = llmb_mfu(fps, n, pm, sm.median);
    double hfu_n = llmb_mfu(xfps, n, pn, sm.median), hfu_m = llmb_mfu(xfps, n, pm, sm.median);
    double hidden = R->alone > 0 ? 1.0 - se.median / R->alone : 0;
    hidden = hidden < 0 ? 0 : hidden > 1 ? 1 : hidden;

    config_json(t, cfg, out);
    json_object_set_new(out, "warmup_steps", json_integer(R->warm));
    json_object_set_new(out, "timed_steps", json_integer(steps));
    json_object_set_new(out, "step_time", llmb_summary_json(&sm, "s"));
    json_object_set_new(out, "step_time_samples_s", darray(tl.step, (size_t)steps, 1));
    json_object_set_new(out, "tokens_per_s", json_real(gtok / sm.median));
    json_object_set_new(out, "flops_per_step", json_real(fps));
    json_object_set_new(out, "executed_flops_per_step", json_real(xfps));
    json_object_set_new(out, "peak_nominal_gflops", num_or_null(pn, pn > 0));
    json_object_set_new(out, "peak_measured_gflops", num_or_null(pm, pm > 0));
    json_object_set_new(out, "mfu_nominal", num_or_null(mfu_n, pn > 0));
    json_object_set_new(out, "mfu_measured", num_or_null(mfu_m, pm > 0));
    json_object_set_new(out, "hfu", num_or_null(hfu_n, pn > 0));
    json_object_set_new(out, "hfu_measured", num_or_null(hfu_m, pm > 0));
    json_object_set_new(out, "comm_alone_s", num_or_null(R->alone, n > 1));
    json_object_set_new(out, "exposed_comm", llmb_summary_json(&se, "s"));
    json_object_set_new(out, "overlap_hidden_frac", num_or_null(hidden, n > 1 && R->alone > 0));
    json_object_set_new(out, "clock", R->clk);
    R->clk = NULL;
    ranks_json(t, R, &tl, out);

    char mn[48] = "n/a", mm[48] = "n/a";
    if (pn > 0)
        snprintf(mn, sizeof mn, "%.1f%%", 100 * mfu_n);
    if (pm > 0)
        snprintf(mm, sizeof mm, "%.1f%%", 100 * mfu_m);
    llmb_say(ctx, "train: %s (%d layers) %s%s, %d ranks x %zu tokens x %d accum = %.0f "
             "tokens/step\n", cfg->name, cfg->layers, t->zero ? "zero" : "dp",
             t->overlap ? " overlap" : " no-overlap", n, bt, t->accum, gtok);
    llmb_say(ctx, "train: %.0f tokens/s, step %.4f s (p10 %.4f, p90 %.4f), MFU %s nominal / "
             "%s measured peak, loss %.4f -> %.4f, replicas %s\n", gtok / sm.median,
             sm.median, sm.p10, sm.p90, mn, mm, R->losses[0], R->losses[R->total - 1],
             R->differ ? "DIFFER" : "identical");
    timeline_free(&tl);
}

int llmb_phase_train(struct llmb_ctx *ctx, json_t *out)
{
    const struct llmb_options *opt = ctx->opt;
    struct train T = {.ctx = ctx, .comm = ctx->world, .be = ctx->be, .k = ctx->be->k,
                      .n = ctx->size, .rank = ctx->rank, .zero = opt->zero,
                      .overlap = opt->overlap, .accum = opt->accum};
    struct train *t = &T;
    struct llmb_model_config cfg;
    struct record R = {.steps = opt->steps, .warm = opt->warmup,
                       .total = opt->steps + opt->warmup};
    int *tokens = NULL;

    if (llmb_model_config_init(&cfg, opt->model, opt->layers, opt->batch, opt->seq) != 0)
        return LLMB_EINPUT; /* the option parser refuses this first; every rank agrees */
    int rc = setup(t, &cfg, &tokens, out);
    if (!rc)
        rc = verify(t, out);
    if (!rc) {
        R.nc = t->ncoll;
        R.rec = (size_t)R.steps * (4 + (size_t)t->ncoll);
        R.loc = calloc(R.rec, sizeof *R.loc);
        R.losses = calloc((size_t)R.total, sizeof *R.losses);
        if (!R.loc || !R.losses)
            llmb_abort(LLMB_EFAIL, "train: out of memory for the step records");
        run_steps(t, &cfg, tokens, &R);
        rc = gather_and_check(t, &R);
        if (ctx->rank == 0)
            summarize(t, &cfg, &R, out);
    }
    json_decref(R.clk);
    free(R.sums);
    free(R.l2s);
    free(R.all);
    free(R.loc);
    free(R.losses);
    free(tokens);
    free_buckets(t);
    if (t->cc.mpi != MPI_COMM_NULL && t->cc.n > 0)
        llmb_coll_comm_close(t->be->coll, &t->cc);
    if (t->have_model)
        llmb_gpt_free(&t->g);
    return rc;
}
