/* lib/model.h - model presets (shapes only), parameter counting, model FLOPs
 * (PaLM formula, doc/design.md "Metric definitions") and memory accounting.  Pure
 * arithmetic: no BLAS, no MPI, no kernels, so the driver, the train phase and the reporter
 * can all use it.  The GEMMs of a training step come from its plan (kernels/plan.h).
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

/* parameter counts (number of floats) */
struct llmb_model_params {
    size_t total;           /* every stored parameter once */
    size_t embedding;       /* input lookup tables: wte (+ wpe) */
    size_t non_embedding;   /* total - embedding (an untied LM head counts here) */
    size_t per_layer;       /* one transformer layer */
    size_t flops_params;    /* N of the PaLM formula: every weight used in a
                               matmul per token = non_embedding, plus V*C for a
                               tied LM head (the output projection is executed
                               whether or not it shares storage with wte) */
};

const struct llmb_model_preset *llmb_model_find(const char *name); /* NULL if unknown */
void llmb_model_list(FILE *f);  /* known preset names, comma-separated, one line */
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

/* Model FLOPs per token, PaLM appendix B: 6*N + 12*L*H*Q*T with
 * N = params.flops_params, L layers, H heads, Q head dim, T = cfg->seq. */
double llmb_model_flops_per_token(const struct llmb_model_config *cfg);
/* per step (micro-batch of batch*seq tokens) */
double llmb_model_flops_per_step(const struct llmb_model_config *cfg);

/* fp32 training state: weights, gradients, AdamW first and second moments */
struct llmb_model_memory {
    double weights_bytes, grads_bytes, adamw_bytes;
};
void llmb_model_memory(const struct llmb_model_config *cfg, struct llmb_model_memory *m);

#endif
