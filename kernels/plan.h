/* kernels/plan.h - THE plan of one training step: the ordered list of kernel calls of one
 * micro-batch (forward, backward) and of the optimizer, each with its kernel, pass, shape and
 * calls per step, and the GEMMs those calls make.  One list, four readers:
 *   kernels/gpt.c       executes it (forward and backward walk the ops)
 *   the compute phase   times its ops and sweeps its GEMMs
 *   the train phase     counts executed FLOPs with llmb_plan_executed_flops()
 *   --describe-model    prints its GEMM table (llmb_describe_model, kernels/describe.c)
 *
 * Use:
 *   struct llmb_plan p;
 *   if (llmb_plan_build(&p, &cfg) != 0) return -1;      // message printed
 *   for (int i = 0; i < p.nop; i++) ... p.op[i] ...
 *   llmb_plan_free(&p);
 */
#ifndef LLMB_PLAN_H
#define LLMB_PLAN_H

#include <stdio.h>

#include "kernels/kernels.h"
#include "model.h"

/* What an op computes in the model: which tensors it reads and writes (kernels/gpt.c binds
 * its operands from this).  A layer role runs once per layer. */
enum llmb_plan_role {
    LLMB_ROLE_EMBEDDING,    /* tokens -> encoded (B,T,C) */
    LLMB_ROLE_NORM_1,       /* layer input -> ln1 */
    LLMB_ROLE_QKV,          /* ln1 -> qkv (B,T,Cqkv) */
    LLMB_ROLE_ROPE,         /* qkv in place (llama) */
    LLMB_ROLE_ATTENTION,    /* qkv -> atty (B,T,C), att (B,NH,T,T) */
    LLMB_ROLE_ATTN_OUT,     /* atty -> attproj */
    LLMB_ROLE_RESIDUAL_1,   /* layer input + attproj -> res2 */
    LLMB_ROLE_NORM_2,       /* res2 -> ln2 */
    LLMB_ROLE_FC,           /* ln2 -> fch (B,T,F) or (B,T,2F) [gate | up] */
    LLMB_ROLE_ACT,          /* fch -> fch_act (B,T,F): gelu or swiglu */
    LLMB_ROLE_FC_PROJ,      /* fch_act -> fcproj */
    LLMB_ROLE_RESIDUAL_2,   /* res2 + fcproj -> res3, the layer output */
    LLMB_ROLE_NORM_F,       /* last layer output -> lnf */
    LLMB_ROLE_LM_HEAD,      /* lnf -> logits (B,T,V) */
    LLMB_ROLE_SOFTMAX_XENT, /* logits, targets -> probs (in place), losses (B,T) */
    LLMB_ROLE_ADAMW,        /* parameters, gradients, moments */
    LLMB_ROLE_COUNT
};

/* One operation of a training step (one micro-batch). */
struct llmb_plan_op {
    char name[32];            /* the names the compute phase reports: "ln_1", "qkv", "rope",
                                 "attention", "attn_out", "residual_1", "ln_2", "fc", "gelu",
                                 "fc_proj", "residual_2" (gpt2), "rmsnorm_1", "gate_up", "swiglu",
                                 "down", ... (llama), "embedding", "ln_f"/"rmsnorm_f", "lm_head",
                                 "softmax_xent", "adamw" */
    enum llmb_kernel_id kernel;
    int bwd;                  /* 0 forward, 1 backward (adamw: 0) */
    int layer;                /* 1: inside a transformer layer (runs `count` = layers times) */
    struct llmb_kshape shape; /* the shape the kernel sees (adamw: n = all parameters) */
    double count;             /* calls per micro-batch step (layer ops: layers; adamw: 1, once
                                 per optimizer step whatever the gradient accumulation) */
    enum llmb_plan_role role; /* what it computes in the model (operand binding) */
};

/* One GEMM of a step: C(m,n) = op(A) op(B), op(A) (m,k), op(B) (k,n), row-major. */
struct llmb_plan_gemm {
    char name[40];            /* "qkv.fwd", "qkv.bwd_data", "qkv.bwd_weight", ..., "lm_head.*",
                                 "attn_scores.fwd", "attn_context.fwd", "attn_context.bwd_probs",
                                 "attn_context.bwd_v", "attn_scores.bwd_q", "attn_scores.bwd_k" */
    int ta, tb, m, n, k;      /* transposes: fwd (0,1), bwd_data (0,0), bwd_weight (1,0) for
                                 projections (what kernels/cpu/cpu.c passes to sgemm) */
    double count;             /* per step */
    int in_kernel;            /* 1: done inside a fused kernel (attention), not a separate GEMM
                                 call: the compute phase times it as that kernel, not in the
                                 GEMM sweep */
    double flops;             /* 2mnk x count.  Attention: the full T x T products per (batch,
                                 query head), as a GEMM-based attention executes them and as the
                                 PaLM formula counts them; the causal kernels execute only the
                                 (T+1)/2T lower half (kernels/cost.c counts that) */
};

struct llmb_plan {
    struct llmb_plan_op *op;     /* in execution order: forward, backward, optimizer; the layer
                                  * ops of one pass are contiguous (forward: run for layer 0, 1,
                                  * ...; backward: for layer L-1, ..., 0) */
    int nop;
    struct llmb_plan_gemm *gemm; /* projections (qkv, attn_out, fc/gate_up, fc_proj/down,
                                  * lm_head; fwd, bwd_data, bwd_weight each; MoE: the FFN's
                                  * count x experts_active), the MoE router, then attention */
    int ngemm;
    int layers;                  /* cfg->layers: the count of a layer op */
};

/* Build the plan of one training step of cfg.  Returns 0, or -1 + one message (out of
 * memory, bad shape). */
int llmb_plan_build(struct llmb_plan *p, const struct llmb_model_config *cfg);
void llmb_plan_free(struct llmb_plan *p);

/* FLOPs the kernels execute for one micro-batch, forward + backward (no optimizer), by the
 * kernels/cost.c rules (causal attention: the lower half): sum of llmb_kernel_cost x count
 * over the forward and backward ops.  Equals, call by call, what the train phase counted
 * before the plan existed (tests/kernels/test_cost.c keeps that count as a check). */
double llmb_plan_executed_flops(const struct llmb_plan *p);

/* Sum of the GEMM table's flops: the model FLOPs of one step (PaLM 6N + 12LHQT per token)
 * less 6 x tokens x the parameters that are no matrix (biases, norm weights), which the PaLM
 * N counts but no GEMM multiplies. */
double llmb_plan_gemm_flops(const struct llmb_plan *p);

/* The LLMB_K_GEMM shape of one GEMM of the table (for llmb_kernel_validate, llmb_kernel_cost,
 * llmb_kernel_run_new): N = m, OC = n, C = k, ta, tb. */
struct llmb_kshape llmb_plan_gemm_shape(const struct llmb_plan_gemm *g);

/* `llmbench --describe-model` (kernels/describe.c): 0 ok, 2 bad input (one line on
 * stderr), 1 out of memory. */
int llmb_describe_model(FILE *out, const char *name, int layers, int batch, int seq);

#endif
