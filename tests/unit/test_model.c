/* Model accounting (lib/model.c, kernels/describe.c) against the published configurations and
 * runs: every preset's parameter count written out by hand from its config, the two published
 * MFU checks of doc/accounting.md, HFU >= MFU, the --describe-model table's total, and ZeRO
 * memory on a worked example. */
#define _GNU_SOURCE
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "kernels/plan.h"
#include "model.h"

/* Parameters of a llama-family model from its config.json values, written independently of
 * lib/model.c: attention q,o (C,C), k,v (KV*C/H, C); per expert gate, up (F,C), down (C,F);
 * router (E,C); two RMSNorms per layer, one final; token embedding; untied lm_head. */
static double llama_params(double L, double C, double H, double KV, double F, double V,
                           int tied, double E, double k, double *active)
{
    double attn = 2 * C * C + 2 * C * (KV * C / H), expert = 3 * C * F;
    double layer = attn + (E ? E : 1) * expert + E * C + 2 * C;
    double total = L * layer + V * C * (tied ? 1 : 2) + C;
    if (active)
        *active = total - (E ? L * (E - k) * expert : 0);
    return total;
}

/* GPT-2/GPT-3 (Brown et al. 2020: "the same model and architecture as GPT-2"): per layer
 * 12 C^2 weights + 13 C biases and LayerNorm parameters; wte (V,C) tied, wpe (S,C), ln_f. */
static double gpt_params(double L, double C, double S)
{
    return L * (12 * C * C + 13 * C) + 50257 * C + S * C + 2 * C;
}

static void count(const char *name, size_t *total, size_t *active)
{
    struct llmb_model_config c;
    struct llmb_model_params p;
    if (llmb_model_config_init(&c, name, 0, 0, 0) != 0)
        fail_msg("preset %s unknown", name);
    llmb_model_count(&c, &p);
    *total = p.total;
    *active = p.active;
}

static void test_preset_counts(void **state)
{
    static const struct {
        const char *name;
        double L, C, H, KV, F, V, E, k;
        int tied;
        size_t published;     /* the exact count, where the publisher gives one */
        double rounded;       /* the rounded figure of the paper or model card */
    } llama[] = {
        {"llama-1b", 16, 2048, 32, 8, 8192, 128256, 0, 0, 1, 1235814400, 1.24e9},
        {"llama-7b", 32, 4096, 32, 32, 11008, 32000, 0, 0, 0, 6738415616, 6.7e9},
        {"llama2-7b", 32, 4096, 32, 32, 11008, 32000, 0, 0, 0, 6738415616, 6.7e9},
        {"llama2-13b", 40, 5120, 40, 40, 13824, 32000, 0, 0, 0, 13015864320, 13.0e9},
        {"llama-70b", 80, 8192, 64, 8, 28672, 32000, 0, 0, 0, 68976648192, 69.0e9},
        {"llama3-8b", 32, 4096, 32, 8, 14336, 128256, 0, 0, 0, 8030261248, 8.03e9},
        {"llama3.1-8b", 32, 4096, 32, 8, 14336, 128256, 0, 0, 0, 8030261248, 8.03e9},
        {"llama3-70b", 80, 8192, 64, 8, 28672, 128256, 0, 0, 0, 70553706496, 70.55e9},
        {"llama3.1-70b", 80, 8192, 64, 8, 28672, 128256, 0, 0, 0, 70553706496, 70.55e9},
        {"llama3.1-405b", 126, 16384, 128, 8, 53248, 128256, 0, 0, 0, 405853388800, 405.85e9},
        {"mistral-7b", 32, 4096, 32, 8, 14336, 32000, 0, 0, 0, 7241732096, 7.24e9},
        {"mixtral-8x7b", 32, 4096, 32, 8, 14336, 32000, 8, 2, 0, 46702792704, 46.7e9},
    };
    for (size_t i = 0; i < sizeof llama / sizeof llama[0]; i++) {
        size_t total, active;
        double act, want = llama_params(llama[i].L, llama[i].C, llama[i].H, llama[i].KV,
                                        llama[i].F, llama[i].V, llama[i].tied, llama[i].E,
                                        llama[i].k, &act);
        count(llama[i].name, &total, &active);
        if ((double)total != want || total != llama[i].published)
            fail_msg("%s: %zu parameters, config gives %.0f, published %zu", llama[i].name,
                     total, want, llama[i].published);
        if ((double)active != act)
            fail_msg("%s: %zu active, expected %.0f", llama[i].name, active, act);
        if (fabs(total - llama[i].rounded) > 0.006 * llama[i].rounded)
            fail_msg("%s: %zu vs the published %.4g", llama[i].name, total, llama[i].rounded);
    }
    size_t total, active;
    count("mixtral-8x7b", &total, &active); /* Jiang et al. 2024: 13B active of 47B */
    assert_int_equal(active, 12879925248);

    static const struct {
        const char *name;
        double L, C, S, paper; /* Brown et al. table 2.1 */
    } gpt[] = {
        {"gpt2-124m", 12, 768, 1024, 124e6},     {"gpt2-1.5b", 48, 1600, 1024, 1.558e9},
        {"gpt3-125m", 12, 768, 2048, 125e6},     {"gpt3-350m", 24, 1024, 2048, 350e6},
        {"gpt3-760m", 24, 1536, 2048, 760e6},    {"gpt3-1.3b", 24, 2048, 2048, 1.3e9},
        {"gpt3-2.7b", 32, 2560, 2048, 2.7e9},    {"gpt3-6.7b", 32, 4096, 2048, 6.7e9},
        {"gpt3-13b", 40, 5120, 2048, 13.0e9},    {"gpt3-175b", 96, 12288, 2048, 175.0e9},
    };
    for (size_t i = 0; i < sizeof gpt / sizeof gpt[0]; i++) {
        double want = gpt_params(gpt[i].L, gpt[i].C, gpt[i].S);
        count(gpt[i].name, &total, &active);
        if ((double)total != want || active != total)
            fail_msg("%s: %zu parameters, expected %.0f", gpt[i].name, total, want);
        /* the paper rounds: 125.2M, 355.9M, 760.3M, 1.316B, 2.652B, 6.658B, 12.85B, 174.6B */
        if (fabs(total - gpt[i].paper) > 0.025 * gpt[i].paper)
            fail_msg("%s: %zu vs the paper's %.4g", gpt[i].name, total, gpt[i].paper);
    }
    assert_int_equal(total, 174604259328); /* the last: GPT-3 175B */
    count("gpt2-124m", &total, &active);
    assert_int_equal(total, 124439808); /* HF gpt2 */
}

/* llm.c, GPT-2 124M on 8 H100s: ~140 ms per step of 524,288 tokens (T = 1024) is ~38% MFU
 * by llm.c's count 6N + 6LCT with N = 124,475,904 (vocab padded to 50304) against the dense
 * bf16 peak of 989 TFLOP/s. */
static void test_llmc_gpt2_run(void **state)
{
    struct llmb_model_config c;
    assert_int_equal(llmb_model_config_init(&c, "gpt2-124m", 0, 64, 1024), 0);
    assert_int_equal(llmb_model_padded_vocab(&c), 50304);
    double n = 124439808.0 + 47.0 * 768; /* 124,475,904: llm.c's num_parameters */
    double by_hand = 6 * n + 6.0 * 12 * 768 * 1024;
    assert_true(llmb_model_flops_per_token_llmc(&c) == by_hand);
    double mfu = by_hand * 524288 / (8 * 989e12 * 0.140);
    assert_true(mfu > 0.375 && mfu < 0.385);
    /* the same run by PaLM's count: 6N + 12LHQT with N = 123,653,376, 6.4% more FLOPs */
    double palm = llmb_model_flops_per_token(&c);
    assert_true(palm == 6.0 * 123653376 + 12.0 * 12 * 768 * 1024);
    assert_true(palm / by_hand > 1.05 && palm / by_hand < 1.07);
}

/* Megatron-LM, GPT-3 175B on 1024 A100s (Narayanan et al. 2021 table 1): 140 TFLOP/s per GPU
 * by their eq. (3), which counts full recomputation, = 44.9% of the 312 TFLOP/s bf16 peak.
 * Take the step time their figure implies and recount with llmbench's HFU formula. */
static void test_megatron_gpt3_run(void **state)
{
    double l = 96, h = 12288, s = 2048, V = 51200, B = 1536; /* their padded vocabulary */
    double eq3 = 96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h)); /* per step */
    double step_s = eq3 / (1024 * 140e12);
    struct llmb_model_config c;
    assert_int_equal(llmb_model_config_init(&c, "gpt3-175b", 0, 1, 2048), 0);
    double hw = llmb_model_hardware_flops_per_token(&c, LLMB_RECOMPUTE_FULL);
    /* the same count up to biases, norms and V = 50257 instead of 51200 */
    assert_true(fabs(hw * B * s / eq3 - 1) < 1e-3);
    double hfu = hw * B * s / (1024 * 312e12 * step_s);
    if (!(hfu > 0.44 && hfu < 0.45))
        fail_msg("HFU %.4f, expected 0.44-0.45", hfu);
    double mfu = llmb_model_flops_per_token(&c) * B * s / (1024 * 312e12 * step_s);
    assert_true(mfu > 0.33 && mfu < 0.34); /* 72 + 12 s/h of 96 + 16 s/h: ~3/4 of HFU */
}

static void test_hfu_at_least_mfu(void **state)
{
    for (int i = 0; llmb_model_preset_at(i); i++) {
        struct llmb_model_config c;
        assert_int_equal(llmb_model_config_from(&c, llmb_model_preset_at(i), 0, 0, 0), 0);
        double m = llmb_model_flops_per_token(&c);
        double none = llmb_model_hardware_flops_per_token(&c, LLMB_RECOMPUTE_NONE);
        double sel = llmb_model_hardware_flops_per_token(&c, LLMB_RECOMPUTE_SELECTIVE);
        double full = llmb_model_hardware_flops_per_token(&c, LLMB_RECOMPUTE_FULL);
        if (!(none == m && sel > m && full > sel && full < 4.0 / 3.0 * m + 1))
            fail_msg("%s: model %.6g, hardware none %.6g selective %.6g full %.6g", c.name, m,
                     none, sel, full);
    }
}

/* Count `needle` in the text and return the number after the last one (or NAN). */
static double number_after(const char *text, const char *needle)
{
    const char *p = NULL, *q = text;
    while ((q = strstr(q, needle)) != NULL)
        p = q++;
    return p ? strtod(p + strlen(needle), NULL) : NAN;
}

/* --describe-model at the preset's native context: the GEMM table (attention backward
 * included) plus the norm and bias term adds up to the model FLOPs, for every preset. */
static void test_describe_total(void **state)
{
    for (int i = 0; llmb_model_preset_at(i); i++) {
        const struct llmb_model_preset *pr = llmb_model_preset_at(i);
        struct llmb_model_config c;
        struct llmb_plan pl;
        struct llmb_model_params pc;
        assert_int_equal(llmb_model_config_init(&c, pr->name, 0, 0, 0), 0);
        assert_int_equal(c.seq, pr->seq);
        assert_int_equal(llmb_plan_build(&pl, &c), 0);
        int attn_bwd = 0;
        for (int g = 0; g < pl.ngemm; g++)
            attn_bwd += (strncmp(pl.gemm[g].name, "attn_scores.", 12) == 0 ||
                         strncmp(pl.gemm[g].name, "attn_context.", 13) == 0) &&
                        !strstr(pl.gemm[g].name, ".fwd");
        assert_int_equal(attn_bwd, 4);
        llmb_model_count(&c, &pc);
        double tot = llmb_plan_gemm_flops(&pl) + 6.0 * c.batch * c.seq * pc.vector_params;
        double model = llmb_model_flops_per_step(&c);
        if (fabs(tot - model) > 1e-12 * model)
            fail_msg("%s: table %.17g, model %.17g", pr->name, tot, model);
        llmb_plan_free(&pl);

        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        assert_non_null(f);
        assert_int_equal(llmb_describe_model(f, pr->name, 0, 0, 0), 0);
        fclose(f);
        char want[64];
        snprintf(want, sizeof want, "x seq %d (the preset's native context)", pr->seq);
        if (!strstr(text, want))
            fail_msg("%s: no '%s' in\n%s", pr->name, want, text);
        double printed = number_after(text, "model FLOPs per step ");
        double share = number_after(text, "the table's total is ");
        if (fabs(printed / model - 1) > 1e-5 || fabs(share - 1) > 1e-6)
            fail_msg("%s: printed %.6g (model %.6g), share %.6f", pr->name, printed, model, share);
        free(text);
    }
}

/* ZeRO per rank on a worked example: 1e9 parameters over 8 ranks.
 * mixed (2+2+12): dp 16 GB; stage 1 2+2+12/8 = 5.5 GB; stage 2 2+14/8 = 3.75 GB; stage 3
 * 16/8 = 2 GB.  fp32 (4+4+8): stage 1 4+4+1 = 9 GB. */
static void test_zero_memory(void **state)
{
    struct llmb_model_memory m;
    const double want_mixed[4] = {16e9, 5.5e9, 3.75e9, 2e9};
    for (int s = 0; s <= 3; s++) {
        assert_int_equal(llmb_zero_memory(1e9, &llmb_state_mixed, s, 8, &m), 0);
        assert_float_equal(m.weights_bytes + m.grads_bytes + m.adamw_bytes, want_mixed[s], 1);
    }
    assert_int_equal(llmb_zero_memory(1e9, &llmb_state_fp32, 1, 8, &m), 0);
    assert_float_equal(m.weights_bytes, 4e9, 0);
    assert_float_equal(m.grads_bytes, 4e9, 0);
    assert_float_equal(m.adamw_bytes, 1e9, 0);
    /* Rajbhandari et al. fig. 1: 7.5B parameters, 64 GPUs: 120 GB, 31.4, 16.6, 1.9 */
    const double paper[4] = {120, 31.4, 16.6, 1.9};
    for (int s = 0; s <= 3; s++) {
        assert_int_equal(llmb_zero_memory(7.5e9, &llmb_state_mixed, s, 64, &m), 0);
        assert_float_equal((m.weights_bytes + m.grads_bytes + m.adamw_bytes) / 1e9, paper[s],
                           0.06);
    }
    assert_int_equal(llmb_zero_memory(1e9, &llmb_state_mixed, 4, 8, &m), -1);
    assert_int_equal(llmb_zero_memory(1e9, &llmb_state_mixed, 1, 0, &m), -1);
}

/* Korthikanti et al. 2022 table 2 for GPT-3 175B-like shapes (s 2048, b 1, h 12288, a 96):
 * sbh(34 + 5as/h) without recomputation; t = 8: sbh(10 + 24/8 + 5as/(8h)). */
static void test_activation_memory(void **state)
{
    struct llmb_model_config c;
    assert_int_equal(llmb_model_config_init(&c, "gpt3-175b", 0, 1, 2048), 0);
    double sbh = 2048.0 * 1 * 12288, as_h = 96.0 * 2048 / 12288;
    assert_float_equal(llmb_model_activation_bytes(&c, 1, 0, LLMB_RECOMPUTE_NONE),
                       sbh * (34 + 5 * as_h), 1);
    assert_float_equal(llmb_model_activation_bytes(&c, 8, 0, LLMB_RECOMPUTE_NONE),
                       sbh * (10 + 24.0 / 8 + 5 * as_h / 8), 1);
    assert_float_equal(llmb_model_activation_bytes(&c, 8, 1, LLMB_RECOMPUTE_NONE),
                       sbh * (34.0 / 8 + 5 * as_h / 8), 1);
    assert_float_equal(llmb_model_activation_bytes(&c, 8, 1, LLMB_RECOMPUTE_SELECTIVE),
                       sbh * 34.0 / 8, 1);
    assert_float_equal(llmb_model_activation_bytes(&c, 1, 0, LLMB_RECOMPUTE_FULL), 2 * sbh, 1);
    assert_true(llmb_model_activation_bytes(&c, 0, 0, LLMB_RECOMPUTE_NONE) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preset_counts),     cmocka_unit_test(test_llmc_gpt2_run),
        cmocka_unit_test(test_megatron_gpt3_run), cmocka_unit_test(test_hfu_at_least_mfu),
        cmocka_unit_test(test_describe_total),    cmocka_unit_test(test_zero_memory),
        cmocka_unit_test(test_activation_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
