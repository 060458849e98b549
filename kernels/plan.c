/* kernels/plan.c - the plan of one training step (kernels/plan.h): the kernel calls of one
 * micro-batch in execution order, and the GEMMs they make.
 *
 * The forward pass is one list of roles; the backward pass is the same list reversed, less the
 * residual adds (their backward is the identity: the model passes the gradient on, no kernel
 * runs); the optimizer is one AdamW over all parameters. */
#include "kernels/plan.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"

/* the names the compute phase reports, per family */
static const struct {
    const char *gpt2, *llama;
} role_names[LLMB_ROLE_COUNT] = {
    [LLMB_ROLE_EMBEDDING] = {"embedding", "embedding"},
    [LLMB_ROLE_NORM_1] = {"ln_1", "rmsnorm_1"},
    [LLMB_ROLE_QKV] = {"qkv", "qkv"},
    [LLMB_ROLE_ROPE] = {"rope", "rope"},
    [LLMB_ROLE_ATTENTION] = {"attention", "attention"},
    [LLMB_ROLE_ATTN_OUT] = {"attn_out", "attn_out"},
    [LLMB_ROLE_RESIDUAL_1] = {"residual_1", "residual_1"},
    [LLMB_ROLE_NORM_2] = {"ln_2", "rmsnorm_2"},
    [LLMB_ROLE_FC] = {"fc", "gate_up"},
    [LLMB_ROLE_ACT] = {"gelu", "swiglu"},
    [LLMB_ROLE_FC_PROJ] = {"fc_proj", "down"},
    [LLMB_ROLE_RESIDUAL_2] = {"residual_2", "residual_2"},
    [LLMB_ROLE_NORM_F] = {"ln_f", "rmsnorm_f"},
    [LLMB_ROLE_LM_HEAD] = {"lm_head", "lm_head"},
    [LLMB_ROLE_SOFTMAX_XENT] = {"softmax_xent", "softmax_xent"},
    [LLMB_ROLE_ADAMW] = {"adamw", "adamw"},
};

/* the forward pass, in execution order: embedding, one layer (run `layers` times), head */
static const enum llmb_plan_role forward_roles[] = {
    LLMB_ROLE_EMBEDDING,
    LLMB_ROLE_NORM_1, LLMB_ROLE_QKV, LLMB_ROLE_ROPE, LLMB_ROLE_ATTENTION, LLMB_ROLE_ATTN_OUT,
    LLMB_ROLE_RESIDUAL_1, LLMB_ROLE_NORM_2, LLMB_ROLE_FC, LLMB_ROLE_ACT, LLMB_ROLE_FC_PROJ,
    LLMB_ROLE_RESIDUAL_2,
    LLMB_ROLE_NORM_F, LLMB_ROLE_LM_HEAD, LLMB_ROLE_SOFTMAX_XENT,
};
#define NFWD ((int)(sizeof forward_roles / sizeof forward_roles[0]))
#define MAXOPS (2 * NFWD + 1)
#define MAXGEMMS 32

static int in_layer(enum llmb_plan_role r)
{
    return r >= LLMB_ROLE_NORM_1 && r <= LLMB_ROLE_RESIDUAL_2;
}

static enum llmb_kernel_id role_kernel(const struct llmb_model_config *c, enum llmb_plan_role r)
{
    switch (r) {
    case LLMB_ROLE_EMBEDDING: return LLMB_K_ENCODER;
    case LLMB_ROLE_NORM_1:
    case LLMB_ROLE_NORM_2:
    case LLMB_ROLE_NORM_F: return c->llama ? LLMB_K_RMSNORM : LLMB_K_LAYERNORM;
    case LLMB_ROLE_ROPE: return LLMB_K_ROPE;
    case LLMB_ROLE_ATTENTION: return LLMB_K_ATTENTION;
    case LLMB_ROLE_RESIDUAL_1:
    case LLMB_ROLE_RESIDUAL_2: return LLMB_K_RESIDUAL;
    case LLMB_ROLE_ACT: return c->llama ? LLMB_K_SWIGLU : LLMB_K_GELU;
    case LLMB_ROLE_SOFTMAX_XENT: return LLMB_K_SOFTMAX_XENT;
    case LLMB_ROLE_ADAMW: return LLMB_K_ADAMW;
    default: return LLMB_K_MATMUL; /* qkv, attn_out, fc, fc_proj, lm_head */
    }
}

/* the shape the role's kernel sees, N = B*T tokens */
static struct llmb_kshape role_shape(const struct llmb_model_config *c, enum llmb_plan_role r)
{
    int B = c->batch, T = c->seq, N = B * T, C = c->d_model, F = c->d_ff, bias = !c->llama;
    struct llmb_kshape att = {.B = B, .T = T, .NH = c->heads, .KVH = c->kv_heads,
                              .HD = c->head_dim};
    struct llmb_model_params pc;
    switch (r) {
    case LLMB_ROLE_EMBEDDING:
        return (struct llmb_kshape){.B = B, .T = T, .C = C, .V = c->vocab, .pos = !c->llama};
    case LLMB_ROLE_NORM_1:
    case LLMB_ROLE_NORM_2:
    case LLMB_ROLE_NORM_F: return (struct llmb_kshape){.N = N, .C = C};
    case LLMB_ROLE_QKV:
        return (struct llmb_kshape){.N = N, .C = C, .OC = llmb_model_qkv_dim(c), .bias = bias};
    case LLMB_ROLE_ATTN_OUT: return (struct llmb_kshape){.N = N, .C = C, .OC = C, .bias = bias};
    case LLMB_ROLE_FC:
        return (struct llmb_kshape){.N = N, .C = C, .OC = llmb_model_fc_dim(c), .bias = bias};
    case LLMB_ROLE_FC_PROJ: return (struct llmb_kshape){.N = N, .C = F, .OC = C, .bias = bias};
    case LLMB_ROLE_LM_HEAD: return (struct llmb_kshape){.N = N, .C = C, .OC = c->vocab};
    case LLMB_ROLE_ROPE:
    case LLMB_ROLE_ATTENTION: return att;
    case LLMB_ROLE_RESIDUAL_1:
    case LLMB_ROLE_RESIDUAL_2: return (struct llmb_kshape){.n = (size_t)N * C};
    case LLMB_ROLE_ACT: /* gelu reads n, swiglu N and F: both set */
        return (struct llmb_kshape){.N = N, .F = F, .n = (size_t)N * F};
    case LLMB_ROLE_SOFTMAX_XENT: return (struct llmb_kshape){.N = N, .V = c->vocab};
    case LLMB_ROLE_ADAMW:
        llmb_model_count(c, &pc);
        return (struct llmb_kshape){.n = pc.total};
    default: return (struct llmb_kshape){0};
    }
}

static void add_op(struct llmb_plan *p, const struct llmb_model_config *c,
                   enum llmb_plan_role r, int bwd)
{
    struct llmb_plan_op *o = &p->op[p->nop++];
    snprintf(o->name, sizeof o->name, "%s", c->llama ? role_names[r].llama : role_names[r].gpt2);
    o->role = r;
    o->kernel = role_kernel(c, r);
    o->bwd = bwd;
    o->layer = in_layer(r);
    o->shape = role_shape(c, r);
    o->count = o->layer ? c->layers : 1;
    /* mixture of experts: every token passes through the FFN of k experts (counted, never
     * executed: the driver refuses MoE presets for the phases that run kernels) */
    if (c->experts && (r == LLMB_ROLE_FC || r == LLMB_ROLE_ACT || r == LLMB_ROLE_FC_PROJ))
        o->count *= c->experts_active;
}

static void add_gemm(struct llmb_plan *p, const char *name, const char *suffix, int ta, int tb,
                     int m, int n, int k, double count, int in_kernel)
{
    struct llmb_plan_gemm *g = &p->gemm[p->ngemm++];
    snprintf(g->name, sizeof g->name, "%s.%s", name, suffix);
    g->ta = ta;
    g->tb = tb;
    g->m = m;
    g->n = n;
    g->k = k;
    g->count = count;
    g->in_kernel = in_kernel;
    g->flops = 2.0 * m * (double)n * k * count;
}

static const struct llmb_plan_op *find_op(const struct llmb_plan *p, enum llmb_plan_role r,
                                          int bwd)
{
    for (int i = 0; i < p->nop; i++)
        if (p->op[i].role == r && p->op[i].bwd == bwd)
            return &p->op[i];
    return NULL;
}

/* A projection out (N,OC) = inp (N,C) @ W^T, as the matmul kernels call sgemm:
 * fwd out = inp W^T (N,OC,C; 0,1); bwd_data dinp (N,C) = dout (N,OC) W (N,C,OC; 0,0);
 * bwd_weight dW (OC,C) = dout^T inp (OC,C,N; 1,0). */
static void add_projection(struct llmb_plan *p, const struct llmb_plan_op *f,
                           const struct llmb_plan_op *b)
{
    const struct llmb_kshape *s = &f->shape;
    add_gemm(p, f->name, "fwd", 0, 1, s->N, s->OC, s->C, f->count, 0);
    if (!b)
        return;
    add_gemm(p, b->name, "bwd_data", 0, 0, s->N, s->C, s->OC, b->count, 0);
    add_gemm(p, b->name, "bwd_weight", 1, 0, s->OC, s->C, s->N, b->count, 0);
}

/* Attention per (batch, query head), T x T in full: a query head of a kv group reads its kv
 * head's K and V and adds its share of dK, dV into the kv head's gradient, so each query head
 * makes every product once (B*NH per layer, not B*KVH).  Q, K, V, O (T,HD), S, P (T,T):
 * fwd S = Q K^T, O = P V; bwd dP = dO V^T, dV = P^T dO, dQ = dS K, dK = dS^T Q. */
static void add_attention(struct llmb_plan *p, const struct llmb_plan_op *f,
                          const struct llmb_plan_op *b)
{
    const struct llmb_kshape *s = &f->shape;
    int T = s->T, HD = s->HD;
    double heads = (double)s->B * s->NH;
    add_gemm(p, "attn_scores", "fwd", 0, 1, T, T, HD, f->count * heads, 1);
    add_gemm(p, "attn_context", "fwd", 0, 0, T, HD, T, f->count * heads, 1);
    if (!b)
        return;
    heads = (double)b->shape.B * b->shape.NH;
    add_gemm(p, "attn_context", "bwd_probs", 0, 1, T, T, HD, b->count * heads, 1);
    add_gemm(p, "attn_context", "bwd_v", 1, 0, T, HD, T, b->count * heads, 1);
    add_gemm(p, "attn_scores", "bwd_q", 0, 0, T, HD, T, b->count * heads, 1);
    add_gemm(p, "attn_scores", "bwd_k", 1, 0, T, HD, T, b->count * heads, 1);
}

int llmb_plan_build(struct llmb_plan *p, const struct llmb_model_config *c)
{
    memset(p, 0, sizeof *p);
    if (c->layers < 1 || c->batch < 1 || c->seq < 1 || c->d_model < 1 || c->heads < 1 ||
        c->kv_heads < 1 || c->vocab < 1)
        return llmb_error("plan of model %s: bad shape (layers %d, batch %d, seq %d)",
                          c->name ? c->name : "?", c->layers, c->batch, c->seq);
    p->op = calloc(MAXOPS, sizeof *p->op);
    p->gemm = calloc(MAXGEMMS, sizeof *p->gemm);
    if (!p->op || !p->gemm) {
        llmb_plan_free(p);
        return llmb_error("plan: out of memory");
    }
    p->layers = c->layers;
    for (int i = 0; i < NFWD; i++)
        if (forward_roles[i] != LLMB_ROLE_ROPE || c->llama)
            add_op(p, c, forward_roles[i], 0);
    for (int i = NFWD - 1; i >= 0; i--) {
        enum llmb_plan_role r = forward_roles[i];
        if ((r != LLMB_ROLE_ROPE || c->llama) && r != LLMB_ROLE_RESIDUAL_1 &&
            r != LLMB_ROLE_RESIDUAL_2)
            add_op(p, c, r, 1);
    }
    add_op(p, c, LLMB_ROLE_ADAMW, 0);

    for (int i = 0; i < p->nop; i++)
        if (!p->op[i].bwd && p->op[i].kernel == LLMB_K_MATMUL)
            add_projection(p, &p->op[i], find_op(p, p->op[i].role, 1));
    if (c->experts) { /* the router: logits (N,E) = x (N,C) @ Wr^T, per layer */
        int N = c->batch * c->seq;
        add_gemm(p, "router", "fwd", 0, 1, N, c->experts, c->d_model, c->layers, 0);
        add_gemm(p, "router", "bwd_data", 0, 0, N, c->d_model, c->experts, c->layers, 0);
        add_gemm(p, "router", "bwd_weight", 1, 0, c->experts, c->d_model, N, c->layers, 0);
    }
    const struct llmb_plan_op *att = find_op(p, LLMB_ROLE_ATTENTION, 0);
    if (att)
        add_attention(p, att, find_op(p, LLMB_ROLE_ATTENTION, 1));
    return 0;
}

void llmb_plan_free(struct llmb_plan *p)
{
    free(p->op);
    free(p->gemm);
    memset(p, 0, sizeof *p);
}

double llmb_plan_executed_flops(const struct llmb_plan *p)
{
    double total = 0;
    for (int i = 0; i < p->nop; i++) {
        if (p->op[i].role == LLMB_ROLE_ADAMW)
            continue;
        double f = 0;
        llmb_kernel_cost(p->op[i].kernel, p->op[i].bwd, &p->op[i].shape, &f, NULL);
        total += f * p->op[i].count;
    }
    return total;
}

double llmb_plan_gemm_flops(const struct llmb_plan *p)
{
    double total = 0;
    for (int i = 0; i < p->ngemm; i++)
        total += p->gemm[i].flops;
    return total;
}

struct llmb_kshape llmb_plan_gemm_shape(const struct llmb_plan_gemm *g)
{
    return (struct llmb_kshape){.N = g->m, .OC = g->n, .C = g->k, .ta = g->ta, .tb = g->tb};
}
