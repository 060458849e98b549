/* kernels/cpu/cpu.c - the CPU backend: fp32, GEMMs through CBLAS sgemm (the BLAS library's
 * threads), everything else plain C threaded with OpenMP (at most omp_get_max_threads()).
 * Shapes and accumulation rules as documented in kernels/kernels.h; each kernel is checked
 * against kernels/ref/ref.c. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "kernels/kernels.h"
#include "kernels/math.h"

static int nthreads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

static int thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* exp, tanh and the per-element formulas come from kernels/math.h (shared with the CUDA
 * backend): plain arithmetic the compiler vectorizes inside `omp simd` loops (glibc's expf/tanhf
 * are scalar calls).  (Built with -fno-math-errno -fno-trapping-math, which lets the compiler
 * turn the clamps into selects and vectorize.) */

/* ---- memory ---- */

static void *cpu_alloc(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 64))
        return NULL;
    memset(p, 0, bytes); /* first touch happens here, on the calling rank's PUs */
    return p;
}

static void cpu_free(void *p) { free(p); }
static void cpu_copy(void *dst, const void *src, size_t bytes) { memcpy(dst, src, bytes); }
static void cpu_sync(void) {}

static void cpu_zero(float *p, size_t n)
{
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++)
        p[i] = 0.0f;
}

/* dst (n) = src (n) */
static void cpu_copy_floats(float *dst, const float *src, size_t n)
{
#pragma omp parallel for simd schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i];
}

/* x (n) *= s */
static void cpu_scale(float *x, size_t n, float s)
{
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++)
        x[i] *= s;
}

/* a (n) = b (n) + s c (n): the STREAM triad, 12 bytes per element */
static void cpu_triad(float *a, const float *b, const float *c, float s, size_t n)
{
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++)
        a[i] = b[i] + s * c[i];
}

/* ---- embedding ---- */

/* tokens (B,T), wte (V,C), wpe (maxT,C) or NULL -> out (B,T,C) */
static void cpu_encoder_forward(float *out, const int *tokens, const float *wte,
                                const float *wpe, int B, int T, int C)
{
#pragma omp parallel for schedule(static)
    for (int bt = 0; bt < B * T; bt++) {
        const float *e = wte + (size_t)tokens[bt] * C;
        float *o = out + (size_t)bt * C;
        if (wpe) {
            const float *p = wpe + (size_t)(bt % T) * C;
#pragma omp simd
            for (int c = 0; c < C; c++)
                o[c] = e[c] + p[c];
        } else {
            memcpy(o, e, (size_t)C * sizeof *o);
        }
    }
}

/* dout (B,T,C) -> dwte (V,C) +=, dwpe (maxT,C) +=.  Rows of dwte collide when a token
 * repeats, so threads split the channels, not the tokens. */
static void cpu_encoder_backward(float *dwte, float *dwpe, const float *dout, const int *tokens,
                                 int B, int T, int C)
{
#pragma omp parallel
    {
        int nt = nthreads(), id = thread_id();
#ifdef _OPENMP
        nt = omp_get_num_threads();
#endif
        int chunk = (C + nt - 1) / nt;
        chunk = (chunk + 15) / 16 * 16;
        int c0 = id * chunk, c1 = c0 + chunk < C ? c0 + chunk : C;
        for (int bt = 0; bt < B * T && c0 < c1; bt++) {
            const float *d = dout + (size_t)bt * C;
            float *w = dwte + (size_t)tokens[bt] * C;
#pragma omp simd
            for (int c = c0; c < c1; c++)
                w[c] += d[c];
            if (dwpe) {
                float *p = dwpe + (size_t)(bt % T) * C;
#pragma omp simd
                for (int c = c0; c < c1; c++)
                    p[c] += d[c];
            }
        }
    }
}

/* ---- normalization ---- */

/* inp (N,C), w, b (C) -> out (N,C), mean, rstd (N) */
static void cpu_layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
                                  const float *w, const float *b, int N, int C)
{
#pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        const float *x = inp + (size_t)i * C;
        float *y = out + (size_t)i * C;
        float m = 0.0f, v = 0.0f;
#pragma omp simd reduction(+ : m)
        for (int c = 0; c < C; c++)
            m += x[c];
        m /= C;
#pragma omp simd reduction(+ : v)
        for (int c = 0; c < C; c++)
            v += (x[c] - m) * (x[c] - m);
        float s = llmb_norm_rstd(v, C);
#pragma omp simd
        for (int c = 0; c < C; c++)
            y[c] = (x[c] - m) * s * w[c] + b[c];
        mean[i] = m;
        rstd[i] = s;
    }
}

/* Per-thread partial sums for the weight gradients of a norm, reduced at the end. */
static float *partials(int nt, int C, int k)
{
    return calloc((size_t)nt * k * C, sizeof(float));
}

/* dout (N,C), inp, w, mean, rstd -> dinp (N,C) +=, dw (C) +=, db (C) += (db may be NULL) */
static void norm_backward(float *dinp, float *dw, float *db, const float *dout,
                          const float *inp, const float *w, const float *mean,
                          const float *rstd, int N, int C, int rms)
{
    int nt = nthreads();
    float *part = partials(nt, C, 2);
    if (!part) /* out of memory: single-threaded into dw/db directly */
        nt = 1;
#pragma omp parallel num_threads(nt)
    {
        int id = thread_id();
        float *pw = part ? part + (size_t)id * 2 * C : dw;
        float *pb = part ? pw + C : db;
#pragma omp for schedule(static)
        for (int i = 0; i < N; i++) {
            const float *x = inp + (size_t)i * C, *dy = dout + (size_t)i * C;
            float *dx = dinp + (size_t)i * C;
            float m = rms ? 0.0f : mean[i], s = rstd[i];
            float gm = 0.0f, gxm = 0.0f;
#pragma omp simd reduction(+ : gm, gxm)
            for (int c = 0; c < C; c++) {
                float xh = (x[c] - m) * s;
                float g = dy[c] * w[c];
                gm += g;
                gxm += g * xh;
            }
            gm = rms ? 0.0f : gm / C;
            gxm /= C;
#pragma omp simd
            for (int c = 0; c < C; c++) {
                float xh = (x[c] - m) * s;
                float g = dy[c] * w[c];
                pw[c] += dy[c] * xh;
                if (!rms && pb)
                    pb[c] += dy[c];
                dx[c] += llmb_norm_dx(s, g, gm, xh, gxm);
            }
        }
    }
    if (part) {
        for (int t = 0; t < nt; t++) {
            const float *pw = part + (size_t)t * 2 * C, *pb = pw + C;
            for (int c = 0; c < C; c++) {
                dw[c] += pw[c];
                if (db)
                    db[c] += pb[c];
            }
        }
        free(part);
    }
}

static void cpu_layernorm_backward(float *dinp, float *dw, float *db, const float *dout,
                                   const float *inp, const float *w, const float *mean,
                                   const float *rstd, int N, int C)
{
    norm_backward(dinp, dw, db, dout, inp, w, mean, rstd, N, C, 0);
}

/* inp (N,C), w (C) -> out (N,C), rstd (N) */
static void cpu_rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w,
                                int N, int C)
{
#pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        const float *x = inp + (size_t)i * C;
        float *y = out + (size_t)i * C;
        float ss = 0.0f;
#pragma omp simd reduction(+ : ss)
        for (int c = 0; c < C; c++)
            ss += x[c] * x[c];
        float s = llmb_norm_rstd(ss, C);
#pragma omp simd
        for (int c = 0; c < C; c++)
            y[c] = x[c] * s * w[c];
        rstd[i] = s;
    }
}

/* dout (N,C), inp, w, rstd -> dinp (N,C) +=, dw (C) +=.  With xhat = x*r the layernorm
 * formula without the mean terms: dx = r (g - xhat mean(g xhat)), g = dout*w. */
static void cpu_rmsnorm_backward(float *dinp, float *dw, const float *dout, const float *inp,
                                 const float *w, const float *rstd, int N, int C)
{
    norm_backward(dinp, dw, NULL, dout, inp, w, NULL, rstd, N, C, 1);
}

/* ---- GEMM: CBLAS sgemm, threaded by OpenMP ----
 *
 * BLAS threads and OpenMP threads fight over the cores: after an OpenMP region its threads
 * spin waiting for the next one while BLAS's own threads want the same PUs (and the other
 * way round), which costs up to 2x on a GEMM.  So this backend owns the threading: BLAS runs
 * single-threaded (set at the first GEMM and kept so, when the library lets us), and each OpenMP
 * thread multiplies its own block of rows or columns of C. */
#if defined(HAVE_OPENBLAS_SET_NUM_THREADS) && defined(HAVE_OPENBLAS_GET_NUM_THREADS)
#define LLMB_BLAS_SINGLE 1
void openblas_set_num_threads(int n);
int openblas_get_num_threads(void);
#endif

static int gemm_split_ok(void)
{
#ifdef LLMB_BLAS_SINGLE
    /* checked at every call (a cheap read): someone may have raised it since */
    if (openblas_get_num_threads() != 1)
        openblas_set_num_threads(1);
    return 1;
#else
    return 0; /* unknown BLAS: let it thread itself */
#endif
}

/* row-major C (M,N) = alpha op(A) op(B) + beta C, op(A) (M,K), op(B) (K,N) */
static void cpu_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                     const float *B, int ldb, float beta, float *C, int ldc)
{
    enum CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans, TB = tb ? CblasTrans : CblasNoTrans;
    int nt = nthreads();
#ifdef _OPENMP
    if (omp_in_parallel())
        nt = 1;
#endif
    if (nt <= 1 || !gemm_split_ok() || (double)M * N * K < 32768.0) {
        cblas_sgemm(CblasRowMajor, TA, TB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
#pragma omp parallel num_threads(nt)
    {
        int id = thread_id(), n = nt;
#ifdef _OPENMP
        n = omp_get_num_threads();
#endif
        if (M >= N) { /* split the rows of C: rows of op(A) */
            int ch = ((M + n - 1) / n + 15) / 16 * 16, m0 = id * ch, m1 = m0 + ch < M ? m0 + ch : M;
            if (m0 < m1)
                cblas_sgemm(CblasRowMajor, TA, TB, m1 - m0, N, K, alpha,
                            ta ? A + m0 : A + (size_t)m0 * lda, lda, B, ldb, beta,
                            C + (size_t)m0 * ldc, ldc);
        } else { /* split the columns of C: columns of op(B) */
            int ch = ((N + n - 1) / n + 15) / 16 * 16, n0 = id * ch, n1 = n0 + ch < N ? n0 + ch : N;
            if (n0 < n1)
                cblas_sgemm(CblasRowMajor, TA, TB, M, n1 - n0, K, alpha, A, lda,
                            tb ? B + (size_t)n0 * ldb : B + n0, ldb, beta, C + n0, ldc);
        }
    }
}

/* ---- projections ---- */

/* inp (N,C), w (OC,C), bias (OC) -> out (N,OC) = inp @ w^T + bias */
static void cpu_matmul_forward(float *out, const float *inp, const float *w, const float *bias,
                               int N, int C, int OC)
{
    cpu_gemm(0, 1, N, OC, C, 1.0f, inp, C, w, C, 0.0f, out, OC);
    if (bias) {
#pragma omp parallel for schedule(static)
        for (int i = 0; i < N; i++) {
            float *o = out + (size_t)i * OC;
#pragma omp simd
            for (int j = 0; j < OC; j++)
                o[j] += bias[j];
        }
    }
}

/* dout (N,OC), inp (N,C), w (OC,C) -> dinp (N,C) += dout @ w, dw (OC,C) += dout^T @ inp,
 * dbias (OC) += sum over rows of dout */
static void cpu_matmul_backward(float *dinp, float *dw, float *dbias, const float *dout,
                                const float *inp, const float *w, int N, int C, int OC)
{
    if (dinp)
        cpu_gemm(0, 0, N, C, OC, 1.0f, dout, OC, w, C, 1.0f, dinp, C);
    cpu_gemm(1, 0, OC, C, N, 1.0f, dout, OC, inp, C, 1.0f, dw, C);
    if (dbias) {
        /* threads split the output channels in blocks of 64 */
        int nb = (OC + 63) / 64;
#pragma omp parallel for schedule(static)
        for (int blk = 0; blk < nb; blk++) {
            int o0 = blk * 64, o1 = o0 + 64 < OC ? o0 + 64 : OC;
            float acc[64] = {0};
            for (int i = 0; i < N; i++) {
                const float *d = dout + (size_t)i * OC;
#pragma omp simd
                for (int o = o0; o < o1; o++)
                    acc[o - o0] += d[o];
            }
            for (int o = o0; o < o1; o++)
                dbias[o] += acc[o - o0];
        }
    }
}

/* ---- rotary embedding ---- */

static void rope(float *qkv, int B, int T, int NH, int KVH, int HD, float sign)
{
    int Cqkv = (NH + 2 * KVH) * HD, half = HD / 2;
#pragma omp parallel
    {
        float *cs = malloc((size_t)half * 2 * sizeof *cs);
#pragma omp for schedule(static)
        for (int bt = 0; bt < B * T; bt++) {
            int t = bt % T;
            if (!cs)
                continue;
            for (int i = 0; i < half; i++) {
                double th = llmb_rope_theta(t, i, HD, sign);
                cs[2 * i] = (float)cos(th);
                cs[2 * i + 1] = (float)sin(th);
            }
            float *row = qkv + (size_t)bt * Cqkv;
            for (int h = 0; h < NH + KVH; h++) {
                float *p = row + (size_t)h * HD;
#pragma omp simd
                for (int i = 0; i < half; i++) {
                    llmb_rope_rotate(&p[2 * i], &p[2 * i + 1], cs[2 * i], cs[2 * i + 1]);
                }
            }
        }
        free(cs);
    }
}

static void cpu_rope_forward(float *qkv, int B, int T, int NH, int KVH, int HD)
{
    rope(qkv, B, T, NH, KVH, HD, 1.0f);
}

static void cpu_rope_backward(float *dqkv, int B, int T, int NH, int KVH, int HD)
{
    rope(dqkv, B, T, NH, KVH, HD, -1.0f);
}

/* ---- attention ---- */

/* qkv (B,T,Cqkv) -> out (B,T,NH*HD), att (B,NH,T,T); one (b, h, t) row per task */
static void cpu_attention_forward(float *out, float *att, const float *qkv, int B, int T, int NH,
                                  int KVH, int HD)
{
    int Cqkv = (NH + 2 * KVH) * HD, C = NH * HD, grp = NH / KVH;
    float scale = 1.0f / sqrtf((float)HD);
#pragma omp parallel for collapse(3) schedule(static)
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++)
            for (int t = 0; t < T; t++) {
                int kh = h / grp;
                const float *q = qkv + ((size_t)b * T + t) * Cqkv + (size_t)h * HD;
                const float *kbase = qkv + (size_t)b * T * Cqkv + C + (size_t)kh * HD;
                const float *vbase = kbase + (size_t)KVH * HD;
                float *a = att + (((size_t)b * NH + h) * T + t) * T;
                float mx = -INFINITY;
                for (int u = 0; u <= t; u++) {
                    const float *k = kbase + (size_t)u * Cqkv;
                    float d = 0.0f;
#pragma omp simd reduction(+ : d)
                    for (int i = 0; i < HD; i++)
                        d += q[i] * k[i];
                    d *= scale;
                    a[u] = d;
                    mx = d > mx ? d : mx;
                }
                float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
                for (int u = 0; u <= t; u++) {
                    a[u] = llmb_expf(a[u] - mx);
                    sum += a[u];
                }
                float inv = 1.0f / sum;
                for (int u = 0; u <= t; u++)
                    a[u] *= inv;
                for (int u = t + 1; u < T; u++)
                    a[u] = 0.0f;
                float *o = out + ((size_t)b * T + t) * C + (size_t)h * HD;
                for (int i = 0; i < HD; i++)
                    o[i] = 0.0f;
                for (int u = 0; u <= t; u++) {
                    const float *v = vbase + (size_t)u * Cqkv;
                    float p = a[u];
#pragma omp simd
                    for (int i = 0; i < HD; i++)
                        o[i] += p * v[i];
                }
            }
}

/* dout (B,T,NH*HD), qkv, att -> dqkv +=.  One (b, kv head) per task, so the query heads that
 * share a kv head never race on dk, dv.  O(T^2 HD) per head: for each row t,
 * dp_u = dO_t . V_u, ds_u = p_u (dp_u - sum_u p_u dp_u) / sqrt(HD),
 * dQ_t += sum_u ds_u K_u, dK_u += ds_u Q_t, dV_u += p_u dO_t */
static void cpu_attention_backward(float *dqkv, const float *dout, const float *qkv,
                                   const float *att, int B, int T, int NH, int KVH, int HD)
{
    int Cqkv = (NH + 2 * KVH) * HD, C = NH * HD, grp = NH / KVH;
    float scale = 1.0f / sqrtf((float)HD);
#pragma omp parallel
    {
        float *dp = malloc((size_t)T * sizeof *dp);
#pragma omp for collapse(2) schedule(dynamic, 1)
        for (int b = 0; b < B; b++)
            for (int kh = 0; kh < KVH; kh++) {
                if (!dp)
                    continue;
                size_t ko = C + (size_t)kh * HD, vo = C + (size_t)KVH * HD + (size_t)kh * HD;
                const float *base = qkv + (size_t)b * T * Cqkv;
                float *dbase = dqkv + (size_t)b * T * Cqkv;
                for (int h = kh * grp; h < (kh + 1) * grp; h++) {
                    size_t qo = (size_t)h * HD;
                    for (int t = 0; t < T; t++) {
                        const float *p = att + (((size_t)b * NH + h) * T + t) * T;
                        const float *dy = dout + ((size_t)b * T + t) * C + qo;
                        const float *q = base + (size_t)t * Cqkv + qo;
                        float *dq = dbase + (size_t)t * Cqkv + qo;
                        float r = 0.0f;
                        for (int u = 0; u <= t; u++) {
                            const float *v = base + (size_t)u * Cqkv + vo;
                            float d = 0.0f;
#pragma omp simd reduction(+ : d)
                            for (int i = 0; i < HD; i++)
                                d += dy[i] * v[i];
                            dp[u] = d;
                            r += p[u] * d;
                        }
                        for (int u = 0; u <= t; u++) {
                            float ds = p[u] * (dp[u] - r) * scale, pu = p[u];
                            const float *k = base + (size_t)u * Cqkv + ko;
                            float *dk = dbase + (size_t)u * Cqkv + ko;
                            float *dv = dbase + (size_t)u * Cqkv + vo;
#pragma omp simd
                            for (int i = 0; i < HD; i++) {
                                dq[i] += ds * k[i];
                                dk[i] += ds * q[i];
                                dv[i] += pu * dy[i];
                            }
                        }
                    }
                }
            }
        free(dp);
    }
}

/* ---- elementwise ---- */

static void cpu_residual_forward(float *out, const float *a, const float *b, size_t n)
{
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++)
        out[i] = a[i] + b[i];
}

static void cpu_residual_backward(float *da, float *db, const float *dout, size_t n)
{
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++) {
        da[i] += dout[i];
        db[i] += dout[i];
    }
}

static void cpu_gelu_forward(float *out, const float *inp, size_t n)
{
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++)
        out[i] = llmb_gelu(inp[i]);
}

static void cpu_gelu_backward(float *dinp, const float *inp, const float *dout, size_t n)
{
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++)
        dinp[i] += llmb_gelu_grad(inp[i]) * dout[i];
}

/* inp (N,2F) [gate | up] -> out (N,F) */
static void cpu_swiglu_forward(float *out, const float *inp, int N, int F)
{
#pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        const float *g = inp + (size_t)i * 2 * F, *u = g + F;
        float *o = out + (size_t)i * F;
#pragma omp simd
        for (int j = 0; j < F; j++)
            o[j] = llmb_swiglu(g[j], u[j]);
    }
}

static void cpu_swiglu_backward(float *dinp, const float *inp, const float *dout, int N, int F)
{
#pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        const float *g = inp + (size_t)i * 2 * F, *u = g + F, *dy = dout + (size_t)i * F;
        float *dg = dinp + (size_t)i * 2 * F, *du = dg + F;
#pragma omp simd
        for (int j = 0; j < F; j++) {
            float a, b;
            llmb_swiglu_grad(g[j], u[j], dy[j], &a, &b);
            dg[j] += a;
            du[j] += b;
        }
    }
}

/* ---- softmax + cross-entropy ---- */

static void cpu_softmax_xent_forward(float *probs, float *losses, const float *logits,
                                     const int *targets, int N, int V)
{
#pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        const float *x = logits + (size_t)i * V;
        float *p = probs + (size_t)i * V;
        float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
        for (int v = 0; v < V; v++)
            mx = x[v] > mx ? x[v] : mx;
        float xt = x[targets[i]];
        float sum = 0.0f; /* simd lanes: partial sums of V/8 terms each */
#pragma omp simd reduction(+ : sum)
        for (int v = 0; v < V; v++) {
            float e = llmb_expf(x[v] - mx);
            p[v] = e;
            sum += e;
        }
        float inv = 1.0f / sum;
#pragma omp simd
        for (int v = 0; v < V; v++)
            p[v] *= inv;
        losses[i] = llmb_xent_loss(sum, xt, mx);
    }
}

static void cpu_softmax_xent_backward(float *dlogits, const float *probs, const int *targets,
                                      float dloss, int N, int V)
{
#pragma omp parallel for schedule(static)
    for (int i = 0; i < N; i++) {
        const float *p = probs + (size_t)i * V;
        float *d = dlogits + (size_t)i * V, pt = p[targets[i]]; /* d may alias p */
#pragma omp simd
        for (int v = 0; v < V; v++)
            d[v] = llmb_xent_grad(p[v], 0, dloss);
        d[targets[i]] = llmb_xent_grad(pt, 1, dloss);
    }
}

/* ---- optimizer ---- */

static void cpu_adamw(float *params, const float *grads, float *m, float *v, size_t n, float lr,
                      float beta1, float beta2, float eps, float wd, int t)
{
    float bc1 = llmb_adamw_bias_correction(beta1, t), bc2 = llmb_adamw_bias_correction(beta2, t);
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++)
        llmb_adamw_update(&params[i], &m[i], &v[i], grads[i], lr, beta1, beta2, eps, wd, bc1, bc2);
}

const struct llmb_kernels llmb_kernels_cpu = {
    .name = "cpu",
    .precision = "fp32",
    .alloc = cpu_alloc,
    .free = cpu_free,
    .to_device = cpu_copy,
    .to_host = cpu_copy,
    .zero = cpu_zero,
    .sync = cpu_sync,
    .copy = cpu_copy_floats,
    .scale = cpu_scale,
    .triad = cpu_triad,
    .encoder_forward = cpu_encoder_forward,
    .encoder_backward = cpu_encoder_backward,
    .layernorm_forward = cpu_layernorm_forward,
    .layernorm_backward = cpu_layernorm_backward,
    .rmsnorm_forward = cpu_rmsnorm_forward,
    .rmsnorm_backward = cpu_rmsnorm_backward,
    .gemm = cpu_gemm,
    .matmul_forward = cpu_matmul_forward,
    .matmul_backward = cpu_matmul_backward,
    .rope_forward = cpu_rope_forward,
    .rope_backward = cpu_rope_backward,
    .attention_forward = cpu_attention_forward,
    .attention_backward = cpu_attention_backward,
    .residual_forward = cpu_residual_forward,
    .residual_backward = cpu_residual_backward,
    .gelu_forward = cpu_gelu_forward,
    .gelu_backward = cpu_gelu_backward,
    .swiglu_forward = cpu_swiglu_forward,
    .swiglu_backward = cpu_swiglu_backward,
    .softmax_xent_forward = cpu_softmax_xent_forward,
    .softmax_xent_backward = cpu_softmax_xent_backward,
    .adamw = cpu_adamw,
};
