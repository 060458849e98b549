/* Node topology with hwloc (see topo.h).  GPUs are found by PCI class and vendor because
 * distribution builds of hwloc have no CUDA/NVML plugin; NICs are the OpenFabrics and Network
 * OS devices of the Linux backend, grouped by the PCI device they belong to. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hwloc_compat.h"
#include "topo.h"

const char *llmb_path_name(enum llmb_path p)
{
    static const char *const names[] = {"PIX", "PXB", "PHB", "NODE", "SYS"};
    return p >= LLMB_PATH_PIX && p <= LLMB_PATH_SYS ? names[p] : "SYS";
}

int llmb_topo_load(hwloc_topology_t *topo, const char *xml, char *err, size_t errlen)
{
    hwloc_topology_t t;
    if (hwloc_topology_init(&t) < 0) {
        snprintf(err, errlen, "hwloc_topology_init failed: %s", strerror(errno));
        return -1;
    }
    hwloc_topology_set_io_types_filter(t, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    if (xml) {
        if (access(xml, R_OK) < 0) {
            snprintf(err, errlen, "topology XML '%s': %s", xml, strerror(errno));
            hwloc_topology_destroy(t);
            return -1;
        }
        errno = 0;
        if (hwloc_topology_set_xml(t, xml) < 0) {
            snprintf(err, errlen, "topology XML '%s': hwloc cannot parse it: %s", xml,
                     strerror(errno ? errno : EINVAL));
            hwloc_topology_destroy(t);
            return -1;
        }
    }
    errno = 0;
    if (hwloc_topology_load(t) < 0) {
        snprintf(err, errlen, "%s%s%shwloc_topology_load failed: %s", xml ? "topology XML '" : "",
                 xml ? xml : "", xml ? "': " : "", strerror(errno ? errno : EINVAL));
        hwloc_topology_destroy(t);
        return -1;
    }
    if (hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU) < 1) {
        snprintf(err, errlen, "%s%s%sno processing units in the topology", xml ? "topology XML '" : "",
                 xml ? xml : "", xml ? "': " : "");
        hwloc_topology_destroy(t);
        return -1;
    }
    *topo = t;
    return 0;
}

int llmb_topo_load_system(hwloc_topology_t *topo)
{
    /* HWLOC_XMLFILE forces the XML component on every load and cannot be blacklisted: hide it
     * while this one loads (the driver is single-threaded here). */
    char *saved = NULL;
    const char *env = getenv("HWLOC_XMLFILE");
    if (env) {
        saved = strdup(env);
        unsetenv("HWLOC_XMLFILE");
    }
    hwloc_topology_t t;
    int rc = hwloc_topology_init(&t);
    if (rc == 0) {
        rc = hwloc_topology_load(t);
        if (rc < 0)
            hwloc_topology_destroy(t);
    }
    if (saved) {
        setenv("HWLOC_XMLFILE", saved, 1);
        free(saved);
    }
    if (rc < 0)
        return -1;
    *topo = t;
    return 0;
}

hwloc_obj_t llmb_topo_common_ancestor(hwloc_obj_t a, hwloc_obj_t b)
{
    for (hwloc_obj_t x = a; x; x = x->parent)
        for (hwloc_obj_t y = b; y; y = y->parent)
            if (x == y)
                return x;
    return NULL;
}

/* Bridges strictly between o and its ancestor anc. */
static int bridges_below(hwloc_obj_t o, hwloc_obj_t anc)
{
    int n = 0;
    for (hwloc_obj_t x = o ? o->parent : NULL; x && x != anc; x = x->parent)
        n += x->type == HWLOC_OBJ_BRIDGE;
    return n;
}

enum llmb_path llmb_topo_path(hwloc_topology_t topo, hwloc_obj_t a, hwloc_obj_t b)
{
    hwloc_obj_t anc = llmb_topo_common_ancestor(a, b);
    if (!anc)
        return LLMB_PATH_SYS;
    if (anc->type == HWLOC_OBJ_BRIDGE) {
        if (anc->attr->bridge.upstream_type == HWLOC_OBJ_BRIDGE_HOST)
            return LLMB_PATH_PHB;
        return bridges_below(a, anc) + bridges_below(b, anc) + 1 <= 1 ? LLMB_PATH_PIX : LLMB_PATH_PXB;
    }
    if (anc->type == HWLOC_OBJ_PCI_DEVICE || anc->type == HWLOC_OBJ_OS_DEVICE)
        return LLMB_PATH_PIX; /* one device is (behind) the other: same endpoint */
    /* A normal object: NODE when it lies within one package, SYS when it spans several. */
    while (anc && !anc->cpuset)
        anc = anc->parent;
    int npkg = anc ? hwloc_get_nbobjs_inside_cpuset_by_type(topo, anc->cpuset, HWLOC_OBJ_PACKAGE) : 2;
    return npkg <= 1 ? LLMB_PATH_NODE : LLMB_PATH_SYS;
}

int llmb_topo_is_gpu(hwloc_obj_t o)
{
    if (!o || o->type != HWLOC_OBJ_PCI_DEVICE)
        return 0;
    unsigned cls = o->attr->pcidev.class_id, ven = o->attr->pcidev.vendor_id;
    if (cls == 0x1200)
        return 1;
    if (cls != 0x0300 && cls != 0x0302 && cls != 0x0380)
        return 0;
    return ven == 0x10de || ven == 0x1002 || (ven == 0x8086 && cls != 0x0300);
}

static const char *vendor_name(unsigned v)
{
    switch (v) {
    case 0x10de: return "NVIDIA";
    case 0x1002: return "AMD";
    case 0x8086: return "Intel";
    case 0x15b3: return "Mellanox";
    case 0x14e4: return "Broadcom";
    case 0x1da3: return "Habana";
    case 0x1d0f: return "Amazon";
    case 0x1fc1: return "Cornelis";
    default: return NULL;
    }
}

static void busid(hwloc_obj_t o, char *buf, size_t len)
{
    snprintf(buf, len, "%04x:%02x:%02x.%01x", o->attr->pcidev.domain, o->attr->pcidev.bus,
             o->attr->pcidev.dev, o->attr->pcidev.func);
}

static void hex4(unsigned v, char *buf, size_t len)
{
    snprintf(buf, len, "%04x", v);
}

/* The PCI device an object is (or sits below), or NULL. */
static hwloc_obj_t pci_of(hwloc_obj_t o)
{
    for (; o; o = o->parent)
        if (o->type == HWLOC_OBJ_PCI_DEVICE)
            return o;
    return NULL;
}

json_t *llmb_topo_numa_json(hwloc_topology_t topo, hwloc_const_bitmap_t set)
{
    json_t *a = json_array();
    hwloc_obj_t n = NULL;
    while (set && (n = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, n)))
        if (n->cpuset && hwloc_bitmap_intersects(n->cpuset, set))
            json_array_append_new(a, json_integer(n->os_index));
    return a;
}

/* Locality of an I/O object: cpuset list, NUMA nodes, and the one NUMA node (or null). */
static void add_locality(hwloc_topology_t topo, hwloc_obj_t o, json_t *out)
{
    hwloc_obj_t loc = hwloc_get_non_io_ancestor_obj(topo, o);
    char *list = NULL;
    if (loc && loc->cpuset)
        hwloc_bitmap_list_asprintf(&list, loc->cpuset);
    json_t *numa = llmb_topo_numa_json(topo, loc ? loc->cpuset : NULL);
    json_object_set_new(out, "cpuset", json_string(list ? list : ""));
    json_object_set_new(out, "numa", json_array_size(numa) == 1 ? json_incref(json_array_get(numa, 0)) : json_null());
    json_object_set_new(out, "local_numa", numa);
    free(list);
}

static json_t *osdev_names(hwloc_obj_t pci, int (*keep)(hwloc_obj_t))
{
    json_t *a = json_array();
    for (hwloc_obj_t c = pci->io_first_child; c; c = c->next_sibling)
        if (c->type == HWLOC_OBJ_OS_DEVICE && (!keep || keep(c)) && c->name)
            json_array_append_new(a, json_string(c->name));
    return a;
}

struct nic {
    hwloc_obj_t obj;  /* the PCI device, or the OS device when it has none */
    const char *name; /* OpenFabrics name first, else the network interface */
    int openfabrics;
};

/* NICs grouped by PCI device, in hwloc's OS-device order (PCI bus order). */
static int find_nics(hwloc_topology_t topo, struct nic **out)
{
    int n = 0, cap = 0;
    struct nic *nics = NULL;
    hwloc_obj_t o = NULL;
    while ((o = hwloc_get_next_osdev(topo, o))) {
        if (!llmb_osdev_is_nic(o))
            continue;
        hwloc_obj_t key = pci_of(o);
        if (!key)
            key = o;
        int i;
        for (i = 0; i < n && nics[i].obj != key; i++)
            ;
        if (i == n) {
            if (n == cap) {
                cap = cap ? 2 * cap : 8;
                struct nic *p = realloc(nics, (size_t)cap * sizeof *p);
                if (!p) {
                    free(nics);
                    return -1;
                }
                nics = p;
            }
            nics[n++] = (struct nic){key, o->name ? o->name : "?", llmb_osdev_is_openfabrics(o)};
        } else if (llmb_osdev_is_openfabrics(o) && !nics[i].openfabrics) {
            nics[i].name = o->name ? o->name : nics[i].name;
            nics[i].openfabrics = 1;
        }
    }
    *out = nics;
    return n;
}

static json_t *pci_json(hwloc_obj_t o)
{
    char b[32], cls[8], ven[8], dev[8];
    busid(o, b, sizeof b);
    hex4(o->attr->pcidev.class_id, cls, sizeof cls);
    hex4(o->attr->pcidev.vendor_id, ven, sizeof ven);
    hex4(o->attr->pcidev.device_id, dev, sizeof dev);
    return json_pack("{s:s, s:s, s:s, s:s, s:f, s:o}", "pci_busid", b, "class_id", cls, "vendor_id", ven,
                     "device_id", dev, "link_gbs", (double)o->attr->pcidev.linkspeed, "osdevs",
                     osdev_names(o, NULL));
}

static json_t *caches_json(hwloc_topology_t topo)
{
    static const struct {
        hwloc_obj_type_t type;
        const char *name;
    } levels[] = {{HWLOC_OBJ_L1CACHE, "L1d"}, {HWLOC_OBJ_L1ICACHE, "L1i"}, {HWLOC_OBJ_L2CACHE, "L2"},
                  {HWLOC_OBJ_L3CACHE, "L3"}, {HWLOC_OBJ_L4CACHE, "L4"}};
    json_t *c = json_object();
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        int n = hwloc_get_nbobjs_by_type(topo, levels[i].type);
        if (n <= 0)
            continue;
        hwloc_obj_t o = hwloc_get_obj_by_type(topo, levels[i].type, 0);
        json_object_set_new(c, levels[i].name, json_pack("{s:i, s:I}", "count", n, "size_bytes",
                                                         (json_int_t)o->attr->cache.size));
    }
    return c;
}

json_t *llmb_topo_node_json(hwloc_topology_t topo)
{
    struct nic *nics = NULL;
    int nnics = find_nics(topo, &nics);
    if (nnics < 0)
        return NULL;
    unsigned long long mem = 0;
    hwloc_obj_t o = NULL;
    while ((o = hwloc_get_next_obj_by_type(topo, HWLOC_OBJ_NUMANODE, o)))
        mem += o->attr->numanode.local_memory;

    json_t *node = json_pack("{s:i, s:i, s:i, s:i, s:I, s:o}",
                             "packages", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE),
                             "numa_nodes", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE),
                             "cores", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE),
                             "pus", hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU),
                             "memory_bytes", (json_int_t)mem, "caches", caches_json(topo));

    /* Every PCI device kept by the filter, with its link speed. */
    json_t *pci = json_array();
    for (o = NULL; (o = hwloc_get_next_pcidev(topo, o));)
        json_array_append_new(pci, pci_json(o));
    json_object_set_new(node, "pci", pci);

    /* NICs. */
    json_t *jn = json_array();
    for (int i = 0; i < nnics; i++) {
        hwloc_obj_t p = nics[i].obj;
        json_t *e = json_pack("{s:s, s:s}", "name", nics[i].name, "kind",
                              nics[i].openfabrics ? "openfabrics" : "network");
        if (p->type == HWLOC_OBJ_PCI_DEVICE) {
            json_t *pj = pci_json(p);
            json_object_set(e, "pci_busid", json_object_get(pj, "pci_busid"));
            json_object_set(e, "class_id", json_object_get(pj, "class_id"));
            json_object_set(e, "vendor_id", json_object_get(pj, "vendor_id"));
            json_object_set(e, "link_gbs", json_object_get(pj, "link_gbs"));
            json_decref(pj);
            json_object_set_new(e, "netdevs", osdev_names(p, llmb_osdev_is_network));
        } else {
            json_object_set_new(e, "pci_busid", json_null());
            json_object_set_new(e, "link_gbs", json_null());
            json_object_set_new(e, "netdevs", json_pack("[s]", nics[i].name));
        }
        add_locality(topo, p, e);
        json_array_append_new(jn, e);
    }

    /* GPUs and their path to every NIC. */
    json_t *jg = json_array();
    int index = 0;
    for (o = NULL; (o = hwloc_get_next_pcidev(topo, o));) {
        if (!llmb_topo_is_gpu(o))
            continue;
        json_t *g = pci_json(o);
        json_object_del(g, "osdevs");
        json_object_set_new(g, "index", json_integer(index++));
        const char *vn = vendor_name(o->attr->pcidev.vendor_id);
        json_object_set_new(g, "vendor", vn ? json_string(vn) : json_null());
        json_object_set_new(g, "osdevs", osdev_names(o, llmb_osdev_is_accel));
        add_locality(topo, o, g);
        json_t *paths = json_array();
        int best = -1;
        enum llmb_path bestp = LLMB_PATH_SYS;
        for (int i = 0; i < nnics; i++) {
            enum llmb_path p = llmb_topo_path(topo, o, nics[i].obj);
            json_array_append_new(paths, json_pack("{s:s, s:s}", "name", nics[i].name, "path", llmb_path_name(p)));
            if (best < 0 || p < bestp) {
                best = i;
                bestp = p;
            }
        }
        json_object_set_new(g, "nics", paths);
        json_object_set_new(g, "nearest_nic", best >= 0 ? json_string(nics[best].name) : json_null());
        json_object_set_new(g, "nearest_path", best >= 0 ? json_string(llmb_path_name(bestp)) : json_null());
        json_array_append_new(jg, g);
    }
    json_object_set_new(node, "gpus", jg);
    json_object_set_new(node, "nics", jn);
    free(nics);
    return node;
}

char *llmb_topo_xml(hwloc_topology_t topo)
{
    char *buf = NULL;
    int len = 0;
    if (hwloc_topology_export_xmlbuffer(topo, &buf, &len, 0) < 0 || !buf)
        return NULL;
    char *s = strdup(buf);
    hwloc_free_xmlbuffer(topo, buf);
    return s;
}
