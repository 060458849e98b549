/* The cluster library without MPI: path classes on the hand-written topologies (including the
 * GPU/NIC pairs at different PCIe depths that crash hwloc_get_common_ancestor_obj), GPU
 * classification, NUMA lookup, XML errors and round trip, cpuset overlaps, the environment
 * filter, and the machine facts (nominal peak, ISA, clock, MemAvailable, last-level cache) read
 * from sample /proc and /sys files of an AMD Zen 4 and an Intel Skylake-SP machine. */
#define _GNU_SOURCE
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cluster/binding.h"
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

/* ---- machine facts from sample /proc and /sys files ---- */

/* The first processor of an AMD EPYC 9654 (Zen 4, family 25 = 0x19, AVX-512), then a second. */
static const char cpuinfo_zen4[] =
    "processor\t: 0\n"
    "vendor_id\t: AuthenticAMD\n"
    "cpu family\t: 25\n"
    "model\t\t: 17\n"
    "model name\t: AMD EPYC 9654 96-Core Processor\n"
    "stepping\t: 1\n"
    "cpu MHz\t\t: 2596.140\n"
    "cache size\t: 1024 KB\n"
    "fpu\t\t: yes\n"
    "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr sse sse2 ht syscall nx mmxext "
    "pdpe1gb rdtscp lm constant_tsc rep_good nopl pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 "
    "x2apic movbe popcnt aes xsave avx f16c rdrand lahf_lm svm sse4a misalignsse bmi1 avx2 smep bmi2 "
    "erms avx512f avx512dq rdseed adx smap avx512ifma clflushopt clwb avx512cd sha_ni avx512bw "
    "avx512vl xsaveopt avx512_bf16 avx512vbmi avx512_vnni avx512_vpopcntdq\n"
    "bugs\t\t: sysret_ss_attrs null_seg spectre_v1 spectre_v2\n"
    "power management:\n"
    "\n"
    "processor\t: 1\n"
    "vendor_id\t: AuthenticAMD\n"
    "cpu family\t: 25\n"
    "model name\t: AMD EPYC 9654 96-Core Processor\n"
    "cpu MHz\t\t: 3700.000\n"
    "flags\t\t: fpu sse sse2\n"
    "\n";

/* An Intel Xeon Gold 6148 (Skylake-SP, two AVX-512 FMA units): its model name states the base
 * clock, "cpu MHz" is the current one. */
static const char cpuinfo_intel[] =
    "processor\t: 0\n"
    "vendor_id\t: GenuineIntel\n"
    "cpu family\t: 6\n"
    "model\t\t: 85\n"
    "model name\t: Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz\n"
    "stepping\t: 4\n"
    "microcode\t: 0x2006e05\n"
    "cpu MHz\t\t: 1000.012\n"
    "cache size\t: 28160 KB\n"
    "flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush "
    "dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm constant_tsc pni "
    "pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 sdbg fma cx16 xtpr pdcm pcid dca sse4_1 "
    "sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand lahf_lm abm 3dnowprefetch fsgsbase "
    "tsc_adjust bmi1 hle avx2 smep bmi2 erms invpcid rtm mpx avx512f avx512dq rdseed adx smap "
    "clflushopt clwb avx512cd avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves pku ospke\n"
    "vmx flags\t: vnmi preemption_timer invvpid ept_x_only ept_ad\n"
    "bugs\t\t: cpu_meltdown spectre_v1 spectre_v2 spec_store_bypass l1tf mds swapgs taa itlb_multihit\n"
    "\n";

static const char meminfo[] =
    "MemTotal:       263842516 kB\n"
    "MemFree:        250123456 kB\n"
    "MemAvailable:   255000123 kB\n"
    "Buffers:            4472 kB\n";

static char fake_root[64];

/* Write text to fake_root/rel, creating its folders. */
static void put(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s%s", fake_root, rel);
    for (char *p = path + strlen(fake_root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int fake_setup(void **state)
{
    snprintf(fake_root, sizeof fake_root, "/tmp/llmbench-machine-XXXXXX");
    if (!mkdtemp(fake_root))
        return -1;
    llmb_machine_set_root(fake_root);
    return 0;
}

static int fake_teardown(void **state)
{
    llmb_machine_set_root(NULL);
    return nftw(fake_root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_zen4(void **state)
{
    put("/proc/cpuinfo", cpuinfo_zen4);
    char d[512], model[256];
    /* No cpufreq: the current clock of the first processor, Zen 4's half-rate AVX-512. */
    double p = llmb_cpu_nominal_peak_gflops(2, d, sizeof d);
    assert_true(p == 2 * (2596.140 / 1e3) * 32);
    assert_string_equal(d, "2 PUs x 2.596 GHz (cpu MHz (current clock; no cpufreq max exposed)) x 32 FP32 "
                           "FLOP/cycle (AVX-512 on Zen 4 (2 x 256-bit FMA pipes x 8 lanes x 2)) = 166.2 "
                           "GFLOP/s; SMT siblings share their core's FMA units");
    assert_int_equal(llmb_cpu_flops_per_cycle(0), 32);
    assert_int_equal(llmb_cpu_flops_per_cycle(1), 16);
    assert_int_equal(llmb_cpu_model(model, sizeof model), 0);
    assert_string_equal(model, "AMD EPYC 9654 96-Core Processor");
    const char *src;
    assert_true(llmb_cpu_max_freq_mhz(&src) == 2596.140);
    assert_string_equal(src, "cpuinfo");

    /* The probe reports the same ISA figures as the peak uses. */
    json_t *m = llmb_machine_json();
    json_t *isa = json_object_get(m, "isa");
    assert_true(json_is_true(json_object_get(isa, "avx512f")));
    assert_true(json_is_true(json_object_get(isa, "fma")));
    assert_int_equal(json_integer_value(json_object_get(isa, "fp32_flops_per_cycle")), 32);
    assert_int_equal(json_integer_value(json_object_get(isa, "fp64_flops_per_cycle")), 16);
    assert_string_equal(json_string_value(json_object_get(m, "cpu_model")), "AMD EPYC 9654 96-Core Processor");
    assert_string_equal(json_string_value(json_object_get(m, "cur_freq_source")), "cpuinfo");
    assert_true(json_is_null(json_object_get(m, "loadavg")));
    json_decref(m);

    /* cpufreq's maximum wins over /proc/cpuinfo. */
    put("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq", "3700000\n");
    p = llmb_cpu_nominal_peak_gflops(1, d, sizeof d);
    assert_true(p == 3700000 / 1e6 * 32);
    assert_non_null(strstr(d, "1 PUs x 3.700 GHz (cpuinfo_max_freq) x 32 FP32 FLOP/cycle"));
    assert_true(llmb_cpu_max_freq_mhz(&src) == 3700.0);
    assert_string_equal(src, "cpufreq");
}

static void test_intel(void **state)
{
    put("/proc/cpuinfo", cpuinfo_intel);
    char d[512];
    /* The base clock of the model name before the current clock; two full AVX-512 FMA units. */
    double p = llmb_cpu_nominal_peak_gflops(4, d, sizeof d);
    assert_true(p == 4 * 2.40 * 64);
    assert_string_equal(d, "4 PUs x 2.400 GHz (model name (base clock)) x 64 FP32 FLOP/cycle (AVX-512 FMA "
                           "(2 FMA units x 16 lanes x 2)) = 614.4 GFLOP/s; SMT siblings share their core's "
                           "FMA units");
    assert_int_equal(llmb_cpu_flops_per_cycle(0), 64);
    assert_int_equal(llmb_cpu_flops_per_cycle(1), 32);
    /* The probe's max_freq_mhz has no model-name step: "cpu MHz". */
    const char *src;
    assert_true(llmb_cpu_max_freq_mhz(&src) == 1000.012);
    assert_string_equal(src, "cpuinfo");

    /* Without avx512f: AVX2 + FMA. */
    char *noavx512 = strdup(cpuinfo_intel);
    char *at = strstr(noavx512, " avx512f");
    memcpy(at, " xxxxxxx", 8);
    put("/proc/cpuinfo", noavx512);
    free(noavx512);
    llmb_cpu_nominal_peak_gflops(1, d, sizeof d);
    assert_non_null(strstr(d, "x 32 FP32 FLOP/cycle (AVX2 FMA (2 FMA units x 8 lanes x 2))"));
    json_t *m = llmb_machine_json();
    assert_int_equal(json_integer_value(json_object_get(json_object_get(m, "isa"), "fp32_flops_per_cycle")), 32);
    assert_true(json_is_false(json_object_get(json_object_get(m, "isa"), "avx512f")));
    json_decref(m);
}

static void test_meminfo_and_cache(void **state)
{
    /* Nothing readable: 0 bytes, null in the probe, no model, a 32 MiB cache at most. */
    assert_true(llmb_mem_available_bytes() == 0);
    json_t *m = llmb_machine_json();
    assert_true(json_is_null(json_object_get(m, "mem_available_bytes")));
    assert_true(json_is_null(json_object_get(m, "cpu_model")));
    assert_string_equal(json_string_value(json_object_get(m, "max_freq_source")), "none");
    json_decref(m);
    char model[64];
    assert_int_equal(llmb_cpu_model(model, sizeof model), -1);
    assert_string_equal(model, "");

    put("/proc/meminfo", meminfo);
    assert_true(llmb_mem_available_bytes() == 255000123.0 * 1024);
    m = llmb_machine_json();
    assert_int_equal(json_integer_value(json_object_get(m, "mem_available_bytes")), 255000123LL * 1024);
    json_decref(m);

    put("/sys/devices/system/cpu/cpu0/cache/index3/size", "32768K\n");
    assert_int_equal(llmb_llc_bytes(), (size_t)32 << 20);
    put("/sys/devices/system/cpu/cpu0/cache/index3/size", "1536K\n");
    assert_int_equal(llmb_llc_bytes(), (size_t)1536 << 10);
}

static void test_cpuset_sharers(void **state)
{
    char sets[4][LLMB_CPUSET_MAX] = {"0-1", "2", "4-7", "not a cpuset"};
    assert_int_equal(llmb_cpuset_sharers("0-3", sets[0], 4, LLMB_CPUSET_MAX), 2);
    assert_int_equal(llmb_cpuset_sharers("8", sets[0], 4, LLMB_CPUSET_MAX), 0);
    assert_int_equal(llmb_cpuset_sharers("0-7", sets[0], 3, LLMB_CPUSET_MAX), 3);
    assert_int_equal(llmb_cpuset_sharers("not a cpuset", sets[0], 4, LLMB_CPUSET_MAX), 0);
    struct llmb_binding b;
    if (llmb_binding_read(&b) == 0) /* my own binding overlaps itself */
        assert_int_equal(llmb_cpuset_sharers(b.cpuset, b.cpuset, 1, LLMB_CPUSET_MAX), 1);
    assert_true(llmb_binding_pus() >= 1);
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
        cmocka_unit_test(test_cpuset_sharers),
        cmocka_unit_test_setup_teardown(test_zen4, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_intel, fake_setup, fake_teardown),
        cmocka_unit_test_setup_teardown(test_meminfo_and_cache, fake_setup, fake_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
