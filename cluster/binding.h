/* Where this process really runs: its CPU binding read with hwloc from the real system (never
 * from a topology XML), and which cpusets overlap.  Plain C, no MPI: bench/threads.c gathers the
 * bindings of a node's ranks and sets the compute threads from these. */
#ifndef LLMB_BINDING_H
#define LLMB_BINDING_H

#include <stddef.h>

#define LLMB_CPUSET_MAX 2048

struct llmb_binding {
    int bound;                     /* 1 when the binding excludes some allowed PU */
    int pus;                       /* PUs in the binding (within the allowed set) */
    int last_cpu;                  /* PU the calling thread last ran on, -1 if unknown */
    int truncated;                 /* cpuset did not fit in LLMB_CPUSET_MAX */
    char cpuset[LLMB_CPUSET_MAX];  /* OS indexes as a list: "0-3,8" */
    char allowed[LLMB_CPUSET_MAX]; /* the PUs this process may use at all */
};

/* Read the process binding (hwloc_get_cpubind, HWLOC_CPUBIND_PROCESS).  0, or -1 when the
 * topology cannot be loaded or the binding cannot be read (b then says unbound, 1 PU). */
int llmb_binding_read(struct llmb_binding *b);

/* Number of PUs in this process's CPU binding (within the allowed set), >= 1. */
int llmb_binding_pus(void);

/* How many of the n cpuset lists at sets, sets + stride, ... (each "0-3,8" as in
 * struct llmb_binding.cpuset) intersect the cpuset list mine: 0 when mine is unreadable, -1 out of
 * memory.  Lists that cannot be read count as disjoint. */
int llmb_cpuset_sharers(const char *mine, const char *sets, int n, size_t stride);

#endif
