/* Node topology with hwloc: load (this system or an XML file), summarize as JSON, find GPUs and
 * NICs, classify the PCIe path between two devices, export XML.  No MPI here: the probe phase
 * (bench/phase_probe.c) decides who calls what. */
#ifndef LLMB_TOPO_H
#define LLMB_TOPO_H

#include <stddef.h>

#include <hwloc.h>
#include <jansson.h>

/* Path classes between two PCI devices, in the vocabulary of `nvidia-smi topo -m`, best first. */
enum llmb_path {
    LLMB_PATH_PIX,  /* same PCIe switch, at most one bridge on the path */
    LLMB_PATH_PXB,  /* same PCIe switch tree, several bridges, no host bridge */
    LLMB_PATH_PHB,  /* same PCIe host bridge (root complex) */
    LLMB_PATH_NODE, /* same package / NUMA domain, different host bridges */
    LLMB_PATH_SYS   /* across packages (the inter-socket link) */
};
const char *llmb_path_name(enum llmb_path p);

/* Load a node's topology with the important I/O objects (PCI devices, bridges, OS devices).
 * xml: an hwloc XML file, or NULL for this system.  Returns 0, or -1 with one line naming the
 * file and hwloc's reason (strerror(errno)) in err. */
int llmb_topo_load(hwloc_topology_t *topo, const char *xml, char *err, size_t errlen);

/* Load this system's CPU topology (no I/O objects), even when HWLOC_XMLFILE is set: binding
 * facts always come from the real system.  Returns 0 or -1. */
int llmb_topo_load_system(hwloc_topology_t *topo);

/* The lowest common ancestor of a and b, found by walking parent pointers (never
 * hwloc_get_common_ancestor_obj(): it crashes on I/O objects at different PCIe depths). */
hwloc_obj_t llmb_topo_common_ancestor(hwloc_obj_t a, hwloc_obj_t b);

/* The path class between two objects of the same topology (PCI devices or OS devices). */
enum llmb_path llmb_topo_path(hwloc_topology_t topo, hwloc_obj_t a, hwloc_obj_t b);

/* 1 if this PCI device is a GPU or accelerator llmbench counts: class 0x1200 (processing
 * accelerator) from any vendor, or a display class 0x0300/0x0302/0x0380 from a compute GPU
 * vendor (NVIDIA 0x10de, AMD 0x1002, Intel 0x8086 except VGA 0x0300); server BMC VGA devices
 * (ASPEED, Matrox, ...) are not GPUs. */
int llmb_topo_is_gpu(hwloc_obj_t pcidev);

/* The node summary: packages, numa_nodes, cores, pus, memory_bytes, caches, pci[], gpus[],
 * nics[] (doc/results-schema.md, phases.probe.nodes[]).  New reference, or NULL. */
json_t *llmb_topo_node_json(hwloc_topology_t topo);

/* OS indexes of the NUMA nodes whose CPUs intersect set (a JSON array, new reference). */
json_t *llmb_topo_numa_json(hwloc_topology_t topo, hwloc_const_bitmap_t set);

/* The topology as hwloc v2 XML (malloc'd string; free()), or NULL. */
char *llmb_topo_xml(hwloc_topology_t topo);

#endif
