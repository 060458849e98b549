/* Compute threads follow the rank's CPU binding: OpenMP and BLAS use exactly the PUs the rank
 * is bound to, never every core of the machine. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hwloc.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "binding.h"
#include "error.h"
#include "llmbench.h"
#include "topo.h"

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int n);
#endif

static void list(hwloc_const_bitmap_t set, char *buf, size_t len, int *truncated)
{
    int n = hwloc_bitmap_list_snprintf(buf, len, set);
    if (n >= (int)len && truncated)
        *truncated = 1;
}

int llmb_binding_read(struct llmb_binding *b)
{
    memset(b, 0, sizeof *b);
    b->pus = 1;
    b->last_cpu = -1;
    hwloc_topology_t topo;
    if (llmb_topo_load_system(&topo) < 0)
        return -1;
    int rc = -1;
    hwloc_bitmap_t set = hwloc_bitmap_alloc(), last = hwloc_bitmap_alloc();
    hwloc_const_bitmap_t allowed = hwloc_topology_get_allowed_cpuset(topo);
    if (set && last && hwloc_get_cpubind(topo, set, HWLOC_CPUBIND_PROCESS) == 0) {
        list(set, b->cpuset, sizeof b->cpuset, &b->truncated);
        list(allowed, b->allowed, sizeof b->allowed, NULL);
        b->bound = !hwloc_bitmap_isincluded(allowed, set);
        hwloc_bitmap_and(set, set, allowed);
        int w = hwloc_bitmap_weight(set);
        b->pus = w > 0 ? w : 1;
        if (hwloc_get_last_cpu_location(topo, last, HWLOC_CPUBIND_THREAD) == 0)
            b->last_cpu = hwloc_bitmap_first(last);
        rc = 0;
    }
    hwloc_bitmap_free(set);
    hwloc_bitmap_free(last);
    hwloc_topology_destroy(topo);
    return rc;
}

int llmb_binding_pus(void)
{
    struct llmb_binding b;
    llmb_binding_read(&b);
    return b.pus;
}

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

int llmb_default_threads(struct llmb_ctx *ctx)
{
    struct llmb_binding b;
    llmb_binding_read(&b);
    char *all = malloc((size_t)ctx->node_size * LLMB_CPUSET_MAX);
    hwloc_bitmap_t mine = hwloc_bitmap_alloc(), other = hwloc_bitmap_alloc();
    if (!all || !mine || !other)
        llmb_abort(LLMB_EFAIL, "out of memory reading the bindings of %d ranks", ctx->node_size);
    MPI_Allgather(b.cpuset, LLMB_CPUSET_MAX, MPI_CHAR, all, LLMB_CPUSET_MAX, MPI_CHAR, ctx->node);
    /* Ranks of this node whose binding overlaps mine share its PUs: split them evenly, so that
     * N unbound ranks on N cores run one thread each instead of N each. */
    int sharers = 0;
    if (hwloc_bitmap_list_sscanf(mine, b.cpuset) == 0) {
        for (int r = 0; r < ctx->node_size; r++)
            if (hwloc_bitmap_list_sscanf(other, all + (size_t)r * LLMB_CPUSET_MAX) == 0 &&
                hwloc_bitmap_intersects(mine, other))
                sharers++;
    }
    hwloc_bitmap_free(mine);
    hwloc_bitmap_free(other);
    free(all);
    int n = sharers > 0 ? b.pus / sharers : b.pus;
    return n > 0 ? n : 1;
}
