/* lib/model.h - model presets (shapes only), parameter counting, model FLOPs
 * (PaLM formula, doc/design.md "Metric definitions"; the llm.c convention; hardware FLOPs with
 * recomputation) and memory accounting (ZeRO stages, activations).  Every formula and its
 * source: doc/accounting.md.  Pure arithmetic: no BLAS, no MPI, no kernels, so the driver, the
 * train phase, the reporter and the projection (llmbench-size) can all use it.  The GEMMs of
 * a training step come from its plan (kernels/plan.h).
 *
 * Parameter layout (the one the kernels/ model implementation uses; all
 * offsets in floats, one contiguous buffer, gradients use the same layout):
 *
 *   [wte (V,C)] [wpe (S,C), gpt2 only] [layer 0] ... [layer L-1] [final norm] [lm_head (V,C), untied only]
 *
 * gpt2 layer:  ln1w (C) ln1b (C) qkvw (Cqkv,C) qkvb (Cqkv) attprojw (C,C) attprojb (C)
 *              ln2w (C) ln2b (C) fcw (F,C) fcb (F) fcprojw (C,F) fcprojb (C)
 * llama layer: rms1w (C) qkvw (Cqkv,C) attprojw (C,C) rms2w (C) fcw (2F,C) [gate;up] fcprojw (C,F)
 * final norm:  gpt2 lnfw (C) lnfb (C); llama rmsfw (C)
 *
 * with Cqkv = C + 2*kv_heads*(C/heads).  Output rows of a weight (OC,C) are
 * contiguous: out = inp @ W^T (+ b), as in llm.c.
 *
 * Mixture of experts (experts E > 0, top-k routing; llama family only, Mixtral): the layer's
 * FFN is E experts of [gate;up] (2F,C) and down (C,F) each, plus a router (E,C).  Counted,
 * never executed: the kernels implement dense models only, and the driver refuses an MoE
 * preset for the phases that run the model (bench/options.c).
 */
#ifndef LLMB_MODEL_H
#define LLMB_MODEL_H

#include <stddef.h>
#include <stdio.h>

struct llmb_model_preset {
    const char *name;
    const char *family;   /* "gpt2" (LayerNorm, GELU, learned positions, biases)
                             or "llama" (RMSNorm, SwiGLU, rotary, no biases) */
    int layers, d_model, heads, kv_heads, d_ff, vocab, seq;
    int batch;            /* default micro-batch (sequences) */
    int tied;             /* 1: LM head shares the token embedding */
    const char *note;     /* where the shapes come from */
    int experts;          /* mixture of experts: FFN experts per layer (0 = dense) */
    int experts_active;   /* experts each token is routed to (top-k; 0 = dense) */
};

/* A concrete model: a preset with --layers/--batch/--seq applied. */
struct llmb_model_config {
    const char *name;
    int llama;            /* 0 gpt2, 1 llama */
    int layers, d_model, heads, kv_heads, head_dim, d_ff, vocab;
    int max_seq;          /* positions of the wpe table (gpt2) = preset seq */
    int seq, batch;       /* micro-batch shape of one step */
    int tied;
    int experts, experts_active;   /* from the preset; 0 = dense */
};

/* parameter counts (number of parameters) */
struct llmb_model_params {
    size_t total;           /* every stored parameter once (MoE: all experts) */
    size_t embedding;       /* input lookup tables: wte (+ wpe) */
    size_t non_embedding;   /* total - embedding (an untied LM head counts here) */
    size_t per_layer;       /* one transformer layer (MoE: all experts and the router) */
    size_t experts_total;   /* MoE: the FFN weights of every expert of every layer, layers x
                               E x one expert (Mixtral 8x7B: 45.1 B); 0 for a dense model.
                               What expert parallelism shards (llmbench-size --ep) */
    size_t active;          /* parameters one token uses: total for a dense model; MoE:
                               total - layers * (E - k) * one expert (Mixtral 8x7B: 12.9 B of
                               46.7 B) */
    size_t flops_params;    /* N of the PaLM formula: every weight used in a
                               matmul per token = non_embedding, plus V*C for a
                               tied LM head (the output projection is executed
                               whether or not it shares storage with wte); MoE: of
                               the experts only the k a token is routed to (N_active) */
    size_t matmul_per_layer;/* weights of one layer that a token multiplies by (qkv, attention
                               output, FFN of the k routed experts, router): the layer's share
                               of N, less its norm weights and biases */
    size_t vector_params;   /* the part of N no GEMM multiplies (norm weights, biases):
                               flops_params - layers * matmul_per_layer - V*C */
};

/* A preset by name or by alias (llama2-7b = llama-7b, llama2-70b = llama-70b); NULL if
 * unknown. */
const struct llmb_model_preset *llmb_model_find(const char *name);
/* the known preset names, comma-separated, into buf (truncated to len - 1 characters) */
void llmb_model_names(char *buf, size_t len);
const struct llmb_model_preset *llmb_model_preset_at(int i);      /* NULL past the end */

/* Fill cfg from a preset; layers/batch/seq 0 = preset default.  Returns 0,
 * or -1 after one llmb_error() line naming the bad value (unknown preset,
 * layers > preset or < 1, seq > preset seq for gpt2 or < 1, batch < 1). */
int llmb_model_config_init(struct llmb_model_config *cfg, const char *name,
                           int layers, int batch, int seq);
/* Same from an explicit preset (tests make custom shapes this way). */
int llmb_model_config_from(struct llmb_model_config *cfg,
                           const struct llmb_model_preset *p,
                           int layers, int batch, int seq);

int llmb_model_qkv_dim(const struct llmb_model_config *cfg);   /* Cqkv */
int llmb_model_fc_dim(const struct llmb_model_config *cfg);    /* F (gpt2) or 2F (llama) */
size_t llmb_model_layer_params(const struct llmb_model_config *cfg);
void llmb_model_count(const struct llmb_model_config *cfg, struct llmb_model_params *p);
/* The vocabulary as llm.c pads it: V rounded up to a multiple of 128 (50257 -> 50304). */
int llmb_model_padded_vocab(const struct llmb_model_config *cfg);

/* Model FLOPs per token, PaLM appendix B: 6*N + 12*L*H*Q*T with
 * N = params.flops_params, L layers, H heads, Q head dim, T = cfg->seq. */
double llmb_model_flops_per_token(const struct llmb_model_config *cfg);
/* per step (micro-batch of batch*seq tokens) */
double llmb_model_flops_per_step(const struct llmb_model_config *cfg);

/* Model FLOPs per token as llm.c counts them (train_gpt2.cu gpt2_estimate_mfu, and the
 * llama3 branch's llama3_estimate_mfu): 6*N + 6*L*C*T with N = the stored parameters with the
 * vocabulary padded to a multiple of 128 (position table included), less the token embedding
 * when the LM head is untied (llama3); MoE: the active parameters.  Attention counts half of
 * PaLM's 12*L*H*Q*T (causal).  GPT-2 124M at T = 1024: 803.5 MFLOP vs PaLM's 855.2. */
double llmb_model_flops_per_token_llmc(const struct llmb_model_config *cfg);

/* Activation recomputation of the backward pass (Korthikanti et al. 2022). */
enum llmb_recompute {
    LLMB_RECOMPUTE_NONE,       /* what llmbench's kernels do */
    LLMB_RECOMPUTE_SELECTIVE,  /* the attention core (QK^T, softmax, x V) again: +4*L*H*Q*T */
    LLMB_RECOMPUTE_FULL        /* every layer's forward again: +2*L*matmul_per_layer + 4*L*H*Q*T */
};
/* Hardware FLOPs per token (Korthikanti et al. 2022 sec. 6: HFU counts the recomputation):
 * the model FLOPs plus the forward FLOPs that recomputation repeats.  NONE: equal to
 * llmb_model_flops_per_token(), so HFU >= MFU always.  FULL for GPT-3 175B equals Narayanan
 * et al. 2021 eq. (3), 96*l*h^2*(1 + s/6h + V/16lh) per token, up to biases and norms. */
double llmb_model_hardware_flops_per_token(const struct llmb_model_config *cfg,
                                           enum llmb_recompute rc);
const char *llmb_recompute_name(enum llmb_recompute rc); /* "none", "selective", "full" */

/* Bytes per parameter of the model states (Rajbhandari et al. 2020, ZeRO, sec. 3.1). */
struct llmb_state_bytes {
    double weights, grads, optimizer;
};
/* fp32 training as llmbench runs it: fp32 weights and gradients, AdamW m and v (4+4+8). */
extern const struct llmb_state_bytes llmb_state_fp32;
/* mixed precision, the usual GPU target: bf16/fp16 weights and gradients, fp32 master
 * weights, m and v (2+2+12; ZeRO's K = 12). */
extern const struct llmb_state_bytes llmb_state_mixed;

/* Model-state memory per rank in bytes.  weights_bytes, grads_bytes, adamw_bytes: optimizer
 * state (for llmb_state_mixed: fp32 master weights + m + v). */
struct llmb_model_memory {
    double weights_bytes, grads_bytes, adamw_bytes;
};
/* fp32 training state of the whole model on one rank (no sharding): ZeRO stage 0 with
 * llmb_state_fp32 and params.total. */
void llmb_model_memory(const struct llmb_model_config *cfg, struct llmb_model_memory *m);
/* ZeRO (Rajbhandari et al. 2020, fig. 1) per rank for `params` parameters over a data-parallel
 * degree dp >= 1: stage 0 plain data parallel (w+g+o)*P; stage 1 shards the optimizer state
 * (w+g)*P + o*P/dp; stage 2 also the gradients w*P + (g+o)*P/dp; stage 3 also the weights
 * (w+g+o)*P/dp.  llmbench's --zero is stage 1 in these terms (it reduce-scatters the
 * gradients, but keeps the full gradient buffer).  Returns 0, or -1 after one llmb_error()
 * line for a stage outside 0..3 or dp < 1 (m zeroed). */
int llmb_zero_memory(double params, const struct llmb_state_bytes *b, int stage, int dp,
                     struct llmb_model_memory *m);

/* Activation memory of one transformer layer in bytes, Korthikanti et al. 2022 eq. (1)-(2)
 * and table 2, for 16-bit activations (s = cfg->seq, b = cfg->batch, h = d_model, a = heads,
 * t = tensor-parallel degree >= 1, seq_par: sequence parallelism on top of t):
 *   NONE       sbh(10 + 24/t + 5as/(ht))   t = 1: sbh(34 + 5as/h)
 *              seq_par: sbh(34/t + 5as/(ht))
 *   SELECTIVE  sbh(10 + 24/t)              seq_par: sbh(34/t)
 *   FULL       2sbh (the layer's input only)
 * Derived for GPT-3-style layers (d_ff = 4h, 2-byte activations, 1-byte dropout masks); for
 * other shapes an estimate (doc/accounting.md).  Returns -1 for t < 1. */
double llmb_model_activation_bytes(const struct llmb_model_config *cfg, int t, int seq_par,
                                   enum llmb_recompute rc);

#endif
