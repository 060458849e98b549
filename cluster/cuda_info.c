/* CUDA facts for the probe (see cuda_info.h). */
#include "config.h"

#include <stdio.h>

#include <cuda_runtime_api.h>
#include <hwloc.h>
#include <hwloc/cudart.h>
#ifdef LLMB_HAVE_NCCL
#include <nccl.h>
#endif

#include "cuda_info.h"

static json_t *cuda_version(int v)
{
    char buf[32];
    if (v <= 0)
        return json_null();
    snprintf(buf, sizeof buf, "%d.%d", v / 1000, (v % 1000) / 10);
    return json_string(buf);
}

int llmb_cuda_device_count(void)
{
    int n = 0;
    return cudaGetDeviceCount(&n) == cudaSuccess ? n : 0;
}

int llmb_cuda_device_busid(int ordinal, char *busid, size_t len)
{
    int domain, bus, dev;
    if (hwloc_cudart_get_device_pci_ids(NULL, ordinal, &domain, &bus, &dev) < 0)
        return -1;
    snprintf(busid, len, "%04x:%02x:%02x.0", (unsigned)domain, (unsigned)bus, (unsigned)dev);
    return 0;
}

json_t *llmb_cuda_software_json(void)
{
    int rt = 0, drv = 0, n = 0;
    cudaRuntimeGetVersion(&rt);
    cudaDriverGetVersion(&drv);
    cudaError_t err = cudaGetDeviceCount(&n);
    json_t *s = json_pack("{s:o, s:o, s:i}", "cuda_runtime", cuda_version(rt), "cuda_driver", cuda_version(drv),
                          "cuda_devices", err == cudaSuccess ? n : 0);
    json_object_set_new(s, "cuda_error", err == cudaSuccess ? json_null() : json_string(cudaGetErrorString(err)));
#ifdef LLMB_HAVE_NCCL
    int nv = 0;
    if (ncclGetVersion(&nv) == ncclSuccess && nv > 0) {
        char buf[32];
        /* NCCL_VERSION_CODE: major*10000 + minor*100 + patch since 2.9 (major*1000 before). */
        if (nv >= 20900)
            snprintf(buf, sizeof buf, "%d.%d.%d", nv / 10000, (nv % 10000) / 100, nv % 100);
        else
            snprintf(buf, sizeof buf, "%d.%d.%d", nv / 1000, (nv % 1000) / 100, nv % 100);
        json_object_set_new(s, "nccl", json_string(buf));
    } else {
        json_object_set_new(s, "nccl", json_null());
    }
#else
    json_object_set_new(s, "nccl", json_null());
#endif
    return s;
}
