/* bench/backend.h - the backend seam: what the phases compute and communicate with.
 *
 * A backend is a kernel table (kernels/kernels.h: memory, GEMM, every transformer kernel), a
 * communication backend (coll/coll.h: the collectives registry's lines of that backend and
 * their progress calls) and the facts only it can state (its nominal peak).  The driver picks
 * one at start (--backend, or the first available for auto) into the run context; phases use
 * ctx->be and nothing else: no phase names a kernel table, a collective library or a memory
 * kind.
 *
 * Adding a backend: its kernel table file(s) in kernels/<name>/, its collectives in
 * coll/<comm>_*.c + coll/<comm>.c, and one line in llmb_backends[] (bench/backend.c). */
#ifndef LLMB_BACKEND_H
#define LLMB_BACKEND_H

#include <stddef.h>

#include "coll/coll.h"
#include "kernels/kernels.h"

struct llmb_backend {
    const char *name;                        /* the --backend value: "cpu" */
    const char *what;                        /* one line for --help */
    const struct llmb_kernels *k;            /* compute and memory */
    const struct llmb_coll_backend *coll;    /* collectives: llmb_coll_find(c, coll->name) */
    int host_memory;                         /* 1: k->alloc returns host memory (no staging) */
    int gpu_per_rank;                        /* 1: each rank drives one GPU of its node */
    /* Can this backend run on this rank?  0, or -1 with the reason in why (one line). */
    int (*available)(char *why, size_t len);
    /* NULL, or: bind this rank to its device, node_rank of the node's node_size ranks, once the
     * backend is chosen (every rank).  0 with what the rank got in what, or -1 with the reason
     * (among them: more ranks on the node than devices visible: one rank per GPU). */
    int (*select_device)(int node_rank, int node_size, char *what, size_t len);
    /* Nominal peak of this rank's compute units (GFLOP/s = 1e9 FLOP/s, in the precision of its
     * GEMMs: k->precision, fp32 for cpu) for `pus` PUs of its binding (the CPU's) or of its
     * device (a GPU backend's), with how it was derived in deriv. */
    double (*nominal_peak_gflops)(int pus, char *deriv, size_t len);
};

/* The registry, in the order auto tries them; NULL-terminated. */
extern const struct llmb_backend *const llmb_backends[];

/* The backend called name, or NULL. */
const struct llmb_backend *llmb_backend_find(const char *name);

/* The names of the registry joined by sep ("cpu"), for help and messages. */
void llmb_backend_names(char *buf, size_t len, const char *sep);

/* A buffer in backend memory with a host view for verification data: host == dev when the
 * backend's memory is host memory, else a host copy staged with to_device / to_host. */
struct llmb_staged {
    float *dev, *host;
    size_t n;                                /* floats */
};

/* Allocate n floats (both views).  0, or -1 when memory runs out (nothing left allocated). */
int llmb_staged_alloc(const struct llmb_backend *be, struct llmb_staged *s, size_t n);
void llmb_staged_free(const struct llmb_backend *be, struct llmb_staged *s);
/* Call fn on x[0..n) (backend memory of k) one host chunk of at most LLMB_STAGE_FLOATS at a
 * time: fn(arg, chunk, first, count).  write: the chunk is copied back after fn (fn fills it);
 * else it is only read.  0, or -1 (message printed) when the chunk cannot be allocated. */
#define LLMB_STAGE_FLOATS ((size_t)1 << 20)
int llmb_staged_walk(const struct llmb_kernels *k, float *x, size_t n, int write,
                     void (*fn)(void *arg, float *chunk, size_t first, size_t count), void *arg);

/* host[0..n) -> dev, and dev[0..n) -> host (n <= s->n); nothing to do for host memory. */
void llmb_staged_push(const struct llmb_backend *be, const struct llmb_staged *s, size_t n);
void llmb_staged_pull(const struct llmb_backend *be, const struct llmb_staged *s, size_t n);

#endif
