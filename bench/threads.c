/* Compute threads follow the rank's CPU binding (see threads.h): the bindings of the node's
 * ranks are gathered with MPI, their overlap is counted by cluster/binding.c. */
#include "config.h"

#include <stdlib.h>

#include <mpi.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "error.h"
#include "llmbench.h"
#include "threads.h"

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int n);
#endif

void llmb_set_threads(int n)
{
    if (n < 1)
        n = 1;
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
    /* The CPU backend splits every GEMM across its OpenMP threads and calls BLAS from each of
     * them: a threaded BLAS underneath would fight them for the same cores. */
    openblas_set_num_threads(1);
#endif
}

int llmb_pu_sharers(struct llmb_ctx *ctx, int *pus)
{
    struct llmb_binding b;
    llmb_binding_read(&b);
    char *all = malloc((size_t)ctx->node_size * LLMB_CPUSET_MAX);
    if (!all)
        llmb_abort(LLMB_EFAIL, "out of memory reading the bindings of %d ranks", ctx->node_size);
    MPI_Allgather(b.cpuset, LLMB_CPUSET_MAX, MPI_CHAR, all, LLMB_CPUSET_MAX, MPI_CHAR, ctx->node);
    /* Ranks of this node whose binding overlaps mine share its PUs: split them evenly, so that
     * N unbound ranks on N cores run one thread each instead of N each. */
    int sharers = llmb_cpuset_sharers(b.cpuset, all, ctx->node_size, LLMB_CPUSET_MAX);
    free(all);
    if (sharers < 0)
        llmb_abort(LLMB_EFAIL, "out of memory reading the bindings of %d ranks", ctx->node_size);
    *pus = b.pus;
    return sharers > 0 ? sharers : 1;
}

int llmb_default_threads(struct llmb_ctx *ctx)
{
    int pus, sharers = llmb_pu_sharers(ctx, &pus);
    int n = pus / sharers;
    return n > 0 ? n : 1;
}
