/* The one place for differences between hwloc 2.x and 3.x that llmbench depends on.
 *
 * hwloc 3 turns obj->attr->osdev.type (one enum value) into a bitmask obj->attr->osdev.types
 * (a CUDA device is GPU|COPROC, an OpenFabrics device is also NETWORK), and renames the
 * "Block" OS device kind.  Every OS-device kind test in llmbench goes through these helpers;
 * logic never reads the "Backend" info (it moves to the topology root in hwloc 3). */
#ifndef LLMB_HWLOC_COMPAT_H
#define LLMB_HWLOC_COMPAT_H

#include <hwloc.h>

#if HWLOC_API_VERSION >= 0x00030000
#define LLMB_OSDEV_HAS(o, kind) (((o)->attr->osdev.types & (kind)) != 0)
#else
#define LLMB_OSDEV_HAS(o, kind) ((o)->attr->osdev.type == (kind))
#endif

/* An OpenFabrics (RDMA verbs) device: mlx5_0, hfi1_0, ... */
static inline int llmb_osdev_is_openfabrics(hwloc_obj_t o)
{
    return o && o->type == HWLOC_OBJ_OS_DEVICE && LLMB_OSDEV_HAS(o, HWLOC_OBJ_OSDEV_OPENFABRICS);
}

/* A network interface of the kernel (eth0, ib0, ...) that is not also an OpenFabrics device. */
static inline int llmb_osdev_is_network(hwloc_obj_t o)
{
    return o && o->type == HWLOC_OBJ_OS_DEVICE && LLMB_OSDEV_HAS(o, HWLOC_OBJ_OSDEV_NETWORK) &&
           !LLMB_OSDEV_HAS(o, HWLOC_OBJ_OSDEV_OPENFABRICS);
}

/* A NIC in llmbench's sense: an OpenFabrics or a Network OS device. */
static inline int llmb_osdev_is_nic(hwloc_obj_t o)
{
    return llmb_osdev_is_openfabrics(o) || llmb_osdev_is_network(o);
}

/* A GPU or co-processor OS device (cuda0, nvml0, rsmi0, opencl0d0): present only when hwloc
 * was built with the matching plugin, so GPUs are found by PCI class first. */
static inline int llmb_osdev_is_accel(hwloc_obj_t o)
{
    return o && o->type == HWLOC_OBJ_OS_DEVICE &&
           (LLMB_OSDEV_HAS(o, HWLOC_OBJ_OSDEV_GPU) || LLMB_OSDEV_HAS(o, HWLOC_OBJ_OSDEV_COPROC));
}

/* The release of the hwloc headers ("2.9.0"), when they say. */
#ifdef HWLOC_VERSION
#define LLMB_HWLOC_HEADER_VERSION HWLOC_VERSION
#else
#define LLMB_HWLOC_HEADER_VERSION "unknown"
#endif

#endif
