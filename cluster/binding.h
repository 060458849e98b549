/* Where this process really runs: its CPU binding read with hwloc from the real system (never
 * from a topology XML).  llmb_binding_pus() and llmb_set_threads() are declared in
 * bench/llmbench.h. */
#ifndef LLMB_BINDING_H
#define LLMB_BINDING_H

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

#endif
