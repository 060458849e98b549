/* kernels/math.h - the per-element arithmetic of the kernels, shared by the CPU backend
 * (kernels/cpu/cpu.c) and the CUDA backend (kernels/cuda/cuda.cu), so that what a GPU computes
 * for one element is the very code the CPU tests exercise (tests/kernels/test_math.c compares
 * each function with the reference formulas of kernels/ref/ref.c).  Only the launch geometry and
 * the memory movement of the CUDA kernels stay untested without a device.
 *
 * Every function is `static inline`, and `__host__ __device__` under nvcc (LLMB_HD).  fp32
 * throughout; all results are fp32 unless stated.  No libm calls but sqrtf and logf (both exist
 * on the device), so a GPU and a CPU run the same operations in the same order.  (nvcc and gcc
 * may still contract a*b+c into one fused multiply-add differently: results may differ in the
 * last bit, never more.) */
#ifndef LLMB_KERNELS_MATH_H
#define LLMB_KERNELS_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#ifdef __CUDACC__
#define LLMB_HD static __host__ __device__ __forceinline__
#else
#define LLMB_HD static inline __attribute__((always_inline))
#endif

#define LLMB_NORM_EPS 1e-5f             /* layernorm and RMSNorm epsilon */
#define LLMB_GELU_K 0.7978845608028654f /* sqrt(2/pi) */
#define LLMB_GELU_C 0.044715f
#define LLMB_ROPE_BASE 10000.0

/* ---- bit casts (a plain copy the vectorizer understands; an intrinsic on the device) ---- */

LLMB_HD float llmb_bits_float(uint32_t u)
{
#ifdef __CUDA_ARCH__
    return __uint_as_float(u);
#else
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
#endif
}

LLMB_HD uint32_t llmb_float_bits(float f)
{
#ifdef __CUDA_ARCH__
    return __float_as_uint(f);
#else
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
#endif
}

/* ---- exp and tanh as plain arithmetic ----
 * exp: x = n ln2 + r, |r| <= ln2/2, e^r by its degree-6 Taylor polynomial, 2^n through the
 * exponent bits; x clamped to [-87, 88]; relative error < 3e-7 (2.5e-7 measured).  tanh(u) = 1 - 2/(e^(2u) + 1),
 * |u| clamped to 9 (tanh 9 = 1 - 3e-8); absolute error < 2e-7 (1.9e-7 measured).  (On the CPU glibc's expf is a
 * scalar call that blocks vectorization; on the GPU these cost about what __expf does and give
 * the same bits as the CPU.) */
LLMB_HD float llmb_expf(float x)
{
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    float t = x * 1.44269504088896341f;
    float n = (t + 12582912.0f) - 12582912.0f; /* round to nearest */
    float r = x - n * 0.693145751953125f;      /* ln2 split in two for precision */
    r = r - n * 1.428606765330187045e-06f;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 +
                                                                              r * (1.0f / 720))))));
    return p * llmb_bits_float((uint32_t)((int32_t)n + 127) << 23);
}

LLMB_HD float llmb_tanhf(float x)
{
    x = x < -9.0f ? -9.0f : x;
    x = x > 9.0f ? 9.0f : x;
    return 1.0f - 2.0f / (llmb_expf(2.0f * x) + 1.0f);
}

/* ---- GELU, tanh approximation: 0.5 x (1 + tanh(k (x + c x^3))) and its derivative ----
 * absolute error against the formula in double: gelu < 1e-7 (1 + |x|), gelu_grad < 5e-6 on
 * [-8, 8] (3.7e-6 measured near |x| = 8, where x (1 - tanh^2) magnifies tanh's error) */

LLMB_HD float llmb_gelu(float x)
{
    return 0.5f * x * (1.0f + llmb_tanhf(LLMB_GELU_K * (x + LLMB_GELU_C * x * x * x)));
}

LLMB_HD float llmb_gelu_grad(float x)
{
    float th = llmb_tanhf(LLMB_GELU_K * (x + LLMB_GELU_C * x * x * x));
    return 0.5f * (1.0f + th) +
           0.5f * x * (1.0f - th * th) * LLMB_GELU_K * (1.0f + 3.0f * LLMB_GELU_C * x * x);
}

/* ---- SwiGLU: out = silu(g) u, silu(g) = g sigmoid(g) ---- */

LLMB_HD float llmb_sigmoid(float g) { return 1.0f / (1.0f + llmb_expf(-g)); }

LLMB_HD float llmb_swiglu(float g, float u) { return g / (1.0f + llmb_expf(-g)) * u; }

/* d out / d g and d out / d u, times dy */
LLMB_HD void llmb_swiglu_grad(float g, float u, float dy, float *dg, float *du)
{
    float sg = llmb_sigmoid(g);
    *dg = dy * u * sg * (1.0f + g * (1.0f - sg));
    *du = dy * g * sg;
}

/* ---- layernorm / RMSNorm statistics ----
 * rstd from the row's sum of squared deviations (layernorm) or of squares (RMSNorm) over C */
LLMB_HD float llmb_norm_rstd(float sumsq, int C) { return 1.0f / sqrtf(sumsq / C + LLMB_NORM_EPS); }

/* backward of one element: xhat = (x - mean) rstd, g = dout w, gm = mean(g) (0 for RMSNorm),
 * gxm = mean(g xhat): d x = rstd (g - gm - xhat gxm) */
LLMB_HD float llmb_norm_dx(float rstd, float g, float gm, float xhat, float gxm)
{
    return rstd * (g - gm - xhat * gxm);
}

/* ---- softmax + cross-entropy of one row: mx its max, sum = sum of llmb_expf(x - mx) ---- */

/* loss = -log softmax(x)[target] = log(sum) - (x_target - mx) */
LLMB_HD float llmb_xent_loss(float sum, float x_target, float mx) { return logf(sum) - (x_target - mx); }

/* dlogit of one element: (p - [target]) dloss, as p dloss - dloss at the target */
LLMB_HD float llmb_xent_grad(float p, int is_target, float dloss)
{
    float d = p * dloss;
    return is_target ? d - dloss : d;
}

/* ---- AdamW of one element ----
 * bc1 = 1/(1 - beta1^t), bc2 = 1/(1 - beta2^t) (llmb_adamw_bias_correction, once per step):
 * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr (m bc1 / (sqrt(v bc2) + eps) + wd p) */
static inline float llmb_adamw_bias_correction(float beta, int t)
{
    return (float)(1.0 / (1.0 - pow(beta, t)));
}

LLMB_HD void llmb_adamw_update(float *p, float *m, float *v, float g, float lr, float beta1,
                               float beta2, float eps, float wd, float bc1, float bc2)
{
    float mm = beta1 * *m + (1.0f - beta1) * g;
    float vv = beta2 * *v + (1.0f - beta2) * g * g;
    float mh = mm * bc1, vh = vv * bc2;
    *p -= lr * (mh / (sqrtf(vh) + eps) + wd * *p);
    *m = mm;
    *v = vv;
}

/* ---- RoPE: pair i (elements 2i, 2i+1) of a head of HD at position t is rotated by
 * theta = sign t base^(-2i/HD); the angle in double (t up to 1e5 rad keeps ~1e-11 rad) ---- */
LLMB_HD double llmb_rope_theta(int t, int i, int HD, double sign)
{
    return sign * t * pow(LLMB_ROPE_BASE, -2.0 * i / HD);
}

LLMB_HD void llmb_rope_rotate(float *x0, float *x1, float c, float s)
{
    float a = *x0, b = *x1;
    *x0 = a * c - b * s;
    *x1 = a * s + b * c;
}

/* ---- bf16 (1 sign, 8 exponent, 7 mantissa bits: the high half of an fp32) ----
 * float -> bf16 rounds to nearest, ties to even; infinities stay, a NaN stays a NaN (quieted:
 * its high mantissa bit set, so that truncation can never make it an infinity); overflow past
 * the largest bf16 gives infinity, as IEEE rounding does. */
LLMB_HD uint16_t llmb_bf16_from_float(float f)
{
    uint32_t u = llmb_float_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) /* NaN */
        return (uint16_t)((u >> 16) | 0x0040u);
    u += 0x7fffu + ((u >> 16) & 1u); /* round half to even */
    return (uint16_t)(u >> 16);
}

LLMB_HD float llmb_bf16_to_float(uint16_t h) { return llmb_bits_float((uint32_t)h << 16); }

#endif
