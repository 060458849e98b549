/* kernels/gpt.c - GPT-2 / Llama-style decoder: forward, backward with a gradient-ready
 * callback, AdamW, checksum.  Forward and backward execute the step's plan (kernels/plan.c)
 * op by op; every step goes through the kernel table g->k, and parameters, gradients and
 * activations are only touched by kernels or through k->to_device / k->to_host. */
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

/* the parameter layout of lib/model.h: one layer's tensors in order, a family's missing ones
 * (llama: biases, norm biases) at NONE; then the whole buffer */
static void layout(struct llmb_gpt *g)
{
    size_t C = g->C, Q = g->Cqkv, F = g->F, Ffc = g->Ffc, o = 0;
    int bias = !g->cfg.llama;
    struct llmb_gpt_layer_offsets *lo = &g->lo;
    const struct {
        size_t *off, n;
        int present;
    } t[] = {
        {&lo->ln1w, C, 1},          {&lo->ln1b, C, bias},     {&lo->qkvw, Q * C, 1},
        {&lo->qkvb, Q, bias},       {&lo->attprojw, C * C, 1}, {&lo->attprojb, C, bias},
        {&lo->ln2w, C, 1},          {&lo->ln2b, C, bias},     {&lo->fcw, Ffc * C, 1},
        {&lo->fcb, Ffc, bias},      {&lo->fcprojw, C * F, 1}, {&lo->fcprojb, C, bias},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        *t[i].off = t[i].present ? o : NONE;
        o += t[i].present ? t[i].n : 0;
    }
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
        const struct {
            float **p;
            size_t n;
        } t[] = {
            {&a->ln1, N * C},     {&a->ln1_mean, N},  {&a->ln1_rstd, N}, {&a->qkv, N * Q},
            {&a->atty, N * C},    {&a->att, att},     {&a->attproj, N * C}, {&a->res2, N * C},
            {&a->ln2, N * C},     {&a->ln2_mean, N},  {&a->ln2_rstd, N}, {&a->fch, N * Ffc},
            {&a->fch_act, N * F}, {&a->fcproj, N * C}, {&a->res3, N * C},
        };
        for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
            TAKE(*t[i].p, t[i].n);
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
    if (llmb_plan_build(&g->plan, cfg) != 0) {
        llmb_gpt_free(g);
        return -1;
    }
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
    llmb_plan_free(&g->plan);
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
#define AT(base, off) ((off) == NONE ? NONE : (base) + (off)) /* a layer tensor, or NONE */

/* ---- executing the plan (kernels/plan.h) ----
 * The forward and the backward walk the plan's ops: bind() names the tensors an op reads and
 * writes from its role and layer, run_op() calls its kernel on them. */

/* The tensors of one op (NULL: not used).  Forward: inp (+ inp2) -> out (+ mean, rstd, aux);
 * backward: dout -> dinp, dw (+=), db (+=).  dinp is zeroed first (zero_dinp floats) where it
 * is a scratch gradient only this op writes, since the backward kernels accumulate. */
struct operands {
    const int *tokens, *targets;  /* embedding; softmax_xent */
    float *inp, *inp2, *out;      /* inp2: the residual's second addend */
    float *w, *b;                 /* weight, bias (embedding: wte, wpe) */
    float *mean, *rstd, *aux;     /* norm statistics; aux: attention probabilities, losses */
    float *dout, *dinp, *dw, *db; /* embedding: dwte, dwpe in dw, db */
    size_t zero_dinp;
};

/* a weight and its bias (offsets; bias NONE: none), and their gradients */
static void bind_params(struct llmb_gpt *g, struct operands *x, size_t w, size_t b)
{
    x->w = P(w);
    x->b = b == NONE ? NULL : P(b);
    x->dw = G(w);
    x->db = b == NONE ? NULL : G(b);
}

/* a norm of the residual stream: inp -> out (N,C); its backward reads dln and accumulates
 * into dres, the residual stream's gradient */
static void bind_norm(struct llmb_gpt *g, struct operands *x, size_t w, size_t b, float *inp,
                      float *out, float *mean, float *rstd)
{
    x->inp = inp;
    x->out = out;
    x->mean = mean;
    x->rstd = rstd;
    bind_params(g, x, w, b);
    x->dout = g->dln;
    x->dinp = g->dres;
}

/* a projection inp (N,IC) -> out (N,OC) = inp W^T + bias; backward dout (N,OC) -> dinp (N,IC),
 * a scratch gradient of ninp floats */
static void bind_proj(struct llmb_gpt *g, struct operands *x, size_t w, size_t b, float *inp,
                      float *out, float *dout, float *dinp, size_t ninp)
{
    x->inp = inp;
    x->out = out;
    bind_params(g, x, w, b);
    x->dout = dout;
    x->dinp = dinp;
    x->zero_dinp = ninp;
}

/* a kernel on activations without parameters: inp -> out (+ aux, the attention probabilities);
 * backward dout -> dinp, a scratch gradient of ninp floats (0: not zeroed) */
static void bind_act(struct operands *x, float *inp, float *out, float *aux, float *dout,
                     float *dinp, size_t ninp)
{
    x->inp = inp;
    x->out = out;
    x->aux = aux;
    x->dout = dout;
    x->dinp = dinp;
    x->zero_dinp = ninp;
}

/* the tensors of a layer op at layer l: the one-layer activation gradients are reused by
 * every layer; dres carries d(layer output) down, the residual adds pass it on unchanged */
static void bind_layer(struct llmb_gpt *g, enum llmb_plan_role r, int l, struct operands *x)
{
    struct llmb_gpt_layer_acts *a = &g->layer[l];
    const struct llmb_gpt_layer_offsets *lo = &g->lo;
    size_t base = llmb_gpt_layer_offset(g, l), N = (size_t)g->B * g->T, NC = N * g->C;
    float *res = l ? g->layer[l - 1].res3 : g->encoded; /* the layer's input */
    switch (r) {
    case LLMB_ROLE_NORM_1:
        bind_norm(g, x, base + lo->ln1w, AT(base, lo->ln1b), res, a->ln1, a->ln1_mean,
                  a->ln1_rstd);
        break;
    case LLMB_ROLE_QKV:
        bind_proj(g, x, base + lo->qkvw, AT(base, lo->qkvb), a->ln1, a->qkv, g->dqkv, g->dln, NC);
        break;
    case LLMB_ROLE_ROPE: /* in place: out is the input, dinp the output gradient */
        bind_act(x, NULL, a->qkv, NULL, NULL, g->dqkv, 0);
        break;
    case LLMB_ROLE_ATTENTION:
        bind_act(x, a->qkv, a->atty, a->att, g->datty, g->dqkv, N * g->Cqkv);
        break;
    case LLMB_ROLE_ATTN_OUT:
        bind_proj(g, x, base + lo->attprojw, AT(base, lo->attprojb), a->atty, a->attproj,
                  g->dres, g->datty, NC);
        break;
    case LLMB_ROLE_RESIDUAL_1:
        x->inp = res;
        x->inp2 = a->attproj;
        x->out = a->res2;
        break;
    case LLMB_ROLE_NORM_2:
        bind_norm(g, x, base + lo->ln2w, AT(base, lo->ln2b), a->res2, a->ln2, a->ln2_mean,
                  a->ln2_rstd);
        break;
    case LLMB_ROLE_FC:
        bind_proj(g, x, base + lo->fcw, AT(base, lo->fcb), a->ln2, a->fch, g->dfch, g->dln, NC);
        break;
    case LLMB_ROLE_ACT:
        bind_act(x, a->fch, a->fch_act, NULL, g->dfch_act, g->dfch, N * g->Ffc);
        break;
    case LLMB_ROLE_FC_PROJ:
        bind_proj(g, x, base + lo->fcprojw, AT(base, lo->fcprojb), a->fch_act, a->fcproj,
                  g->dres, g->dfch_act, N * g->F);
        break;
    case LLMB_ROLE_RESIDUAL_2:
        x->inp = a->res2;
        x->inp2 = a->fcproj;
        x->out = a->res3;
        break;
    default:
        break;
    }
}

/* the tensors of op (layer l for a layer op) */
static void bind(struct llmb_gpt *g, const struct llmb_plan_op *op, int l, struct operands *x)
{
    size_t NC = (size_t)g->B * g->T * g->C;
    memset(x, 0, sizeof *x);
    switch (op->role) {
    case LLMB_ROLE_EMBEDDING:
        x->tokens = g->inputs;
        x->out = g->encoded;
        bind_params(g, x, g->off_wte, g->off_wpe);
        x->dout = g->dres;
        break;
    case LLMB_ROLE_NORM_F: /* its backward starts the residual stream's gradient */
        bind_norm(g, x, g->off_final, g->cfg.llama ? NONE : g->off_final + g->C,
                  g->layer[g->L - 1].res3, g->lnf, g->lnf_mean, g->lnf_rstd);
        x->zero_dinp = NC;
        break;
    case LLMB_ROLE_LM_HEAD: /* no bias; its dout is dlogits, in place of the logits */
        bind_proj(g, x, g->off_head, NONE, g->lnf, g->logits, g->logits, g->dln, NC);
        break;
    case LLMB_ROLE_SOFTMAX_XENT: /* probabilities, then dlogits, overwrite the logits */
        x->inp = x->out = x->dinp = g->logits;
        x->aux = g->losses;
        x->targets = g->targets;
        break;
    default:
        bind_layer(g, op->role, l, x);
        break;
    }
}

/* call op's kernel on x; -1 (message) for an op the model has no call for */
static int run_op(struct llmb_gpt *g, const struct llmb_plan_op *op, const struct operands *x)
{
    const struct llmb_kernels *k = g->k;
    const struct llmb_kshape *s = &op->shape;
    int b = op->bwd;
    if (b && x->zero_dinp)
        k->zero(x->dinp, x->zero_dinp);
    switch (op->kernel) {
    case LLMB_K_ENCODER:
        if (b)
            k->encoder_backward(x->dw, x->db, x->dout, x->tokens, s->B, s->T, s->C);
        else
            k->encoder_forward(x->out, x->tokens, x->w, x->b, s->B, s->T, s->C);
        return 0;
    case LLMB_K_LAYERNORM:
        if (b)
            k->layernorm_backward(x->dinp, x->dw, x->db, x->dout, x->inp, x->w, x->mean, x->rstd,
                                  s->N, s->C);
        else
            k->layernorm_forward(x->out, x->mean, x->rstd, x->inp, x->w, x->b, s->N, s->C);
        return 0;
    case LLMB_K_RMSNORM:
        if (b)
            k->rmsnorm_backward(x->dinp, x->dw, x->dout, x->inp, x->w, x->rstd, s->N, s->C);
        else
            k->rmsnorm_forward(x->out, x->rstd, x->inp, x->w, s->N, s->C);
        return 0;
    case LLMB_K_MATMUL:
        if (b)
            k->matmul_backward(x->dinp, x->dw, x->db, x->dout, x->inp, x->w, s->N, s->C, s->OC);
        else
            k->matmul_forward(x->out, x->inp, x->w, x->b, s->N, s->C, s->OC);
        return 0;
    case LLMB_K_ROPE:
        if (b)
            k->rope_backward(x->dinp, s->B, s->T, s->NH, s->KVH, s->HD);
        else
            k->rope_forward(x->out, s->B, s->T, s->NH, s->KVH, s->HD);
        return 0;
    case LLMB_K_ATTENTION:
        if (b)
            k->attention_backward(x->dinp, x->dout, x->inp, x->aux, s->B, s->T, s->NH, s->KVH,
                                  s->HD);
        else
            k->attention_forward(x->out, x->aux, x->inp, s->B, s->T, s->NH, s->KVH, s->HD);
        return 0;
    case LLMB_K_RESIDUAL:
        if (b) /* the model passes the gradient on: a plan never has this */
            break;
        k->residual_forward(x->out, x->inp, x->inp2, s->n);
        return 0;
    case LLMB_K_GELU:
        if (b)
            k->gelu_backward(x->dinp, x->inp, x->dout, s->n);
        else
            k->gelu_forward(x->out, x->inp, s->n);
        return 0;
    case LLMB_K_SWIGLU:
        if (b)
            k->swiglu_backward(x->dinp, x->inp, x->dout, s->N, s->F);
        else
            k->swiglu_forward(x->out, x->inp, s->N, s->F);
        return 0;
    case LLMB_K_SOFTMAX_XENT: /* dL/dloss_n = 1/N: the mean loss */
        if (b)
            k->softmax_xent_backward(x->dinp, x->out, x->targets, 1.0f / s->N, s->N, s->V);
        else
            k->softmax_xent_forward(x->out, x->aux, x->inp, x->targets, s->N, s->V);
        return 0;
    default:
        break;
    }
    return llmb_error("model: no call for the %s %s op %s", llmb_kernel_name(op->kernel),
                      b ? "backward" : "forward", op->name);
}

/* the gradients a backward run of ops [i, j) finished (layer l, or -1 outside the layers) */
static void grads_ready(struct llmb_gpt *g, int i, int j, int l, llmb_grad_ready_fn ready,
                        void *arg)
{
    if (l >= 0) {
        ready(arg, llmb_gpt_layer_offset(g, l), g->layer_size);
        return;
    }
    for (int o = i; o < j; o++)
        if (g->plan.op[o].role == LLMB_ROLE_NORM_F) /* final norm (+ untied head) */
            ready(arg, g->off_final, g->num_params - g->off_final);
    for (int o = i; o < j; o++)
        if (g->plan.op[o].role == LLMB_ROLE_EMBEDDING) /* with a tied head's wte, final now */
            ready(arg, 0, g->off_layers);
}

/* Run the plan's ops of one pass in order: a run of layer ops once per layer (forward: layer
 * 0 up, backward: layer L-1 down), the others once.  Backward: after each run (each layer),
 * the gradients it finished go to ready. */
static int run_pass(struct llmb_gpt *g, int bwd, llmb_grad_ready_fn ready, void *arg)
{
    const struct llmb_plan *p = &g->plan;
    for (int i = 0; i < p->nop;) {
        const struct llmb_plan_op *op = &p->op[i];
        if (op->bwd != bwd || op->role == LLMB_ROLE_ADAMW) {
            i++;
            continue;
        }
        int j = i + 1;
        while (j < p->nop && p->op[j].bwd == bwd && p->op[j].layer == op->layer &&
               p->op[j].role != LLMB_ROLE_ADAMW)
            j++;
        for (int n = 0; n < (op->layer ? g->L : 1); n++) {
            int l = !op->layer ? -1 : bwd ? g->L - 1 - n : n;
            for (int o = i; o < j; o++) {
                struct operands x;
                bind(g, &p->op[o], l, &x);
                if (run_op(g, &p->op[o], &x) != 0)
                    return -1;
            }
            if (bwd && ready)
                grads_ready(g, i, j, l, ready, arg);
        }
        i = j;
    }
    return 0;
}

float llmb_gpt_forward(struct llmb_gpt *g)
{
    int N = g->B * g->T;
    if (run_pass(g, 0, NULL, NULL) != 0)
        return NAN;
    g->k->to_host(g->losses_host, g->losses, (size_t)N * sizeof(float));
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
    if (!g->have_probs)
        return llmb_error("model backward without a forward");
    g->have_probs = 0;
    return run_pass(g, 1, grad_ready, arg);
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
