/* kernels/ref/ref.c - the reference backend: naive loops, one thread, double accumulators.
 * Written to be obviously correct, not fast; every CPU (and CUDA) kernel is validated
 * against these.  Shapes as documented in kernels/kernels.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"

static void *ref_alloc(size_t bytes) { return calloc(1, bytes ? bytes : 1); }
static void ref_free(void *p) { free(p); }
static void ref_copy(void *dst, const void *src, size_t bytes) { memcpy(dst, src, bytes); }
static void ref_zero(float *p, size_t n) { memset(p, 0, n * sizeof *p); }
static void ref_sync(void) {}

/* dst (n) = src (n) */
static void ref_copy_floats(float *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i];
}

/* x (n) *= s */
static void ref_scale(float *x, size_t n, float s)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)((double)x[i] * s);
}

/* a (n) = b (n) + s c (n) */
static void ref_triad(float *a, const float *b, const float *c, float s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] = (float)(b[i] + (double)s * c[i]);
}

/* tokens (B,T), wte (V,C), wpe (maxT,C) -> out (B,T,C) */
static void ref_encoder_forward(float *out, const int *tokens, const float *wte,
                                const float *wpe, int B, int T, int C)
{
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int c = 0; c < C; c++) {
                int tok = tokens[b * T + t];
                float x = wte[(size_t)tok * C + c];
                if (wpe)
                    x += wpe[(size_t)t * C + c];
                out[((size_t)b * T + t) * C + c] = x;
            }
}

/* dout (B,T,C) -> dwte (V,C) +=, dwpe (maxT,C) += */
static void ref_encoder_backward(float *dwte, float *dwpe, const float *dout, const int *tokens,
                                 int B, int T, int C)
{
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int c = 0; c < C; c++) {
                float d = dout[((size_t)b * T + t) * C + c];
                dwte[(size_t)tokens[b * T + t] * C + c] += d;
                if (dwpe)
                    dwpe[(size_t)t * C + c] += d;
            }
}

/* inp (N,C), w, b (C) -> out (N,C), mean, rstd (N) */
static void ref_layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
                                  const float *w, const float *b, int N, int C)
{
    for (int i = 0; i < N; i++) {
        const float *x = inp + (size_t)i * C;
        double m = 0, v = 0;
        for (int c = 0; c < C; c++)
            m += x[c];
        m /= C;
        for (int c = 0; c < C; c++)
            v += (x[c] - m) * (x[c] - m);
        v /= C;
        double s = 1.0 / sqrt(v + 1e-5);
        for (int c = 0; c < C; c++)
            out[(size_t)i * C + c] = (float)((x[c] - m) * s * w[c] + b[c]);
        mean[i] = (float)m;
        rstd[i] = (float)s;
    }
}

/* dout (N,C) -> dinp (N,C) +=, dw, db (C) +=
 * y = xhat*w + b, xhat = (x-mean)*rstd:
 * dx = rstd * (g - mean(g) - xhat * mean(g*xhat)), g = dout*w */
static void ref_layernorm_backward(float *dinp, float *dw, float *db, const float *dout,
                                   const float *inp, const float *w, const float *mean,
                                   const float *rstd, int N, int C)
{
    for (int i = 0; i < N; i++) {
        const float *x = inp + (size_t)i * C, *dy = dout + (size_t)i * C;
        double gm = 0, gxm = 0;
        for (int c = 0; c < C; c++) {
            double xh = (x[c] - mean[i]) * (double)rstd[i];
            double g = (double)dy[c] * w[c];
            gm += g;
            gxm += g * xh;
            dw[c] += (float)(dy[c] * xh);
            db[c] += dy[c];
        }
        gm /= C;
        gxm /= C;
        for (int c = 0; c < C; c++) {
            double xh = (x[c] - mean[i]) * (double)rstd[i];
            double g = (double)dy[c] * w[c];
            dinp[(size_t)i * C + c] += (float)(rstd[i] * (g - gm - xh * gxm));
        }
    }
}

/* inp (N,C), w (C) -> out (N,C), rstd (N) */
static void ref_rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w,
                                int N, int C)
{
    for (int i = 0; i < N; i++) {
        const float *x = inp + (size_t)i * C;
        double ss = 0;
        for (int c = 0; c < C; c++)
            ss += (double)x[c] * x[c];
        double s = 1.0 / sqrt(ss / C + 1e-5);
        for (int c = 0; c < C; c++)
            out[(size_t)i * C + c] = (float)(x[c] * s * w[c]);
        rstd[i] = (float)s;
    }
}

/* dout (N,C) -> dinp (N,C) +=, dw (C) +=
 * y = x*r*w, r = (mean(x^2)+eps)^-1/2: dx = r*g - x * r^3 * mean(g*x), g = dout*w */
static void ref_rmsnorm_backward(float *dinp, float *dw, const float *dout, const float *inp,
                                 const float *w, const float *rstd, int N, int C)
{
    for (int i = 0; i < N; i++) {
        const float *x = inp + (size_t)i * C, *dy = dout + (size_t)i * C;
        double r = rstd[i], gx = 0;
        for (int c = 0; c < C; c++) {
            gx += (double)dy[c] * w[c] * x[c];
            dw[c] += (float)(dy[c] * x[c] * r);
        }
        gx /= C;
        for (int c = 0; c < C; c++)
            dinp[(size_t)i * C + c] += (float)(r * dy[c] * w[c] - x[c] * r * r * r * gx);
    }
}

/* C (M,N) = alpha op(A) op(B) + beta C, row-major; op(A)[i][p] = ta ? A[p*lda+i] : A[i*lda+p] */
static void ref_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                     const float *B, int ldb, float beta, float *C, int ldc)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int p = 0; p < K; p++)
                s += (double)(ta ? A[(size_t)p * lda + i] : A[(size_t)i * lda + p]) *
                     (tb ? B[(size_t)j * ldb + p] : B[(size_t)p * ldb + j]);
            float *c = C + (size_t)i * ldc + j;
            *c = (float)(alpha * s + (beta != 0.0f ? (double)beta * *c : 0.0));
        }
}

/* inp (N,C), w (OC,C), bias (OC) -> out (N,OC) */
static void ref_matmul_forward(float *out, const float *inp, const float *w, const float *bias,
                               int N, int C, int OC)
{
    for (int i = 0; i < N; i++)
        for (int o = 0; o < OC; o++) {
            double s = bias ? bias[o] : 0.0;
            for (int c = 0; c < C; c++)
                s += (double)inp[(size_t)i * C + c] * w[(size_t)o * C + c];
            out[(size_t)i * OC + o] = (float)s;
        }
}

/* dout (N,OC) -> dinp (N,C) +=, dw (OC,C) +=, dbias (OC) += */
static void ref_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout,
                                const float *inp, const float *w, int N, int C, int OC)
{
    for (int i = 0; i < N; i++)
        for (int c = 0; c < C; c++) {
            double s = 0;
            for (int o = 0; o < OC; o++)
                s += (double)dout[(size_t)i * OC + o] * w[(size_t)o * C + c];
            dinp[(size_t)i * C + c] += (float)s;
        }
    for (int o = 0; o < OC; o++)
        for (int c = 0; c < C; c++) {
            double s = 0;
            for (int i = 0; i < N; i++)
                s += (double)dout[(size_t)i * OC + o] * inp[(size_t)i * C + c];
            dw[(size_t)o * C + c] += (float)s;
        }
    if (dbias)
        for (int o = 0; o < OC; o++) {
            double s = 0;
            for (int i = 0; i < N; i++)
                s += dout[(size_t)i * OC + o];
            dbias[o] += (float)s;
        }
}

/* rotate pairs (2i, 2i+1) of every q and k head of qkv (B,T,Cqkv) by sign*t*base^(-2i/HD) */
static void ref_rope(float *qkv, int B, int T, int NH, int KVH, int HD, double sign)
{
    int Cqkv = (NH + 2 * KVH) * HD;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int h = 0; h < NH + KVH; h++) /* q heads then k heads: contiguous */
                for (int i = 0; i < HD / 2; i++) {
                    double theta = sign * t * pow(10000.0, -2.0 * i / HD);
                    float *p = qkv + ((size_t)b * T + t) * Cqkv + (size_t)h * HD + 2 * i;
                    double x0 = p[0], x1 = p[1];
                    p[0] = (float)(x0 * cos(theta) - x1 * sin(theta));
                    p[1] = (float)(x0 * sin(theta) + x1 * cos(theta));
                }
}

static void ref_rope_forward(float *qkv, int B, int T, int NH, int KVH, int HD)
{
    ref_rope(qkv, B, T, NH, KVH, HD, 1.0);
}

static void ref_rope_backward(float *dqkv, int B, int T, int NH, int KVH, int HD)
{
    ref_rope(dqkv, B, T, NH, KVH, HD, -1.0);
}

/* qkv (B,T,Cqkv) -> out (B,T,NH*HD), att (B,NH,T,T):
 * S = Q K^T / sqrt(HD) with S[t][u] = -inf for u > t, P = softmax(S) by rows, O = P V */
static void ref_attention_forward(float *out, float *att, const float *qkv, int B, int T, int NH,
                                  int KVH, int HD)
{
    int Cqkv = (NH + 2 * KVH) * HD, C = NH * HD, grp = NH / KVH;
    double scale = 1.0 / sqrt((double)HD);
    double *s = malloc((size_t)T * sizeof *s);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            int kh = h / grp;
            for (int t = 0; t < T; t++) {
                const float *q = qkv + ((size_t)b * T + t) * Cqkv + (size_t)h * HD;
                double mx = -INFINITY, sum = 0;
                for (int u = 0; u <= t; u++) {
                    const float *k = qkv + ((size_t)b * T + u) * Cqkv + C + (size_t)kh * HD;
                    double d = 0;
                    for (int i = 0; i < HD; i++)
                        d += (double)q[i] * k[i];
                    s[u] = d * scale;
                    if (s[u] > mx)
                        mx = s[u];
                }
                for (int u = 0; u <= t; u++) {
                    s[u] = exp(s[u] - mx);
                    sum += s[u];
                }
                float *a = att + (((size_t)b * NH + h) * T + t) * T;
                for (int u = 0; u < T; u++)
                    a[u] = u <= t ? (float)(s[u] / sum) : 0.0f;
                for (int i = 0; i < HD; i++) {
                    double o = 0;
                    for (int u = 0; u <= t; u++)
                        o += (s[u] / sum) *
                             qkv[((size_t)b * T + u) * Cqkv + C + (size_t)KVH * HD +
                                 (size_t)kh * HD + i];
                    out[((size_t)b * T + t) * C + (size_t)h * HD + i] = (float)o;
                }
            }
        }
    free(s);
}

/* dout (B,T,NH*HD), qkv, att -> dqkv (B,T,Cqkv) +=
 * dP = dO V^T, dS = P * (dP - rowsum(P*dP)), dQ = dS K / sqrt(HD), dK = dS^T Q / sqrt(HD),
 * dV = P^T dO */
static void ref_attention_backward(float *dqkv, const float *dout, const float *qkv,
                                   const float *att, int B, int T, int NH, int KVH, int HD)
{
    int Cqkv = (NH + 2 * KVH) * HD, C = NH * HD, grp = NH / KVH;
    double scale = 1.0 / sqrt((double)HD);
    double *dp = malloc((size_t)T * sizeof *dp);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            int kh = h / grp;
            size_t qo = (size_t)h * HD, ko = C + (size_t)kh * HD,
                   vo = C + (size_t)KVH * HD + (size_t)kh * HD;
            for (int t = 0; t < T; t++) {
                const float *p = att + (((size_t)b * NH + h) * T + t) * T;
                const float *dy = dout + ((size_t)b * T + t) * C + qo;
                double r = 0;
                for (int u = 0; u <= t; u++) {
                    const float *v = qkv + ((size_t)b * T + u) * Cqkv + vo;
                    double d = 0;
                    for (int i = 0; i < HD; i++)
                        d += (double)dy[i] * v[i];
                    dp[u] = d;
                    r += p[u] * d;
                }
                for (int u = 0; u <= t; u++) {
                    double ds = p[u] * (dp[u] - r) * scale;
                    for (int i = 0; i < HD; i++) {
                        dqkv[((size_t)b * T + t) * Cqkv + qo + i] +=
                            (float)(ds * qkv[((size_t)b * T + u) * Cqkv + ko + i]);
                        dqkv[((size_t)b * T + u) * Cqkv + ko + i] +=
                            (float)(ds * qkv[((size_t)b * T + t) * Cqkv + qo + i]);
                        dqkv[((size_t)b * T + u) * Cqkv + vo + i] += (float)(p[u] * dy[i]);
                    }
                }
            }
        }
    free(dp);
}

static void ref_residual_forward(float *out, const float *a, const float *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = a[i] + b[i];
}

static void ref_residual_backward(float *da, float *db, const float *dout, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        da[i] += dout[i];
        db[i] += dout[i];
    }
}

/* gelu(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
static double gelu(double x)
{
    return 0.5 * x * (1.0 + tanh(sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}

static void ref_gelu_forward(float *out, const float *inp, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (float)gelu(inp[i]);
}

static void ref_gelu_backward(float *dinp, const float *inp, const float *dout, size_t n)
{
    const double k = sqrt(2.0 / M_PI);
    for (size_t i = 0; i < n; i++) {
        double x = inp[i], u = k * (x + 0.044715 * x * x * x), th = tanh(u);
        double g = 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * k * (1 + 3 * 0.044715 * x * x);
        dinp[i] += (float)(g * dout[i]);
    }
}

/* inp (N,2F) [gate | up] -> out (N,F) = silu(gate) * up, silu(g) = g / (1 + e^-g) */
static void ref_swiglu_forward(float *out, const float *inp, int N, int F)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < F; j++) {
            double g = inp[(size_t)i * 2 * F + j], u = inp[(size_t)i * 2 * F + F + j];
            out[(size_t)i * F + j] = (float)(g / (1 + exp(-g)) * u);
        }
}

static void ref_swiglu_backward(float *dinp, const float *inp, const float *dout, int N, int F)
{
    for (int i = 0; i < N; i++)
        for (int j = 0; j < F; j++) {
            double g = inp[(size_t)i * 2 * F + j], u = inp[(size_t)i * 2 * F + F + j];
            double sg = 1 / (1 + exp(-g)), dy = dout[(size_t)i * F + j];
            dinp[(size_t)i * 2 * F + j] += (float)(dy * u * (sg + g * sg * (1 - sg)));
            dinp[(size_t)i * 2 * F + F + j] += (float)(dy * g * sg);
        }
}

/* logits (N,V), targets (N) -> probs (N,V), losses (N) = -log probs[target] */
static void ref_softmax_xent_forward(float *probs, float *losses, const float *logits,
                                     const int *targets, int N, int V)
{
    for (int i = 0; i < N; i++) {
        const float *x = logits + (size_t)i * V;
        double mx = -INFINITY, sum = 0;
        for (int v = 0; v < V; v++)
            if (x[v] > mx)
                mx = x[v];
        for (int v = 0; v < V; v++)
            sum += exp(x[v] - mx);
        double lt = x[targets[i]] - mx - log(sum);
        for (int v = 0; v < V; v++)
            probs[(size_t)i * V + v] = (float)(exp(x[v] - mx) / sum);
        losses[i] = (float)-lt;
    }
}

static void ref_softmax_xent_backward(float *dlogits, const float *probs, const int *targets,
                                      float dloss, int N, int V)
{
    for (int i = 0; i < N; i++)
        for (int v = 0; v < V; v++) {
            double p = probs[(size_t)i * V + v];
            dlogits[(size_t)i * V + v] = (float)((p - (v == targets[i])) * dloss);
        }
}

/* m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; mh = m/(1-b1^t); vh = v/(1-b2^t);
 * p -= lr (mh / (sqrt(vh) + eps) + wd p) */
static void ref_adamw(float *params, const float *grads, float *m, float *v, size_t n, float lr,
                      float beta1, float beta2, float eps, float wd, int t)
{
    for (size_t i = 0; i < n; i++) {
        double g = grads[i];
        double mm = beta1 * (double)m[i] + (1 - (double)beta1) * g;
        double vv = beta2 * (double)v[i] + (1 - (double)beta2) * g * g;
        double mh = mm / (1 - pow(beta1, t)), vh = vv / (1 - pow(beta2, t));
        params[i] = (float)(params[i] - lr * (mh / (sqrt(vh) + eps) + wd * (double)params[i]));
        m[i] = (float)mm;
        v[i] = (float)vv;
    }
}

const struct llmb_kernels llmb_kernels_ref = {
    .name = "ref",
    .precision = "fp32",
    .alloc = ref_alloc,
    .free = ref_free,
    .to_device = ref_copy,
    .to_host = ref_copy,
    .zero = ref_zero,
    .sync = ref_sync,
    .copy = ref_copy_floats,
    .scale = ref_scale,
    .triad = ref_triad,
    .encoder_forward = ref_encoder_forward,
    .encoder_backward = ref_encoder_backward,
    .layernorm_forward = ref_layernorm_forward,
    .layernorm_backward = ref_layernorm_backward,
    .rmsnorm_forward = ref_rmsnorm_forward,
    .rmsnorm_backward = ref_rmsnorm_backward,
    .gemm = ref_gemm,
    .matmul_forward = ref_matmul_forward,
    .matmul_backward = ref_matmul_backward,
    .rope_forward = ref_rope_forward,
    .rope_backward = ref_rope_backward,
    .attention_forward = ref_attention_forward,
    .attention_backward = ref_attention_backward,
    .residual_forward = ref_residual_forward,
    .residual_backward = ref_residual_backward,
    .gelu_forward = ref_gelu_forward,
    .gelu_backward = ref_gelu_backward,
    .swiglu_forward = ref_swiglu_forward,
    .swiglu_backward = ref_swiglu_backward,
    .softmax_xent_forward = ref_softmax_xent_forward,
    .softmax_xent_backward = ref_softmax_xent_backward,
    .adamw = ref_adamw,
};
