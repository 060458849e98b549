/* kernels/cuda/cuda.h - the CUDA backend's kernel tables (kernels/cuda/cuda.cu; built only with
 * LLMB_HAVE_CUDA) and its device facts.  No MPI.
 *
 * The tables keep the fp32 float* interface of kernels/kernels.h (pointers are device
 * pointers); they differ only in the precision of their GEMMs (gemm, matmul):
 *   llmb_kernels_cuda_bf16  operands rounded to bf16 (round to nearest even,
 *                           llmb_bf16_from_float), cublasGemmEx, fp32 accumulate and output
 *   llmb_kernels_cuda_fp16  the same with fp16 operands (__float2half_rn)
 *   llmb_kernels_cuda_tf32  cublasSgemm in CUBLAS_TF32_TENSOR_OP_MATH
 *   llmb_kernels_cuda_fp32  cublasSgemm, CUBLAS_DEFAULT_MATH (fp32 FMA, no tensor cores)
 * Attention's batched GEMMs run in tf32 in the bf16 and fp16 tables, in fp32 in the others; every
 * other kernel (norms, GELU, SwiGLU, RoPE, softmax, residual, AdamW with fp32 moments and fp32
 * master weights) is fp32 in all four, its per-element math from kernels/math.h.
 * All work is queued on the legacy default stream; k->sync waits for it. */
#ifndef LLMB_KERNELS_CUDA_H
#define LLMB_KERNELS_CUDA_H

#include <stddef.h>

#include "kernels/kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const struct llmb_kernels llmb_kernels_cuda_bf16;
extern const struct llmb_kernels llmb_kernels_cuda_fp16;
extern const struct llmb_kernels llmb_kernels_cuda_tf32;
extern const struct llmb_kernels llmb_kernels_cuda_fp32;

/* Is a CUDA device visible to this process (CUDA_VISIBLE_DEVICES respected)?  0, or -1 with
 * the reason in why: "no CUDA device (cudaGetDeviceCount: <CUDA's message>)". */
int llmb_cuda_available(char *why, size_t len);

/* Make device node_rank (of node_size ranks on this node) this process's device and create the
 * cuBLAS handle.  0 with "CUDA device <ordinal> (<PCI bus id>, <name>)" in what, or -1 with
 * the reason in what: no device, or more ranks on the node than devices visible (NCCL cannot
 * put two ranks of a communicator on one GPU, and two ranks sharing one would halve what each
 * measures). */
int llmb_cuda_select_device(int node_rank, int node_size, char *what, size_t len);

/* Nominal dense peak (GFLOP/s = 1e9 FLOP/s) of the selected device for the GEMM precision
 * prec ("bf16", "fp16", "tf32", "fp32"): SMs x peak clock x FLOP per clock per SM of its
 * architecture (known for sm_80 and sm_90); the derivation in deriv; 0 when unknown. */
double llmb_cuda_nominal_peak_gflops(const char *prec, char *deriv, size_t len);

/* The same from the device's facts (no device needed): compute capability major.minor, sms SMs,
 * peak clock khz (cudaDevAttrClockRate, kHz); the tensor-core precisions at the clock their dense
 * rate is specified at (sm_90: 0.924 of the peak clock).  0 with "unknown: ..." in deriv for
 * another architecture. */
double llmb_cuda_peak_gflops(int major, int minor, int sms, int khz, const char *prec,
                             char *deriv, size_t len);

#ifdef __cplusplus
}
#endif

#endif
