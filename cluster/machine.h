/* Machine facts of this node and its state at start, each read in one place (Linux /proc and
 * /sys): /proc/cpuinfo (model, ISA flags, clock), /proc/meminfo (MemAvailable), cpufreq, the
 * last-level cache; and the environment variables that change performance.  No MPI, no hwloc:
 * the driver (bench/) and the reporter may both call it. */
#ifndef LLMB_MACHINE_H
#define LLMB_MACHINE_H

#include <stddef.h>

#include <jansson.h>

/* phases.probe.nodes[].machine: loadavg [1, 5, 15 min], governor, cur_freq_mhz, max_freq_mhz
 * (+ max_freq_source), numa_balancing, mem_available_bytes, cpu_model, isa {avx512f, avx2, fma,
 * fp64_flops_per_cycle, fp32_flops_per_cycle}.  Unreadable facts are null.  New reference. */
json_t *llmb_machine_json(void);

/* MemAvailable of /proc/meminfo in bytes; 0 when unreadable. */
double llmb_mem_available_bytes(void);

/* The "model name" of /proc/cpuinfo (its first one) in buf; 0, or -1 with buf "" when there is
 * none. */
int llmb_cpu_model(char *buf, size_t len);

/* Nominal maximum CPU frequency in MHz: cpufreq cpuinfo_max_freq of cpu0, else the first
 * "cpu MHz" of /proc/cpuinfo; 0 when neither is readable.  *source (if not NULL) is set to
 * "cpufreq", "cpuinfo" or "none".  (The nominal peak below uses the base clock of the model
 * name before "cpu MHz".) */
double llmb_cpu_max_freq_mhz(const char **source);

/* Nominal FP32 peak of `pus` PUs in GFLOP/s (1e9 FLOP/s): pus x maximum clock (GHz: cpufreq
 * cpuinfo_max_freq, else the "@ 2.60GHz" base clock of the model name, else the current
 * "cpu MHz") x FP32 FLOP per cycle per PU (llmb_cpu_flops_per_cycle(0)).  deriv (len bytes)
 * receives the derivation as one line of text: "2 PUs x 2.596 GHz (<clock source>) x 32 FP32
 * FLOP/cycle (<ISA>) = 166.2 GFLOP/s; SMT siblings share their core's FMA units".  The figure
 * phases.compute.ranks[].nominal_peak_gflops reports. */
double llmb_cpu_nominal_peak_gflops(int pus, char *deriv, size_t len);

/* Peak FLOP per cycle per PU of this CPU (fp64 != 0: double precision, else single), from the
 * ISA flags, vendor and family of /proc/cpuinfo, with two FMA units per core: AVX-512 64/32,
 * except on AMD family 0x19 (Zen 4: 512-bit operations on two 256-bit pipes) 32/16; AVX2+FMA
 * 32/16; AVX 16/8; else SSE 8/4; on AArch64 NEON 16/8.  The same figure as the nominal peak
 * above (phases.probe.nodes[].machine.isa). */
int llmb_cpu_flops_per_cycle(int fp64);

/* Last-level cache size in bytes: sysfs cpu0 cache index3 first (glibc's sysconf reports the sum
 * over all L3 slices of the machine on some VMs), else sysconf(_SC_LEVEL3_CACHE_SIZE), else
 * 32 MiB. */
size_t llmb_llc_bytes(void);

/* The environment variables that change performance (OMPI_*, PMIX_*, UCX_*, NCCL_*,
 * CUDA_VISIBLE_DEVICES, OMP_*, OPENBLAS_*, MKL_*, SLURM_*, GOMP_*, KMP_*, HWLOC_*), never the
 * whole environment; per-launch wiring (URIs, session directories, ids, keys) is left out.
 * New reference (object). */
json_t *llmb_perf_env_json(void);

/* For tests (tests/topo/test_topo.c): read /proc and /sys below the folder root instead of /
 * (root/proc/cpuinfo, root/proc/meminfo, root/sys/devices/system/cpu/...); NULL reads the real
 * system again.  root must outlive its use; not thread-safe. */
void llmb_machine_set_root(const char *root);

#endif
