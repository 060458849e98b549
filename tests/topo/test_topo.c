/* cluster/topo.c and cluster/machine.c without MPI: path classes on the hand-written
 * topologies (including the GPU/NIC pairs at different PCIe depths that crash
 * hwloc_get_common_ancestor_obj), GPU classification, NUMA lookup, XML errors and round trip,
 * the ISA hint and the environment filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cluster/machine.h"
#include "cluster/topo.h"

static char xml8[4096], xml1[4096];

static hwloc_obj_t pci(hwloc_topology_t t, const char *busid)
{
    unsigned d, b, dev, f;
    if (sscanf(busid, "%x:%x:%x.%x", &d, &b, &dev, &f) != 4)
        return NULL;
    return hwloc_get_pcidev_by_busid(t, d, b, dev, f);
}

static hwloc_topology_t load(const char *path)
{
    hwloc_topology_t t;
    char err[512];
    assert_int_equal(llmb_topo_load(&t, path, err, sizeof err), 0);
    return t;
}

static void test_paths_8gpu(void **state)
{
    hwloc_topology_t t = load(xml8);
    struct { const char *a, *b; enum llmb_path p; } cases[] = {
        {"0000:12:00.0", "0000:14:00.0", LLMB_PATH_PXB},  /* GPU0 - mlx5_0: same switch, 3 bridges */
        {"0000:12:00.0", "0000:1a:00.0", LLMB_PATH_PHB},  /* GPU0 - mlx5_1: same host bridge, depths 3 vs 0 */
        {"0000:21:00.0", "0000:21:02.0", LLMB_PATH_PIX},  /* GPU2 - mlx5_2: one bridge */
        {"0000:21:00.0", "0000:14:00.0", LLMB_PATH_NODE}, /* GPU2 - mlx5_0: same package */
        {"0000:12:00.0", "0000:30:00.0", LLMB_PATH_NODE}, /* GPU0 - eth0 */
        {"0000:82:00.0", "0000:1a:00.0", LLMB_PATH_SYS},  /* GPU4 - mlx5_1: other package, depths differ */
        {"0000:85:00.0", "0000:30:00.0", LLMB_PATH_SYS},
        {"0000:12:00.0", "0000:13:00.0", LLMB_PATH_PXB},  /* GPU0 - GPU1 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hwloc_obj_t a = pci(t, cases[i].a), b = pci(t, cases[i].b);
        assert_non_null(a);
        assert_non_null(b);
        assert_string_equal(llmb_path_name(llmb_topo_path(t, a, b)), llmb_path_name(cases[i].p));
        assert_string_equal(llmb_path_name(llmb_topo_path(t, b, a)), llmb_path_name(cases[i].p));
    }
    /* The OS device below a PCI device gives the same class as the device. */
    hwloc_obj_t ofed = pci(t, "0000:14:00.0")->io_first_child;
    assert_non_null(ofed);
    assert_int_equal(llmb_topo_path(t, pci(t, "0000:12:00.0"), ofed), LLMB_PATH_PXB);
    /* Common ancestor of objects at different depths across packages is the Machine. */
    hwloc_obj_t anc = llmb_topo_common_ancestor(pci(t, "0000:82:00.0"), pci(t, "0000:1a:00.0"));
    assert_non_null(anc);
    assert_int_equal(anc->type, HWLOC_OBJ_MACHINE);
    hwloc_topology_destroy(t);
}

static void test_gpus_and_numa(void **state)
{
    hwloc_topology_t t = load(xml8);
    assert_true(llmb_topo_is_gpu(pci(t, "0000:12:00.0")));
    assert_false(llmb_topo_is_gpu(pci(t, "0000:31:00.0"))); /* ASPEED VGA */
    assert_false(llmb_topo_is_gpu(pci(t, "0000:14:00.0"))); /* InfiniBand */
    hwloc_bitmap_t s = hwloc_bitmap_alloc();
    hwloc_bitmap_list_sscanf(s, "1");
    json_t *n = llmb_topo_numa_json(t, s);
    assert_int_equal(json_array_size(n), 1);
    assert_int_equal(json_integer_value(json_array_get(n, 0)), 1); /* PUs interleaved: PU 1 on package 1 */
    json_decref(n);
    hwloc_bitmap_list_sscanf(s, "0-1");
    n = llmb_topo_numa_json(t, s);
    assert_int_equal(json_array_size(n), 2);
    json_decref(n);
    hwloc_bitmap_list_sscanf(s, "40"); /* not in this topology */
    n = llmb_topo_numa_json(t, s);
    assert_int_equal(json_array_size(n), 0);
    json_decref(n);
    hwloc_bitmap_free(s);

    json_t *node = llmb_topo_node_json(t);
    assert_int_equal(json_array_size(json_object_get(node, "gpus")), 8);
    assert_int_equal(json_array_size(json_object_get(node, "nics")), 4);
    json_t *g4 = json_array_get(json_object_get(node, "gpus"), 4);
    assert_string_equal(json_string_value(json_object_get(g4, "nearest_path")), "SYS");
    assert_int_equal(json_integer_value(json_object_get(g4, "numa")), 1);
    json_decref(node);
    hwloc_topology_destroy(t);
}

static void test_single_package(void **state)
{
    hwloc_topology_t t = load(xml1);
    assert_int_equal(llmb_topo_path(t, pci(t, "0000:01:00.0"), pci(t, "0000:02:00.0")), LLMB_PATH_PHB);
    assert_int_equal(llmb_topo_path(t, pci(t, "0000:01:00.0"), pci(t, "0000:41:00.0")), LLMB_PATH_NODE);
    json_t *node = llmb_topo_node_json(t);
    assert_int_equal(json_integer_value(json_object_get(node, "cores")), 4);
    assert_int_equal(json_integer_value(json_object_get(node, "pus")), 8);
    assert_int_equal(json_array_size(json_object_get(node, "gpus")), 1);
    json_decref(node);
    hwloc_topology_destroy(t);
}

static void test_xml_errors_and_round_trip(void **state)
{
    hwloc_topology_t t;
    char err[512];
    assert_int_equal(llmb_topo_load(&t, "/nonexistent/llmbench.xml", err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/llmbench.xml"));
    assert_non_null(strstr(err, "No such file"));

    t = load(xml8);
    char *x = llmb_topo_xml(t);
    assert_non_null(x);
    char path[] = "/tmp/llmbench-topo-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(x, f);
    fclose(f);
    hwloc_topology_t u = load(path);
    json_t *a = llmb_topo_node_json(t), *b = llmb_topo_node_json(u);
    assert_true(json_equal(a, b));
    json_decref(a);
    json_decref(b);
    free(x);
    unlink(path);
    hwloc_topology_destroy(u);
    hwloc_topology_destroy(t);
}

static void test_system_ignores_hwloc_xmlfile(void **state)
{
    hwloc_topology_t t;
    setenv("HWLOC_XMLFILE", xml8, 1);
    assert_int_equal(llmb_topo_load_system(&t), 0);
    assert_true(hwloc_topology_is_thissystem(t));
    assert_string_equal(getenv("HWLOC_XMLFILE"), xml8); /* restored */
    unsetenv("HWLOC_XMLFILE");
    hwloc_topology_destroy(t);
}

static void test_machine(void **state)
{
    int f64 = llmb_cpu_flops_per_cycle(1), f32 = llmb_cpu_flops_per_cycle(0);
    assert_true(f64 == 4 || f64 == 8 || f64 == 16 || f64 == 32);
    assert_int_equal(f32, 2 * f64);
    json_t *m = llmb_machine_json();
    assert_true(json_is_array(json_object_get(m, "loadavg")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "isa"), "fp64_flops_per_cycle")), f64);
    json_decref(m);

    setenv("OMPI_MCA_btl", "self,vader", 1);
    setenv("NCCL_IB_HCA", "mlx5_0", 1);
    setenv("LLMB_TEST_SECRET", "x", 1);
    setenv("PMIX_SERVER_URI4", "tcp://1.2.3.4", 1);
    setenv("HOME_OMPI_LIKE", "x", 1);
    json_t *e = llmb_perf_env_json();
    assert_string_equal(json_string_value(json_object_get(e, "OMPI_MCA_btl")), "self,vader");
    assert_string_equal(json_string_value(json_object_get(e, "NCCL_IB_HCA")), "mlx5_0");
    assert_null(json_object_get(e, "LLMB_TEST_SECRET"));
    assert_null(json_object_get(e, "PMIX_SERVER_URI4"));
    assert_null(json_object_get(e, "HOME_OMPI_LIKE"));
    assert_null(json_object_get(e, "PATH"));
    json_decref(e);
}

int main(void)
{
    const char *src = getenv("top_srcdir");
    if (!src)
        src = ".";
    snprintf(xml8, sizeof xml8, "%s/tests/topo/node8gpu.xml", src);
    snprintf(xml1, sizeof xml1, "%s/tests/topo/node1pkg.xml", src);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths_8gpu),
        cmocka_unit_test(test_gpus_and_numa),
        cmocka_unit_test(test_single_package),
        cmocka_unit_test(test_xml_errors_and_round_trip),
        cmocka_unit_test(test_system_ignores_hwloc_xmlfile),
        cmocka_unit_test(test_machine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
