/* kernels/cuda/cuda.cu - the CUDA backend: the kernel table of kernels/kernels.h on one GPU.
 * GEMMs through cuBLAS (in the precision of the table, kernels/cuda/cuda.h), attention as cuBLAS
 * strided-batched GEMMs around a causal softmax kernel, every other kernel our own, fp32, with
 * the per-element arithmetic of kernels/math.h (the code the CPU backend runs and the CPU tests
 * check).  Shapes and accumulation rules as documented in kernels/kernels.h; every kernel is
 * validated against kernels/ref/ref.c (kernels/validate.c) before it is timed.
 *
 * Errors: a failed CUDA or cuBLAS call is reported (llmb_error; the first MAX_ERRORS_SHOWN of
 * the process) and its outputs are left as they are, so validation refuses the kernel; alloc
 * returns NULL when the device is out of memory. */
#include <cublas_v2.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern "C" {
#include "error.h"
}
#include "kernels/cuda/cuda.h"
#include "kernels/math.h"

enum prec { P_FP32, P_TF32, P_BF16, P_FP16 };

#define NT 256          /* threads per block */
#define ROWS_PER_BLOCK 64 /* column reductions: rows summed by one block before its atomicAdd
                          * (more when N / 64 would pass gridDim.y's 65535) */

static cublasHandle_t blas_handle;

/* ---- errors: the first few are printed (a sticky fault fails every later call) ---- */

#define MAX_ERRORS_SHOWN 5

static int errors_shown;

static void report(const char *lib, const char *what, const char *msg)
{
    if (++errors_shown <= MAX_ERRORS_SHOWN)
        llmb_error("%s: %s: %s", lib, what, msg);
    else if (errors_shown == MAX_ERRORS_SHOWN + 1)
        llmb_error("%s: further CUDA and cuBLAS errors not shown", lib);
}

static int cuda_ok(cudaError_t e, const char *what)
{
    if (e == cudaSuccess)
        return 1;
    report("cuda", what, cudaGetErrorString(e));
    return 0;
}

static int blas_ok(cublasStatus_t s, const char *what)
{
    if (s == CUBLAS_STATUS_SUCCESS)
        return 1;
    report("cublas", what, cublasGetStatusString(s));
    return 0;
}

/* a launch error (bad geometry, no device) shows at once; faults inside show at sync */
static void launched(const char *what) { cuda_ok(cudaGetLastError(), what); }

static cublasHandle_t blas(void)
{
    if (!blas_handle && !blas_ok(cublasCreate(&blas_handle), "cublasCreate"))
        blas_handle = NULL;
    return blas_handle;
}

/* blocks for a grid-stride loop over n elements */
static unsigned grid(size_t n)
{
    size_t b = (n + NT - 1) / NT;
    return (unsigned)(b < 1 ? 1 : b > 65535 * 8 ? 65535 * 8 : b);
}

#define FOR_EACH(i, n) \
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
         i += (size_t)gridDim.x * blockDim.x)

/* ---- grow-only scratch buffers in device memory ---- */

struct scratch {
    void *p;
    size_t bytes;
};

static void *scratch(struct scratch *s, size_t bytes)
{
    if (bytes <= s->bytes)
        return s->p;
    if (s->p)
        cudaFree(s->p); /* waits for the work that used it */
    s->p = NULL;
    s->bytes = 0;
    if (!cuda_ok(cudaMalloc(&s->p, bytes), "cudaMalloc (scratch)"))
        return NULL;
    s->bytes = bytes;
    return s->p;
}

static struct scratch scr_a, scr_b, scr_att;

/* ---- memory ---- */

static void *cu_alloc(size_t bytes)
{
    void *p = NULL;
    if (cudaMalloc(&p, bytes ? bytes : 4) != cudaSuccess) {
        cudaGetLastError(); /* out of memory is an answer, not a sticky error */
        return NULL;
    }
    if (!cuda_ok(cudaMemset(p, 0, bytes), "cudaMemset")) {
        cudaFree(p);
        return NULL;
    }
    return p;
}

static void cu_free(void *p) { cuda_ok(cudaFree(p), "cudaFree"); }

static void *cu_host_alloc(size_t bytes)
{
    void *p = NULL;
    if (cudaMallocHost(&p, bytes ? bytes : 4) != cudaSuccess) {
        cudaGetLastError();
        return NULL;
    }
    return p;
}

static void cu_host_free(void *p) { cuda_ok(cudaFreeHost(p), "cudaFreeHost"); }

static void cu_to_device(void *dst, const void *src, size_t bytes)
{
    cuda_ok(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "cudaMemcpy host to device");
}

static void cu_to_host(void *dst, const void *src, size_t bytes)
{
    cuda_ok(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy device to host");
}

static void cu_zero(float *p, size_t n) { cuda_ok(cudaMemsetAsync(p, 0, n * sizeof *p, 0), "cudaMemsetAsync"); }

/* timing with CUDA events on the (legacy default) stream: ev_start at timer_start, ev_stop at
 * every sync after it; timing 0: off, 1: started, 2: started and synced since */
static cudaEvent_t ev_start, ev_stop;
static int timing;

static void cu_timer_start(void)
{
    timing = 0;
    if (!ev_start && (!cuda_ok(cudaEventCreate(&ev_start), "cudaEventCreate") ||
                      !cuda_ok(cudaEventCreate(&ev_stop), "cudaEventCreate"))) {
        ev_start = NULL;
        return;
    }
    timing = cuda_ok(cudaEventRecord(ev_start, 0), "cudaEventRecord");
}

static void cu_sync(void)
{
    if (timing && cuda_ok(cudaEventRecord(ev_stop, 0), "cudaEventRecord")) {
        /* the event completes after all work queued before it: a device-wide wait here */
        timing = cuda_ok(cudaEventSynchronize(ev_stop), "kernel") ? 2 : 0;
        return;
    }
    timing = 0;
    cuda_ok(cudaDeviceSynchronize(), "kernel");
}

static double cu_timer_elapsed_s(void)
{
    float ms = 0;
    int ok = timing == 2 && cuda_ok(cudaEventElapsedTime(&ms, ev_start, ev_stop),
                                    "cudaEventElapsedTime");
    timing = 0;
    return ok ? ms / 1e3 : -1.0;
}

static void cu_copy(float *dst, const float *src, size_t n)
{
    cuda_ok(cudaMemcpyAsync(dst, src, n * sizeof *dst, cudaMemcpyDeviceToDevice, 0),
            "cudaMemcpyAsync device to device");
}

__global__ void k_scale(float *x, size_t n, float s)
{
    FOR_EACH(i, n) x[i] *= s;
}

static void cu_scale(float *x, size_t n, float s)
{
    k_scale<<<grid(n), NT>>>(x, n, s);
    launched("scale");
}

__global__ void k_triad(float *a, const float *b, const float *c, float s, size_t n)
{
    FOR_EACH(i, n) a[i] = b[i] + s * c[i];
}

static void cu_triad(float *a, const float *b, const float *c, float s, size_t n)
{
    k_triad<<<grid(n), NT>>>(a, b, c, s, n);
    launched("triad");
}

/* ---- block reductions (blockDim.x a multiple of 32, at most 1024) ---- */

__device__ float warp_sum(float v)
{
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ float warp_max(float v)
{
    for (int o = 16; o > 0; o >>= 1)
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

/* every thread gets the block's sum (max: 1) of v */
__device__ float block_reduce(float v, int max)
{
    __shared__ float sh[32];
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = max ? warp_max(v) : warp_sum(v);
    __syncthreads(); /* sh may still be read by a previous call */
    if (lane == 0)
        sh[w] = v;
    __syncthreads();
    if (w == 0) {
        v = lane < nw ? sh[lane] : (max ? -INFINITY : 0.0f);
        v = max ? warp_max(v) : warp_sum(v);
        if (lane == 0)
            sh[0] = v;
    }
    __syncthreads();
    return sh[0];
}

/* ---- embedding ---- */

__global__ void k_encoder_fwd(float *out, const int *tokens, const float *wte, const float *wpe,
                              int T, int C, size_t n)
{
    FOR_EACH(i, n) {
        size_t bt = i / C, c = i % C;
        float x = wte[(size_t)tokens[bt] * C + c];
        out[i] = wpe ? x + wpe[(bt % T) * C + c] : x;
    }
}

static void cu_encoder_forward(float *out, const int *tokens, const float *wte, const float *wpe,
                               int B, int T, int C)
{
    size_t n = (size_t)B * T * C;
    k_encoder_fwd<<<grid(n), NT>>>(out, tokens, wte, wpe, T, C, n);
    launched("encoder forward");
}

/* rows of dwte collide when a token repeats: atomic adds */
__global__ void k_encoder_bwd(float *dwte, float *dwpe, const float *dout, const int *tokens,
                              int T, int C, size_t n)
{
    FOR_EACH(i, n) {
        size_t bt = i / C, c = i % C;
        atomicAdd(&dwte[(size_t)tokens[bt] * C + c], dout[i]);
        if (dwpe)
            atomicAdd(&dwpe[(bt % T) * C + c], dout[i]);
    }
}

static void cu_encoder_backward(float *dwte, float *dwpe, const float *dout, const int *tokens,
                                int B, int T, int C)
{
    size_t n = (size_t)B * T * C;
    k_encoder_bwd<<<grid(n), NT>>>(dwte, dwpe, dout, tokens, T, C, n);
    launched("encoder backward");
}

/* ---- layernorm and RMSNorm: one block per row ---- */

/* inp (N,C), w, b (C) -> out (N,C), mean (N, not for rms), rstd (N) */
__global__ void k_norm_fwd(float *out, float *mean, float *rstd, const float *inp, const float *w,
                           const float *b, int C, int rms)
{
    const float *x = inp + (size_t)blockIdx.x * C;
    float *y = out + (size_t)blockIdx.x * C;
    float m = 0.0f, v = 0.0f;
    if (!rms) {
        for (int c = threadIdx.x; c < C; c += blockDim.x)
            m += x[c];
        m = block_reduce(m, 0) / C;
    }
    for (int c = threadIdx.x; c < C; c += blockDim.x)
        v += (x[c] - m) * (x[c] - m);
    float s = llmb_norm_rstd(block_reduce(v, 0), C);
    for (int c = threadIdx.x; c < C; c += blockDim.x)
        y[c] = rms ? x[c] * s * w[c] : (x[c] - m) * s * w[c] + b[c];
    if (threadIdx.x == 0) {
        if (!rms)
            mean[blockIdx.x] = m;
        rstd[blockIdx.x] = s;
    }
}

/* dinp (N,C) += rstd (g - mean(g) - xhat mean(g xhat)), g = dout w (mean(g) 0 for rms) */
__global__ void k_norm_bwd_dx(float *dinp, const float *dout, const float *inp, const float *w,
                              const float *mean, const float *rstd, int C, int rms)
{
    size_t row = blockIdx.x;
    const float *x = inp + row * C, *dy = dout + row * C;
    float *dx = dinp + row * C;
    float m = rms ? 0.0f : mean[row], s = rstd[row], gm = 0.0f, gxm = 0.0f;
    for (int c = threadIdx.x; c < C; c += blockDim.x) {
        float g = dy[c] * w[c];
        gm += g;
        gxm += g * (x[c] - m) * s;
    }
    gm = rms ? 0.0f : block_reduce(gm, 0) / C;
    gxm = block_reduce(gxm, 0) / C;
    for (int c = threadIdx.x; c < C; c += blockDim.x)
        dx[c] += llmb_norm_dx(s, dy[c] * w[c], gm, (x[c] - m) * s, gxm);
}

/* dw (C) += sum over rows of dout xhat, db (C) += sum of dout (db NULL: none).  Thread: one
 * column; block y: `rows` rows (column_rows()); one atomic add per column and block. */
__global__ void k_norm_bwd_dw(float *dw, float *db, const float *dout, const float *inp,
                              const float *mean, const float *rstd, int N, int C, int rms,
                              int rows)
{
    int c = blockIdx.x * blockDim.x + threadIdx.x, r0 = blockIdx.y * rows;
    if (c >= C)
        return;
    int r1 = r0 + rows < N ? r0 + rows : N;
    float aw = 0.0f, ab = 0.0f;
    for (int r = r0; r < r1; r++) {
        float d = dout[(size_t)r * C + c];
        aw += d * (inp[(size_t)r * C + c] - (rms ? 0.0f : mean[r])) * rstd[r];
        ab += d;
    }
    atomicAdd(&dw[c], aw);
    if (db)
        atomicAdd(&db[c], ab);
}

/* rows per block of a column reduction over N rows, and its grid */
static int column_rows(int N)
{
    int r = (N + 65534) / 65535;
    return r > ROWS_PER_BLOCK ? r : ROWS_PER_BLOCK;
}

static dim3 column_grid(int N, int C)
{
    int r = column_rows(N);
    return dim3((unsigned)((C + NT - 1) / NT), (unsigned)((N + r - 1) / r));
}

static void norm_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                          const float *w, const float *mean, const float *rstd, int N, int C,
                          int rms)
{
    if (N <= 0 || C <= 0)
        return;
    k_norm_bwd_dx<<<N, NT>>>(dinp, dout, inp, w, mean, rstd, C, rms);
    launched("norm backward (dinp)");
    k_norm_bwd_dw<<<column_grid(N, C), NT>>>(dw, db, dout, inp, mean, rstd, N, C, rms,
                                             column_rows(N));
    launched("norm backward (dw)");
}

static void cu_layernorm_forward(float *out, float *mean, float *rstd, const float *inp,
                                 const float *w, const float *b, int N, int C)
{
    if (N <= 0)
        return;
    k_norm_fwd<<<N, NT>>>(out, mean, rstd, inp, w, b, C, 0);
    launched("layernorm forward");
}

static void cu_layernorm_backward(float *dinp, float *dw, float *db, const float *dout,
                                  const float *inp, const float *w, const float *mean,
                                  const float *rstd, int N, int C)
{
    norm_backward(dinp, dw, db, dout, inp, w, mean, rstd, N, C, 0);
}

static void cu_rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w, int N,
                               int C)
{
    if (N <= 0)
        return;
    k_norm_fwd<<<N, NT>>>(out, NULL, rstd, inp, w, NULL, C, 1);
    launched("rmsnorm forward");
}

static void cu_rmsnorm_backward(float *dinp, float *dw, const float *dout, const float *inp,
                                const float *w, const float *rstd, int N, int C)
{
    norm_backward(dinp, dw, NULL, dout, inp, w, NULL, rstd, N, C, 1);
}

/* ---- GEMM: row-major C = alpha op(A) op(B) + beta C is column-major
 * C^T = alpha op(B)^T op(A)^T + beta C^T: cuBLAS gets B first, N and M swapped ---- */

__global__ void k_to_bf16(uint16_t *dst, const float *src, size_t n)
{
    FOR_EACH(i, n) dst[i] = llmb_bf16_from_float(src[i]);
}

__global__ void k_to_fp16(__half *dst, const float *src, size_t n)
{
    FOR_EACH(i, n) dst[i] = __float2half_rn(src[i]);
}

/* a row-major matrix of `rows` rows of `cols` used columns, leading dimension ld, converted to
 * 16 bits (same ld) in s; NULL on failure */
static void *to_half(struct scratch *s, enum prec p, const float *x, int rows, int cols, int ld)
{
    size_t n = rows > 0 && cols > 0 ? (size_t)(rows - 1) * ld + cols : 1;
    void *h = scratch(s, n * 2);
    if (!h)
        return NULL;
    if (p == P_BF16)
        k_to_bf16<<<grid(n), NT>>>((uint16_t *)h, x, n);
    else
        k_to_fp16<<<grid(n), NT>>>((__half *)h, x, n);
    launched("GEMM operand conversion");
    return h;
}

static void gemm_rm(enum prec p, int ta, int tb, int M, int N, int K, float alpha, const float *A,
                    int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
    cublasHandle_t h = blas();
    if (!h || M <= 0 || N <= 0)
        return;
    cublasOperation_t oa = ta ? CUBLAS_OP_T : CUBLAS_OP_N, ob = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
    if (p == P_FP32 || p == P_TF32) {
        if (!blas_ok(cublasSetMathMode(h, p == P_TF32 ? CUBLAS_TF32_TENSOR_OP_MATH
                                                      : CUBLAS_DEFAULT_MATH),
                     "cublasSetMathMode"))
            return;
        blas_ok(cublasSgemm(h, ob, oa, N, M, K, &alpha, B, ldb, A, lda, &beta, C, ldc),
                "cublasSgemm");
        return;
    }
    /* stored A: (M,K) or, transposed, (K,M); stored B: (K,N) or (N,K) */
    void *Ah = to_half(&scr_a, p, A, ta ? K : M, ta ? M : K, lda);
    void *Bh = to_half(&scr_b, p, B, tb ? N : K, tb ? K : N, ldb);
    cudaDataType_t t = p == P_BF16 ? CUDA_R_16BF : CUDA_R_16F;
    if (!Ah || !Bh || !blas_ok(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH), "cublasSetMathMode"))
        return;
    blas_ok(cublasGemmEx(h, ob, oa, N, M, K, &alpha, Bh, t, ldb, Ah, t, lda, &beta, C, CUDA_R_32F,
                         ldc, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
            "cublasGemmEx");
}

/* the same, batched: matrix i at A + i sa, B + i sb, C + i sc.  Attention's GEMMs: tf32 for
 * the 16-bit tables (their tolerance, 1e-2 and more, leaves room for tf32 errors that the
 * softmax backward's dP - rowsum(P dP) can amplify), fp32 for the fp32 and tf32 tables (1e-3
 * would leave tf32 too little room there) */
static void gemm_rm_batched(enum prec p, int ta, int tb, int M, int N, int K, float alpha,
                            const float *A, int lda, long long sa, const float *B, int ldb,
                            long long sb, float beta, float *C, int ldc, long long sc, int batch)
{
    cublasHandle_t h = blas();
    if (!h || M <= 0 || N <= 0 || batch <= 0)
        return;
    cublasOperation_t oa = ta ? CUBLAS_OP_T : CUBLAS_OP_N, ob = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
    int tf32 = p == P_BF16 || p == P_FP16;
    if (blas_ok(cublasSetMathMode(h, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH),
                "cublasSetMathMode"))
        blas_ok(cublasSgemmStridedBatched(h, ob, oa, N, M, K, &alpha, B, ldb, sb, A, lda, sa,
                                          &beta, C, ldc, sc, batch),
                "cublasSgemmStridedBatched");
}

/* inp (N,C), w (OC,C), bias (OC) -> out (N,OC) */
__global__ void k_bias_add(float *out, const float *bias, int OC, size_t n)
{
    FOR_EACH(i, n) out[i] += bias[i % OC];
}

/* dbias (OC) += column sums of dout (N,OC) */
__global__ void k_colsum(float *dbias, const float *dout, int N, int OC, int rows)
{
    int c = blockIdx.x * blockDim.x + threadIdx.x, r0 = blockIdx.y * rows;
    if (c >= OC)
        return;
    int r1 = r0 + rows < N ? r0 + rows : N;
    float a = 0.0f;
    for (int r = r0; r < r1; r++)
        a += dout[(size_t)r * OC + c];
    atomicAdd(&dbias[c], a);
}

static void matmul_forward(enum prec p, float *out, const float *inp, const float *w,
                           const float *bias, int N, int C, int OC)
{
    gemm_rm(p, 0, 1, N, OC, C, 1.0f, inp, C, w, C, 0.0f, out, OC);
    if (bias && N > 0 && OC > 0) {
        size_t n = (size_t)N * OC;
        k_bias_add<<<grid(n), NT>>>(out, bias, OC, n);
        launched("bias");
    }
}

static void matmul_backward(enum prec p, float *dinp, float *dw, float *dbias, const float *dout,
                            const float *inp, const float *w, int N, int C, int OC)
{
    if (dinp)
        gemm_rm(p, 0, 0, N, C, OC, 1.0f, dout, OC, w, C, 1.0f, dinp, C);
    gemm_rm(p, 1, 0, OC, C, N, 1.0f, dout, OC, inp, C, 1.0f, dw, C);
    if (dbias && N > 0 && OC > 0) {
        k_colsum<<<column_grid(N, OC), NT>>>(dbias, dout, N, OC, column_rows(N));
        launched("bias backward");
    }
}

/* ---- rotary embedding: one thread per pair ---- */

__global__ void k_rope(float *qkv, int T, int NH, int KVH, int HD, double sign, size_t n)
{
    int half = HD / 2, heads = NH + KVH, Cqkv = (NH + 2 * KVH) * HD;
    FOR_EACH(j, n) {
        int i = (int)(j % half);
        size_t hh = j / half;
        int h = (int)(hh % heads);
        size_t bt = hh / heads;
        double th = llmb_rope_theta((int)(bt % T), i, HD, sign);
        float *p = qkv + bt * Cqkv + (size_t)h * HD + 2 * i;
        llmb_rope_rotate(&p[0], &p[1], (float)cos(th), (float)sin(th));
    }
}

static void rope(float *qkv, int B, int T, int NH, int KVH, int HD, double sign)
{
    size_t n = (size_t)B * T * (NH + KVH) * (HD / 2);
    if (!n)
        return;
    k_rope<<<grid(n), NT>>>(qkv, T, NH, KVH, HD, sign, n);
    launched("rope");
}

static void cu_rope_forward(float *qkv, int B, int T, int NH, int KVH, int HD)
{
    rope(qkv, B, T, NH, KVH, HD, 1.0);
}

static void cu_rope_backward(float *dqkv, int B, int T, int NH, int KVH, int HD)
{
    rope(dqkv, B, T, NH, KVH, HD, -1.0);
}

/* ---- attention: S = Q K^T / sqrt(HD) and O = P V as strided-batched GEMMs, one call per
 * query head over the batch; a causal softmax per row of S ---- */

/* att (rows, T): row r is query position t = r % T; scores u <= t -> probabilities, the rest 0 */
__global__ void k_causal_softmax(float *att, int T)
{
    float *a = att + (size_t)blockIdx.x * T;
    int t = (int)(blockIdx.x % T);
    float mx = -INFINITY, sum = 0.0f;
    for (int u = threadIdx.x; u <= t; u += blockDim.x)
        mx = fmaxf(mx, a[u]);
    mx = block_reduce(mx, 1);
    for (int u = threadIdx.x; u <= t; u += blockDim.x) {
        float e = llmb_expf(a[u] - mx);
        a[u] = e;
        sum += e;
    }
    float inv = 1.0f / block_reduce(sum, 0);
    for (int u = threadIdx.x; u < T; u += blockDim.x)
        a[u] = u <= t ? a[u] * inv : 0.0f;
}

/* dp (rows, T) -> ds = p (dp - sum_u p dp) scale, in place; 0 beyond the diagonal */
__global__ void k_causal_softmax_bwd(float *dp, const float *att, int T, float scale)
{
    float *d = dp + (size_t)blockIdx.x * T;
    const float *p = att + (size_t)blockIdx.x * T;
    int t = (int)(blockIdx.x % T);
    float r = 0.0f;
    for (int u = threadIdx.x; u <= t; u += blockDim.x)
        r += p[u] * d[u];
    r = block_reduce(r, 0);
    for (int u = threadIdx.x; u < T; u += blockDim.x)
        d[u] = u <= t ? p[u] * (d[u] - r) * scale : 0.0f;
}

static void attention_forward(enum prec p, float *out, float *att, const float *qkv, int B, int T,
                              int NH, int KVH, int HD)
{
    int Cqkv = (NH + 2 * KVH) * HD, C = NH * HD, grp = NH / KVH;
    long long sq = (long long)T * Cqkv, satt = (long long)NH * T * T, so = (long long)T * C;
    float scale = 1.0f / sqrtf((float)HD);
    if (B <= 0 || T <= 0)
        return;
    for (int h = 0; h < NH; h++) { /* S_bh (T,T) = scale Q_bh (T,HD) K_b,kh^T */
        const float *q = qkv + (size_t)h * HD, *k = qkv + C + (size_t)(h / grp) * HD;
        gemm_rm_batched(p, 0, 1, T, T, HD, scale, q, Cqkv, sq, k, Cqkv, sq, 0.0f,
                        att + (size_t)h * T * T, T, satt, B);
    }
    k_causal_softmax<<<(unsigned)((size_t)B * NH * T), NT>>>(att, T);
    launched("attention softmax");
    for (int h = 0; h < NH; h++) { /* O_bh (T,HD) = P_bh (T,T) V_b,kh (T,HD) */
        const float *v = qkv + C + (size_t)KVH * HD + (size_t)(h / grp) * HD;
        gemm_rm_batched(p, 0, 0, T, HD, T, 1.0f, att + (size_t)h * T * T, T, satt, v, Cqkv, sq,
                        0.0f, out + (size_t)h * HD, C, so, B);
    }
}

/* dP = dO V^T; dS = P (dP - rowsum(P dP)) / sqrt(HD); dQ += dS K; dK += dS^T Q; dV += P^T dO.
 * The query heads of one kv head run one after the other (one stream), so their dK, dV adds
 * never race. */
static void attention_backward(enum prec p, float *dqkv, const float *dout, const float *qkv,
                               const float *att, int B, int T, int NH, int KVH, int HD)
{
    int Cqkv = (NH + 2 * KVH) * HD, C = NH * HD, grp = NH / KVH;
    long long sq = (long long)T * Cqkv, satt = (long long)NH * T * T, so = (long long)T * C;
    float scale = 1.0f / sqrtf((float)HD);
    if (B <= 0 || T <= 0)
        return;
    float *dp = (float *)scratch(&scr_att, (size_t)B * NH * T * T * sizeof(float));
    if (!dp)
        return;
    for (int h = 0; h < NH; h++) {
        const float *v = qkv + C + (size_t)KVH * HD + (size_t)(h / grp) * HD;
        gemm_rm_batched(p, 0, 1, T, T, HD, 1.0f, dout + (size_t)h * HD, C, so, v, Cqkv, sq, 0.0f,
                        dp + (size_t)h * T * T, T, satt, B);
    }
    k_causal_softmax_bwd<<<(unsigned)((size_t)B * NH * T), NT>>>(dp, att, T, scale);
    launched("attention softmax backward");
    for (int h = 0; h < NH; h++) {
        size_t qo = (size_t)h * HD, ko = C + (size_t)(h / grp) * HD,
               vo = C + (size_t)KVH * HD + (size_t)(h / grp) * HD;
        const float *ds = dp + (size_t)h * T * T, *pr = att + (size_t)h * T * T;
        gemm_rm_batched(p, 0, 0, T, HD, T, 1.0f, ds, T, satt, qkv + ko, Cqkv, sq, 1.0f,
                        dqkv + qo, Cqkv, sq, B);
        gemm_rm_batched(p, 1, 0, T, HD, T, 1.0f, ds, T, satt, qkv + qo, Cqkv, sq, 1.0f,
                        dqkv + ko, Cqkv, sq, B);
        gemm_rm_batched(p, 1, 0, T, HD, T, 1.0f, pr, T, satt, dout + qo, C, so, 1.0f,
                        dqkv + vo, Cqkv, sq, B);
    }
}

/* ---- elementwise ---- */

__global__ void k_residual_fwd(float *out, const float *a, const float *b, size_t n)
{
    FOR_EACH(i, n) out[i] = a[i] + b[i];
}

__global__ void k_residual_bwd(float *da, float *db, const float *dout, size_t n)
{
    FOR_EACH(i, n) {
        da[i] += dout[i];
        db[i] += dout[i];
    }
}

__global__ void k_gelu_fwd(float *out, const float *inp, size_t n)
{
    FOR_EACH(i, n) out[i] = llmb_gelu(inp[i]);
}

__global__ void k_gelu_bwd(float *dinp, const float *inp, const float *dout, size_t n)
{
    FOR_EACH(i, n) dinp[i] += llmb_gelu_grad(inp[i]) * dout[i];
}

/* inp (N,2F) [gate | up] -> out (N,F) */
__global__ void k_swiglu_fwd(float *out, const float *inp, int F, size_t n)
{
    FOR_EACH(i, n) {
        size_t r = i / F, j = i % F;
        out[i] = llmb_swiglu(inp[r * 2 * F + j], inp[r * 2 * F + F + j]);
    }
}

__global__ void k_swiglu_bwd(float *dinp, const float *inp, const float *dout, int F, size_t n)
{
    FOR_EACH(i, n) {
        size_t r = i / F, j = i % F, g = r * 2 * F + j;
        float dg, du;
        llmb_swiglu_grad(inp[g], inp[g + F], dout[i], &dg, &du);
        dinp[g] += dg;
        dinp[g + F] += du;
    }
}

static void cu_residual_forward(float *out, const float *a, const float *b, size_t n)
{
    k_residual_fwd<<<grid(n), NT>>>(out, a, b, n);
    launched("residual forward");
}

static void cu_residual_backward(float *da, float *db, const float *dout, size_t n)
{
    k_residual_bwd<<<grid(n), NT>>>(da, db, dout, n);
    launched("residual backward");
}

static void cu_gelu_forward(float *out, const float *inp, size_t n)
{
    k_gelu_fwd<<<grid(n), NT>>>(out, inp, n);
    launched("gelu forward");
}

static void cu_gelu_backward(float *dinp, const float *inp, const float *dout, size_t n)
{
    k_gelu_bwd<<<grid(n), NT>>>(dinp, inp, dout, n);
    launched("gelu backward");
}

static void cu_swiglu_forward(float *out, const float *inp, int N, int F)
{
    size_t n = (size_t)N * F;
    k_swiglu_fwd<<<grid(n), NT>>>(out, inp, F, n);
    launched("swiglu forward");
}

static void cu_swiglu_backward(float *dinp, const float *inp, const float *dout, int N, int F)
{
    size_t n = (size_t)N * F;
    k_swiglu_bwd<<<grid(n), NT>>>(dinp, inp, dout, F, n);
    launched("swiglu backward");
}

/* ---- softmax + cross-entropy: one block per row; probs may alias logits ---- */

__global__ void k_softmax_xent_fwd(float *probs, float *losses, const float *logits,
                                   const int *targets, int V)
{
    size_t row = blockIdx.x;
    const float *x = logits + row * V;
    float *p = probs + row * V;
    float xt = x[targets[row]]; /* read by every thread before any write below */
    float mx = -INFINITY, sum = 0.0f;
    for (int v = threadIdx.x; v < V; v += blockDim.x)
        mx = fmaxf(mx, x[v]);
    mx = block_reduce(mx, 1); /* a barrier: every read of x above is done */
    for (int v = threadIdx.x; v < V; v += blockDim.x) {
        float e = llmb_expf(x[v] - mx);
        p[v] = e;
        sum += e;
    }
    sum = block_reduce(sum, 0);
    float inv = 1.0f / sum;
    for (int v = threadIdx.x; v < V; v += blockDim.x)
        p[v] *= inv;
    if (threadIdx.x == 0)
        losses[row] = llmb_xent_loss(sum, xt, mx);
}

__global__ void k_softmax_xent_bwd(float *dlogits, const float *probs, const int *targets,
                                   float dloss, int V, size_t n)
{
    FOR_EACH(i, n) dlogits[i] = llmb_xent_grad(probs[i], (int)(i % V) == targets[i / V], dloss);
}

static void cu_softmax_xent_forward(float *probs, float *losses, const float *logits,
                                    const int *targets, int N, int V)
{
    if (N <= 0)
        return;
    k_softmax_xent_fwd<<<N, NT>>>(probs, losses, logits, targets, V);
    launched("softmax cross-entropy forward");
}

static void cu_softmax_xent_backward(float *dlogits, const float *probs, const int *targets,
                                     float dloss, int N, int V)
{
    size_t n = (size_t)N * V;
    k_softmax_xent_bwd<<<grid(n), NT>>>(dlogits, probs, targets, dloss, V, n);
    launched("softmax cross-entropy backward");
}

/* ---- AdamW: fp32 master weights, fp32 moments ---- */

__global__ void k_adamw(float *params, const float *grads, float *m, float *v, size_t n, float lr,
                        float beta1, float beta2, float eps, float wd, float bc1, float bc2)
{
    FOR_EACH(i, n) llmb_adamw_update(&params[i], &m[i], &v[i], grads[i], lr, beta1, beta2, eps,
                                     wd, bc1, bc2);
}

static void cu_adamw(float *params, const float *grads, float *m, float *v, size_t n, float lr,
                     float beta1, float beta2, float eps, float wd, int t)
{
    k_adamw<<<grid(n), NT>>>(params, grads, m, v, n, lr, beta1, beta2, eps, wd,
                             llmb_adamw_bias_correction(beta1, t),
                             llmb_adamw_bias_correction(beta2, t));
    launched("adamw");
}

/* ---- the four tables: the same kernels, GEMMs in their precision ---- */

#define PRECISION_ENTRIES(P, tag)                                                               \
    static void gemm_##tag(int ta, int tb, int M, int N, int K, float alpha, const float *A,   \
                           int lda, const float *B, int ldb, float beta, float *C, int ldc)    \
    {                                                                                           \
        gemm_rm(P, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);                       \
    }                                                                                           \
    static void matmul_fwd_##tag(float *out, const float *inp, const float *w, const float *b, \
                                 int N, int C, int OC)                                          \
    {                                                                                           \
        matmul_forward(P, out, inp, w, b, N, C, OC);                                            \
    }                                                                                           \
    static void matmul_bwd_##tag(float *dinp, float *dw, float *db, const float *dout,          \
                                 const float *inp, const float *w, int N, int C, int OC)        \
    {                                                                                           \
        matmul_backward(P, dinp, dw, db, dout, inp, w, N, C, OC);                               \
    }                                                                                           \
    static void attn_fwd_##tag(float *out, float *att, const float *qkv, int B, int T, int NH,  \
                               int KVH, int HD)                                                 \
    {                                                                                           \
        attention_forward(P, out, att, qkv, B, T, NH, KVH, HD);                                 \
    }                                                                                           \
    static void attn_bwd_##tag(float *dqkv, const float *dout, const float *qkv,                \
                               const float *att, int B, int T, int NH, int KVH, int HD)         \
    {                                                                                           \
        attention_backward(P, dqkv, dout, qkv, att, B, T, NH, KVH, HD);                         \
    }

PRECISION_ENTRIES(P_BF16, bf16)
PRECISION_ENTRIES(P_FP16, fp16)
PRECISION_ENTRIES(P_TF32, tf32)
PRECISION_ENTRIES(P_FP32, fp32)

/* relative L2 tolerances: the issue's 1e-5 (fp32), 1e-3 (tf32), 2e-2 (bf16); fp16 keeps 3 more
 * mantissa bits than bf16: 1e-2 */
#define TABLE(tag, prec_name, gtol)                                                             \
    extern "C" const struct llmb_kernels llmb_kernels_cuda_##tag = {                            \
        .name = "cuda-" #tag, .precision = prec_name, .tol = 1e-5, .gemm_tol = gtol,            \
        .alloc = cu_alloc, .free = cu_free, .to_device = cu_to_device, .to_host = cu_to_host,   \
        .zero = cu_zero, .sync = cu_sync, .copy = cu_copy, .scale = cu_scale,                   \
        .triad = cu_triad, .encoder_forward = cu_encoder_forward,                               \
        .encoder_backward = cu_encoder_backward, .layernorm_forward = cu_layernorm_forward,     \
        .layernorm_backward = cu_layernorm_backward, .rmsnorm_forward = cu_rmsnorm_forward,     \
        .rmsnorm_backward = cu_rmsnorm_backward, .gemm = gemm_##tag,                            \
        .matmul_forward = matmul_fwd_##tag, .matmul_backward = matmul_bwd_##tag,                \
        .rope_forward = cu_rope_forward, .rope_backward = cu_rope_backward,                     \
        .attention_forward = attn_fwd_##tag, .attention_backward = attn_bwd_##tag,              \
        .residual_forward = cu_residual_forward, .residual_backward = cu_residual_backward,     \
        .gelu_forward = cu_gelu_forward, .gelu_backward = cu_gelu_backward,                     \
        .swiglu_forward = cu_swiglu_forward, .swiglu_backward = cu_swiglu_backward,             \
        .softmax_xent_forward = cu_softmax_xent_forward,                                        \
        .softmax_xent_backward = cu_softmax_xent_backward, .adamw = cu_adamw,                   \
        .timer_start = cu_timer_start, .timer_elapsed_s = cu_timer_elapsed_s,                   \
        .host_alloc = cu_host_alloc, .host_free = cu_host_free,                                 \
    };

TABLE(bf16, "bf16", 2e-2)
TABLE(fp16, "fp16", 1e-2)
TABLE(tf32, "tf32", 1e-3)
TABLE(fp32, "fp32", 1e-5)

/* ---- the device ---- */

extern "C" int llmb_cuda_available(char *why, size_t len)
{
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        snprintf(why, len, "no CUDA device (cudaGetDeviceCount: %s)", cudaGetErrorString(e));
        cudaGetLastError();
        return -1;
    }
    if (n < 1) {
        snprintf(why, len, "no CUDA device (cudaGetDeviceCount: 0 devices visible)");
        return -1;
    }
    return 0;
}

extern "C" int llmb_cuda_select_device(int node_rank, int node_size, char *what, size_t len)
{
    int n = 0, dev;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n < 1) {
        snprintf(what, len, "no CUDA device (cudaGetDeviceCount: %s)",
                 e != cudaSuccess ? cudaGetErrorString(e) : "0 devices visible");
        return -1;
    }
    if (node_size > n) {
        snprintf(what, len, "%d ranks on this node but %d CUDA device%s visible: run one rank "
                 "per GPU (mpirun --map-by ppr:%d:node)", node_size, n, n == 1 ? "" : "s", n);
        return -1;
    }
    dev = node_rank;
    char busid[32] = "unknown";
    struct cudaDeviceProp prop;
    if ((e = cudaSetDevice(dev)) != cudaSuccess ||
        (e = cudaGetDeviceProperties(&prop, dev)) != cudaSuccess) {
        snprintf(what, len, "CUDA device %d: %s", dev, cudaGetErrorString(e));
        return -1;
    }
    cudaDeviceGetPCIBusId(busid, (int)sizeof busid, dev);
    if (!blas()) {
        snprintf(what, len, "CUDA device %d (%s): cublasCreate failed", dev, busid);
        return -1;
    }
    snprintf(what, len, "CUDA device %d (%s, %s)", dev, busid, prop.name);
    return 0;
}

/* dense FLOP per clock per SM: fp32 (CUDA cores), tf32, bf16/fp16 (tensor cores); tc_clock: the
 * fraction of the peak clock (cudaDevAttrClockRate) the tensor cores' dense rate holds at */
struct arch_rate {
    int major, minor;
    double fp32, tf32, half, tc_clock;
};

static const struct arch_rate rates[] = {
    /* A100: 19.5 / 156 / 312 TFLOP/s at 108 SMs, 1.41 GHz (its peak clock) */
    {8, 0, 128, 1024, 2048, 1.0},
    /* H100/H200 SXM: 67 TFLOP/s fp32 at 132 SMs and the 1.98 GHz peak clock, but 495 / 989
     * TFLOP/s tf32 / bf16 at 1.83 GHz: the H100 white paper's tensor-core boost clock (SXM5
     * 1830 of 1980 MHz, PCIe 1620 of 1755 MHz: both 0.924 of the peak clock) */
    {9, 0, 256, 2048, 4096, 1830.0 / 1980.0},
};

extern "C" double llmb_cuda_peak_gflops(int major, int minor, int sms, int khz, const char *prec,
                                        char *deriv, size_t len)
{
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        if (rates[i].major == major && rates[i].minor == minor) {
            int fp32 = strcmp(prec, "fp32") == 0;
            double per = fp32 ? rates[i].fp32 : strcmp(prec, "tf32") == 0 ? rates[i].tf32
                                                                            : rates[i].half;
            double ghz = khz / 1e6 * (fp32 ? 1.0 : rates[i].tc_clock);
            double g = sms * ghz * per;
            snprintf(deriv, len, "sm_%d%d: %d SMs x %.3f GHz (%s) x %.0f dense %s "
                     "FLOP/cycle/SM = %.1f GFLOP/s", major, minor, sms, ghz,
                     fp32 || rates[i].tc_clock == 1.0 ? "peak clock" : "tensor-core clock", per,
                     prec, g);
            return g;
        }
    snprintf(deriv, len, "unknown: sm_%d%d, whose FLOP/cycle/SM this build does not know (sm_80 "
             "and sm_90 only)", major, minor);
    return 0;
}

extern "C" double llmb_cuda_nominal_peak_gflops(const char *prec, char *deriv, size_t len)
{
    int dev = 0, sms = 0, khz = 0, major = 0, minor = 0;
    if (cudaGetDevice(&dev) != cudaSuccess ||
        cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess ||
        cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, dev) != cudaSuccess ||
        cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev) != cudaSuccess ||
        cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, dev) != cudaSuccess) {
        cudaGetLastError();
        snprintf(deriv, len, "unknown: the device's attributes cannot be read");
        return 0;
    }
    char how[200];
    double g = llmb_cuda_peak_gflops(major, minor, sms, khz, prec, how, sizeof how);
    if (g > 0)
        snprintf(deriv, len, "CUDA device %d, %s", dev, how);
    else
        snprintf(deriv, len, "%s (CUDA device %d)", how, dev);
    return g;
}
