/* CUDA facts for the probe (built only with the CUDA backend: LLMB_HAVE_CUDA): runtime, driver
 * and NCCL versions, and the PCI bus id of a CUDA ordinal (hwloc/cudart.h, which needs no hwloc
 * CUDA plugin).  No MPI. */
#ifndef LLMB_CUDA_INFO_H
#define LLMB_CUDA_INFO_H

#include <stddef.h>

#include <jansson.h>

/* {cuda_runtime, cuda_driver, nccl, cuda_devices, cuda_error}: versions as "13.0" / "2.28.9",
 * null where unknown (no driver: cuda_driver null, cuda_devices 0 and cuda_error says why). */
json_t *llmb_cuda_software_json(void);

/* Visible CUDA devices of this process (0 when none or no driver). */
int llmb_cuda_device_count(void);

/* "0000:12:00.0" of CUDA device `ordinal`: 0, or -1 when it cannot be read. */
int llmb_cuda_device_busid(int ordinal, char *busid, size_t len);

#endif
