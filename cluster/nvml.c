/* GPU telemetry from NVML loaded at run time (see nvml.h).
 *
 * The declarations below are this file's own: the few NVML types, constants and signatures it
 * uses, with the values of NVIDIA's public nvml.h (the NVML API reference; the same header ships
 * in github.com/NVIDIA/go-nvml, pkg/nvml/nvml.h).  nvmlDevice_t is an opaque pointer there. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nvml.h"
#include "util.h"

/* ---- NVML's ABI (nvml.h) ---- */
typedef int nvml_ret;                      /* nvmlReturn_t */
typedef void *nvml_dev;                    /* nvmlDevice_t */
enum {
    NVML_SUCCESS = 0,
    NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_CLOCK_SM = 1, NVML_CLOCK_MEM = 2,                            /* nvmlClockType_t */
    NVML_TEMPERATURE_GPU = 0,                                         /* nvmlTemperatureSensors_t */
    NVML_MEMORY_ERROR_TYPE_CORRECTED = 0, NVML_MEMORY_ERROR_TYPE_UNCORRECTED = 1,
    NVML_VOLATILE_ECC = 0, NVML_AGGREGATE_ECC = 1,                    /* nvmlEccCounterType_t */
    NVML_FEATURE_ENABLED = 1,                                         /* nvmlEnableState_t */
    NVML_NVLINK_MAX_LINKS = 36,
};
struct nvml_pci_info {                     /* nvmlPciInfo_t (nvmlDeviceGetPciInfo_v3) */
    char bus_id_legacy[16];
    unsigned domain, bus, device, pci_device_id, pci_subsystem_id;
    char bus_id[32];
};

/* The functions used: X(return type, name, arguments).  nvmlInit_v2, nvmlShutdown and one of the
 * handle lookups are required; any other may be missing (an older driver). */
#define NVML_FUNCS(X)                                                                              \
    X(nvml_ret, nvmlInit_v2, (void))                                                               \
    X(nvml_ret, nvmlShutdown, (void))                                                              \
    X(const char *, nvmlErrorString, (nvml_ret))                                                   \
    X(nvml_ret, nvmlDeviceGetHandleByPciBusId_v2, (const char *, nvml_dev *))                      \
    X(nvml_ret, nvmlDeviceGetHandleByIndex_v2, (unsigned, nvml_dev *))                             \
    X(nvml_ret, nvmlDeviceGetName, (nvml_dev, char *, unsigned))                                   \
    X(nvml_ret, nvmlDeviceGetUUID, (nvml_dev, char *, unsigned))                                   \
    X(nvml_ret, nvmlDeviceGetPciInfo_v3, (nvml_dev, struct nvml_pci_info *))                       \
    X(nvml_ret, nvmlDeviceGetClockInfo, (nvml_dev, int, unsigned *))                               \
    X(nvml_ret, nvmlDeviceGetMaxClockInfo, (nvml_dev, int, unsigned *))                            \
    X(nvml_ret, nvmlDeviceGetPowerUsage, (nvml_dev, unsigned *))                                   \
    X(nvml_ret, nvmlDeviceGetEnforcedPowerLimit, (nvml_dev, unsigned *))                           \
    X(nvml_ret, nvmlDeviceGetTemperature, (nvml_dev, int, unsigned *))                             \
    X(nvml_ret, nvmlDeviceGetCurrentClocksEventReasons, (nvml_dev, unsigned long long *))          \
    X(nvml_ret, nvmlDeviceGetCurrentClocksThrottleReasons, (nvml_dev, unsigned long long *))       \
    X(nvml_ret, nvmlDeviceGetTotalEccErrors, (nvml_dev, int, int, unsigned long long *))           \
    X(nvml_ret, nvmlDeviceGetRemappedRows, (nvml_dev, unsigned *, unsigned *, unsigned *, unsigned *)) \
    X(nvml_ret, nvmlDeviceGetCurrPcieLinkGeneration, (nvml_dev, unsigned *))                       \
    X(nvml_ret, nvmlDeviceGetMaxPcieLinkGeneration, (nvml_dev, unsigned *))                        \
    X(nvml_ret, nvmlDeviceGetCurrPcieLinkWidth, (nvml_dev, unsigned *))                            \
    X(nvml_ret, nvmlDeviceGetMaxPcieLinkWidth, (nvml_dev, unsigned *))                             \
    X(nvml_ret, nvmlDeviceGetNvLinkState, (nvml_dev, unsigned, int *))

struct llmb_nvml {
    void *lib;
#define NVML_FIELD(ret, name, args) ret (*name) args;
    NVML_FUNCS(NVML_FIELD)
#undef NVML_FIELD
};

static const char *nvml_err(const struct llmb_nvml *n, nvml_ret r)
{
    const char *s = n->nvmlErrorString ? n->nvmlErrorString(r) : NULL;
    return s ? s : "NVML error";
}

int llmb_nvml_open(struct llmb_nvml **out, char *why, size_t len)
{
    const char *path = getenv("LLMB_NVML_LIBRARY");
    if (!path || !*path)
        path = "libnvidia-ml.so.1";
    *out = NULL;
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *e = dlerror();
        snprintf(why, len, "NVML not found: %s", e ? e : path);
        return -1;
    }
    struct llmb_nvml *n = calloc(1, sizeof *n);
    if (!n) {
        dlclose(lib);
        snprintf(why, len, "out of memory");
        return -1;
    }
    n->lib = lib;
#define NVML_LOOKUP(ret, name, args) *(void **)&n->name = dlsym(lib, #name);
    NVML_FUNCS(NVML_LOOKUP)
#undef NVML_LOOKUP
    nvml_ret r;
    if (!n->nvmlInit_v2 || !n->nvmlShutdown ||
        (!n->nvmlDeviceGetHandleByPciBusId_v2 && !n->nvmlDeviceGetHandleByIndex_v2)) {
        snprintf(why, len, "NVML at %s lacks nvmlInit_v2, nvmlShutdown or a device lookup", path);
    } else if ((r = n->nvmlInit_v2()) != NVML_SUCCESS) {
        snprintf(why, len, "nvmlInit_v2: %s (%d)", nvml_err(n, r), r);
    } else {
        *out = n;
        return 0;
    }
    dlclose(lib);
    free(n);
    return -1;
}

void llmb_nvml_close(struct llmb_nvml *n)
{
    if (!n)
        return;
    n->nvmlShutdown();
    dlclose(n->lib);
    free(n);
}

int llmb_nvml_device(struct llmb_nvml *n, const char *busid, int index, void **dev, char *why,
                     size_t len)
{
    nvml_ret r = -1;
    *dev = NULL;
    if (busid && *busid && n->nvmlDeviceGetHandleByPciBusId_v2)
        r = n->nvmlDeviceGetHandleByPciBusId_v2(busid, dev);
    else if ((!busid || !*busid) && n->nvmlDeviceGetHandleByIndex_v2)
        r = n->nvmlDeviceGetHandleByIndex_v2((unsigned)index, dev);
    if (r == NVML_SUCCESS)
        return 0;
    if (busid && *busid)
        snprintf(why, len, "no NVML device at PCI bus id %s: %s", busid,
                 r < 0 ? "no lookup by bus id in this NVML" : nvml_err(n, r));
    else
        snprintf(why, len, "no NVML device of index %d: %s", index,
                 r < 0 ? "no lookup by index in this NVML" : nvml_err(n, r));
    return -1;
}

void llmb_nvml_info(struct llmb_nvml *n, void *dev, struct llmb_gpu_info *info)
{
    memset(info, 0, sizeof *info);
    if (n->nvmlDeviceGetName && n->nvmlDeviceGetName(dev, info->name, sizeof info->name))
        info->name[0] = '\0';
    if (n->nvmlDeviceGetUUID && n->nvmlDeviceGetUUID(dev, info->uuid, sizeof info->uuid))
        info->uuid[0] = '\0';
    struct nvml_pci_info pci;
    memset(&pci, 0, sizeof pci);
    if (n->nvmlDeviceGetPciInfo_v3 && n->nvmlDeviceGetPciInfo_v3(dev, &pci) == NVML_SUCCESS)
        llmb_strlcpy(info->bus_id, pci.bus_id, sizeof info->bus_id);
    /* NUL-terminate whatever the library wrote */
    info->name[sizeof info->name - 1] = info->uuid[sizeof info->uuid - 1] = '\0';
}

/* One unsigned query: its value, or -1 when missing or unsupported. */
#define ONE(fn, ...) (n->fn && n->fn(dev, __VA_ARGS__, &u) == NVML_SUCCESS ? (long long)u : -1)

void llmb_nvml_sample(struct llmb_nvml *n, void *dev, struct llmb_gpu_sample *s)
{
    unsigned u;
    unsigned long long ull;
    memset(s, 0, sizeof *s);
    s->when = "during";
    s->sm_mhz = ONE(nvmlDeviceGetClockInfo, NVML_CLOCK_SM);
    s->sm_max_mhz = ONE(nvmlDeviceGetMaxClockInfo, NVML_CLOCK_SM);
    s->mem_mhz = ONE(nvmlDeviceGetClockInfo, NVML_CLOCK_MEM);
    s->mem_max_mhz = ONE(nvmlDeviceGetMaxClockInfo, NVML_CLOCK_MEM);
    s->temp_c = ONE(nvmlDeviceGetTemperature, NVML_TEMPERATURE_GPU);
    s->power_w = n->nvmlDeviceGetPowerUsage && n->nvmlDeviceGetPowerUsage(dev, &u) == NVML_SUCCESS
                     ? u / 1000.0 : -1;  /* milliwatts */
    s->power_limit_w = n->nvmlDeviceGetEnforcedPowerLimit &&
                       n->nvmlDeviceGetEnforcedPowerLimit(dev, &u) == NVML_SUCCESS ? u / 1000.0 : -1;
    s->reasons = -1;
    if (n->nvmlDeviceGetCurrentClocksEventReasons)
        s->reasons = n->nvmlDeviceGetCurrentClocksEventReasons(dev, &ull) == NVML_SUCCESS ? (long long)ull : -1;
    else if (n->nvmlDeviceGetCurrentClocksThrottleReasons)
        s->reasons = n->nvmlDeviceGetCurrentClocksThrottleReasons(dev, &ull) == NVML_SUCCESS ? (long long)ull : -1;
#define ECC(type, counter)                                                                     \
    (n->nvmlDeviceGetTotalEccErrors && n->nvmlDeviceGetTotalEccErrors(dev, type, counter, &ull) \
     == NVML_SUCCESS ? (long long)ull : -1)
    s->ecc_uncorrected_volatile = ECC(NVML_MEMORY_ERROR_TYPE_UNCORRECTED, NVML_VOLATILE_ECC);
    s->ecc_uncorrected_aggregate = ECC(NVML_MEMORY_ERROR_TYPE_UNCORRECTED, NVML_AGGREGATE_ECC);
    s->ecc_corrected_volatile = ECC(NVML_MEMORY_ERROR_TYPE_CORRECTED, NVML_VOLATILE_ECC);
#undef ECC
    unsigned corr, unc, pend, fail;
    if (n->nvmlDeviceGetRemappedRows &&
        n->nvmlDeviceGetRemappedRows(dev, &corr, &unc, &pend, &fail) == NVML_SUCCESS) {
        s->remapped_correctable = corr, s->remapped_uncorrectable = unc;
        s->remap_pending = pend != 0, s->remap_failed = fail != 0;
    } else {
        s->remapped_correctable = s->remapped_uncorrectable = s->remap_pending = s->remap_failed = -1;
    }
#define LINK(fn) (n->fn && n->fn(dev, &u) == NVML_SUCCESS ? (long long)u : -1)
    s->pcie_gen = LINK(nvmlDeviceGetCurrPcieLinkGeneration);
    s->pcie_gen_max = LINK(nvmlDeviceGetMaxPcieLinkGeneration);
    s->pcie_width = LINK(nvmlDeviceGetCurrPcieLinkWidth);
    s->pcie_width_max = LINK(nvmlDeviceGetMaxPcieLinkWidth);
#undef LINK
    s->nvlink_active = s->nvlink_links = -1;
    if (n->nvmlDeviceGetNvLinkState) {
        long long links = 0, active = 0;
        for (unsigned l = 0; l < NVML_NVLINK_MAX_LINKS; l++) {
            int st = 0;
            nvml_ret r = n->nvmlDeviceGetNvLinkState(dev, l, &st);
            if (r == NVML_ERROR_INVALID_ARGUMENT)
                break;                      /* past the device's links */
            if (r != NVML_SUCCESS)
                continue;                   /* this link not supported */
            links++;
            active += st == NVML_FEATURE_ENABLED;
        }
        if (links)
            s->nvlink_links = links, s->nvlink_active = active;
    }
}
#undef ONE

/* ---- JSON ---- */

json_t *llmb_gpu_reasons_json(unsigned long long mask)
{
    static const char *const names[] = {
        "gpu_idle", "applications_clocks_setting", "sw_power_cap", "hw_slowdown", "sync_boost",
        "sw_thermal_slowdown", "hw_thermal_slowdown", "hw_power_brake_slowdown",
        "display_clock_setting",
    };
    json_t *a = json_array();
    for (unsigned b = 0; b < 64; b++) {
        if (!(mask >> b & 1))
            continue;
        char hex[24];
        snprintf(hex, sizeof hex, "0x%llx", 1ull << b);
        json_array_append_new(a, json_string(b < sizeof names / sizeof names[0] ? names[b] : hex));
    }
    return a;
}

static json_t *num(long long v) { return v >= 0 ? json_integer(v) : json_null(); }
static json_t *real(double v) { return v >= 0 ? json_real(v) : json_null(); }
static json_t *str(const char *s) { return s[0] ? json_string(s) : json_null(); }

json_t *llmb_gpu_info_json(const struct llmb_gpu_info *info)
{
    return json_pack("{s:o, s:o, s:o}", "name", str(info->name), "uuid", str(info->uuid),
                     "bus_id", str(info->bus_id));
}

json_t *llmb_gpu_sample_json(const struct llmb_gpu_sample *s)
{
    json_t *o = json_pack("{s:s, s:f}", "when", s->when, "t_s", s->t_s);
    json_object_set_new(o, "sm_mhz", num(s->sm_mhz));
    json_object_set_new(o, "sm_max_mhz", num(s->sm_max_mhz));
    json_object_set_new(o, "mem_mhz", num(s->mem_mhz));
    json_object_set_new(o, "mem_max_mhz", num(s->mem_max_mhz));
    json_object_set_new(o, "power_w", real(s->power_w));
    json_object_set_new(o, "power_limit_w", real(s->power_limit_w));
    json_object_set_new(o, "temp_c", num(s->temp_c));
    json_object_set_new(o, "reasons_mask", num(s->reasons));
    json_object_set_new(o, "reasons", s->reasons >= 0 ? llmb_gpu_reasons_json((unsigned long long)s->reasons)
                                                      : json_null());
    json_object_set_new(o, "ecc_uncorrected_volatile", num(s->ecc_uncorrected_volatile));
    json_object_set_new(o, "ecc_uncorrected_aggregate", num(s->ecc_uncorrected_aggregate));
    json_object_set_new(o, "ecc_corrected_volatile", num(s->ecc_corrected_volatile));
    json_object_set_new(o, "remapped_rows_uncorrectable", num(s->remapped_uncorrectable));
    json_object_set_new(o, "remapped_rows_correctable", num(s->remapped_correctable));
    json_object_set_new(o, "remap_pending", s->remap_pending >= 0 ? json_boolean(s->remap_pending) : json_null());
    json_object_set_new(o, "remap_failed", s->remap_failed >= 0 ? json_boolean(s->remap_failed) : json_null());
    json_object_set_new(o, "pcie_gen", num(s->pcie_gen));
    json_object_set_new(o, "pcie_gen_max", num(s->pcie_gen_max));
    json_object_set_new(o, "pcie_width", num(s->pcie_width));
    json_object_set_new(o, "pcie_width_max", num(s->pcie_width_max));
    json_object_set_new(o, "nvlink_active", num(s->nvlink_active));
    json_object_set_new(o, "nvlink_links", num(s->nvlink_links));
    return o;
}

/* ---- the sampler ---- */

struct llmb_gpu_sampler {
    struct llmb_nvml *n;
    void *dev;
    double interval_s, t0;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    struct llmb_gpu_sample v[LLMB_GPU_SAMPLES_MAX];
    int nv;
};

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Add a sample (mu held).  Full: keep the first and every other later sample (the "before"
 * one stays), double the interval. */
static void keep(struct llmb_gpu_sampler *s, const struct llmb_gpu_sample *x)
{
    if (s->nv == LLMB_GPU_SAMPLES_MAX) {
        int k = 1;
        for (int i = 2; i < s->nv; i += 2)
            s->v[k++] = s->v[i];
        s->nv = k;
        s->interval_s *= 2;
    }
    s->v[s->nv++] = *x;
}

static void take(struct llmb_gpu_sampler *s, const char *when)
{
    struct llmb_gpu_sample x;
    llmb_nvml_sample(s->n, s->dev, &x);
    x.when = when;
    x.t_s = mono_s() - s->t0;
    pthread_mutex_lock(&s->mu);
    keep(s, &x);
    pthread_mutex_unlock(&s->mu);
}

static void *sampler_main(void *arg)
{
    struct llmb_gpu_sampler *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        double next = mono_s() + s->interval_s;
        struct timespec ts = {(time_t)next, (long)((next - (double)(time_t)next) * 1e9)};
        int rc = 0;
        while (!s->stop && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&s->cv, &s->mu, &ts);
        if (s->stop)
            break;
        pthread_mutex_unlock(&s->mu);
        take(s, "during");
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

struct llmb_gpu_sampler *llmb_gpu_sampler_start(struct llmb_nvml *n, void *dev, double interval_s)
{
    struct llmb_gpu_sampler *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->n = n;
    s->dev = dev;
    s->interval_s = interval_s > 0 ? interval_s : 0.5;
    s->t0 = mono_s();
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    take(s, "before");
    if (pthread_create(&s->thread, NULL, sampler_main, s) != 0) {
        pthread_cond_destroy(&s->cv);
        pthread_mutex_destroy(&s->mu);
        free(s);
        return NULL;
    }
    return s;
}

json_t *llmb_gpu_sampler_stop(struct llmb_gpu_sampler *s)
{
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    take(s, "after");
    json_t *a = json_array();
    for (int i = 0; i < s->nv; i++)
        json_array_append_new(a, llmb_gpu_sample_json(&s->v[i]));
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
    return a;
}
