/* kernels/describe.c - `llmbench --describe-model`: a model's shapes, parameter counts, model
 * FLOPs (PaLM, llm.c, with recomputation), memory per ZeRO stage and activations (lib/model.c;
 * formulas and sources in doc/accounting.md), and the GEMM table of one training step from its
 * plan (kernels/plan.c), so that the table lists what the model runs.  By default at the
 * preset's batch and native context (max seq). */
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

/* the data-parallel degree of the ZeRO table: one 8-GPU node (llmbench-size projects any) */
#define DESCRIBE_DP 8

/* shapes, parameters, model FLOPs in the three conventions (doc/accounting.md) */
static void describe_counts(FILE *out, const struct llmb_model_config *c,
                            const struct llmb_model_preset *p, int batch_given, int seq_given)
{
    struct llmb_model_params pc;
    llmb_model_count(c, &pc);
    double fpt = llmb_model_flops_per_token(c), llmc = llmb_model_flops_per_token_llmc(c);
    char a[32];

    fprintf(out, "model %s (%s; %s)\n", c->name, c->llama ? "llama-style" : "gpt2-style", p->note);
    fprintf(out, "  layers %d, d_model %d, heads %d, kv heads %d, head dim %d, d_ff %d, "
                 "vocab %d, max seq %d\n",
            c->layers, c->d_model, c->heads, c->kv_heads, c->head_dim, c->d_ff, c->vocab,
            c->max_seq);
    if (c->experts)
        fprintf(out, "  mixture of experts: %d experts per layer, each token routed to %d "
                     "(counted here; the kernels run dense models only)\n",
                c->experts, c->experts_active);
    if (c->layers < p->layers)
        fprintf(out, "    (--layers %d of the preset's %d)\n", c->layers, p->layers);
    fprintf(out, "  micro-batch: batch %d%s x seq %d%s = %lld tokens; %s LM head\n", c->batch,
            batch_given ? " (--batch)" : " (the preset's)", c->seq,
            seq_given ? " (--seq)" : " (the preset's native context)",
            (long long)c->batch * c->seq, c->tied ? "tied" : "untied");
    fprintf(out, "parameters\n");
    fprintf(out, "  total           %14zu\n", pc.total);
    fprintf(out, "  embedding       %14zu  (token%s)\n", pc.embedding,
            c->llama ? "" : " + position");
    fprintf(out, "  non-embedding   %14zu  (%zu per layer)\n", pc.non_embedding, pc.per_layer);
    if (c->experts)
        fprintf(out, "  active          %14zu  (a token's: %d of %d experts)\n", pc.active,
                c->experts_active, c->experts);
    fprintf(out, "  N of PaLM       %14zu  (non-embedding%s%s)\n", pc.flops_params,
            c->experts ? ", active experts only" : "",
            c->tied ? " + the tied LM head's V*C, a matmul executed every token" : "");
    human(a, sizeof a, fpt, "FLOP");
    fprintf(out, "model FLOPs per token (PaLM: 6N + 12*L*H*Q*T, T = %d): %.6g (%s)\n", c->seq,
            fpt, a);
    fprintf(out, "  llm.c convention (6N' + 6*L*C*T, N' = %s parameters, vocab padded to %d%s): "
                 "%.6g (%.4f of PaLM)\n", c->experts ? "active" : "all",
            llmb_model_padded_vocab(c), c->tied ? "" : ", less the token embedding", llmc,
            llmc / fpt);
    for (int r = LLMB_RECOMPUTE_SELECTIVE; r <= LLMB_RECOMPUTE_FULL; r++) {
        double h = llmb_model_hardware_flops_per_token(c, (enum llmb_recompute)r);
        fprintf(out, "  hardware FLOPs with %s recomputation (Korthikanti et al.): %.6g "
                     "(%.4f of model FLOPs; llmbench recomputes nothing)\n",
                llmb_recompute_name((enum llmb_recompute)r), h, h / fpt);
    }
    human(a, sizeof a, llmb_model_flops_per_step(c), "FLOP");
    fprintf(out, "model FLOPs per step (%lld tokens): %s\n", (long long)c->batch * c->seq, a);
}

/* model states per ZeRO stage (Rajbhandari et al. 2020) and activations (Korthikanti et al.
 * 2022), per rank */
static void describe_memory(FILE *out, const struct llmb_model_config *c)
{
    struct llmb_model_params pc;
    llmb_model_count(c, &pc);
    static const char *const stage[] = {"plain data parallel", "ZeRO stage 1 (--zero)",
                                        "ZeRO stage 2", "ZeRO stage 3"};
    const struct llmb_state_bytes *sb[] = {&llmb_state_fp32, &llmb_state_mixed};
    static const char *const what[] = {"fp32 as llmbench trains: 4+4+8 B per parameter",
                                       "mixed precision on GPUs: 2+2+12 B per parameter"};
    fprintf(out, "memory per rank, model states of %zu parameters, data-parallel degree %d:\n",
            pc.total, DESCRIBE_DP);
    fprintf(out, "  %-26s %12s %12s %12s %12s\n", "", "weights", "gradients", "optimizer",
            "total");
    for (int k = 0; k < 2; k++) {
        fprintf(out, "  %s\n", what[k]);
        for (int s = 0; s <= 3; s++) {
            struct llmb_model_memory m;
            char w[32], g[32], o[32], t[32];
            llmb_zero_memory((double)pc.total, sb[k], s, DESCRIBE_DP, &m);
            human_bytes(w, sizeof w, m.weights_bytes);
            human_bytes(g, sizeof g, m.grads_bytes);
            human_bytes(o, sizeof o, m.adamw_bytes);
            human_bytes(t, sizeof t, m.weights_bytes + m.grads_bytes + m.adamw_bytes);
            fprintf(out, "    %-24s %12s %12s %12s %12s\n", stage[s], w, g, o, t);
        }
    }
    char n[32], sel[32], full[32];
    double none = llmb_model_activation_bytes(c, 1, 0, LLMB_RECOMPUTE_NONE);
    human_bytes(n, sizeof n, none * c->layers);
    human_bytes(sel, sizeof sel,
                llmb_model_activation_bytes(c, 1, 0, LLMB_RECOMPUTE_SELECTIVE) * c->layers);
    human_bytes(full, sizeof full,
                llmb_model_activation_bytes(c, 1, 0, LLMB_RECOMPUTE_FULL) * c->layers);
    fprintf(out, "activations of one micro-batch, 16-bit (Korthikanti et al. 2022, sbh(34 + "
                 "5as/h) per layer x %d layers):\n  %s without recomputation, %s with selective, "
                 "%s with full recomputation (2sbh per layer)\n",
            c->layers, n, sel, full);
}

/* the GEMM table of the plan; with the norm and bias term its total is the model FLOPs */
static void describe_gemms(FILE *out, const struct llmb_model_config *c,
                           const struct llmb_plan *pl)
{
    fprintf(out, "GEMM shapes of one step (C(m,n) = op(A)(m,k) op(B)(k,n), T: transposed; "
                 "FLOPs = 2mnk x count;\n  attention per (batch, head) inside the attention "
                 "kernel, counted full T x T, forward and backward)\n");
    fprintf(out, "  %-24s %2s %2s %8s %8s %8s %10s %12s\n", "name", "A", "B", "m", "n", "k",
            "count", "GFLOP");
    for (int i = 0; i < pl->ngemm; i++) {
        const struct llmb_plan_gemm *g = &pl->gemm[i];
        fprintf(out, "  %-24s %2s %2s %8d %8d %8d %10.0f %12.3f\n", g->name, g->ta ? "T" : "N",
                g->tb ? "T" : "N", g->m, g->n, g->k, g->count, g->flops / 1e9);
    }
    struct llmb_model_params pc;
    llmb_model_count(c, &pc);
    double tokens = (double)c->batch * c->seq, vec = 6.0 * tokens * (double)pc.vector_params;
    fprintf(out, "  %-68s %12.3f\n", "norm weights and biases in N (6 x tokens x count)",
            vec / 1e9);
    fprintf(out, "    (%zu parameters that no GEMM multiplies)\n", pc.vector_params);
    double tot = llmb_plan_gemm_flops(pl) + vec, model = llmb_model_flops_per_step(c);
    fprintf(out, "  %-24s %56.3f\n", "total", tot / 1e9);
    fprintf(out, "  model FLOPs per step %.6g; the table's total is %.6f of it\n", model,
            model > 0 ? tot / model : 0.0);
}

int llmb_describe_model(FILE *out, const char *name, int layers, int batch, int seq)
{
    struct llmb_model_config c;
    if (llmb_model_config_init(&c, name, layers, batch, seq) != 0)
        return 2;
    struct llmb_plan pl;
    if (llmb_plan_build(&pl, &c) != 0)
        return 1;
    describe_counts(out, &c, llmb_model_find(name), batch > 0, seq > 0);
    describe_memory(out, &c);
    describe_gemms(out, &c, &pl);
    llmb_plan_free(&pl);
    return 0;
}
