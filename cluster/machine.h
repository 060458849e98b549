/* Machine state at start and nominal CPU facts of this node (Linux /proc and /sys), and the
 * environment variables that change performance.  No MPI, no hwloc. */
#ifndef LLMB_MACHINE_H
#define LLMB_MACHINE_H

#include <jansson.h>

/* phases.probe.nodes[].machine: loadavg [1, 5, 15 min], governor, cur_freq_mhz, max_freq_mhz
 * (+ max_freq_source), numa_balancing, mem_available_bytes, cpu_model, isa {avx512f, avx2, fma,
 * fp64_flops_per_cycle, fp32_flops_per_cycle}.  Unreadable facts are null.  New reference. */
json_t *llmb_machine_json(void);

/* Nominal maximum CPU frequency in MHz: cpufreq cpuinfo_max_freq of cpu0, else the first
 * "cpu MHz" of /proc/cpuinfo; 0 when neither is readable.  *source (if not NULL) is set to
 * "cpufreq", "cpuinfo" or "none". */
double llmb_cpu_max_freq_mhz(const char **source);

/* Peak FLOPs per cycle per core hinted by the ISA flags of /proc/cpuinfo (fp64 != 0: double,
 * else single precision), assuming two FMA units per core where FMA exists:
 * avx512f+fma 32/64, avx2+fma 16/32, avx 8/16, otherwise sse2 4/8.  An upper bound: some CPUs
 * (one AVX-512 FMA unit, Zen 4's double-pumped AVX-512) reach half the avx512f figure. */
int llmb_cpu_flops_per_cycle(int fp64);

/* The environment variables that change performance (OMPI_*, PMIX_*, UCX_*, NCCL_*,
 * CUDA_VISIBLE_DEVICES, OMP_*, OPENBLAS_*, MKL_*, SLURM_*, GOMP_*, KMP_*, HWLOC_*), never the
 * whole environment; per-launch wiring (URIs, session directories, ids, keys) is left out.
 * New reference (object). */
json_t *llmb_perf_env_json(void);

#endif
