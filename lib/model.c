/* lib/model.c - model presets, parameter counting, PaLM model FLOPs and memory (see model.h
 * for the parameter layout).  The GEMMs of a step come from its plan and `--describe-model`
 * prints them: kernels/plan.c, kernels/describe.c. */
#include "model.h"

#include <limits.h>
#include <string.h>

#include "error.h"

/* One table.  Shapes from the published configs:
 * GPT-2 (Radford et al. 2019, HF gpt2*), GPT-3 175B (Brown et al. 2020 table 2.1),
 * Llama 3.2 1B (tied embeddings, GQA 8 kv heads), Llama 2 7B and 70B (Touvron et al. 2023). */
static const struct llmb_model_preset presets[] = {
    /* name        family   L    C      H   KV  F      V       S     B  tied */
    {"tiny",      "gpt2",   2,  32,     4,  4,  128,   97,     64,   4, 1, "test model (odd vocab)"},
    {"gpt2-124m", "gpt2",  12,  768,   12, 12,  3072,  50257,  1024, 4, 1, "GPT-2 small"},
    {"gpt2-350m", "gpt2",  24,  1024,  16, 16,  4096,  50257,  1024, 4, 1, "GPT-2 medium"},
    {"gpt2-774m", "gpt2",  36,  1280,  20, 20,  5120,  50257,  1024, 2, 1, "GPT-2 large"},
    {"gpt2-1.5b", "gpt2",  48,  1600,  25, 25,  6400,  50257,  1024, 1, 1, "GPT-2 XL"},
    {"gpt3-175b", "gpt2",  96,  12288, 96, 96,  49152, 50257,  2048, 1, 1, "GPT-3 175B (shapes only)"},
    {"llama-1b",  "llama", 16,  2048,  32, 8,   8192,  128256, 2048, 1, 1, "Llama 3.2 1B shapes"},
    {"llama-7b",  "llama", 32,  4096,  32, 32,  11008, 32000,  4096, 1, 0, "Llama 2 7B shapes"},
    {"llama-70b", "llama", 80,  8192,  64, 8,   28672, 32000,  4096, 1, 0, "Llama 2 70B shapes"},
};
#define NPRESETS ((int)(sizeof presets / sizeof presets[0]))

const struct llmb_model_preset *llmb_model_preset_at(int i)
{
    return i >= 0 && i < NPRESETS ? &presets[i] : NULL;
}

const struct llmb_model_preset *llmb_model_find(const char *name)
{
    if (!name)
        return NULL;
    for (int i = 0; i < NPRESETS; i++)
        if (strcmp(presets[i].name, name) == 0)
            return &presets[i];
    return NULL;
}

void llmb_model_list(FILE *f)
{
    for (int i = 0; i < NPRESETS; i++)
        fprintf(f, "%s%s", i ? ", " : "", presets[i].name);
    fputc('\n', f);
}

int llmb_model_config_from(struct llmb_model_config *cfg, const struct llmb_model_preset *p,
                           int layers, int batch, int seq)
{
    memset(cfg, 0, sizeof *cfg);
    if (!p)
        return llmb_error("no model preset given");
    if (p->heads < 1 || p->d_model % p->heads || p->kv_heads < 1 || p->heads % p->kv_heads)
        return llmb_error("model %s: d_model %d, heads %d, kv heads %d do not divide",
                          p->name, p->d_model, p->heads, p->kv_heads);
    int llama = strcmp(p->family, "llama") == 0;
    if (llama && (p->d_model / p->heads) % 2)
        return llmb_error("model %s: rotary embedding needs an even head dim", p->name);
    if (layers < 0 || layers > p->layers)
        return llmb_error("--layers %d: must be between 1 and %d for model %s", layers,
                          p->layers, p->name);
    if (batch < 0)
        return llmb_error("--batch %d: must be at least 1", batch);
    if (seq < 0 || (!llama && seq > p->seq))
        return llmb_error("--seq %d: must be between 1 and %d for model %s", seq, p->seq,
                          p->name);
    long long tokens = (long long)(batch ? batch : p->batch) * (seq ? seq : p->seq);
    if (tokens > INT_MAX) /* the token count of a micro-batch is an int everywhere */
        return llmb_error("--batch %d x --seq %d = %lld tokens per micro-batch: at most %d",
                          batch ? batch : p->batch, seq ? seq : p->seq, tokens, INT_MAX);
    cfg->name = p->name;
    cfg->llama = llama;
    cfg->layers = layers ? layers : p->layers;
    cfg->d_model = p->d_model;
    cfg->heads = p->heads;
    cfg->kv_heads = p->kv_heads;
    cfg->head_dim = p->d_model / p->heads;
    cfg->d_ff = p->d_ff;
    cfg->vocab = p->vocab;
    cfg->max_seq = p->seq;
    cfg->seq = seq ? seq : p->seq;
    cfg->batch = batch ? batch : p->batch;
    cfg->tied = p->tied;
    cfg->experts = p->experts;
    cfg->experts_active = p->experts_active;
    return 0;
}

int llmb_model_config_init(struct llmb_model_config *cfg, const char *name, int layers,
                           int batch, int seq)
{
    const struct llmb_model_preset *p = llmb_model_find(name);
    if (!p) {
        memset(cfg, 0, sizeof *cfg);
        return llmb_error("unknown model '%s' (known: tiny, gpt2-124m, gpt2-350m, gpt2-774m, "
                          "gpt2-1.5b, gpt3-175b, llama-1b, llama-7b, llama-70b)",
                          name ? name : "(null)");
    }
    return llmb_model_config_from(cfg, p, layers, batch, seq);
}

int llmb_model_qkv_dim(const struct llmb_model_config *c)
{
    return c->d_model + 2 * c->kv_heads * c->head_dim;
}

int llmb_model_fc_dim(const struct llmb_model_config *c)
{
    return c->llama ? 2 * c->d_ff : c->d_ff;
}

size_t llmb_model_layer_params(const struct llmb_model_config *c)
{
    size_t C = (size_t)c->d_model, Q = (size_t)llmb_model_qkv_dim(c), F = (size_t)c->d_ff;
    if (c->llama) /* rms1, qkv, attproj, rms2, gate+up, down */
        return C + Q * C + C * C + C + 2 * F * C + C * F;
    /* ln1 w+b, qkv w+b, attproj w+b, ln2 w+b, fc w+b, fcproj w+b */
    return 2 * C + Q * C + Q + C * C + C + 2 * C + F * C + F + C * F + C;
}

void llmb_model_count(const struct llmb_model_config *c, struct llmb_model_params *p)
{
    size_t C = (size_t)c->d_model, V = (size_t)c->vocab;
    p->per_layer = llmb_model_layer_params(c);
    p->embedding = V * C + (c->llama ? 0 : (size_t)c->max_seq * C);
    size_t final_norm = c->llama ? C : 2 * C;
    size_t head = c->tied ? 0 : V * C;
    p->non_embedding = p->per_layer * (size_t)c->layers + final_norm + head;
    p->total = p->embedding + p->non_embedding;
    p->flops_params = p->non_embedding + (c->tied ? V * C : 0);
}

double llmb_model_flops_per_token(const struct llmb_model_config *c)
{
    struct llmb_model_params p;
    llmb_model_count(c, &p);
    return 6.0 * (double)p.flops_params +
           12.0 * c->layers * c->heads * (double)c->head_dim * c->seq;
}

double llmb_model_flops_per_step(const struct llmb_model_config *c)
{
    return llmb_model_flops_per_token(c) * (double)c->batch * c->seq;
}

void llmb_model_memory(const struct llmb_model_config *c, struct llmb_model_memory *m)
{
    struct llmb_model_params p;
    llmb_model_count(c, &p);
    m->weights_bytes = 4.0 * (double)p.total;
    m->grads_bytes = 4.0 * (double)p.total;
    m->adamw_bytes = 8.0 * (double)p.total;
}
