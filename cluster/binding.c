/* Where this process really runs (see binding.h): its CPU binding read with hwloc, and the
 * overlap of cpusets.  Hardware only: bench/threads.c turns these into compute threads. */
#include "config.h"

#include <string.h>

#include <hwloc.h>

#include "binding.h"
#include "topo.h"

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

/* Ranks whose binding overlaps mine share its PUs: count them. */
int llmb_cpuset_sharers(const char *mine, const char *sets, int n, size_t stride)
{
    hwloc_bitmap_t me = hwloc_bitmap_alloc(), other = hwloc_bitmap_alloc();
    int sharers = me && other ? 0 : -1;
    if (sharers == 0 && hwloc_bitmap_list_sscanf(me, mine) == 0) {
        for (int r = 0; r < n; r++)
            if (hwloc_bitmap_list_sscanf(other, sets + (size_t)r * stride) == 0 &&
                hwloc_bitmap_intersects(me, other))
                sharers++;
    }
    hwloc_bitmap_free(me);
    hwloc_bitmap_free(other);
    return sharers;
}
