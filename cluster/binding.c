/* Compute threads follow the rank's CPU binding: OpenMP and BLAS use exactly the PUs the rank
 * is bound to, never every core of the machine. */
#include "config.h"

#include <hwloc.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "llmbench.h"

#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
void openblas_set_num_threads(int n);
#endif

int llmb_binding_pus(void)
{
    hwloc_topology_t topo;
    int n = 1;
    if (hwloc_topology_init(&topo) < 0)
        return 1;
    if (hwloc_topology_load(topo) == 0) {
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        if (set && hwloc_get_cpubind(topo, set, HWLOC_CPUBIND_PROCESS) == 0) {
            hwloc_bitmap_and(set, set, hwloc_topology_get_allowed_cpuset(topo));
            int w = hwloc_bitmap_weight(set);
            if (w > 0)
                n = w;
        }
        hwloc_bitmap_free(set);
    }
    hwloc_topology_destroy(topo);
    return n;
}

void llmb_set_threads(int n)
{
    if (n < 1)
        n = 1;
#ifdef _OPENMP
    omp_set_num_threads(n);
#endif
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
    openblas_set_num_threads(n);
#endif
}
