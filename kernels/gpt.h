/* kernels/gpt.h - a GPT-2-style or Llama-style decoder on top of the kernel interface
 * (kernels/kernels.h), llm.c style: one contiguous parameter buffer, one gradient buffer of
 * the same layout, one activation buffer.  Parameter layout: lib/model.h.  Forward and
 * backward execute the plan of the step (g.plan, kernels/plan.h): the very list of kernel
 * calls the compute phase times and the FLOP counts add up.
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
#include "kernels/plan.h"
#include "model.h"

typedef void (*llmb_grad_ready_fn)(void *arg, size_t offset_floats, size_t count_floats);

/* offsets of one layer's tensors relative to the layer's start (floats);
 * tensors a family does not have (biases, norm biases in llama) are (size_t)-1 */
struct llmb_gpt_layer_offsets {
    size_t ln1w, ln1b, qkvw, qkvb, attprojw, attprojb, ln2w, ln2b, fcw, fcb, fcprojw, fcprojb;
};

/* a range of parameters [offset, offset + count) (floats) */
struct llmb_gpt_range {
    size_t offset, count;
    size_t moment_off; /* in g->shard only: where its moments start in m and v (ignored on
                        * input to llmb_gpt_set_shard) */
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
    struct llmb_plan plan;         /* what forward and backward run, op by op */

    /* parameters (floats); all offsets are into params and grads alike */
    size_t num_params;
    size_t off_wte, off_wpe;       /* off_wpe == (size_t)-1 for llama */
    size_t off_layers, layer_size; /* layer l: off_layers + l * layer_size */
    size_t off_final;              /* final norm (weight, then bias for gpt2) */
    size_t off_head;               /* untied LM head (V,C); == off_wte when tied */
    struct llmb_gpt_layer_offsets lo;
    float *params, *grads;         /* backend memory */
    float *m, *v;                  /* AdamW moments, allocated at the first update (or by
                                    * llmb_gpt_set_shard): num_params floats each, or only
                                    * the shard's, stored compactly (see below) */
    struct llmb_gpt_range *shard;  /* NULL: moments for the whole model */
    int shard_n;                   /* ranges in shard, sorted by offset, disjoint, non-empty */
    size_t shard_floats;           /* sum of their counts = floats in m and in v */

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

/* Floats of the activation buffer (activations and one layer's activation gradients) that
 * llmb_gpt_init allocates for cfg: the very function that lays the buffer out counts them, so a
 * memory estimate made before allocation agrees with the allocation. */
size_t llmb_gpt_activation_floats(const struct llmb_model_config *cfg);

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

/* ZeRO-style optimizer sharding: this rank will only ever update the parameters in the n
 * ranges (any order, disjoint; empty ones are skipped), so the AdamW moments are kept only
 * for them.  A rank of a bucketed reduce-scatter owns one chunk of every bucket, hence a list.
 * Design: m and v are compact, the ranges' moments back to back in offset order (g->shard, a
 * sorted copy, with each range's moment_off); an update range must lie inside ONE shard range and maps to
 * m + moment_off + (offset - range offset).  Call once, before the first update; it allocates
 * the moments (zeroed) at once.  Returns 0, or -1 with one message (called twice or after an
 * update, a range out of bounds or overlapping another, out of memory). */
int llmb_gpt_set_shard(struct llmb_gpt *g, const struct llmb_gpt_range *ranges, int n);

/* AdamW on parameters [offset, offset + count), step t >= 1.  Without a shard the moments are
 * allocated for the whole model at the first call and any range of the model is accepted; with
 * a shard the range must lie inside one of its ranges (count 0 is always accepted: it only
 * allocates the moments).  Returns 0, or -1 with one message. */
int llmb_gpt_update(struct llmb_gpt *g, float lr, float beta1, float beta2, float eps,
                    float weight_decay, int t, size_t offset, size_t count);

/* FNV-1a 64-bit hash of the parameter bits: equal on every rank iff the parameters are
 * bitwise identical. */
uint64_t llmb_gpt_checksum(const struct llmb_gpt *g);

#endif
