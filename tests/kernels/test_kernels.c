/* tests/kernels/test_kernels.c - every CPU kernel, forward and backward, against its naive
 * reference on random shapes, odd sizes included; the memory kernels (copy, scale, triad)
 * exactly; and the validator catches a wrong kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernels/kernels.h"
#include "kernels/math.h"
#include "util.h"

static uint64_t seed = 12345;

static void check(enum llmb_kernel_id id, const struct llmb_kshape *s)
{
    for (int bwd = 0; bwd < 2; bwd++) {
        if ((id == LLMB_K_ADAMW || id == LLMB_K_GEMM || id == LLMB_K_COPY ||
             id == LLMB_K_SCALE || id == LLMB_K_TRIAD) && bwd)
            continue;
        double err = -1;
        assert_int_equal(llmb_kernel_validate(&llmb_kernels_cpu, id, bwd, s, seed++, &err), 0);
        if (!(err < LLMB_KERNEL_TOL))
            fail_msg("%s %s B=%d T=%d C=%d OC=%d NH=%d KVH=%d HD=%d F=%d V=%d n=%zu: rel L2 %g",
                     llmb_kernel_name(id), bwd ? "bwd" : "fwd", s->B, s->T, s->C, s->OC, s->NH,
                     s->KVH, s->HD, s->F, s->V, s->n, err);
    }
}

/* random size in [lo, hi] */
static int rnd(uint64_t *st, int lo, int hi)
{
    return lo + (int)(llmb_splitmix64(st) % (uint64_t)(hi - lo + 1));
}

static void test_encoder(void **state)
{
    uint64_t st = 1;
    for (int r = 0; r < 6; r++) {
        struct llmb_kshape s = {.B = rnd(&st, 1, 3), .T = rnd(&st, 1, 17), .C = rnd(&st, 1, 70),
                                .V = rnd(&st, 1, 13), .pos = r & 1};
        check(LLMB_K_ENCODER, &s);
    }
}

static void test_norms(void **state)
{
    uint64_t st = 2;
    for (int r = 0; r < 6; r++) {
        struct llmb_kshape s = {.N = rnd(&st, 1, 37), .C = rnd(&st, 1, 131)};
        check(LLMB_K_LAYERNORM, &s);
        check(LLMB_K_RMSNORM, &s);
    }
}

static void test_matmul(void **state)
{
    uint64_t st = 3;
    for (int r = 0; r < 8; r++) {
        struct llmb_kshape s = {.N = rnd(&st, 1, 45), .C = rnd(&st, 1, 77),
                                .OC = rnd(&st, 1, 91), .bias = r & 1};
        check(LLMB_K_MATMUL, &s);
    }
    struct llmb_kshape big = {.N = 64, .C = 768, .OC = 97, .bias = 1}; /* long K */
    check(LLMB_K_MATMUL, &big);
}

static void test_gemm(void **state)
{
    uint64_t st = 7;
    for (int r = 0; r < 8; r++) { /* every transpose combination, odd sizes */
        struct llmb_kshape s = {.N = rnd(&st, 1, 300), .C = rnd(&st, 1, 70),
                                .OC = rnd(&st, 1, 300), .ta = r & 1, .tb = (r >> 1) & 1};
        check(LLMB_K_GEMM, &s);
    }
}

static void test_attention(void **state)
{
    uint64_t st = 4;
    for (int r = 0; r < 6; r++) {
        int kvh = rnd(&st, 1, 3), grp = rnd(&st, 1, 3);
        struct llmb_kshape s = {.B = rnd(&st, 1, 3), .T = rnd(&st, 1, 19), .NH = kvh * grp,
                                .KVH = kvh, .HD = 2 * rnd(&st, 1, 9)};
        check(LLMB_K_ATTENTION, &s);
        check(LLMB_K_ROPE, &s);
    }
    struct llmb_kshape s = {.B = 1, .T = 33, .NH = 3, .KVH = 3, .HD = 7}; /* odd head dim */
    check(LLMB_K_ATTENTION, &s);
}

static void test_elementwise(void **state)
{
    uint64_t st = 5;
    for (int r = 0; r < 5; r++) {
        struct llmb_kshape s = {.n = (size_t)rnd(&st, 1, 100000), .N = rnd(&st, 1, 29),
                                .F = rnd(&st, 1, 83)};
        check(LLMB_K_RESIDUAL, &s);
        check(LLMB_K_GELU, &s);
        check(LLMB_K_SWIGLU, &s);
        check(LLMB_K_ADAMW, &s);
    }
}

static void test_softmax_xent(void **state)
{
    uint64_t st = 6;
    for (int r = 0; r < 5; r++) {
        struct llmb_kshape s = {.N = rnd(&st, 1, 21), .V = rnd(&st, 1, 1000)};
        check(LLMB_K_SOFTMAX_XENT, &s);
    }
}

/* copy, scale, triad: against the reference, and bit-exact where the result is known */
static void test_memory(void **state)
{
    uint64_t st = 8;
    for (int r = 0; r < 5; r++) {
        struct llmb_kshape s = {.n = (size_t)rnd(&st, 1, 300000)};
        check(LLMB_K_COPY, &s);
        check(LLMB_K_SCALE, &s);
        check(LLMB_K_TRIAD, &s);
    }
    const struct llmb_kernels *ks[2] = {&llmb_kernels_cpu, &llmb_kernels_ref};
    for (int b = 0; b < 2; b++) {
        const struct llmb_kernels *k = ks[b];
        size_t n = 100003;
        float *a = k->alloc(n * 4), *x = k->alloc(n * 4), *y = k->alloc(n * 4);
        float *h = malloc(n * 4), *back = malloc(n * 4);
        assert_true(a && x && y && h && back);
        for (size_t i = 0; i < n; i++)
            h[i] = 1.0f;
        k->to_device(x, h, n * 4);
        for (size_t i = 0; i < n; i++)
            h[i] = 2.0f;
        k->to_device(y, h, n * 4);
        k->triad(a, x, y, 3.0f, n); /* every element 1 + 3*2 = 7 */
        k->to_host(back, a, n * 4);
        for (size_t i = 0; i < n; i++)
            if (back[i] != 7.0f)
                fail_msg("%s triad: element %zu is %g, not 7", k->name, i, back[i]);
        uint64_t rs = 9;
        llmb_fill_uniform(h, n, -3, 3, &rs);
        k->to_device(x, h, n * 4);
        k->copy(a, x, n);
        k->scale(a, n, 0.125f); /* a power of two: exact */
        k->to_host(back, a, n * 4);
        for (size_t i = 0; i < n; i++)
            if (back[i] != h[i] * 0.125f)
                fail_msg("%s copy + scale: element %zu is %g, not %g", k->name, i, back[i],
                         h[i] * 0.125f);
        k->copy(a, x, 0); /* empty: nothing */
        k->scale(a, 0, 2.0f);
        k->free(a);
        k->free(x);
        k->free(y);
        free(h);
        free(back);
    }
    double f, by;
    struct llmb_kshape s = {.n = 1000};
    llmb_kernel_cost(LLMB_K_TRIAD, 0, &s, &f, &by);
    assert_true(f == 2000 && by == 12000); /* 12 bytes per element */
    llmb_kernel_cost(LLMB_K_SCALE, 0, &s, &f, &by);
    assert_true(f == 1000 && by == 8000);
    llmb_kernel_cost(LLMB_K_COPY, 0, &s, &f, &by);
    assert_true(f == 0 && by == 8000);
    assert_string_equal(llmb_kernel_name(LLMB_K_TRIAD), "triad");
}

/* the random streams of the kernels' inputs: llmb_splitmix64 from lib/util.c, the same numbers
 * as the generator kernels/validate.c had of its own before */
static void test_random_stream(void **state)
{
    uint64_t st = 42, mine = 42;
    for (int i = 0; i < 1000; i++) {
        uint64_t z = (mine += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        assert_true(llmb_splitmix64(&st) == (z ^ (z >> 31)));
    }
    float x[3];
    st = 1;
    llmb_fill_uniform(x, 3, 0, 1, &st);
    st = 1;
    for (int i = 0; i < 3; i++)
        assert_true(x[i] == (float)((llmb_splitmix64(&st) >> 40) * (1.0 / 16777216.0)));
}

/* A validator that cannot fail is no validator: a kernel with an off-by-one bug is caught. */
static void bad_gelu(float *out, const float *inp, size_t n)
{
    llmb_kernels_cpu.gelu_forward(out, inp, n);
    out[n / 2] += 0.5f;
}

static void bad_attention(float *out, float *att, const float *qkv, int B, int T, int NH,
                          int KVH, int HD)
{ /* not causal: attends one step into the future on the last row of one head */
    llmb_kernels_cpu.attention_forward(out, att, qkv, B, T, NH, KVH, HD);
    out[(size_t)(T - 2) * NH * HD] += 0.01f;
}

static void test_validator_catches(void **state)
{
    struct llmb_kernels bad = llmb_kernels_cpu;
    bad.gelu_forward = bad_gelu;
    bad.attention_forward = bad_attention;
    double err = 0;
    struct llmb_kshape s = {.n = 1000};
    assert_int_equal(llmb_kernel_validate(&bad, LLMB_K_GELU, 0, &s, 1, &err), 0);
    assert_true(err > LLMB_KERNEL_TOL);
    struct llmb_kshape a = {.B = 1, .T = 8, .NH = 2, .KVH = 2, .HD = 4};
    assert_int_equal(llmb_kernel_validate(&bad, LLMB_K_ATTENTION, 0, &a, 1, &err), 0);
    assert_true(err > LLMB_KERNEL_TOL);
    /* and the relative L2 measure itself */
    float x[4] = {1, 2, 3, 4}, y[4] = {1, 2, 3, 4.4f};
    assert_true(llmb_rel_l2(x, x, 4) == 0.0);
    assert_true(llmb_rel_l2(y, x, 4) > 0.07 && llmb_rel_l2(y, x, 4) < 0.08);
}

/* a CPU GEMM that rounds its operands to bf16 first, as the cuda table's GEMMs do */
static void round_bf16(float *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = llmb_bf16_to_float(llmb_bf16_from_float(src[i]));
}

static void bf16_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                      const float *B, int ldb, float beta, float *C, int ldc)
{
    size_t na = (size_t)(ta ? K : M) * lda, nb = (size_t)(tb ? N : K) * ldb;
    float *a = malloc(na * sizeof *a), *b = malloc(nb * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    round_bf16(a, A, na);
    round_bf16(b, B, nb);
    llmb_kernels_ref.gemm(ta, tb, M, N, K, alpha, a, lda, b, ldb, beta, C, ldc);
    free(a);
    free(b);
}

/* A table labelled bf16 is validated on bf16-representable inputs: its error is then its
 * arithmetic alone (here none beyond fp32); labelled fp32, the same GEMM shows its input
 * rounding (about 2^-9). */
static void test_validator_upcasts_bf16(void **state)
{
    (void)state;
    struct llmb_kernels t = llmb_kernels_cpu;
    t.gemm = bf16_gemm;
    struct llmb_kshape s = {.N = 16, .C = 96, .OC = 40};
    double err_bf16 = 1, err_fp32 = 0;
    t.precision = "bf16";
    assert_int_equal(llmb_kernel_validate(&t, LLMB_K_GEMM, 0, &s, 7, &err_bf16), 0);
    t.precision = "fp32";
    assert_int_equal(llmb_kernel_validate(&t, LLMB_K_GEMM, 0, &s, 7, &err_fp32), 0);
    assert_true(err_bf16 < 1e-6);
    assert_true(err_fp32 > 3e-4 && err_fp32 < 2e-2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoder),     cmocka_unit_test(test_norms),
        cmocka_unit_test(test_matmul),      cmocka_unit_test(test_gemm),
        cmocka_unit_test(test_attention),   cmocka_unit_test(test_validator_upcasts_bf16),
        cmocka_unit_test(test_elementwise), cmocka_unit_test(test_softmax_xent),
        cmocka_unit_test(test_memory),      cmocka_unit_test(test_random_stream),
        cmocka_unit_test(test_validator_catches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
