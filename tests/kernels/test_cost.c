/* tests/kernels/test_cost.c - FLOP and byte accounting against hand-computed values for
 * gpt2-124m (batch 4, seq 1024: N = 4096 tokens, C = 768, 12 heads of 64), the model
 * arithmetic of lib/model.c (parameter counts, PaLM FLOPs), and the plan of a step
 * (kernels/plan.c: ops, executed FLOPs, the GEMM table against the model FLOPs,
 * --describe-model). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "error.h"
#include "kernels/kernels.h"
#include "kernels/plan.h"
#include "model.h"

static void cost(enum llmb_kernel_id id, int bwd, struct llmb_kshape s, double f, double b)
{
    double ff = -1, bb = -1;
    llmb_kernel_cost(id, bwd, &s, &ff, &bb);
    if (ff != f || bb != b)
        fail_msg("%s %s: flops %.0f bytes %.0f, expected %.0f %.0f", llmb_kernel_name(id),
                 bwd ? "bwd" : "fwd", ff, bb, f, b);
}

static void test_kernel_costs_gpt2_124m(void **state)
{
    /* qkv projection: 2*4096*768*2304 + bias 4096*2304 */
    struct llmb_kshape qkv = {.N = 4096, .C = 768, .OC = 2304, .bias = 1};
    cost(LLMB_K_MATMUL, 0, qkv, 14504951808.0,
         4.0 * (4096 * 768 + 2304 * 768 + 2304 + 4096 * 2304));
    /* backward: 4*N*C*OC + dbias; dout, inp, w read; dinp, dw, dbias read+written */
    cost(LLMB_K_MATMUL, 1, qkv, 29000466432.0,
         4.0 * (4096.0 * 2304 + 4096 * 768 + 2304 * 768 + 2 * 4096 * 768 + 2 * 2304 * 768 +
                2 * 2304));
    /* fc projection without bias, C=3072 -> 768 */
    struct llmb_kshape proj = {.N = 4096, .C = 3072, .OC = 768};
    cost(LLMB_K_MATMUL, 0, proj, 2.0 * 4096 * 3072 * 768,
         4.0 * (4096 * 3072 + 768 * 3072 + 4096 * 768));
    struct llmb_kshape ln = {.N = 4096, .C = 768};
    cost(LLMB_K_LAYERNORM, 0, ln, 25165824.0, 25204736.0);
    cost(LLMB_K_LAYERNORM, 1, ln, 14.0 * 4096 * 768,
         4.0 * (4 * 4096 * 768 + 5 * 768 + 2 * 4096));
    /* attention: 4*12*1024*1025/2 = 25190400 causal pairs, 4*64+5 FLOPs each */
    struct llmb_kshape att = {.B = 4, .T = 1024, .NH = 12, .KVH = 12, .HD = 64};
    cost(LLMB_K_ATTENTION, 0, att, 6574694400.0,
         4.0 * (4096.0 * 2304 + 4096 * 768 + 4.0 * 12 * 1024 * 1024));
    cost(LLMB_K_ATTENTION, 1, att, 25190400.0 * (8 * 64 + 4),
         4.0 * (4096.0 * 768 + 4096 * 2304 + 25190400 + 2 * 4096.0 * 2304));
    struct llmb_kshape gelu = {.n = 4096 * 3072};
    cost(LLMB_K_GELU, 0, gelu, 113246208.0, 100663296.0);
    cost(LLMB_K_GELU, 1, gelu, 20.0 * 12582912, 16.0 * 12582912);
    struct llmb_kshape res = {.n = 4096 * 768};
    cost(LLMB_K_RESIDUAL, 0, res, 3145728.0, 12.0 * 3145728);
    struct llmb_kshape xent = {.N = 4096, .V = 50257};
    cost(LLMB_K_SOFTMAX_XENT, 0, xent, 823414784.0, 4.0 * (2 * 4096.0 * 50257 + 2 * 4096));
    struct llmb_kshape enc = {.B = 4, .T = 1024, .C = 768, .pos = 1};
    cost(LLMB_K_ENCODER, 0, enc, 3145728.0, 4.0 * (4096 + 3 * 3145728.0));
    struct llmb_kshape adam = {.n = 124439808};
    cost(LLMB_K_ADAMW, 0, adam, 1991036928.0, 3484314624.0);
    assert_string_equal(llmb_kernel_name(LLMB_K_SOFTMAX_XENT), "softmax_xent");
}

static void test_params(void **state)
{
    struct llmb_model_config c;
    struct llmb_model_params p;
    /* published parameter counts (Hugging Face gpt2, gpt2-medium, gpt2-large, gpt2-xl) */
    const char *names[] = {"gpt2-124m", "gpt2-350m", "gpt2-774m", "gpt2-1.5b", "llama-7b"};
    const size_t total[] = {124439808, 354823168, 774030080, 1557611200, 6738415616};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(llmb_model_config_init(&c, names[i], 0, 0, 0), 0);
        llmb_model_count(&c, &p);
        if (p.total != total[i])
            fail_msg("%s: %zu parameters, expected %zu", names[i], p.total, total[i]);
    }
    /* gpt2-124m by hand: per layer 12 C^2 + 13 C = 7087872; final norm 2C; wte 50257*768,
     * wpe 1024*768 */
    assert_int_equal(llmb_model_config_init(&c, "gpt2-124m", 0, 0, 0), 0);
    llmb_model_count(&c, &p);
    assert_int_equal(p.per_layer, 7087872);
    assert_int_equal(p.embedding, 38597376 + 786432);
    assert_int_equal(p.non_embedding, 12 * 7087872 + 1536);
    assert_int_equal(p.flops_params, 12 * 7087872 + 1536 + 38597376);
    /* 6N + 12 L H Q T = 6*123653376 + 12*12*12*64*1024 */
    assert_true(llmb_model_flops_per_token(&c) == 741920256.0 + 113246208.0);
    assert_true(llmb_model_flops_per_step(&c) == (741920256.0 + 113246208.0) * 4 * 1024);
    /* --layers 2 --seq 64: the accounting follows the layers actually run */
    assert_int_equal(llmb_model_config_init(&c, "gpt2-124m", 2, 4, 64), 0);
    assert_true(llmb_model_flops_per_token(&c) == 6.0 * (2 * 7087872 + 1536 + 38597376) +
                                                       12.0 * 2 * 12 * 64 * 64);
    struct llmb_model_memory m;
    llmb_model_memory(&c, &m);
    llmb_model_count(&c, &p);
    assert_true(m.weights_bytes == 4.0 * p.total && m.adamw_bytes == 8.0 * p.total);
    /* llama-70b: GQA qkv width C + 2*8*128 */
    assert_int_equal(llmb_model_config_init(&c, "llama-70b", 0, 0, 0), 0);
    assert_int_equal(llmb_model_qkv_dim(&c), 8192 + 2 * 8 * 128);
    llmb_model_count(&c, &p);
    assert_true(p.total > 68900000000ULL && p.total < 69100000000ULL); /* 68.98e9 */
}

/* what bench/train.c executed_flops_micro() computed before the plan existed, call by call as
 * kernels/gpt.c made them: the plan's count must stay equal to it */
static double kcost(enum llmb_kernel_id id, int bwd, struct llmb_kshape s)
{
    double f = 0;
    llmb_kernel_cost(id, bwd, &s, &f, NULL);
    return f;
}

static double executed_flops_before(const struct llmb_model_config *c)
{
    int B = c->batch, T = c->seq, C = c->d_model, N = B * T, llama = c->llama;
    int Q = llmb_model_qkv_dim(c), Ffc = llmb_model_fc_dim(c), F = c->d_ff, V = c->vocab;
    enum llmb_kernel_id norm = llama ? LLMB_K_RMSNORM : LLMB_K_LAYERNORM;
    struct llmb_kshape nc = {.N = N, .C = C};
    struct llmb_kshape att = {.B = B, .T = T, .NH = c->heads, .KVH = c->kv_heads,
                              .HD = c->head_dim};
    struct llmb_kshape res = {.n = (size_t)N * C};
    struct llmb_kshape mm[4] = {{.N = N, .C = C, .OC = Q, .bias = !llama},
                                {.N = N, .C = C, .OC = C, .bias = !llama},
                                {.N = N, .C = C, .OC = Ffc, .bias = !llama},
                                {.N = N, .C = F, .OC = C, .bias = !llama}};
    struct llmb_kshape act = llama ? (struct llmb_kshape){.N = N, .F = F}
                                   : (struct llmb_kshape){.n = (size_t)N * F};
    enum llmb_kernel_id actk = llama ? LLMB_K_SWIGLU : LLMB_K_GELU;
    double layer = 0;
    for (int bwd = 0; bwd < 2; bwd++) {
        layer += 2 * kcost(norm, bwd, nc) + kcost(LLMB_K_ATTENTION, bwd, att) +
                 kcost(actk, bwd, act) + (llama ? kcost(LLMB_K_ROPE, bwd, att) : 0);
        for (int i = 0; i < 4; i++)
            layer += kcost(LLMB_K_MATMUL, bwd, mm[i]);
    }
    layer += 2 * kcost(LLMB_K_RESIDUAL, 0, res);
    struct llmb_kshape enc = {.B = B, .T = T, .C = C, .pos = !llama};
    struct llmb_kshape head = {.N = N, .C = C, .OC = V};
    struct llmb_kshape xent = {.N = N, .V = V};
    double rest = 0;
    for (int bwd = 0; bwd < 2; bwd++)
        rest += kcost(LLMB_K_ENCODER, bwd, enc) + kcost(norm, bwd, nc) +
                kcost(LLMB_K_MATMUL, bwd, head) + kcost(LLMB_K_SOFTMAX_XENT, bwd, xent);
    return layer * c->layers + rest;
}

/* the ops of a gpt2 step, in execution order */
static void test_plan_ops(void **state)
{
    struct llmb_model_config c;
    struct llmb_plan p;
    assert_int_equal(llmb_model_config_init(&c, "gpt2-124m", 0, 4, 64), 0);
    assert_int_equal(llmb_plan_build(&p, &c), 0);
    const char *want[] = {
        "embedding", "ln_1", "qkv", "attention", "attn_out", "residual_1", "ln_2", "fc", "gelu",
        "fc_proj", "residual_2", "ln_f", "lm_head", "softmax_xent",           /* forward */
        "softmax_xent", "lm_head", "ln_f", "fc_proj", "gelu", "fc", "ln_2", "attn_out",
        "attention", "qkv", "ln_1", "embedding",                              /* backward */
        "adamw"};
    int n = (int)(sizeof want / sizeof want[0]);
    assert_int_equal(p.nop, n);
    for (int i = 0; i < n; i++) {
        assert_string_equal(p.op[i].name, want[i]);
        assert_int_equal(p.op[i].bwd, i >= 14 && i < 26);
        assert_true(p.op[i].count == (p.op[i].layer ? 12.0 : 1.0));
    }
    assert_int_equal(p.op[2].kernel, LLMB_K_MATMUL);
    assert_int_equal(p.op[2].shape.OC, 2304);
    assert_int_equal(p.op[2].shape.N, 256);
    assert_int_equal(p.op[26].shape.n, 124439808);
    /* the GEMM table: projections first, as sgemm is called */
    assert_string_equal(p.gemm[0].name, "qkv.fwd");
    assert_int_equal(p.gemm[0].m, 256);
    assert_int_equal(p.gemm[0].n, 2304);
    assert_int_equal(p.gemm[0].k, 768);
    assert_true(p.gemm[0].count == 12 && p.gemm[0].ta == 0 && p.gemm[0].tb == 1);
    assert_string_equal(p.gemm[1].name, "qkv.bwd_data");
    assert_true(p.gemm[1].ta == 0 && p.gemm[1].tb == 0 && p.gemm[1].k == 2304);
    assert_string_equal(p.gemm[2].name, "qkv.bwd_weight");
    assert_true(p.gemm[2].ta == 1 && p.gemm[2].tb == 0);
    assert_int_equal(p.gemm[2].m, 2304);
    assert_int_equal(p.gemm[2].k, 256);
    assert_string_equal(p.gemm[14].name, "lm_head.bwd_weight");
    struct llmb_kshape gs = llmb_plan_gemm_shape(&p.gemm[2]);
    double f;
    llmb_kernel_cost(LLMB_K_GEMM, 0, &gs, &f, NULL);
    assert_true(f * p.gemm[2].count == p.gemm[2].flops && gs.ta == 1 && gs.tb == 0);
    assert_int_equal(p.ngemm, 15 + 6);
    for (int i = 0; i < p.ngemm; i++)
        assert_int_equal(p.gemm[i].in_kernel, i >= 15);
    llmb_plan_free(&p);

    /* llama: rope after qkv, swiglu; no residual backward anywhere */
    assert_int_equal(llmb_model_config_init(&c, "llama-1b", 2, 1, 128), 0);
    assert_int_equal(llmb_plan_build(&p, &c), 0);
    assert_string_equal(p.op[1].name, "rmsnorm_1");
    assert_string_equal(p.op[3].name, "rope");
    assert_int_equal(p.op[3].kernel, LLMB_K_ROPE);
    for (int i = 0; i < p.nop; i++)
        assert_false(p.op[i].bwd && p.op[i].kernel == LLMB_K_RESIDUAL);
    llmb_plan_free(&p);
}

/* the plan's executed FLOPs are what the train phase counted before it; its GEMM table adds up
 * to the model FLOPs (PaLM, full T x T attention) less the 6 x tokens x (biases and norm
 * weights) that PaLM's N holds and no GEMM multiplies */
static void test_plan_flops(void **state)
{
    const char *names[] = {"tiny", "gpt2-124m", "gpt2-1.5b", "llama-1b", "llama-70b"};
    for (int i = 0; i < 5; i++) {
        struct llmb_model_config c;
        struct llmb_plan p;
        assert_int_equal(llmb_model_config_init(&c, names[i], i == 4 ? 2 : 0, 2, 64), 0);
        assert_int_equal(llmb_plan_build(&p, &c), 0);
        double ex = llmb_plan_executed_flops(&p), before = executed_flops_before(&c);
        if (ex != before)
            fail_msg("%s: plan executes %.17g FLOPs, train counted %.17g", names[i], ex, before);

        struct llmb_model_params pc;
        llmb_model_count(&c, &pc);
        double C = c.d_model, V = c.vocab; /* every weight matrix once, the LM head included */
        double matrices = c.layers * ((double)llmb_model_qkv_dim(&c) * C + C * C +
                               (double)llmb_model_fc_dim(&c) * C + (double)c.d_ff * C) + V * C;
        double vectors = (double)pc.flops_params - matrices, tokens = (double)c.batch * c.seq;
        double model = llmb_model_flops_per_step(&c), gemm = llmb_plan_gemm_flops(&p);
        if (gemm != model - 6.0 * tokens * vectors)
            fail_msg("%s: GEMM table %.17g, model FLOPs %.17g less 6 x %g tokens x %g vector "
                     "parameters = %.17g", names[i], gemm, model, tokens, vectors,
                     model - 6.0 * tokens * vectors);
        if (i > 0 && !(fabs(gemm - model) <= 1.5e-3 * model)) /* tiny: C = 32, biases weigh */
            fail_msg("%s: GEMM table %.6g vs model FLOPs %.6g", names[i], gemm, model);
        llmb_plan_free(&p);
    }
}

static void test_describe_and_errors(void **state)
{
    struct llmb_model_config c;
    char buf[256];
    llmb_error_capture(buf, sizeof buf);
    assert_int_equal(llmb_model_config_init(&c, "gpt9", 0, 0, 0), -1);
    assert_non_null(strstr(buf, "gpt9"));
    assert_int_equal(llmb_model_config_init(&c, "gpt2-124m", 13, 0, 0), -1);
    assert_non_null(strstr(buf, "--layers 13"));
    assert_int_equal(llmb_model_config_init(&c, "gpt2-124m", 0, 0, 2048), -1);
    assert_non_null(strstr(buf, "--seq 2048"));
    FILE *f = tmpfile();
    assert_int_equal(llmb_describe_model(f, "gpt2-124m", 0, 0, 0), 0);
    assert_int_equal(llmb_describe_model(f, "nope", 0, 0, 0), 2);
    rewind(f);
    char text[16384];
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = 0;
    fclose(f);
    assert_non_null(strstr(text, "124439808"));
    assert_non_null(strstr(text, "85056000"));
    assert_non_null(strstr(text, "lm_head.bwd_weight"));
    assert_non_null(strstr(text, "attn_scores.bwd_k"));
    llmb_error_capture(NULL, 0);
    assert_non_null(llmb_model_find("tiny"));
    assert_null(llmb_model_find("gpt2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel_costs_gpt2_124m),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_plan_ops),
        cmocka_unit_test(test_plan_flops),
        cmocka_unit_test(test_describe_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
