/* tests/kernels/test_math.c - the per-element arithmetic of kernels/math.h (run by the CPU
 * backend here and by the CUDA backend's kernels on a GPU) against the reference formulas of
 * kernels/ref/ref.c evaluated in double; bf16 rounding exactly, on chosen bit patterns (ties,
 * NaN, infinities, overflow, subnormals) and on every bf16 value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kernels/math.h"

#define GK 0.79788456080286535588 /* sqrt(2/pi) */

static double gelu_d(double x) { return 0.5 * x * (1.0 + tanh(GK * (x + 0.044715 * x * x * x))); }

/* x in [lo, hi] at n + 1 evenly spaced points, plus the ends */
#define SWEEP(x, lo, hi, n) for (int i_ = 0; i_ <= (n); i_++) for (float x = (float)((lo) + ((hi) - (lo)) * (double)i_ / (n)), once_ = 1; once_; once_ = 0)

static void test_expf(void **state)
{
    (void)state;
    double worst = 0;
    SWEEP(x, -86.0, 87.0, 200000) {
        double e = fabs(llmb_expf(x) - exp((double)x)) / exp((double)x);
        worst = e > worst ? e : worst;
    }
    assert_true(worst < 3e-7);
    assert_true(llmb_expf(-1000.0f) > 0.0f);      /* clamped, never 0 or NaN */
    assert_true(isfinite(llmb_expf(1000.0f)));
}

static void test_tanhf(void **state)
{
    (void)state;
    double worst = 0;
    SWEEP(x, -20.0, 20.0, 200000) {
        double e = fabs(llmb_tanhf(x) - tanh((double)x));
        worst = e > worst ? e : worst;
    }
    assert_true(worst < 2e-7);
}

static void test_gelu(void **state)
{
    (void)state;
    double worst = 0, worst_g = 0, worst_fd = 0;
    SWEEP(x, -8.0, 8.0, 100000) {
        double xd = x, th = tanh(GK * (xd + 0.044715 * xd * xd * xd));
        double g = 0.5 * (1 + th) + 0.5 * xd * (1 - th * th) * GK * (1 + 3 * 0.044715 * xd * xd);
        double e = fabs(llmb_gelu(x) - gelu_d(xd)) / (1 + fabs(xd));
        double eg = fabs(llmb_gelu_grad(x) - g);
        double fd = (gelu_d(xd + 1e-6) - gelu_d(xd - 1e-6)) / 2e-6; /* the derivative itself */
        worst = e > worst ? e : worst;
        worst_g = eg > worst_g ? eg : worst_g;
        worst_fd = fabs(g - fd) > worst_fd ? fabs(g - fd) : worst_fd;
    }
    assert_true(worst < 1e-7);
    assert_true(worst_g < 5e-6);
    assert_true(worst_fd < 1e-6);
}

static void test_swiglu(void **state)
{
    (void)state;
    SWEEP(g, -10.0, 10.0, 4000) {
        float u = 0.75f - g / 16, dy = 0.3f + g / 40, dg, du;
        double gd = g, sg = 1 / (1 + exp(-gd));
        assert_true(fabs(llmb_swiglu(g, u) - gd * sg * u) < 1e-6 * (1 + fabs(gd * u)));
        llmb_swiglu_grad(g, u, dy, &dg, &du);
        assert_true(fabs(dg - dy * u * (sg + gd * sg * (1 - sg))) < 1e-6);
        assert_true(fabs(du - dy * gd * sg) < 1e-6 * (1 + fabs(gd)));
        assert_true(fabs(llmb_sigmoid(g) - sg) < 2e-7);
    }
}

static void test_norm(void **state)
{
    (void)state;
    int Cs[] = {1, 7, 768, 8192};
    for (size_t k = 0; k < sizeof Cs / sizeof Cs[0]; k++)
        SWEEP(ss, 0.0, 1e4, 997) {
            double ref = 1.0 / sqrt((double)ss / Cs[k] + 1e-5);
            assert_true(fabs(llmb_norm_rstd(ss, Cs[k]) - ref) / ref < 3e-7);
        }
    /* the layernorm backward of one element, the reference's formula */
    assert_true(fabs(llmb_norm_dx(2.0f, 0.5f, 0.125f, -1.5f, 0.25f) - 2.0 * (0.5 - 0.125 + 1.5 * 0.25)) < 1e-7);
    /* the RMSNorm form (gm = 0, gxm = mean(g x) r): r g - x r^3 mean(g x) */
    float r = 0.8f, g = 0.3f, x = -1.2f, mgx = 0.05f;
    assert_true(fabs(llmb_norm_dx(r, g, 0.0f, x * r, mgx * r) - (r * g - x * r * r * r * mgx)) < 1e-7);
}

static void test_xent(void **state)
{
    (void)state;
    float x[5] = {1.5f, -2.0f, 0.25f, 3.0f, -0.5f};
    float mx = 3.0f, sum = 0;
    double sd = 0;
    for (int v = 0; v < 5; v++) {
        sum += llmb_expf(x[v] - mx);
        sd += exp((double)x[v] - mx);
    }
    for (int t = 0; t < 5; t++) {
        double ref = -(x[t] - mx - log(sd)); /* -log softmax(x)[t] */
        assert_true(fabs(llmb_xent_loss(sum, x[t], mx) - ref) < 1e-6);
    }
    assert_true(llmb_xent_grad(0.25f, 0, 0.5f) == 0.125f);
    assert_true(llmb_xent_grad(0.25f, 1, 0.5f) == -0.375f);
}

static void test_adamw(void **state)
{
    (void)state;
    float p = 0.5f, m = 0.01f, v = 0.002f;
    double pd = p, md = m, vd = v;
    const float lr = 1e-3f, b1 = 0.9f, b2 = 0.95f, eps = 1e-8f, wd = 0.1f;
    for (int t = 1; t <= 50; t++) {
        float g = (float)sin(t * 0.7) * 0.3f;
        float bc1 = llmb_adamw_bias_correction(b1, t), bc2 = llmb_adamw_bias_correction(b2, t);
        assert_true(fabs(bc1 - 1 / (1 - pow(b1, t))) / bc1 < 1e-7);
        llmb_adamw_update(&p, &m, &v, g, lr, b1, b2, eps, wd, bc1, bc2);
        md = b1 * md + (1 - (double)b1) * g;
        vd = b2 * vd + (1 - (double)b2) * g * g;
        pd = pd - lr * ((md / (1 - pow(b1, t))) / (sqrt(vd / (1 - pow(b2, t))) + eps) + wd * pd);
    }
    assert_true(fabs(p - pd) < 1e-6);
    assert_true(fabs(m - md) < 1e-7 && fabs(v - vd) < 1e-8);
}

static void test_rope(void **state)
{
    (void)state;
    const int HD = 64;
    for (int t = 0; t < 4096; t += 37)
        for (int i = 0; i < HD / 2; i++) {
            double th = llmb_rope_theta(t, i, HD, 1.0);
            assert_true(th == t * pow(10000.0, -2.0 * i / HD));
            assert_true(llmb_rope_theta(t, i, HD, -1.0) == -th);
            float x0 = 0.3f + i * 0.01f, x1 = -0.7f + t * 1e-4f, a = x0, b = x1;
            float c = (float)cos(th), s = (float)sin(th);
            llmb_rope_rotate(&a, &b, c, s);
            assert_true(fabs(a - (x0 * cos(th) - x1 * sin(th))) < 3e-7);
            assert_true(fabs(b - (x0 * sin(th) + x1 * cos(th))) < 3e-7);
            llmb_rope_rotate(&a, &b, c, -s); /* the backward: the inverse rotation */
            assert_true(fabs(a - x0) < 5e-7 && fabs(b - x1) < 5e-7);
        }
}

static uint16_t bf(uint32_t bits) { return llmb_bf16_from_float(llmb_bits_float(bits)); }

static void test_bf16_patterns(void **state)
{
    (void)state;
    assert_int_equal(bf(0x3f800000u), 0x3f80); /* 1.0 exact */
    assert_int_equal(bf(0x3f808000u), 0x3f80); /* tie, even below: down */
    assert_int_equal(bf(0x3f818000u), 0x3f82); /* tie, odd below: up to even */
    assert_int_equal(bf(0x3f808001u), 0x3f81); /* just above the tie: up */
    assert_int_equal(bf(0x3f807fffu), 0x3f80); /* just below: down */
    assert_int_equal(bf(0xbf818000u), 0xbf82); /* negative tie: magnitude to even */
    assert_int_equal(bf(0x3fff8000u), 0x4000); /* carry into the exponent */
    assert_int_equal(bf(0x00000000u), 0x0000);
    assert_int_equal(bf(0x80000000u), 0x8000); /* -0 keeps its sign */
    assert_int_equal(bf(0x00000001u), 0x0000); /* smallest subnormal: to 0 */
    assert_int_equal(bf(0x00018000u), 0x0002); /* subnormal tie, odd: up */
    assert_int_equal(bf(0x7f800000u), 0x7f80); /* +inf */
    assert_int_equal(bf(0xff800000u), 0xff80); /* -inf */
    assert_int_equal(bf(0x7f7fffffu), 0x7f80); /* FLT_MAX overflows to inf (IEEE rounding) */
    assert_int_equal(bf(0x7f7f7fffu), 0x7f7f); /* largest value that stays finite */
    assert_int_equal(bf(0x7fc00000u), 0x7fc0); /* quiet NaN */
    assert_int_equal(bf(0xffc00001u), 0xffc0); /* negative NaN keeps its sign */
    assert_int_equal(bf(0x7f800001u), 0x7fc0); /* signalling NaN, payload in the low bits only:
                                                  quieted, never an inf */
    assert_int_equal(bf(0x7fffffffu), 0x7fff); /* all-ones NaN: no carry into the sign */
    assert_true(isnan(llmb_bf16_to_float(bf(0x7f800001u))));
    assert_true(llmb_bf16_to_float(0x3f80) == 1.0f);
    assert_true(llmb_bf16_to_float(0xc049) == llmb_bits_float(0xc0490000u)); /* -3.140625 */
    assert_true(llmb_bf16_to_float(0xc049) == -3.140625f);
}

/* every bf16 value goes through float and back unchanged (NaNs stay NaNs); the rounding of
 * random floats is the nearest bf16 (checked against both neighbours) */
static void test_bf16_all(void **state)
{
    (void)state;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = llmb_bf16_to_float((uint16_t)h);
        uint16_t back = llmb_bf16_from_float(f);
        if (isnan(f))
            assert_true(isnan(llmb_bf16_to_float(back)));
        else
            assert_int_equal(back, h);
    }
    uint64_t s = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 200000; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        uint32_t u = (uint32_t)(s >> 32) & 0x7f7effffu; /* finite, positive, its upper
                                                         neighbour finite too */
        float f = llmb_bits_float(u);
        uint16_t h = llmb_bf16_from_float(f);
        double r = llmb_bf16_to_float(h), lo = llmb_bf16_to_float((uint16_t)(u >> 16)),
               hi = llmb_bf16_to_float((uint16_t)((u >> 16) + 1));
        assert_true(r == lo || r == hi);
        assert_true(fabs(r - f) <= fabs((r == lo ? hi : lo) - f));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expf),          cmocka_unit_test(test_tanhf),
        cmocka_unit_test(test_gelu),          cmocka_unit_test(test_swiglu),
        cmocka_unit_test(test_norm),          cmocka_unit_test(test_xent),
        cmocka_unit_test(test_adamw),         cmocka_unit_test(test_rope),
        cmocka_unit_test(test_bf16_patterns), cmocka_unit_test(test_bf16_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
