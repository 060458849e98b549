/* A stand-in for libnvidia-ml.so.1 (tests/nvml/test_nvml, LLMB_NVML_LIBRARY): the NVML
 * functions cluster/nvml.c looks up, answering canned values of one device at PCI bus id
 * 00000000:17:00.0 (index 0) with 18 NVLink links.  FAKE_NVML_SCENARIO chooses the values:
 *   clean      (default) clocks at their maximum, no reason but gpu_idle, Gen5 x16, no errors
 *   throttled  SM at 1410 of 1980 MHz, sw_power_cap + hw_thermal_slowdown, 699 of 700 W
 *   degraded   PCIe Gen3 x8 on a Gen5 x16 link, 2 of 18 NVLink links down
 *   ecc        3 volatile / 5 aggregate uncorrected ECC errors, 2 rows remapped, one pending
 *   noinit     nvmlInit_v2 fails (NVML_ERROR_DRIVER_NOT_LOADED, 9)
 * nvmlDeviceGetCurrentClocksThrottleReasons is left out on purpose: the reader must use the
 * newer nvmlDeviceGetCurrentClocksEventReasons.  Values per the public nvml.h. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

typedef int nvml_ret;
typedef void *nvml_dev;
static int dev_token;

static int is(const char *s)
{
    const char *e = getenv("FAKE_NVML_SCENARIO");
    return strcmp(e && *e ? e : "clean", s) == 0;
}

static nvml_ret check(nvml_dev d) { return d == &dev_token ? 0 : 2; /* INVALID_ARGUMENT */ }

nvml_ret nvmlInit_v2(void) { return is("noinit") ? 9 : 0; }
nvml_ret nvmlShutdown(void) { return 0; }
const char *nvmlErrorString(nvml_ret r) { return r == 9 ? "Driver Not Loaded" : "Fake Error"; }

nvml_ret nvmlDeviceGetHandleByPciBusId_v2(const char *id, nvml_dev *d)
{
    unsigned dom, bus, dev, fn;
    if (sscanf(id, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4 || dom || bus != 0x17 || dev || fn)
        return 6; /* NOT_FOUND */
    *d = &dev_token;
    return 0;
}

nvml_ret nvmlDeviceGetHandleByIndex_v2(unsigned i, nvml_dev *d)
{
    if (i != 0)
        return 2;
    *d = &dev_token;
    return 0;
}

static nvml_ret copy(nvml_dev d, char *buf, unsigned len, const char *s)
{
    if (check(d))
        return 2;
    if (strlen(s) + 1 > len)
        return 7; /* INSUFFICIENT_SIZE */
    strcpy(buf, s);
    return 0;
}

nvml_ret nvmlDeviceGetName(nvml_dev d, char *b, unsigned n) { return copy(d, b, n, "NVIDIA H200"); }
nvml_ret nvmlDeviceGetUUID(nvml_dev d, char *b, unsigned n)
{
    return copy(d, b, n, "GPU-5c0ffee0-1234-5678-9abc-def012345678");
}

struct pci {
    char legacy[16];
    unsigned domain, bus, device, id, subsys;
    char bus_id[32];
};
nvml_ret nvmlDeviceGetPciInfo_v3(nvml_dev d, struct pci *p)
{
    memset(p, 0, sizeof *p);
    strcpy(p->legacy, "0000:17:00.0");
    strcpy(p->bus_id, "00000000:17:00.0");
    p->bus = 0x17;
    p->id = 0x233510de;
    return check(d);
}

#define SET(v) do { if (check(d)) return 2; *out = (v); return 0; } while (0)
nvml_ret nvmlDeviceGetClockInfo(nvml_dev d, int type, unsigned *out)
{
    SET(type == 1 ? (is("throttled") ? 1410u : 1980u) : 2619u);
}
nvml_ret nvmlDeviceGetMaxClockInfo(nvml_dev d, int type, unsigned *out) { SET(type == 1 ? 1980u : 2619u); }
nvml_ret nvmlDeviceGetPowerUsage(nvml_dev d, unsigned *out) { SET(is("throttled") ? 699000u : 412500u); }
nvml_ret nvmlDeviceGetEnforcedPowerLimit(nvml_dev d, unsigned *out) { SET(700000u); }
nvml_ret nvmlDeviceGetTemperature(nvml_dev d, int sensor, unsigned *out) { SET(is("throttled") ? 91u : 48u); }
nvml_ret nvmlDeviceGetCurrentClocksEventReasons(nvml_dev d, unsigned long long *out)
{
    SET(is("throttled") ? 0x4ull | 0x40ull : 0x1ull);
}
nvml_ret nvmlDeviceGetTotalEccErrors(nvml_dev d, int type, int counter, unsigned long long *out)
{
    SET(!is("ecc") ? 0ull : type == 1 ? (counter == 0 ? 3ull : 5ull) : 17ull);
}
nvml_ret nvmlDeviceGetRemappedRows(nvml_dev d, unsigned *corr, unsigned *unc, unsigned *pend,
                                   unsigned *fail)
{
    if (check(d))
        return 2;
    *corr = 0;
    *unc = is("ecc") ? 2 : 0;
    *pend = is("ecc");
    *fail = 0;
    return 0;
}
nvml_ret nvmlDeviceGetCurrPcieLinkGeneration(nvml_dev d, unsigned *out) { SET(is("degraded") ? 3u : 5u); }
nvml_ret nvmlDeviceGetMaxPcieLinkGeneration(nvml_dev d, unsigned *out) { SET(5u); }
nvml_ret nvmlDeviceGetCurrPcieLinkWidth(nvml_dev d, unsigned *out) { SET(is("degraded") ? 8u : 16u); }
nvml_ret nvmlDeviceGetMaxPcieLinkWidth(nvml_dev d, unsigned *out) { SET(16u); }
nvml_ret nvmlDeviceGetNvLinkState(nvml_dev d, unsigned link, int *out)
{
    if (link >= 18)
        return 2; /* INVALID_ARGUMENT: past the links */
    SET(is("degraded") && link >= 16 ? 0 : 1);
}
