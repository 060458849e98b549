/* kernels/gpt.h - a GPT-2-style or Llama-style decoder on top of the kernel interface
 * (kernels/kernels.h), llm.c style: one contiguous parameter buffer, one gradient buffer of
 * the same layout, one activation buffer.  Parameter layout: lib/model.h.
 *
 * Use (train phase):
 *   struct llmb_gpt g;
 *   llmb_model_config_init(&cfg, opt->model, opt->layers, opt->batch, opt->seq);
 *   llmb_gpt_init(&g, &cfg, &llmb_kernels_cpu, seed);          // same seed on every rank
 *   llmb_synthetic_tokens(tok, B*T + 1, V, seed2);              // inputs tok[0..], targets tok[1..]
 *   llmb_gpt_set_batch(&g, tok, tok + 1);
 *   llmb_gpt_zero_grad(&g);
 *   for each micro-batch: llmb_gpt_forward(&g); llmb_gpt_backward(&g, cb, arg);  // grads +=
 *   llmb_gpt_update(&g, lr, 0.9f, 0.95f, 1e-8f, 0.1f, step, 0, g.num_params);
 * The callback sees each gradient slice once it is final for this backward:
 *   [final norm (+ untied LM head)], layer L-1, ..., layer 0, then [embeddings]
 * (offsets and counts in floats into g.grads; for a tied LM head the token embedding
 * gradient is only final with the embeddings, last). */
#ifndef LLMB_GPT_H
#define LLMB_GPT_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/kernels.h"
#include "model.h"

typedef void (*llmb_grad_ready_fn)(void *arg, size_t offset_floats, size_t count_floats);

/* offsets of one layer's tensors relative to the layer's start (floats);
 * tensors a family does not have (biases, norm biases in llama) are (size_t)-1 */
struct llmb_gpt_layer_offsets {
    size_t ln1w, ln1b, qkvw, qkvb, attprojw, attprojb, ln2w, ln2b, fcw, fcb, fcprojw, fcprojb;
};

/* activations of one layer (pointers into the activation buffer) */
struct llmb_gpt_layer_acts {
    float *ln1, *ln1_mean, *ln1_rstd;   /* (B,T,C), (B,T), (B,T) */
    float *qkv;                         /* (B,T,Cqkv), rotated for llama */
    float *atty;                        /* (B,T,C) attention output */
    float *att;                         /* (B,NH,T,T) probabilities */
    float *attproj;                     /* (B,T,C) */
    float *res2;                        /* (B,T,C) */
    float *ln2, *ln2_mean, *ln2_rstd;
    float *fch;                         /* (B,T,Ffc) Ffc = F (gpt2) or 2F (llama) */
    float *fch_act;                     /* (B,T,F) gelu / swiglu output */
    float *fcproj;                      /* (B,T,C) */
    float *res3;                        /* (B,T,C) the layer's output */
};

struct llmb_gpt {
    struct llmb_model_config cfg;
    const struct llmb_kernels *k;
    int B, T, C, NH, KVH, HD, F, Ffc, Cqkv, V, L;

    /* parameters (floats); all offsets are into params and grads alike */
    size_t num_params;
    size_t off_wte, off_wpe;       /* off_wpe == (size_t)-1 for llama */
    size_t off_layers, layer_size; /* layer l: off_layers + l * layer_size */
    size_t off_final;              /* final norm (weight, then bias for gpt2) */
    size_t off_head;               /* untied LM head (V,C); == off_wte when tied */
    struct llmb_gpt_layer_offsets lo;
    float *params, *grads;         /* backend memory */
    float *m, *v;                  /* AdamW moments, allocated at the first update */

    /* activations */
    float *acts;
    size_t num_acts;
    float *encoded;                /* (B,T,C) */
    struct llmb_gpt_layer_acts *layer; /* [L] */
    float *lnf, *lnf_mean, *lnf_rstd;
    float *logits;                 /* (B,T,V): logits, then probs, then dlogits */
    float *losses;                 /* (B,T) */
    /* activation gradients: one layer's worth, reused by every layer */
    float *dres, *dln, *datty, *dqkv, *dfch, *dfch_act;

    int *inputs, *targets;         /* (B,T), backend memory */
    float *losses_host;            /* (B,T) */
    float loss;                    /* mean loss of the last forward */
    int have_probs;                /* forward ran since the last backward */
};

/* Build the model, parameters initialized from seed (normal(0, 0.02), output projections
 * scaled by 1/sqrt(2L), norms 1 and 0; the same seed gives the same parameters on every rank
 * and backend).  Returns 0, or -1 with one message printed (out of memory). */
int llmb_gpt_init(struct llmb_gpt *g, const struct llmb_model_config *cfg,
                  const struct llmb_kernels *k, uint64_t seed);
void llmb_gpt_free(struct llmb_gpt *g);

size_t llmb_gpt_layer_offset(const struct llmb_gpt *g, int l);

/* Deterministic synthetic tokens in [0, vocab) from seed. */
void llmb_synthetic_tokens(int *tokens, size_t n, int vocab, uint64_t seed);

/* Copy one micro-batch of inputs and targets (B*T each, host memory) to the model. */
void llmb_gpt_set_batch(struct llmb_gpt *g, const int *inputs, const int *targets);

/* Forward pass with loss; returns the mean loss (also in g->loss). */
float llmb_gpt_forward(struct llmb_gpt *g);

void llmb_gpt_zero_grad(struct llmb_gpt *g);

/* Backward of the last forward: gradients are ADDED into g->grads (accumulation over
 * micro-batches = call forward/backward repeatedly without zero_grad).  grad_ready may be
 * NULL.  Returns 0, -1 if no forward ran since the last backward. */
int llmb_gpt_backward(struct llmb_gpt *g, llmb_grad_ready_fn grad_ready, void *arg);

/* AdamW on parameters [offset, offset + count) (ZeRO-style shards), step t >= 1.  The
 * moments of the range are kept in g (allocated for the whole model).  Returns 0 or -1. */
int llmb_gpt_update(struct llmb_gpt *g, float lr, float beta1, float beta2, float eps,
                    float weight_decay, int t, size_t offset, size_t count);

/* FNV-1a 64-bit hash of the parameter bits: equal on every rank iff the parameters are
 * bitwise identical. */
uint64_t llmb_gpt_checksum(const struct llmb_gpt *g);

#endif
