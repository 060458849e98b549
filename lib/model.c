/* lib/model.c - model presets, parameter counting, PaLM model FLOPs and memory (see model.h
 * for the parameter layout).  The GEMMs of a step come from its plan and `--describe-model`
 * prints them: kernels/plan.c, kernels/describe.c. */
#include "model.h"

#include <limits.h>
#include <string.h>

#include "error.h"
#include "util.h"

/* One table.  Shapes from the published configurations (every count is checked exactly in
 * tests/unit/test_model.c; sources in doc/accounting.md):
 * GPT-2 (Radford et al. 2019, HF gpt2*); GPT-3 (Brown et al. 2020 table 2.1: context 2048,
 * d_ff = 4 d_model, the GPT-2 vocabulary, tied; two of its typos fixed: 1.3B has d_head 128
 * so 16 heads, not 24; 13B has d_model 5120 = 40 x 128, not 5140); Llama 3.2 1B (tied, GQA);
 * Llama 2 7B, 13B, 70B (Touvron et al. 2023, HF config.json, vocab 32000); Llama 3 8B and 70B
 * (context 8192) and Llama 3.1 8B, 70B, 405B (context 131072; HF config.json, vocab 128256,
 * untied); Mistral 7B v0.1 (Jiang et al. 2023: context 8192, sliding window 4096 not
 * modeled); Mixtral 8x7B (Jiang et al. 2024: 8 experts, top 2, context 32768). */
static const struct llmb_model_preset presets[] = {
    /* name          family   L    C      H    KV   F      V       S       B  tied note, E, k */
    {"tiny",         "gpt2",   2,  32,     4,   4,  128,   97,     64,     4, 1, "test model (odd vocab)", 0, 0},
    {"gpt2-124m",    "gpt2",  12,  768,   12,  12,  3072,  50257,  1024,   4, 1, "GPT-2 small", 0, 0},
    {"gpt2-350m",    "gpt2",  24,  1024,  16,  16,  4096,  50257,  1024,   4, 1, "GPT-2 medium", 0, 0},
    {"gpt2-774m",    "gpt2",  36,  1280,  20,  20,  5120,  50257,  1024,   2, 1, "GPT-2 large", 0, 0},
    {"gpt2-1.5b",    "gpt2",  48,  1600,  25,  25,  6400,  50257,  1024,   1, 1, "GPT-2 XL", 0, 0},
    {"gpt3-125m",    "gpt2",  12,  768,   12,  12,  3072,  50257,  2048,   1, 1, "GPT-3 Small, Brown et al. table 2.1", 0, 0},
    {"gpt3-350m",    "gpt2",  24,  1024,  16,  16,  4096,  50257,  2048,   1, 1, "GPT-3 Medium, Brown et al. table 2.1", 0, 0},
    {"gpt3-760m",    "gpt2",  24,  1536,  16,  16,  6144,  50257,  2048,   1, 1, "GPT-3 Large, Brown et al. table 2.1", 0, 0},
    {"gpt3-1.3b",    "gpt2",  24,  2048,  16,  16,  8192,  50257,  2048,   1, 1, "GPT-3 XL, Brown et al. table 2.1 (d_head 128: 16 heads)", 0, 0},
    {"gpt3-2.7b",    "gpt2",  32,  2560,  32,  32,  10240, 50257,  2048,   1, 1, "GPT-3 2.7B, Brown et al. table 2.1", 0, 0},
    {"gpt3-6.7b",    "gpt2",  32,  4096,  32,  32,  16384, 50257,  2048,   1, 1, "GPT-3 6.7B, Brown et al. table 2.1", 0, 0},
    {"gpt3-13b",     "gpt2",  40,  5120,  40,  40,  20480, 50257,  2048,   1, 1, "GPT-3 13B, Brown et al. table 2.1 (d_model 5120)", 0, 0},
    {"gpt3-175b",    "gpt2",  96,  12288, 96,  96,  49152, 50257,  2048,   1, 1, "GPT-3 175B, Brown et al. table 2.1", 0, 0},
    {"llama-1b",     "llama", 16,  2048,  32,  8,   8192,  128256, 2048,   1, 1, "Llama 3.2 1B shapes", 0, 0},
    {"llama-7b",     "llama", 32,  4096,  32,  32,  11008, 32000,  4096,   1, 0, "Llama 2 7B shapes", 0, 0},
    {"llama2-13b",   "llama", 40,  5120,  40,  40,  13824, 32000,  4096,   1, 0, "Llama 2 13B shapes", 0, 0},
    {"llama-70b",    "llama", 80,  8192,  64,  8,   28672, 32000,  4096,   1, 0, "Llama 2 70B shapes", 0, 0},
    {"llama3-8b",    "llama", 32,  4096,  32,  8,   14336, 128256, 8192,   1, 0, "Llama 3 8B shapes", 0, 0},
    {"llama3-70b",   "llama", 80,  8192,  64,  8,   28672, 128256, 8192,   1, 0, "Llama 3 70B shapes", 0, 0},
    {"llama3.1-8b",  "llama", 32,  4096,  32,  8,   14336, 128256, 131072, 1, 0, "Llama 3.1 8B shapes", 0, 0},
    {"llama3.1-70b", "llama", 80,  8192,  64,  8,   28672, 128256, 131072, 1, 0, "Llama 3.1 70B shapes", 0, 0},
    {"llama3.1-405b","llama", 126, 16384, 128, 8,   53248, 128256, 131072, 1, 0, "Llama 3.1 405B shapes", 0, 0},
    {"mistral-7b",   "llama", 32,  4096,  32,  8,   14336, 32000,  8192,   1, 0, "Mistral 7B v0.1 shapes (sliding window not modeled)", 0, 0},
    {"mixtral-8x7b", "llama", 32,  4096,  32,  8,   14336, 32000,  32768,  1, 0, "Mixtral 8x7B shapes, mixture of experts", 8, 2},
};
#define NPRESETS ((int)(sizeof presets / sizeof presets[0]))

/* other names of a preset */
static const struct {
    const char *alias, *name;
} aliases[] = {
    {"llama2-7b", "llama-7b"},
    {"llama2-70b", "llama-70b"},
};


const struct llmb_model_preset *llmb_model_preset_at(int i)
{
    return i >= 0 && i < NPRESETS ? &presets[i] : NULL;
}

const struct llmb_model_preset *llmb_model_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(aliases[i].alias, name) == 0)
            name = aliases[i].name;
    for (int i = 0; i < NPRESETS; i++)
        if (strcmp(presets[i].name, name) == 0)
            return &presets[i];
    return NULL;
}

void llmb_model_names(char *buf, size_t len)
{
    const char *names[NPRESETS];
    for (int i = 0; i < NPRESETS; i++)
        names[i] = presets[i].name;
    llmb_join(names, NPRESETS, ", ", buf, len);
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
    if (p->experts < 0 || p->experts_active < 0 || p->experts_active > p->experts ||
        (p->experts > 0) != (p->experts_active > 0) || (p->experts > 0 && !llama))
        return llmb_error("model %s: experts %d, top-%d: expected 0 (dense) or 1 <= k <= E "
                          "on a llama-family model", p->name, p->experts, p->experts_active);
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
        char names[1024];
        llmb_model_names(names, sizeof names);
        return llmb_error("unknown model '%s' (known: %s)", name ? name : "(null)", names);
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

/* weights of one FFN expert (or of the dense FFN): fc (Ffc,C) and fc_proj (C,F), + biases */
static size_t ffn_params(const struct llmb_model_config *c)
{
    size_t C = (size_t)c->d_model, F = (size_t)c->d_ff, Ffc = (size_t)llmb_model_fc_dim(c);
    return Ffc * C + C * F + (c->llama ? 0 : Ffc + C);
}

size_t llmb_model_layer_params(const struct llmb_model_config *c)
{
    size_t C = (size_t)c->d_model, Q = (size_t)llmb_model_qkv_dim(c);
    size_t E = (size_t)c->experts;
    if (c->llama) /* rms1, qkv, attproj, rms2, gate+up and down (per expert), router (E,C) */
        return C + Q * C + C * C + C + (E ? E : 1) * ffn_params(c) + E * C;
    /* ln1 w+b, qkv w+b, attproj w+b, ln2 w+b, fc w+b, fcproj w+b */
    return 2 * C + Q * C + Q + C * C + C + 2 * C + ffn_params(c);
}

void llmb_model_count(const struct llmb_model_config *c, struct llmb_model_params *p)
{
    size_t C = (size_t)c->d_model, V = (size_t)c->vocab, L = (size_t)c->layers;
    size_t Q = (size_t)llmb_model_qkv_dim(c), Ffc = (size_t)llmb_model_fc_dim(c);
    size_t F = (size_t)c->d_ff, E = (size_t)c->experts, k = (size_t)c->experts_active;
    p->per_layer = llmb_model_layer_params(c);
    p->embedding = V * C + (c->llama ? 0 : (size_t)c->max_seq * C);
    size_t final_norm = c->llama ? C : 2 * C;
    size_t head = c->tied ? 0 : V * C;
    p->non_embedding = p->per_layer * L + final_norm + head;
    p->total = p->embedding + p->non_embedding;
    size_t idle = E ? L * (E - k) * ffn_params(c) : 0; /* experts a token is not routed to */
    p->active = p->total - idle;
    p->experts_total = E ? L * E * ffn_params(c) : 0;
    p->flops_params = p->non_embedding - idle + (c->tied ? V * C : 0);
    p->matmul_per_layer = Q * C + C * C + (E ? k : 1) * (Ffc * C + C * F) + E * C;
    p->vector_params = p->flops_params - L * p->matmul_per_layer - V * C;
}

int llmb_model_padded_vocab(const struct llmb_model_config *c)
{
    return (c->vocab + 127) / 128 * 128;
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

double llmb_model_flops_per_token_llmc(const struct llmb_model_config *c)
{
    struct llmb_model_params p;
    llmb_model_count(c, &p);
    double C = c->d_model, Vp = llmb_model_padded_vocab(c), V = c->vocab;
    /* the active parameters with wte (and an untied lm_head) padded to Vp rows */
    double n = (double)p.active + (Vp - V) * C * (c->tied ? 1 : 2);
    if (!c->tied) /* llama3_estimate_mfu: the untied token embedding is a lookup, no matmul */
        n -= Vp * C;
    return 6.0 * n + 6.0 * c->layers * C * c->seq;
}

double llmb_model_hardware_flops_per_token(const struct llmb_model_config *c,
                                           enum llmb_recompute rc)
{
    struct llmb_model_params p;
    llmb_model_count(c, &p);
    double attn_fwd = 4.0 * c->layers * c->heads * (double)c->head_dim * c->seq;
    double extra = rc == LLMB_RECOMPUTE_FULL ? 2.0 * c->layers * (double)p.matmul_per_layer +
                                                   attn_fwd
                   : rc == LLMB_RECOMPUTE_SELECTIVE ? attn_fwd
                                                    : 0.0;
    return llmb_model_flops_per_token(c) + extra;
}

const char *llmb_recompute_name(enum llmb_recompute rc)
{
    return rc == LLMB_RECOMPUTE_FULL ? "full" : rc == LLMB_RECOMPUTE_SELECTIVE ? "selective"
                                                                               : "none";
}

const struct llmb_state_bytes llmb_state_fp32 = {4, 4, 8};
const struct llmb_state_bytes llmb_state_mixed = {2, 2, 12};

int llmb_zero_memory(double params, const struct llmb_state_bytes *b, int stage, int dp,
                     struct llmb_model_memory *m)
{
    memset(m, 0, sizeof *m);
    if (stage < 0 || stage > 3)
        return llmb_error("ZeRO stage %d: expected 0, 1, 2 or 3", stage);
    if (dp < 1)
        return llmb_error("ZeRO over %d data-parallel ranks: expected at least 1", dp);
    m->adamw_bytes = b->optimizer * params / (stage >= 1 ? dp : 1);
    m->grads_bytes = b->grads * params / (stage >= 2 ? dp : 1);
    m->weights_bytes = b->weights * params / (stage >= 3 ? dp : 1);
    return 0;
}

void llmb_model_memory(const struct llmb_model_config *c, struct llmb_model_memory *m)
{
    struct llmb_model_params p;
    llmb_model_count(c, &p);
    llmb_zero_memory((double)p.total, &llmb_state_fp32, 0, 1, m);
}

double llmb_model_activation_bytes(const struct llmb_model_config *c, int t, int seq_par,
                                   enum llmb_recompute rc)
{
    if (t < 1)
        return -1;
    double s = c->seq, b = c->batch, h = c->d_model, a = c->heads, sbh = s * b * h;
    double scores = 5.0 * a * s / (h * t);   /* softmax output, dropout mask and output */
    double rest = seq_par ? 34.0 / t : 10.0 + 24.0 / t;
    switch (rc) {
    case LLMB_RECOMPUTE_FULL: return 2.0 * sbh;
    case LLMB_RECOMPUTE_SELECTIVE: return sbh * rest;
    default: return sbh * (rest + scores);
    }
}
