/* bench/train.c - the train phase (DESIGN.md sections 1, 3 and 6; doc/results-schema.md,
 * phases.train).
 *
 * Every rank builds the same model (the same parameter seed), trains on its own synthetic
 * micro-batches (seeded per rank and step, reproducible) and averages gradients across the ranks
 * in buckets: contiguous slices of the flat gradient buffer, cut from its end, because the
 * backward pass finishes gradients from the end of the buffer (final norm / LM head, layer L-1,
 * ..., layer 0, embeddings).
 *
 *   dp    one MPI_Iallreduce per bucket, then every rank applies AdamW to all parameters
 *   zero  one MPI_Ireduce_scatter per bucket (each rank owns one chunk of every bucket; chunk
 *         sizes differ by at most one float, so no padding is needed), AdamW on the owned
 *         chunks (whose moments alone the rank keeps: llmb_gpt_set_shard), one
 *         MPI_Iallgatherv of the parameters per bucket
 *
 * Overlap (default): a bucket's collective starts from the grad-ready callback as soon as its
 * last gradient is final, and every callback (one per layer) calls MPI_Testall on the started
 * ones so that they progress during the backward pass.  --no-overlap starts the very same
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
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "error.h"
#include "kernels/gpt.h"
#include "kernels/kernels.h"
#include "llmbench.h"
#include "metrics.h"
#include "model.h"
#include "stats.h"
#include "train.h"
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

struct bucket {
    size_t off, count;    /* floats of the gradient (and parameter) buffer */
    int *counts, *displs; /* zero: [n] chunk of each rank, displacement relative to off */
    size_t shard_off;     /* zero: this rank's chunk in t->shard */
};

struct train {
    struct llmb_ctx *ctx;
    MPI_Comm comm;
    int n, rank, zero, overlap, accum;
    struct llmb_gpt g;
    int have_model;
    struct bucket *b;     /* b[0] holds the end of the buffer (ready first) */
    int nb;
    MPI_Request *req;     /* [nb] */
    int started;          /* buckets b[0..started) started in this backward */
    size_t ready_lo;      /* gradients [ready_lo, num_params) are final */
    int order_bad;        /* the callbacks did not cover the buffer contiguously from its end */
    int reducing;         /* the callback starts collectives (last micro-batch, overlap) */
    struct llmb_clock clock; /* common clock (bench/clock.h) */
    double comm_s;        /* time inside communication calls in this step */
    double comm_cb_s;     /* ... of which inside the grad-ready callbacks */
    double *arrive;       /* [ncoll] this step's arrivals on the common clock */
    int ncoll;            /* collectives per step: nb (dp) or 2 nb (zero) */
    float *shard;         /* zero: this rank's reduced chunks of every bucket */
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
        t->req[i] = MPI_REQUEST_NULL;
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
        t->shard = malloc((t->shard_n ? t->shard_n : 1) * sizeof(float));
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
    free(t->shard);
}

/* Start bucket i's gradient reduction on buf (the gradient buffer, or a scratch copy). */
static void reduce_start(struct train *t, int i, float *buf)
{
    struct bucket *b = &t->b[i];
    t->arrive[i] = llmb_clock_now(&t->clock);
    if (t->zero)
        MPI_Ireduce_scatter(buf + b->off, t->shard + b->shard_off, b->counts, MPI_FLOAT, MPI_SUM,
                            t->comm, &t->req[i]);
    else
        MPI_Iallreduce(MPI_IN_PLACE, buf + b->off, (int)b->count, MPI_FLOAT, MPI_SUM, t->comm,
                       &t->req[i]);
}

/* Start every bucket not started yet, in order, and wait for all of them. */
static void reduce_finish(struct train *t, float *buf)
{
    while (t->started < t->nb)
        reduce_start(t, t->started++, buf);
    MPI_Waitall(t->nb, t->req, MPI_STATUSES_IGNORE);
}

/* zero: allgather every bucket's chunks of buf (in place), wait for all. */
static void allgather_all(struct train *t, float *buf)
{
    for (int i = 0; i < t->nb; i++) {
        struct bucket *b = &t->b[i];
        t->arrive[t->nb + i] = llmb_clock_now(&t->clock);
        MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, buf + b->off, b->counts, b->displs,
                        MPI_FLOAT, t->comm, &t->req[i]);
    }
    MPI_Waitall(t->nb, t->req, MPI_STATUSES_IGNORE);
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
        int flag;
        MPI_Testall(t->started, t->req, &flag, MPI_STATUSES_IGNORE);
    }
    double dt = now_s() - t0;
    t->comm_s += dt;
    t->comm_cb_s += dt;
}

/* ---- memory estimate (before any allocation) ---- */

static double mem_available_bytes(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0;
    char line[256];
    double kb = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1)
            break;
    fclose(f);
    return kb * 1024.0;
}

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
        avail = mem_available_bytes();
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

/* ---- executed FLOPs (kernels/cost.c counting rules) ---- */

static double kcost(enum llmb_kernel_id id, int bwd, struct llmb_kshape s)
{
    double f = 0, by = 0;
    llmb_kernel_cost(id, bwd, &s, &f, &by);
    return f;
}

/* FLOPs the kernels execute for one micro-batch, forward + backward, call by call as
 * kernels/gpt.c makes them (causal attention: half the score matrix). */
static double executed_flops_micro(const struct llmb_model_config *c)
{
    int B = c->batch, T = c->seq, C = c->d_model, N = B * T, llama = c->llama;
    int Q = llmb_model_qkv_dim(c), Ffc = llmb_model_fc_dim(c), F = c->d_ff, V = c->vocab;
    enum llmb_kernel_id norm = llama ? LLMB_K_RMSNORM : LLMB_K_LAYERNORM;
    struct llmb_kshape nc = {.N = N, .C = C};
    struct llmb_kshape att = {.B = B, .T = T, .NH = c->heads, .KVH = c->kv_heads,
                              .HD = c->head_dim};
    struct llmb_kshape res = {.n = (size_t)N * C};
    struct llmb_kshape mm[4] = {{.N = N, .C = C, .OC = Q, .bias = !llama},
                                {.N = N, .C = C, .OC = C, .bias = !llama},
                                {.N = N, .C = C, .OC = Ffc, .bias = !llama},
                                {.N = N, .C = F, .OC = C, .bias = !llama}};
    struct llmb_kshape act = llama ? (struct llmb_kshape){.N = N, .F = F}
                                   : (struct llmb_kshape){.n = (size_t)N * F};
    enum llmb_kernel_id actk = llama ? LLMB_K_SWIGLU : LLMB_K_GELU;
    double layer = 0;
    for (int bwd = 0; bwd < 2; bwd++) {
        layer += 2 * kcost(norm, bwd, nc) + kcost(LLMB_K_ATTENTION, bwd, att) +
                 kcost(actk, bwd, act) + (llama ? kcost(LLMB_K_ROPE, bwd, att) : 0);
        for (int i = 0; i < 4; i++)
            layer += kcost(LLMB_K_MATMUL, bwd, mm[i]);
    }
    layer += 2 * kcost(LLMB_K_RESIDUAL, 0, res); /* backward passes dres through */
    struct llmb_kshape enc = {.B = B, .T = T, .C = C, .pos = !llama};
    struct llmb_kshape head = {.N = N, .C = C, .OC = V};
    struct llmb_kshape xent = {.N = N, .V = V};
    double rest = 0;
    for (int bwd = 0; bwd < 2; bwd++)
        rest += kcost(LLMB_K_ENCODER, bwd, enc) + kcost(norm, bwd, nc) +
                kcost(LLMB_K_MATMUL, bwd, head) + kcost(LLMB_K_SOFTMAX_XENT, bwd, xent);
    return layer * c->layers + rest;
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

static void scale(float *x, size_t n, float s)
{
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++)
        x[i] *= s;
}

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
        scale(g->grads, g->num_params, s);
        if (llmb_gpt_update(g, TRAIN_LR, TRAIN_BETA1, TRAIN_BETA2, TRAIN_EPS, TRAIN_WD, t_adam, 0,
                            g->num_params) != 0)
            return -1;
    } else {
        for (int i = 0; i < t->nb; i++) {
            struct bucket *b = &t->b[i];
            size_t off = b->off + (size_t)b->displs[t->rank], cnt = (size_t)b->counts[t->rank];
            memcpy(g->grads + off, t->shard + b->shard_off, cnt * sizeof(float));
            scale(g->grads + off, cnt, s);
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

/* Untimed check of the reduction path on integer-valued data (exact in any order): the
 * gradient buffer gets value(i, rank); after the bucketed reduction (and, for zero, the
 * allgather of the reduced chunks) every element must equal the sum over ranks.  Returns the
 * number of wrong elements on this rank. */
static long long verify_reduction(struct train *t)
{
    struct llmb_gpt *g = &t->g;
    float *x = g->grads; /* the CPU backend's memory is host memory */
#define VAL(i, r) ((float)(((i) * 7 + (size_t)(r) * 3) % 13))
    for (size_t i = 0; i < g->num_params; i++)
        x[i] = VAL(i, t->rank);
    t->started = 0;
    reduce_finish(t, x);
    if (t->zero) {
        for (int i = 0; i < t->nb; i++) {
            struct bucket *b = &t->b[i];
            memcpy(x + b->off + b->displs[t->rank], t->shard + b->shard_off,
                   (size_t)b->counts[t->rank] * sizeof(float));
        }
        allgather_all(t, x);
    }
    long long wrong = 0;
    for (size_t i = 0; i < g->num_params; i++) {
        float want = 0;
        for (int r = 0; r < t->n; r++)
            want += VAL(i, r);
        wrong += x[i] != want;
    }
#undef VAL
    llmb_gpt_zero_grad(g);
    return wrong;
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
    double s = 0;
    for (size_t i = 0; i < g->num_params; i++)
        s += (double)g->params[i] * g->params[i];
    return sqrt(s);
}

static int dump_params(const struct llmb_gpt *g, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return llmb_error("train: cannot write %s", path);
    size_t w = fwrite(g->params, sizeof(float), g->num_params, f);
    if (fclose(f) != 0 || w != g->num_params)
        return llmb_error("train: short write to %s", path);
    return 0;
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

int llmb_phase_train(struct llmb_ctx *ctx, json_t *out)
{
    const struct llmb_options *opt = ctx->opt;
    struct train T = {.ctx = ctx, .comm = ctx->world, .n = ctx->size, .rank = ctx->rank,
                      .zero = opt->zero, .overlap = opt->overlap, .accum = opt->accum};
    struct train *t = &T;
    struct llmb_model_config cfg;
    int rc = 0, fixed = env_flag("LLMBENCH_TEST_FIXED_BATCH");
    const char *dump = getenv("LLMBENCH_TEST_DUMP_PARAMS");
    int steps = opt->steps, warm = opt->warmup, total_steps = steps + warm;
    int *tokens = NULL;
    double *loc = NULL, *all = NULL, *losses = NULL;

    if (llmb_model_config_init(&cfg, opt->model, opt->layers, opt->batch, opt->seq) != 0)
        return LLMB_EINPUT; /* the option parser refuses this first; every rank agrees */
    rc = check_memory(t, &cfg, out);
    if (rc)
        return rc;

    /* the model on every rank; agree on failure */
    int ok = llmb_gpt_init(&t->g, &cfg, &llmb_kernels_cpu, opt->seed) == 0, all_ok = 0;
    t->have_model = ok;
    size_t bt = (size_t)cfg.batch * cfg.seq;
    if (ok) {
        tokens = malloc((size_t)t->accum * (bt + 1) * sizeof *tokens);
        ok = tokens && make_buckets(t, opt->bucket_bytes) == 0;
    }
    /* allocate the AdamW moments now, not in the first timed step: zero keeps them only for
     * this rank's chunks (one per bucket), dp for the whole model */
    if (ok)
        ok = (t->zero ? set_shard(t)
                      : llmb_gpt_update(&t->g, TRAIN_LR, TRAIN_BETA1, TRAIN_BETA2, TRAIN_EPS,
                                        TRAIN_WD, 1, 0, 0)) == 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, t->comm);
    if (!all_ok) {
        if (ctx->rank == 0)
            llmb_error("train: could not set up model %s on every rank (see above)", cfg.name);
        rc = LLMB_EFAIL;
        goto done;
    }
    if (llmb_clock_sync(t->comm, ctx->node, CLOCK_ROUNDS, &t->clock) != 0)
        llmb_abort(LLMB_EFAIL, "train: common clock synchronisation failed");

    /* verify the reduction before timing anything */
    long long wrong = verify_reduction(t), wrong_all = 0;
    MPI_Allreduce(&wrong, &wrong_all, 1, MPI_LONG_LONG, MPI_SUM, t->comm);
    if (wrong_all) {
        if (ctx->rank == 0) {
            ctx->wrong += wrong_all;
            llmb_error("train: gradient reduction check failed: %lld wrong elements", wrong_all);
            json_object_set_new(out, "reduction_wrong", json_integer(wrong_all));
        }
        rc = LLMB_EFAIL;
        goto done;
    }

    /* per-rank record: compute, comm, opt, total [steps] each, then arrivals [steps][ncoll] */
    size_t rec = (size_t)steps * (4 + (size_t)t->ncoll);
    loc = calloc(rec, sizeof *loc);
    losses = calloc((size_t)total_steps, sizeof *losses);
    if (!loc || !losses)
        llmb_abort(LLMB_EFAIL, "train: out of memory for the step records");
    for (int s = 0; s < total_steps; s++) {
        int timed = s - warm;
        for (int m = 0; m < t->accum; m++)
            llmb_synthetic_tokens(tokens + (size_t)m * (bt + 1), bt + 1, cfg.vocab,
                                  batch_seed(opt->seed, t->rank, fixed ? 0 : s, m));
        struct step_times st;
        if (train_step(t, tokens, s + 1, &st) != 0)
            llmb_abort(LLMB_EFAIL, "train: step %d failed", s + 1);
        losses[s] = st.loss;
        if (timed >= 0) {
            loc[timed] = st.compute;
            loc[steps + timed] = st.comm;
            loc[2 * steps + timed] = st.opt;
            loc[3 * steps + timed] = st.total;
            memcpy(loc + 4 * (size_t)steps + (size_t)timed * t->ncoll, t->arrive,
                   (size_t)t->ncoll * sizeof(double));
        }
        char what[96];
        snprintf(what, sizeof what, "%s step %d  loss %.4f  %.3f s", timed < 0 ? "warm-up" : "timed",
                 timed < 0 ? s + 1 : timed + 1, st.loss, st.total);
        llmb_progress(ctx, "train", s + 1, total_steps, what);
    }
    int order_bad = t->order_bad, any_bad = 0;
    MPI_Allreduce(&order_bad, &any_bad, 1, MPI_INT, MPI_MAX, t->comm);

    /* replicas must be identical */
    const char *corrupt = getenv("LLMBENCH_TEST_CORRUPT_RANK");
    if (corrupt && *corrupt && atoi(corrupt) == t->rank) /* test-only: prove the check fires */
        t->g.params[t->g.num_params / 2] += 1e-3f;
    uint64_t sum = llmb_gpt_checksum(&t->g), *sums = NULL;
    double l2 = params_l2(&t->g), *l2s = NULL;
    if (ctx->rank == 0) {
        sums = malloc((size_t)t->n * sizeof *sums);
        l2s = malloc((size_t)t->n * sizeof *l2s);
        all = malloc((size_t)t->n * rec * sizeof *all);
        if (!sums || !l2s || !all)
            llmb_abort(LLMB_EFAIL, "train: out of memory gathering %d ranks", t->n);
    }
    MPI_Gather(&sum, 1, MPI_UINT64_T, sums, 1, MPI_UINT64_T, 0, t->comm);
    MPI_Gather(&l2, 1, MPI_DOUBLE, l2s, 1, MPI_DOUBLE, 0, t->comm);
    MPI_Gather(loc, (int)rec, MPI_DOUBLE, all, (int)rec, MPI_DOUBLE, 0, t->comm);
    if (ctx->rank == 0 && dump && *dump && dump_params(&t->g, dump) != 0)
        rc = LLMB_EFAIL;
    json_t *clk = llmb_clock_json(t->comm, CLOCK_ROUNDS, &t->clock, NULL);
    double alone = t->n > 1 ? comm_alone_s(t, steps < 3 ? 3 : steps > 10 ? 10 : steps) : 0;

    int differ = 0;
    if (ctx->rank == 0) {
        char list[512] = "";
        size_t used = 0;
        for (int r = 1; r < t->n; r++)
            if (sums[r] != sums[0]) {
                differ++;
                if (used < sizeof list - 16)
                    used += (size_t)snprintf(list + used, sizeof list - used, "%s%d",
                                             differ > 1 ? ", " : "", r);
            }
        if (differ) {
            ctx->wrong += differ;
            llmb_error("train: parameters differ from rank 0's after %d steps on %d of %d "
                       "ranks (ranks %s): the replicas diverged", total_steps, differ, t->n, list);
        }
        if (any_bad)
            llmb_error("train: gradient-ready callbacks did not cover the gradient buffer in "
                       "order: overlap results are not trustworthy");
    }
    MPI_Bcast(&differ, 1, MPI_INT, 0, t->comm);
    if (differ || any_bad)
        rc = LLMB_EFAIL;

    if (ctx->rank == 0) {
        /* per step: the slowest rank; per rank: waits from arrivals */
        int n = t->n, nc = t->ncoll;
        double *step = calloc((size_t)steps, sizeof *step);
        double *expo = calloc((size_t)steps, sizeof *expo);
        double *wait = calloc((size_t)n * steps, sizeof *wait);
        int *last = calloc((size_t)n, sizeof *last);
        if (!step || !expo || !wait || !last)
            llmb_abort(LLMB_EFAIL, "train: out of memory summarizing");
        for (int s = 0; s < steps; s++) {
            int slow = 0;
            for (int r = 0; r < n; r++) {
                double *R = all + (size_t)r * rec;
                if (R[3 * steps + s] > all[(size_t)slow * rec + 3 * steps + s])
                    slow = r;
            }
            double *S = all + (size_t)slow * rec;
            step[s] = S[3 * steps + s];
            expo[s] = S[3 * steps + s] - S[s] - S[2 * steps + s];
            for (int c = 0; c < nc; c++) {
                double mx = -1e300;
                int who = 0;
                for (int r = 0; r < n; r++) {
                    double a = all[(size_t)r * rec + 4 * (size_t)steps + (size_t)s * nc + c];
                    if (a > mx)
                        mx = a, who = r;
                }
                last[who]++;
                for (int r = 0; r < n; r++)
                    wait[(size_t)r * steps + s] +=
                        mx - all[(size_t)r * rec + 4 * (size_t)steps + (size_t)s * nc + c];
            }
            /* a rank can only be blocked inside a communication call: overlapped collectives
             * in flight together see the same lag, which the sum would count once per bucket */
            for (int r = 0; r < n; r++) {
                double cs = all[(size_t)r * rec + steps + s];
                if (wait[(size_t)r * steps + s] > cs)
                    wait[(size_t)r * steps + s] = cs;
            }
        }
        struct llmb_summary sm, se;
        llmb_summarize(step, (size_t)steps, &sm);
        llmb_summarize(expo, (size_t)steps, &se);
        double gtok = (double)bt * t->accum * n;
        double fps = llmb_model_flops_per_step(&cfg) * t->accum * n;
        double xfps = executed_flops_micro(&cfg) * t->accum * n;
        double pn = compute_peak(ctx, "nominal_peak_gflops");
        double pm = compute_peak(ctx, "measured_peak_gflops");
        double mfu_n = llmb_mfu(fps, n, pn, sm.median), mfu_m = llmb_mfu(fps, n, pm, sm.median);
        double hfu_n = llmb_mfu(xfps, n, pn, sm.median), hfu_m = llmb_mfu(xfps, n, pm, sm.median);
        double hidden = alone > 0 ? 1.0 - se.median / alone : 0;
        if (hidden < 0)
            hidden = 0;
        if (hidden > 1)
            hidden = 1;
        struct llmb_model_params pc;
        llmb_model_count(&cfg, &pc);
        size_t gbytes = t->g.num_params * sizeof(float);

        json_object_set_new(out, "model", json_pack(
            "{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:I, s:f}", "preset", cfg.name,
            "family", cfg.llama ? "llama" : "gpt2", "layers", cfg.layers, "d_model",
            cfg.d_model, "heads", cfg.heads, "kv_heads", cfg.kv_heads, "d_ff", cfg.d_ff,
            "vocab", cfg.vocab, "params", (json_int_t)pc.total, "params_non_embedding",
            (json_int_t)pc.non_embedding, "flops_per_token", llmb_model_flops_per_token(&cfg)));
        json_object_set_new(out, "backend", json_string(t->g.k->name));
        json_object_set_new(out, "ranks_total", json_integer(n));
        json_object_set_new(out, "batch", json_integer(cfg.batch));
        json_object_set_new(out, "seq", json_integer(cfg.seq));
        json_object_set_new(out, "accum", json_integer(t->accum));
        json_object_set_new(out, "global_batch_tokens", json_integer((json_int_t)gtok));
        json_object_set_new(out, "mode", json_string(t->zero ? "zero" : "dp"));
        json_object_set_new(out, "overlap", json_boolean(t->overlap));
        json_object_set_new(out, "bucket_bytes", json_integer((json_int_t)opt->bucket_bytes));
        json_t *bk = json_array();
        for (int p = 0; p < (t->zero ? 2 : 1); p++)
            for (int i = 0; i < t->nb; i++)
                json_array_append_new(bk, json_pack("{s:I, s:s, s:s, s:I}", "bytes",
                    (json_int_t)(t->b[i].count * sizeof(float)), "group", "world", "collective",
                    t->zero ? (p ? "allgather" : "reduce_scatter") : "allreduce", "offset_floats",
                    (json_int_t)t->b[i].off));
        json_object_set_new(out, "buckets", bk);
        json_object_set_new(out, "comm_bytes_per_step", json_pack("{s:I, s:I, s:I}",
            "allreduce", (json_int_t)(t->zero ? 0 : gbytes),
            "reduce_scatter", (json_int_t)(t->zero ? gbytes : 0),
            "allgather", (json_int_t)(t->zero ? gbytes : 0)));
        json_object_set_new(out, "optimizer", json_pack("{s:s, s:f, s:f, s:f, s:f, s:f}",
            "name", "adamw", "lr", (double)TRAIN_LR, "beta1", (double)TRAIN_BETA1, "beta2",
            (double)TRAIN_BETA2, "eps", (double)TRAIN_EPS, "weight_decay", (double)TRAIN_WD));
        json_object_set_new(out, "fixed_batch", json_boolean(fixed));
        json_object_set_new(out, "warmup_steps", json_integer(warm));
        json_object_set_new(out, "timed_steps", json_integer(steps));
        json_object_set_new(out, "step_time", llmb_summary_json(&sm, "s"));
        json_object_set_new(out, "step_time_samples_s", darray(step, (size_t)steps, 1));
        json_object_set_new(out, "tokens_per_s", json_real(gtok / sm.median));
        json_object_set_new(out, "flops_per_step", json_real(fps));
        json_object_set_new(out, "executed_flops_per_step", json_real(xfps));
        json_object_set_new(out, "peak_nominal_gflops", num_or_null(pn, pn > 0));
        json_object_set_new(out, "peak_measured_gflops", num_or_null(pm, pm > 0));
        json_object_set_new(out, "mfu_nominal", num_or_null(mfu_n, pn > 0));
        json_object_set_new(out, "mfu_measured", num_or_null(mfu_m, pm > 0));
        json_object_set_new(out, "hfu", num_or_null(hfu_n, pn > 0));
        json_object_set_new(out, "hfu_measured", num_or_null(hfu_m, pm > 0));
        json_object_set_new(out, "comm_alone_s", num_or_null(alone, n > 1));
        json_object_set_new(out, "exposed_comm", llmb_summary_json(&se, "s"));
        json_object_set_new(out, "overlap_hidden_frac", num_or_null(hidden, n > 1 && alone > 0));
        json_object_set_new(out, "clock", clk);
        clk = NULL;
        json_t *ranks = json_array();
        for (int r = 0; r < n; r++) {
            double *R = all + (size_t)r * rec;
            json_array_append_new(ranks, json_pack("{s:i, s:o, s:o, s:o, s:o, s:o, s:f}",
                "rank", r, "compute_s", darray(R, (size_t)steps, 1),
                "comm_s", darray(R + steps, (size_t)steps, 1),
                "wait_s", darray(wait + (size_t)r * steps, (size_t)steps, 1),
                "optimizer_s", darray(R + 2 * steps, (size_t)steps, 1),
                "total_s", darray(R + 3 * steps, (size_t)steps, 1),
                "last_frac", n > 1 ? (double)last[r] / ((double)steps * nc) : 0.0));
        }
        json_object_set_new(out, "ranks", ranks);
        json_object_set_new(out, "loss", darray(losses + warm, (size_t)steps, 1));
        json_object_set_new(out, "loss_warmup", darray(losses, (size_t)warm, 1));
        json_t *vals = json_array(), *l2a = json_array();
        for (int r = 0; r < n; r++) {
            char hex[24];
            snprintf(hex, sizeof hex, "%016llx", (unsigned long long)sums[r]);
            json_array_append_new(vals, json_string(hex));
            json_array_append_new(l2a, json_real(l2s[r]));
        }
        json_object_set_new(out, "checksum", json_pack("{s:b, s:o, s:o, s:s}", "equal",
            differ == 0, "values", vals, "params_l2", l2a, "method",
            "FNV-1a 64 of the parameter bits after all steps"));

        char mn[48] = "n/a", mm[48] = "n/a";
        if (pn > 0)
            snprintf(mn, sizeof mn, "%.1f%%", 100 * mfu_n);
        if (pm > 0)
            snprintf(mm, sizeof mm, "%.1f%%", 100 * mfu_m);
        llmb_say(ctx, "train: %s (%d layers) %s%s, %d ranks x %zu tokens x %d accum = %.0f "
                 "tokens/step\n", cfg.name, cfg.layers, t->zero ? "zero" : "dp",
                 t->overlap ? " overlap" : " no-overlap", n, bt, t->accum, gtok);
        llmb_say(ctx, "train: %.0f tokens/s, step %.4f s (p10 %.4f, p90 %.4f), MFU %s nominal / "
                 "%s measured peak, loss %.4f -> %.4f, replicas %s\n", gtok / sm.median,
                 sm.median, sm.p10, sm.p90, mn, mm, losses[0], losses[total_steps - 1],
                 differ ? "DIFFER" : "identical");
        free(step);
        free(expo);
        free(wait);
        free(last);
    }
    json_decref(clk);
    free(sums);
    free(l2s);

done:
    free(all);
    free(loc);
    free(losses);
    free(tokens);
    free_buckets(t);
    if (t->have_model)
        llmb_gpt_free(&t->g);
    return rc;
}
