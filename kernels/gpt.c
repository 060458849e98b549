/* kernels/gpt.c - GPT-2 / Llama-style decoder: forward, backward with a gradient-ready
 * callback, AdamW, checksum.  Every step goes through the kernel table g->k. */
#include "kernels/gpt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util.h"

#define NONE ((size_t)-1)

size_t llmb_gpt_layer_offset(const struct llmb_gpt *g, int l)
{
    return g->off_layers + (size_t)l * g->layer_size;
}

void llmb_synthetic_tokens(int *tokens, size_t n, int vocab, uint64_t seed)
{
    uint64_t st = seed ^ 0x746f6b656e73ULL; /* "tokens" */
    for (size_t i = 0; i < n; i++)
        tokens[i] = (int)(llmb_splitmix64(&st) % (uint64_t)(vocab > 0 ? vocab : 1));
}

static void layout(struct llmb_gpt *g)
{
    size_t C = g->C, Q = g->Cqkv, F = g->F, Ffc = g->Ffc, o = 0;
    struct llmb_gpt_layer_offsets *lo = &g->lo;
    lo->ln1w = o, o += C;
    lo->ln1b = g->cfg.llama ? NONE : (o += C, o - C);
    lo->qkvw = o, o += Q * C;
    lo->qkvb = g->cfg.llama ? NONE : (o += Q, o - Q);
    lo->attprojw = o, o += C * C;
    lo->attprojb = g->cfg.llama ? NONE : (o += C, o - C);
    lo->ln2w = o, o += C;
    lo->ln2b = g->cfg.llama ? NONE : (o += C, o - C);
    lo->fcw = o, o += Ffc * C;
    lo->fcb = g->cfg.llama ? NONE : (o += Ffc, o - Ffc);
    lo->fcprojw = o, o += C * F;
    lo->fcprojb = g->cfg.llama ? NONE : (o += C, o - C);
    g->layer_size = o;

    o = 0;
    g->off_wte = o, o += (size_t)g->V * C;
    g->off_wpe = g->cfg.llama ? NONE : o;
    if (!g->cfg.llama)
        o += (size_t)g->cfg.max_seq * C;
    g->off_layers = o, o += (size_t)g->L * g->layer_size;
    g->off_final = o, o += g->cfg.llama ? C : 2 * C;
    g->off_head = g->cfg.tied ? g->off_wte : o;
    if (!g->cfg.tied)
        o += (size_t)g->V * C;
    g->num_params = o;
}

/* counter-based normal(0,1) of element j: Box-Muller on two splitmix64 draws of (seed, j),
 * so any element can be made independently (threads) and every rank gets the same value */
static float normal_at(uint64_t seed, uint64_t j)
{
    uint64_t a = seed ^ (j * 0xd1b54a32d192ed03ULL), b = a + 0x632be59bd9b4e019ULL;
    double u1 = ((llmb_splitmix64(&a) >> 11) + 1.0) * (1.0 / 9007199254740993.0);
    double u2 = (llmb_splitmix64(&b) >> 11) * (1.0 / 9007199254740992.0);
    return (float)(sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2));
}

/* fill params[off, off+n) with value (std 0) or normal(0, std), through a host buffer */
static void init_tensor(struct llmb_gpt *g, float *stage, size_t stage_n, size_t off, size_t n,
                        double std, float value, uint64_t seed)
{
    for (size_t done = 0; done < n;) {
        size_t c = n - done < stage_n ? n - done : stage_n;
#pragma omp parallel for schedule(static) if (c > 65536)
        for (size_t i = 0; i < c; i++)
            stage[i] = std > 0 ? (float)(std * normal_at(seed, off + done + i)) : value;
        g->k->to_device(g->params + off + done, stage, c * sizeof(float));
        done += c;
    }
}

static int init_params(struct llmb_gpt *g, uint64_t seed)
{
    size_t stage_n = 1 << 20;
    float *stage = malloc(stage_n * sizeof *stage);
    if (!stage)
        return llmb_error("model: out of memory");
    size_t C = g->C;
    double proj_std = 0.02 / sqrt(2.0 * g->L);
    init_tensor(g, stage, stage_n, g->off_wte, (size_t)g->V * C, 0.02, 0, seed);
    if (g->off_wpe != NONE)
        init_tensor(g, stage, stage_n, g->off_wpe, (size_t)g->cfg.max_seq * C, 0.01, 0, seed);
    for (int l = 0; l < g->L; l++) {
        size_t b = llmb_gpt_layer_offset(g, l);
        const struct llmb_gpt_layer_offsets *lo = &g->lo;
        init_tensor(g, stage, stage_n, b + lo->ln1w, C, 0, 1.0f, seed);
        init_tensor(g, stage, stage_n, b + lo->qkvw, (size_t)g->Cqkv * C, 0.02, 0, seed);
        init_tensor(g, stage, stage_n, b + lo->attprojw, C * C, proj_std, 0, seed);
        init_tensor(g, stage, stage_n, b + lo->ln2w, C, 0, 1.0f, seed);
        init_tensor(g, stage, stage_n, b + lo->fcw, (size_t)g->Ffc * C, 0.02, 0, seed);
        init_tensor(g, stage, stage_n, b + lo->fcprojw, (size_t)g->F * C, proj_std, 0, seed);
        /* biases and norm biases stay 0 (alloc zeroes) */
    }
    init_tensor(g, stage, stage_n, g->off_final, C, 0, 1.0f, seed);
    if (!g->cfg.tied)
        init_tensor(g, stage, stage_n, g->off_head, (size_t)g->V * C, 0.02, 0, seed);
    free(stage);
    return 0;
}

/* THE layout of the activation buffer, for cfg: returns its size in floats; with g, also
 * points g's activation pointers into base (g->layer must hold cfg->layers entries).  Both the
 * allocation and llmb_gpt_activation_floats() count through here. */
static size_t carve_acts(const struct llmb_model_config *cfg, struct llmb_gpt *g, float *base)
{
    size_t N = (size_t)cfg->batch * cfg->seq, C = (size_t)cfg->d_model;
    size_t Q = (size_t)llmb_model_qkv_dim(cfg), Ffc = (size_t)llmb_model_fc_dim(cfg);
    size_t F = (size_t)cfg->d_ff, V = (size_t)cfg->vocab;
    size_t att = (size_t)cfg->batch * cfg->heads * cfg->seq * cfg->seq, o = 0;
    struct llmb_gpt scratch; /* the pointers' target when only counting */
    struct llmb_gpt *d = g ? g : &scratch;
#define TAKE(ptr, n) ((ptr) = base ? base + o : NULL, o += (n))
    TAKE(d->encoded, N * C);
    for (int l = 0; l < cfg->layers; l++) {
        struct llmb_gpt_layer_acts one, *a = g ? &g->layer[l] : &one;
        TAKE(a->ln1, N * C);
        TAKE(a->ln1_mean, N);
        TAKE(a->ln1_rstd, N);
        TAKE(a->qkv, N * Q);
        TAKE(a->atty, N * C);
        TAKE(a->att, att);
        TAKE(a->attproj, N * C);
        TAKE(a->res2, N * C);
        TAKE(a->ln2, N * C);
        TAKE(a->ln2_mean, N);
        TAKE(a->ln2_rstd, N);
        TAKE(a->fch, N * Ffc);
        TAKE(a->fch_act, N * F);
        TAKE(a->fcproj, N * C);
        TAKE(a->res3, N * C);
    }
    TAKE(d->lnf, N * C);
    TAKE(d->lnf_mean, N);
    TAKE(d->lnf_rstd, N);
    TAKE(d->logits, N * V);
    TAKE(d->losses, N);
    /* activation gradients: one layer's worth */
    TAKE(d->dres, N * C);
    TAKE(d->dln, N * C);
    TAKE(d->datty, N * C);
    TAKE(d->dqkv, N * Q);
    TAKE(d->dfch, N * Ffc);
    TAKE(d->dfch_act, N * F);
#undef TAKE
    return o;
}

size_t llmb_gpt_activation_floats(const struct llmb_model_config *cfg)
{
    return carve_acts(cfg, NULL, NULL);
}

static int alloc_acts(struct llmb_gpt *g)
{
    size_t N = (size_t)g->B * g->T, total = carve_acts(&g->cfg, NULL, NULL);
    g->acts = g->k->alloc(total * sizeof(float));
    g->layer = calloc((size_t)g->L, sizeof *g->layer);
    g->losses_host = calloc(N, sizeof(float));
    g->inputs = g->k->alloc(N * sizeof(int));
    g->targets = g->k->alloc(N * sizeof(int));
    if (!g->acts || !g->layer || !g->losses_host || !g->inputs || !g->targets)
        return llmb_error("model %s: out of memory for activations (%.3g GB)", g->cfg.name,
                          total * 4.0 / 1e9);
    g->num_acts = total;
    carve_acts(&g->cfg, g, g->acts);
    return 0;
}

int llmb_gpt_init(struct llmb_gpt *g, const struct llmb_model_config *cfg,
                  const struct llmb_kernels *k, uint64_t seed)
{
    memset(g, 0, sizeof *g);
    g->cfg = *cfg;
    g->k = k;
    g->B = cfg->batch;
    g->T = cfg->seq;
    g->C = cfg->d_model;
    g->NH = cfg->heads;
    g->KVH = cfg->kv_heads;
    g->HD = cfg->head_dim;
    g->F = cfg->d_ff;
    g->Ffc = llmb_model_fc_dim(cfg);
    g->Cqkv = llmb_model_qkv_dim(cfg);
    g->V = cfg->vocab;
    g->L = cfg->layers;
    if (g->B < 1 || g->T < 1 || g->L < 1 || (!cfg->llama && g->T > cfg->max_seq))
        return llmb_error("model %s: bad shape batch %d seq %d layers %d", cfg->name, g->B, g->T,
                          g->L);
    layout(g);
    g->params = k->alloc(g->num_params * sizeof(float));
    g->grads = k->alloc(g->num_params * sizeof(float));
    if (!g->params || !g->grads) {
        llmb_gpt_free(g);
        return llmb_error("model %s: out of memory for %zu parameters", cfg->name,
                          g->num_params);
    }
    if (init_params(g, seed) != 0 || alloc_acts(g) != 0) {
        llmb_gpt_free(g);
        return -1;
    }
    return 0;
}

void llmb_gpt_free(struct llmb_gpt *g)
{
    if (!g->k)
        return;
    void *dev[] = {g->params, g->grads, g->m, g->v, g->acts, g->inputs, g->targets};
    for (size_t i = 0; i < sizeof dev / sizeof dev[0]; i++)
        if (dev[i])
            g->k->free(dev[i]);
    free(g->layer);
    free(g->losses_host);
    free(g->shard);
    memset(g, 0, sizeof *g);
}

void llmb_gpt_set_batch(struct llmb_gpt *g, const int *inputs, const int *targets)
{
    size_t n = (size_t)g->B * g->T * sizeof(int);
    g->k->to_device(g->inputs, inputs, n);
    g->k->to_device(g->targets, targets, n);
}

#define P(off) (g->params + (off))
#define G(off) (g->grads + (off))
#define PB(base, field) (g->lo.field == NONE ? NULL : P((base) + g->lo.field))
#define GB(base, field) (g->lo.field == NONE ? NULL : G((base) + g->lo.field))

float llmb_gpt_forward(struct llmb_gpt *g)
{
    const struct llmb_kernels *k = g->k;
    int B = g->B, T = g->T, C = g->C, N = B * T, llama = g->cfg.llama;
    k->encoder_forward(g->encoded, g->inputs, P(g->off_wte),
                       g->off_wpe == NONE ? NULL : P(g->off_wpe), B, T, C);
    float *res = g->encoded;
    for (int l = 0; l < g->L; l++) {
        struct llmb_gpt_layer_acts *a = &g->layer[l];
        size_t b = llmb_gpt_layer_offset(g, l);
        if (llama)
            k->rmsnorm_forward(a->ln1, a->ln1_rstd, res, P(b + g->lo.ln1w), N, C);
        else
            k->layernorm_forward(a->ln1, a->ln1_mean, a->ln1_rstd, res, P(b + g->lo.ln1w),
                                 P(b + g->lo.ln1b), N, C);
        k->matmul_forward(a->qkv, a->ln1, P(b + g->lo.qkvw), PB(b, qkvb), N, C, g->Cqkv);
        if (llama)
            k->rope_forward(a->qkv, B, T, g->NH, g->KVH, g->HD);
        k->attention_forward(a->atty, a->att, a->qkv, B, T, g->NH, g->KVH, g->HD);
        k->matmul_forward(a->attproj, a->atty, P(b + g->lo.attprojw), PB(b, attprojb), N, C, C);
        k->residual_forward(a->res2, res, a->attproj, (size_t)N * C);
        if (llama)
            k->rmsnorm_forward(a->ln2, a->ln2_rstd, a->res2, P(b + g->lo.ln2w), N, C);
        else
            k->layernorm_forward(a->ln2, a->ln2_mean, a->ln2_rstd, a->res2, P(b + g->lo.ln2w),
                                 P(b + g->lo.ln2b), N, C);
        k->matmul_forward(a->fch, a->ln2, P(b + g->lo.fcw), PB(b, fcb), N, C, g->Ffc);
        if (llama)
            k->swiglu_forward(a->fch_act, a->fch, N, g->F);
        else
            k->gelu_forward(a->fch_act, a->fch, (size_t)N * g->F);
        k->matmul_forward(a->fcproj, a->fch_act, P(b + g->lo.fcprojw), PB(b, fcprojb), N, g->F,
                          C);
        k->residual_forward(a->res3, a->res2, a->fcproj, (size_t)N * C);
        res = a->res3;
    }
    if (llama)
        k->rmsnorm_forward(g->lnf, g->lnf_rstd, res, P(g->off_final), N, C);
    else
        k->layernorm_forward(g->lnf, g->lnf_mean, g->lnf_rstd, res, P(g->off_final),
                             P(g->off_final + C), N, C);
    k->matmul_forward(g->logits, g->lnf, P(g->off_head), NULL, N, C, g->V);
    k->softmax_xent_forward(g->logits, g->losses, g->logits, g->targets, N, g->V);
    k->to_host(g->losses_host, g->losses, (size_t)N * sizeof(float));
    double s = 0;
    for (int i = 0; i < N; i++)
        s += g->losses_host[i];
    g->loss = (float)(s / N);
    g->have_probs = 1;
    return g->loss;
}

void llmb_gpt_zero_grad(struct llmb_gpt *g)
{
    g->k->zero(g->grads, g->num_params);
}

int llmb_gpt_backward(struct llmb_gpt *g, llmb_grad_ready_fn grad_ready, void *arg)
{
    const struct llmb_kernels *k = g->k;
    int B = g->B, T = g->T, C = g->C, N = B * T, llama = g->cfg.llama;
    size_t NC = (size_t)N * C;
    if (!g->have_probs)
        return llmb_error("model backward without a forward");
    g->have_probs = 0;

    /* head: dlogits overwrite the probabilities in place; dL/dloss_n = 1/N (mean loss) */
    k->softmax_xent_backward(g->logits, g->logits, g->targets, 1.0f / N, N, g->V);
    k->zero(g->dln, NC);
    k->matmul_backward(g->dln, G(g->off_head), NULL, g->logits, g->lnf, P(g->off_head), N, C,
                       g->V);
    float *res_last = g->L ? g->layer[g->L - 1].res3 : g->encoded;
    k->zero(g->dres, NC);
    if (llama)
        k->rmsnorm_backward(g->dres, G(g->off_final), g->dln, res_last, P(g->off_final),
                            g->lnf_rstd, N, C);
    else
        k->layernorm_backward(g->dres, G(g->off_final), G(g->off_final + C), g->dln, res_last,
                              P(g->off_final), g->lnf_mean, g->lnf_rstd, N, C);
    if (grad_ready)
        grad_ready(arg, g->off_final, g->num_params - g->off_final);

    /* layers, last to first.  g->dres holds d(layer output); the residual adds pass it on
     * unchanged, so the norms' backward accumulate straight into it. */
    for (int l = g->L - 1; l >= 0; l--) {
        struct llmb_gpt_layer_acts *a = &g->layer[l];
        size_t b = llmb_gpt_layer_offset(g, l);
        float *res = l ? g->layer[l - 1].res3 : g->encoded;

        k->zero(g->dfch_act, (size_t)N * g->F);
        k->matmul_backward(g->dfch_act, G(b + g->lo.fcprojw), GB(b, fcprojb), g->dres,
                           a->fch_act, P(b + g->lo.fcprojw), N, g->F, C);
        k->zero(g->dfch, (size_t)N * g->Ffc);
        if (llama)
            k->swiglu_backward(g->dfch, a->fch, g->dfch_act, N, g->F);
        else
            k->gelu_backward(g->dfch, a->fch, g->dfch_act, (size_t)N * g->F);
        k->zero(g->dln, NC);
        k->matmul_backward(g->dln, G(b + g->lo.fcw), GB(b, fcb), g->dfch, a->ln2,
                           P(b + g->lo.fcw), N, C, g->Ffc);
        if (llama)
            k->rmsnorm_backward(g->dres, G(b + g->lo.ln2w), g->dln, a->res2, P(b + g->lo.ln2w),
                                a->ln2_rstd, N, C);
        else
            k->layernorm_backward(g->dres, G(b + g->lo.ln2w), G(b + g->lo.ln2b), g->dln,
                                  a->res2, P(b + g->lo.ln2w), a->ln2_mean, a->ln2_rstd, N, C);
        /* g->dres is now d(res2) */
        k->zero(g->datty, NC);
        k->matmul_backward(g->datty, G(b + g->lo.attprojw), GB(b, attprojb), g->dres, a->atty,
                           P(b + g->lo.attprojw), N, C, C);
        k->zero(g->dqkv, (size_t)N * g->Cqkv);
        k->attention_backward(g->dqkv, g->datty, a->qkv, a->att, B, T, g->NH, g->KVH, g->HD);
        if (llama)
            k->rope_backward(g->dqkv, B, T, g->NH, g->KVH, g->HD);
        k->zero(g->dln, NC);
        k->matmul_backward(g->dln, G(b + g->lo.qkvw), GB(b, qkvb), g->dqkv, a->ln1,
                           P(b + g->lo.qkvw), N, C, g->Cqkv);
        if (llama)
            k->rmsnorm_backward(g->dres, G(b + g->lo.ln1w), g->dln, res, P(b + g->lo.ln1w),
                                a->ln1_rstd, N, C);
        else
            k->layernorm_backward(g->dres, G(b + g->lo.ln1w), G(b + g->lo.ln1b), g->dln, res,
                                  P(b + g->lo.ln1w), a->ln1_mean, a->ln1_rstd, N, C);
        /* g->dres is now d(layer input) */
        if (grad_ready)
            grad_ready(arg, b, g->layer_size);
    }
    k->encoder_backward(G(g->off_wte), g->off_wpe == NONE ? NULL : G(g->off_wpe), g->dres,
                        g->inputs, B, T, C);
    if (grad_ready)
        grad_ready(arg, 0, g->off_layers);
    return 0;
}

static int cmp_range(const void *a, const void *b)
{
    size_t x = ((const struct llmb_gpt_range *)a)->offset,
           y = ((const struct llmb_gpt_range *)b)->offset;
    return (x > y) - (x < y);
}

static void free_moments(struct llmb_gpt *g)
{
    if (g->m)
        g->k->free(g->m);
    if (g->v)
        g->k->free(g->v);
    g->m = g->v = NULL;
}

static int alloc_moments(struct llmb_gpt *g, size_t n)
{
    g->m = g->k->alloc((n ? n : 1) * sizeof(float));
    g->v = g->k->alloc((n ? n : 1) * sizeof(float));
    if (!g->m || !g->v)
        return llmb_error("model %s: out of memory for AdamW state (%zu floats x 2)", g->cfg.name,
                          n);
    return 0;
}

int llmb_gpt_set_shard(struct llmb_gpt *g, const struct llmb_gpt_range *ranges, int n)
{
    if (g->m || g->shard)
        return llmb_error("model shard: set after the AdamW state exists");
    if (n < 0 || (n > 0 && !ranges))
        return llmb_error("model shard: bad range list (%d ranges)", n);
    struct llmb_gpt_range *r = malloc((size_t)(n ? n : 1) * sizeof *r);
    if (!r)
        return llmb_error("model shard: out of memory for %d ranges", n);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (ranges[i].offset > g->num_params || ranges[i].count > g->num_params - ranges[i].offset) {
            free(r);
            return llmb_error("model shard: range [%zu, +%zu) outside the %zu parameters",
                              ranges[i].offset, ranges[i].count, g->num_params);
        }
        if (ranges[i].count)
            r[k++] = ranges[i];
    }
    qsort(r, (size_t)k, sizeof *r, cmp_range);
    size_t total = 0;
    for (int i = 0; i < k; i++) {
        if (i > 0 && r[i - 1].offset + r[i - 1].count > r[i].offset) {
            llmb_error("model shard: ranges [%zu, +%zu) and [%zu, +%zu) overlap", r[i - 1].offset,
                       r[i - 1].count, r[i].offset, r[i].count);
            free(r);
            return -1;
        }
        r[i].moment_off = total;
        total += r[i].count;
    }
    if (alloc_moments(g, total) != 0) {
        free(r);
        free_moments(g);
        return -1;
    }
    g->shard = r;
    g->shard_n = k;
    g->shard_floats = total;
    return 0;
}

int llmb_gpt_update(struct llmb_gpt *g, float lr, float beta1, float beta2, float eps,
                    float weight_decay, int t, size_t offset, size_t count)
{
    if (offset > g->num_params || count > g->num_params - offset || t < 1)
        return llmb_error("model update: range [%zu, +%zu) or step %d out of bounds", offset,
                          count, t);
    if (!g->m && alloc_moments(g, g->num_params) != 0) {
        free_moments(g);
        return -1;
    }
    if (count == 0)
        return 0;
    size_t mo = offset; /* where the range's moments start */
    if (g->shard) {
        /* the last shard range starting at or before offset */
        int lo = 0, hi = g->shard_n;
        while (hi - lo > 1) {
            int mid = (lo + hi) / 2;
            if (g->shard[mid].offset <= offset)
                lo = mid;
            else
                hi = mid;
        }
        const struct llmb_gpt_range *r = g->shard_n ? &g->shard[lo] : NULL;
        if (!r || r->offset > offset || offset + count > r->offset + r->count)
            return llmb_error("model update: range [%zu, +%zu) is not inside this rank's "
                              "optimizer shard (%d ranges, %zu parameters)", offset, count,
                              g->shard_n, g->shard_floats);
        mo = r->moment_off + (offset - r->offset);
    }
    g->k->adamw(g->params + offset, g->grads + offset, g->m + mo, g->v + mo, count, lr, beta1,
                beta2, eps, weight_decay, t);
    return 0;
}

uint64_t llmb_gpt_checksum(const struct llmb_gpt *g)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t chunk = 1 << 18;
    unsigned char *buf = malloc(chunk * sizeof(float));
    if (!buf)
        return 0;
    for (size_t done = 0; done < g->num_params;) {
        size_t c = g->num_params - done < chunk ? g->num_params - done : chunk;
        g->k->to_host(buf, g->params + done, c * sizeof(float));
        for (size_t i = 0; i < c * sizeof(float); i++) {
            h ^= buf[i];
            h *= 0x100000001b3ULL;
        }
        done += c;
    }
    free(buf);
    return h;
}
