/* bench/backend.c - the backend registry (one line per backend) and staged buffers. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "error.h"
#include "util.h"
#include "cluster/machine.h"
#ifdef LLMB_HAVE_CUDA
#include "kernels/cuda/cuda.h"
#endif

static int always(char *why, size_t len)
{
    (void)why;
    (void)len;
    return 0;
}

static const struct llmb_backend cpu = {
    .name = "cpu", .what = "OpenMP + CBLAS kernels in fp32, MPI collectives on host memory",
    .k = &llmb_kernels_cpu, .coll = &llmb_coll_mpi, .host_memory = 1, .available = always,
    .nominal_peak_gflops = llmb_cpu_nominal_peak_gflops,
};

#ifdef LLMB_HAVE_CUDA
/* One rank per GPU; GEMMs in bf16 (the default), fp16, tf32 or fp32 (kernels/cuda/cuda.h).
 * Collectives: NCCL's where configure found NCCL (they order themselves after the kernels'
 * legacy default stream, NCCL's default compute stream), else MPI's on device memory, which
 * needs a CUDA-aware MPI. */
#ifdef LLMB_HAVE_NCCL
#define CUDA_COLL llmb_coll_nccl
#else
#define CUDA_COLL llmb_coll_mpi
#endif
#define CUDA_BACKEND(var, nm, tag, prec_what)                                                   \
    static double var##_peak(int pus, char *deriv, size_t len)                                  \
    {                                                                                           \
        (void)pus;                                                                              \
        return llmb_cuda_nominal_peak_gflops(#tag, deriv, len);                                 \
    }                                                                                           \
    static const struct llmb_backend var = {                                                    \
        .name = nm, .what = "one GPU per rank: cuBLAS GEMMs in " prec_what ", fp32 kernels, "   \
                            "fp32 AdamW master weights",                                        \
        .k = &llmb_kernels_cuda_##tag, .coll = &CUDA_COLL, .host_memory = 0,                    \
        .gpu_per_rank = 1, .available = llmb_cuda_available,                                   \
        .select_device = llmb_cuda_select_device, .nominal_peak_gflops = var##_peak,            \
    };
CUDA_BACKEND(cuda_bf16, "cuda", bf16, "bf16 (fp32 accumulate)")
CUDA_BACKEND(cuda_fp16, "cuda-fp16", fp16, "fp16 (fp32 accumulate)")
CUDA_BACKEND(cuda_tf32, "cuda-tf32", tf32, "tf32")
CUDA_BACKEND(cuda_fp32, "cuda-fp32", fp32, "fp32")
#endif

/* auto takes the first available: cuda where every rank has a device, else cpu; the other
 * precisions only by name */
const struct llmb_backend *const llmb_backends[] = {
#ifdef LLMB_HAVE_CUDA
    &cuda_bf16,
#endif
    &cpu,
#ifdef LLMB_HAVE_CUDA
    &cuda_fp16,
    &cuda_tf32,
    &cuda_fp32,
#endif
    NULL,
};

const struct llmb_backend *llmb_backend_find(const char *name)
{
    for (int i = 0; llmb_backends[i]; i++)
        if (strcmp(llmb_backends[i]->name, name) == 0)
            return llmb_backends[i];
    return NULL;
}

void llmb_backend_names(char *buf, size_t len, const char *sep)
{
    const char *names[16];
    int n = 0;
    while (llmb_backends[n] && n < (int)(sizeof names / sizeof names[0]))
        names[n] = llmb_backends[n]->name, n++;
    llmb_join(names, n, sep, buf, len);
}

int llmb_staged_alloc(const struct llmb_backend *be, struct llmb_staged *s, size_t n)
{
    size_t bytes = (n ? n : 1) * sizeof(float);
    s->n = n;
    s->dev = be->k->alloc(bytes);
    s->host = be->host_memory ? s->dev : malloc(bytes);
    if (s->dev && s->host)
        return 0;
    llmb_staged_free(be, s);
    return -1;
}

void llmb_staged_free(const struct llmb_backend *be, struct llmb_staged *s)
{
    if (!be->host_memory)
        free(s->host);
    if (s->dev)
        be->k->free(s->dev);
    s->dev = s->host = NULL;
    s->n = 0;
}

int llmb_staged_walk(const struct llmb_kernels *k, float *x, size_t n, int write,
                     void (*fn)(void *arg, float *chunk, size_t first, size_t count), void *arg)
{
    size_t cap = n < LLMB_STAGE_FLOATS ? (n ? n : 1) : LLMB_STAGE_FLOATS;
    float *h = malloc(cap * sizeof *h);
    if (!h)
        return llmb_error("out of memory for a %zu-float staging buffer", cap);
    for (size_t i = 0; i < n; i += cap) {
        size_t c = n - i < cap ? n - i : cap;
        if (!write)
            k->to_host(h, x + i, c * sizeof *h);
        fn(arg, h, i, c);
        if (write)
            k->to_device(x + i, h, c * sizeof *h);
    }
    free(h);
    return 0;
}

void llmb_staged_push(const struct llmb_backend *be, const struct llmb_staged *s, size_t n)
{
    if (!be->host_memory && n)
        be->k->to_device(s->dev, s->host, n * sizeof(float));
}

void llmb_staged_pull(const struct llmb_backend *be, const struct llmb_staged *s, size_t n)
{
    if (!be->host_memory && n)
        be->k->to_host(s->host, s->dev, n * sizeof(float));
}
