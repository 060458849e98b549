/* kernels/describe.c - `llmbench --describe-model`: a model's shapes, parameter counts, PaLM
 * model FLOPs and memory (lib/model.c), and the GEMM table of one training step from its plan
 * (kernels/plan.c), so that the table lists what the model runs. */
#include <stdio.h>

#include "error.h"
#include "kernels/plan.h"

static void human(char *buf, size_t n, double v, const char *unit)
{
    const char *pre[] = {"", "K", "M", "G", "T", "P", "E"};
    int i = 0;
    while (v >= 1000.0 && i < 6) {
        v /= 1000.0;
        i++;
    }
    snprintf(buf, n, "%.3g %s%s", v, pre[i], unit);
}

static void human_bytes(char *buf, size_t n, double v)
{
    const char *pre[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int i = 0;
    while (v >= 1024.0 && i < 5) {
        v /= 1024.0;
        i++;
    }
    snprintf(buf, n, "%.3g %s", v, pre[i]);
}

/* shapes, parameters, model FLOPs, memory */
static void describe_counts(FILE *out, const struct llmb_model_config *c,
                            const struct llmb_model_preset *p)
{
    struct llmb_model_params pc;
    struct llmb_model_memory mem;
    llmb_model_count(c, &pc);
    llmb_model_memory(c, &mem);
    double fpt = llmb_model_flops_per_token(c);
    char a[32], b[32], d[32];

    fprintf(out, "model %s (%s; %s)\n", c->name, c->llama ? "llama-style" : "gpt2-style", p->note);
    fprintf(out, "  layers %d, d_model %d, heads %d, kv heads %d, head dim %d, d_ff %d, "
                 "vocab %d, max seq %d\n",
            c->layers, c->d_model, c->heads, c->kv_heads, c->head_dim, c->d_ff, c->vocab,
            c->max_seq);
    if (c->layers < p->layers)
        fprintf(out, "    (--layers %d of the preset's %d)\n", c->layers, p->layers);
    fprintf(out, "  micro-batch: batch %d x seq %d = %d tokens; %s LM head\n", c->batch, c->seq,
            c->batch * c->seq, c->tied ? "tied" : "untied");
    fprintf(out, "parameters\n");
    fprintf(out, "  total           %14zu\n", pc.total);
    fprintf(out, "  embedding       %14zu  (token%s)\n", pc.embedding,
            c->llama ? "" : " + position");
    fprintf(out, "  non-embedding   %14zu  (%zu per layer)\n", pc.non_embedding, pc.per_layer);
    fprintf(out, "  N of PaLM       %14zu  (non-embedding%s)\n", pc.flops_params,
            c->tied ? " + the tied LM head's V*C, a matmul executed every token" : "");
    human(a, sizeof a, fpt, "FLOP");
    fprintf(out, "model FLOPs per token (PaLM: 6N + 12*L*H*Q*T, T = %d): %.6g (%s)\n", c->seq,
            fpt, a);
    human(a, sizeof a, llmb_model_flops_per_step(c), "FLOP");
    fprintf(out, "model FLOPs per step (%d tokens): %s\n", c->batch * c->seq, a);
    human_bytes(a, sizeof a, mem.weights_bytes);
    human_bytes(b, sizeof b, mem.grads_bytes);
    human_bytes(d, sizeof d, mem.adamw_bytes);
    fprintf(out, "memory (fp32): weights %s, gradients %s, AdamW state %s, total ", a, b, d);
    human_bytes(a, sizeof a, mem.weights_bytes + mem.grads_bytes + mem.adamw_bytes);
    fprintf(out, "%s\n", a);
}

/* the GEMM table of the plan, and its total against the model FLOPs */
static void describe_gemms(FILE *out, const struct llmb_model_config *c,
                           const struct llmb_plan *pl)
{
    fprintf(out, "GEMM shapes of one step (C(m,n) = op(A)(m,k) op(B)(k,n), T: transposed; "
                 "FLOPs = 2mnk x count;\n  attention per (batch, head) inside the attention "
                 "kernel, counted full T x T)\n");
    fprintf(out, "  %-24s %2s %2s %8s %8s %8s %10s %12s\n", "name", "A", "B", "m", "n", "k",
            "count", "GFLOP");
    for (int i = 0; i < pl->ngemm; i++) {
        const struct llmb_plan_gemm *g = &pl->gemm[i];
        fprintf(out, "  %-24s %2s %2s %8d %8d %8d %10.0f %12.3f\n", g->name, g->ta ? "T" : "N",
                g->tb ? "T" : "N", g->m, g->n, g->k, g->count, g->flops / 1e9);
    }
    double tot = llmb_plan_gemm_flops(pl), model = llmb_model_flops_per_step(c);
    fprintf(out, "  %-24s %58.3f\n", "total", tot / 1e9);
    fprintf(out, "  model FLOPs per step %.6g; the GEMMs are %.4f of it (the rest: 6 x tokens x "
                 "the biases and norm weights in N)\n",
            model, model > 0 ? tot / model : 0.0);
}

int llmb_describe_model(FILE *out, const char *name, int layers, int batch, int seq)
{
    struct llmb_model_config c;
    if (llmb_model_config_init(&c, name, layers, batch, seq) != 0)
        return 2;
    struct llmb_plan pl;
    if (llmb_plan_build(&pl, &c) != 0)
        return 1;
    describe_counts(out, &c, llmb_model_find(name));
    describe_gemms(out, &c, &pl);
    llmb_plan_free(&pl);
    return 0;
}
