/* kernels/kernels.h - the transformer kernel interface every backend implements.
 *
 * A backend is one table of function pointers (struct llmb_kernels):
 *   llmb_kernels_cpu   kernels/cpu/   OpenMP + CBLAS sgemm, fp32
 *   llmb_kernels_ref   kernels/ref/   naive loops, single thread, double accumulators: the
 *                                     obviously correct reference every kernel is checked against
 *   llmb_kernels_cuda_*  kernels/cuda/  cuBLAS GEMMs in bf16/fp16/tf32/fp32, own fp32 kernels
 *                                     (kernels/cuda/cuda.h); its pointers are device pointers
 *
 * Conventions (llm.c style):
 * - fp32 everywhere; N = B*T rows (tokens); row-major, the last dimension contiguous.
 * - Weights (OC,C): out = inp @ W^T + bias, one output channel's weights contiguous.
 * - Every backward ACCUMULATES (+=) into its input gradients and its parameter gradients,
 *   except softmax_xent_backward, which writes dlogits (it may alias probs).
 * - Pointers are in the backend's memory (alloc/to_device/to_host); for cpu and ref that is
 *   ordinary host memory.
 * - Kernels create no more threads than omp_get_max_threads() (the driver sets it to the PUs
 *   of the rank's binding).  The CPU backend threads its GEMMs itself with OpenMP and runs
 *   OpenBLAS single-threaded (it sets that at its first GEMM): two thread pools on the same
 *   PUs, one spinning while the other works, cost up to 2x.
 */
#ifndef LLMB_KERNELS_H
#define LLMB_KERNELS_H

#include <stddef.h>
#include <stdint.h>

struct llmb_kernels {
    const char *name;                        /* "cpu", "ref", "cuda-bf16", ... */
    /* The precision its GEMMs (gemm, matmul) run in, the peak MFU is held to: "fp32", "tf32",
     * "bf16", "fp16" (NULL: fp32); and the relative L2 error its kernels may have against the
     * reference (0: LLMB_KERNEL_TOL): gemm_tol for gemm, matmul and attention, tol for every
     * other kernel (llmb_kernel_tol()). */
    const char *precision;
    double tol, gemm_tol;

    /* memory */
    void *(*alloc)(size_t bytes);            /* zeroed; NULL on failure */
    void (*free)(void *p);
    void (*to_device)(void *dst, const void *host_src, size_t bytes);
    void (*to_host)(void *host_dst, const void *src, size_t bytes);
    void (*zero)(float *p, size_t n);
    void (*sync)(void);                      /* wait for queued kernels (timing) */
    /* dst (n) = src (n), both backend memory (may not overlap) */
    void (*copy)(float *dst, const float *src, size_t n);
    /* x (n) *= s */
    void (*scale)(float *x, size_t n, float s);
    /* a (n) = b (n) + s * c (n): the memory-bandwidth probe, 12 bytes/element */
    void (*triad)(float *a, const float *b, const float *c, float s, size_t n);

    /* token (+ position) embedding
     * fwd: tokens (B,T), wte (V,C), wpe (maxT,C) or NULL -> out (B,T,C)
     * bwd: dout (B,T,C), tokens -> dwte (V,C) +=, dwpe (maxT,C) += (dwpe NULL: none) */
    void (*encoder_forward)(float *out, const int *tokens, const float *wte, const float *wpe,
                            int B, int T, int C);
    void (*encoder_backward)(float *dwte, float *dwpe, const float *dout, const int *tokens,
                             int B, int T, int C);

    /* LayerNorm, eps 1e-5
     * fwd: inp (N,C), w (C), b (C) -> out (N,C), mean (N), rstd (N)
     * bwd: dout (N,C), inp, w, mean, rstd -> dinp (N,C) +=, dw (C) +=, db (C) += */
    void (*layernorm_forward)(float *out, float *mean, float *rstd, const float *inp,
                              const float *w, const float *b, int N, int C);
    void (*layernorm_backward)(float *dinp, float *dw, float *db, const float *dout,
                               const float *inp, const float *w, const float *mean,
                               const float *rstd, int N, int C);

    /* RMSNorm, eps 1e-5
     * fwd: inp (N,C), w (C) -> out (N,C), rstd (N)
     * bwd: dout (N,C), inp, w, rstd -> dinp (N,C) +=, dw (C) += */
    void (*rmsnorm_forward)(float *out, float *rstd, const float *inp, const float *w, int N,
                            int C);
    void (*rmsnorm_backward)(float *dinp, float *dw, const float *dout, const float *inp,
                             const float *w, const float *rstd, int N, int C);

    /* general matrix multiply, row-major: C (M,N) = alpha op(A) op(B) + beta C with
     * op(A) (M,K), op(B) (K,N); ta/tb 1: transposed.  The GEMM sweep and the measured peak
     * go through this, so they see the same threading as the model's projections. */
    void (*gemm)(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
                 const float *B, int ldb, float beta, float *C, int ldc);

    /* projection
     * fwd: inp (N,C), w (OC,C), bias (OC) or NULL -> out (N,OC) = inp @ w^T + bias
     * bwd: dout (N,OC), inp, w -> dinp (N,C) += dout @ w, dw (OC,C) += dout^T @ inp,
     *      dbias (OC) += column sums of dout (dbias NULL: no bias) */
    void (*matmul_forward)(float *out, const float *inp, const float *w, const float *bias,
                           int N, int C, int OC);
    void (*matmul_backward)(float *dinp, float *dw, float *dbias, const float *dout,
                            const float *inp, const float *w, int N, int C, int OC);

    /* rotary position embedding (base 10000, pairs (2i, 2i+1) of each head), in place on the
     * query and key parts of qkv (B,T,Cqkv), Cqkv = (NH + 2*KVH)*HD, layout [q | k | v].
     * fwd rotates by +theta; bwd applies the inverse rotation to dqkv (its q and k parts) */
    void (*rope_forward)(float *qkv, int B, int T, int NH, int KVH, int HD);
    void (*rope_backward)(float *dqkv, int B, int T, int NH, int KVH, int HD);

    /* causal multi-head attention, grouped kv heads (query head h uses kv head h/(NH/KVH))
     * fwd: qkv (B,T,Cqkv) -> out (B,T,NH*HD), att (B,NH,T,T) softmax probabilities
     *      (row t holds t+1 valid entries; the rest are 0)
     * bwd: dout (B,T,NH*HD), qkv, att -> dqkv (B,T,Cqkv) += ; O(T^2*HD) per head */
    void (*attention_forward)(float *out, float *att, const float *qkv, int B, int T, int NH,
                              int KVH, int HD);
    void (*attention_backward)(float *dqkv, const float *dout, const float *qkv,
                               const float *att, int B, int T, int NH, int KVH, int HD);

    /* residual: fwd a (n), b (n) -> out (n) = a + b;  bwd dout (n) -> da +=, db += */
    void (*residual_forward)(float *out, const float *a, const float *b, size_t n);
    void (*residual_backward)(float *da, float *db, const float *dout, size_t n);

    /* GELU, tanh approximation: fwd inp (n) -> out (n); bwd inp, dout -> dinp (n) += */
    void (*gelu_forward)(float *out, const float *inp, size_t n);
    void (*gelu_backward)(float *dinp, const float *inp, const float *dout, size_t n);

    /* SwiGLU: fwd inp (N,2F) = [gate | up] per row -> out (N,F) = silu(gate) * up
     *         bwd inp, dout (N,F) -> dinp (N,2F) += */
    void (*swiglu_forward)(float *out, const float *inp, int N, int F);
    void (*swiglu_backward)(float *dinp, const float *inp, const float *dout, int N, int F);

    /* softmax + cross-entropy
     * fwd: logits (N,V), targets (N) -> probs (N,V) (may alias logits), losses (N)
     * bwd: probs (N,V), targets, dloss (one scalar: dL/dloss_n, e.g. 1/N) ->
     *      dlogits (N,V) = (probs - onehot) * dloss, WRITTEN (may alias probs) */
    void (*softmax_xent_forward)(float *probs, float *losses, const float *logits,
                                 const int *targets, int N, int V);
    void (*softmax_xent_backward)(float *dlogits, const float *probs, const int *targets,
                                  float dloss, int N, int V);

    /* AdamW (decoupled weight decay), step t >= 1:
     * params (n), grads (n), m (n), v (n) updated in place */
    void (*adamw)(float *params, const float *grads, float *m, float *v, size_t n, float lr,
                  float beta1, float beta2, float eps, float weight_decay, int t);

    /* Optional, last (NULL: callers time with a wall clock around the call and its sync):
     * device-side timing.  timer_start() marks the start on the device's queue;
     * timer_elapsed_s() returns the seconds from that mark to the last sync() after it, on the
     * device's clock (CUDA events), or -1 when there was no such sync or the device cannot
     * tell; each start is read once. */
    void (*timer_start)(void);
    double (*timer_elapsed_s)(void);
    /* Optional (NULL: malloc/free): page-locked host memory for copies to and from the device
     * at full link speed (cudaMallocHost); NULL when it cannot be had. */
    void *(*host_alloc)(size_t bytes);
    void (*host_free)(void *p);
};

extern const struct llmb_kernels llmb_kernels_cpu;
extern const struct llmb_kernels llmb_kernels_ref;

/* ---- kernel catalogue, FLOP and byte accounting (kernels/cost.c) ---- */

enum llmb_kernel_id {
    LLMB_K_ENCODER,
    LLMB_K_LAYERNORM,
    LLMB_K_RMSNORM,
    LLMB_K_MATMUL,
    LLMB_K_ROPE,
    LLMB_K_ATTENTION,
    LLMB_K_RESIDUAL,
    LLMB_K_GELU,
    LLMB_K_SWIGLU,
    LLMB_K_SOFTMAX_XENT,
    LLMB_K_ADAMW,
    LLMB_K_GEMM,
    LLMB_K_COPY,
    LLMB_K_SCALE,
    LLMB_K_TRIAD,
    LLMB_K_COUNT
};

/* The shape one kernel call sees.  N = B*T.  Fields a kernel does not use are ignored:
 *   encoder B,T,C,pos (1: with wpe) | layernorm, rmsnorm N,C | matmul N,C,OC,bias |
 *   rope B,T,NH,KVH,HD | attention B,T,NH,KVH,HD | residual, gelu n | swiglu N,F |
 *   softmax_xent N,V | adamw n | gemm M = N, N = OC, K = C, ta, tb (C = op(A) op(B)) |
 *   copy, scale, triad n */
struct llmb_kshape {
    int B, T, C, OC, NH, KVH, HD, F, V;
    int N;
    int bias, pos;
    int ta, tb;
    size_t n;
};

const char *llmb_kernel_name(enum llmb_kernel_id id);   /* "matmul", ... */

/* FLOPs and compulsory memory traffic (bytes: every input read once, every output written
 * once, an accumulated (+=) output read and written) of one call.  bwd 0: forward, 1:
 * backward.  Counting rules in kernels/cost.c; transcendental functions count 1 FLOP. */
void llmb_kernel_cost(enum llmb_kernel_id id, int bwd, const struct llmb_kshape *s,
                      double *flops, double *bytes);

/* ---- validation (kernels/validate.c) ---- */

/* The relative L2 error a kernel may have against its reference, and still be timed. */
#define LLMB_KERNEL_TOL 1e-4

/* The relative L2 error kernel id of backend k may have (its tol or gemm_tol, else
 * LLMB_KERNEL_TOL).  Callers refuse a kernel unless err <= this: NaN never passes. */
double llmb_kernel_tol(const struct llmb_kernels *k, enum llmb_kernel_id id);

/* ||x - ref|| / max(||ref||, tiny), accumulated in double. */
double llmb_rel_l2(const float *x, const float *ref, size_t n);

/* Run kernel `id` (pass bwd) of backend k and of the reference on the same random inputs
 * (from seed; for gemm and matmul of a table with bf16 GEMMs, values rounded to bf16 and
 * upcast) at shape s and store the worst relative L2 error over its outputs in *err.
 * Returns 0, or -1 (message printed) when memory runs out. */
int llmb_kernel_validate(const struct llmb_kernels *k, enum llmb_kernel_id id, int bwd,
                         const struct llmb_kshape *s, uint64_t seed, double *err);

/* A kernel call ready to be timed: operands of shape s allocated in the backend's memory and
 * filled with random values (a backward's saved forward products computed by the backend's
 * forward).  Each llmb_kernel_run_call() runs the kernel once and waits for it (k->sync). */
struct llmb_kernel_run;
struct llmb_kernel_run *llmb_kernel_run_new(const struct llmb_kernels *k, enum llmb_kernel_id id,
                                            int bwd, const struct llmb_kshape *s, uint64_t seed);
void llmb_kernel_run_call(struct llmb_kernel_run *r);
void llmb_kernel_run_free(struct llmb_kernel_run *r);

/* deterministic random numbers: uniform in [lo, hi) from lib/util.c's llmb_splitmix64, the
 * generator of every synthetic input (24 random bits per value) */
void llmb_fill_uniform(float *x, size_t n, float lo, float hi, uint64_t *state);

#endif
