/* cluster/nvml.h - GPU telemetry from NVML, loaded at run time (no build dependency).
 *
 * The library is dlopen()ed (LLMB_NVML_LIBRARY, else libnvidia-ml.so.1) and each function used
 * is looked up by name; a function the library lacks, or a query the device does not support,
 * leaves its field unknown (-1; null in the JSON), never an error.  No NVML at all is a state
 * ("not-found" and the loader's reason), not an error either: the caller records it.
 *
 * What one sample holds (struct llmb_gpu_sample): SM and memory clocks (current and maximum,
 * MHz), power draw and enforced limit (W), GPU temperature (C), the clock event ("throttle")
 * reasons as NVML's bit mask and decoded, ECC error counters (uncorrected volatile and
 * aggregate, corrected volatile), row remapping (rows remapped for uncorrectable / correctable
 * errors, remapping pending, remapping failed), the PCIe link (current and maximum generation
 * and width) and the NVLink links (active of those the device has).
 *
 * The sampler (llmb_gpu_sampler_*) takes one sample at start ("before"), one every interval on
 * a thread of its own ("during"), and one at stop ("after").  When its buffer is full it keeps
 * every other "during" sample and doubles the interval, so a phase of any length gives at most
 * LLMB_GPU_SAMPLES_MAX samples evenly spread over it.  No MPI. */
#ifndef LLMB_CLUSTER_NVML_H
#define LLMB_CLUSTER_NVML_H

#include <stddef.h>

#include <jansson.h>

#define LLMB_GPU_SAMPLES_MAX 256

struct llmb_nvml;      /* the loaded library (NVML initialised) */

/* Identity of one device. */
struct llmb_gpu_info {
    char name[96], uuid[96], bus_id[32];   /* "" unknown */
};

/* One sample; every figure -1 when unknown. */
struct llmb_gpu_sample {
    double t_s;                             /* seconds since the sampler started */
    const char *when;                       /* "before", "during", "after" */
    long long sm_mhz, sm_max_mhz, mem_mhz, mem_max_mhz;
    double power_w, power_limit_w;
    long long temp_c;
    long long reasons;                      /* NVML clock event reasons mask, -1 unknown */
    long long ecc_uncorrected_volatile, ecc_uncorrected_aggregate, ecc_corrected_volatile;
    long long remapped_uncorrectable, remapped_correctable, remap_pending, remap_failed;
    long long pcie_gen, pcie_gen_max, pcie_width, pcie_width_max;
    long long nvlink_active, nvlink_links;
};

/* Load and initialise NVML.  0, or -1 with the reason in why (library not found, a required
 * function missing, nvmlInit failed). */
int llmb_nvml_open(struct llmb_nvml **out, char *why, size_t len);
void llmb_nvml_close(struct llmb_nvml *n);

/* The device at PCI bus id busid ("0000:12:00.0"), or NVML index `index` when busid is NULL or
 * "".  0, or -1 with the reason in why. */
int llmb_nvml_device(struct llmb_nvml *n, const char *busid, int index, void **dev, char *why,
                     size_t len);
void llmb_nvml_info(struct llmb_nvml *n, void *dev, struct llmb_gpu_info *info);
void llmb_nvml_sample(struct llmb_nvml *n, void *dev, struct llmb_gpu_sample *s);

/* The names of the reasons set in mask: "gpu_idle", "applications_clocks_setting",
 * "sw_power_cap", "hw_slowdown", "sync_boost", "sw_thermal_slowdown", "hw_thermal_slowdown",
 * "hw_power_brake_slowdown", "display_clock_setting", and "0x..." for bits NVML did not name. */
json_t *llmb_gpu_reasons_json(unsigned long long mask);

json_t *llmb_gpu_info_json(const struct llmb_gpu_info *info);
json_t *llmb_gpu_sample_json(const struct llmb_gpu_sample *s);

/* The sampler of one device (a thread).  NULL when the thread cannot start (out of resources):
 * the caller records that no samples were taken. */
struct llmb_gpu_sampler;
struct llmb_gpu_sampler *llmb_gpu_sampler_start(struct llmb_nvml *n, void *dev, double interval_s);
/* Stop the thread, take the "after" sample, and return the samples as a JSON array in time
 * order (new reference); frees s. */
json_t *llmb_gpu_sampler_stop(struct llmb_gpu_sampler *s);

#endif
