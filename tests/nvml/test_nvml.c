/* cluster/nvml.c against a stand-in NVML (tests/nvml/fake_nvml.c, a shared object loaded
 * through LLMB_NVML_LIBRARY): no NVML is a state with its reason; the device by bus id and by
 * index; every field of a sample in each scenario of the fake, the decoding of the clock event
 * reasons, the JSON, and the sampler's before / during / after samples.  Linked with the plain
 * compiler, like the rest of the cluster library's tests. */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "cluster/nvml.h"

static const char *fake(void)
{
    const char *dir = getenv("top_builddir");
    static char path[4096];
    snprintf(path, sizeof path, "%s/tests/nvml/libfake-nvml.so", dir ? dir : ".");
    return path;
}

static struct llmb_nvml *open_fake(const char *scenario, void **dev)
{
    char why[256] = "";
    struct llmb_nvml *n = NULL;
    setenv("LLMB_NVML_LIBRARY", fake(), 1);
    setenv("FAKE_NVML_SCENARIO", scenario, 1);
    assert_int_equal(llmb_nvml_open(&n, why, sizeof why), 0);
    assert_non_null(n);
    assert_int_equal(llmb_nvml_device(n, "0000:17:00.0", 0, dev, why, sizeof why), 0);
    return n;
}

static void test_not_found(void **state)
{
    char why[256] = "";
    struct llmb_nvml *n = (struct llmb_nvml *)1;
    setenv("LLMB_NVML_LIBRARY", "/nonexistent/libnvidia-ml.so.1", 1);
    assert_int_equal(llmb_nvml_open(&n, why, sizeof why), -1);
    assert_null(n);
    assert_non_null(strstr(why, "NVML not found"));
    assert_non_null(strstr(why, "/nonexistent/libnvidia-ml.so.1"));
    /* a library that loads but whose nvmlInit_v2 fails: its error, by name */
    setenv("LLMB_NVML_LIBRARY", fake(), 1);
    setenv("FAKE_NVML_SCENARIO", "noinit", 1);
    assert_int_equal(llmb_nvml_open(&n, why, sizeof why), -1);
    assert_non_null(strstr(why, "Driver Not Loaded"));
}

static void test_device(void **state)
{
    void *dev = NULL, *dev2 = NULL;
    char why[256] = "";
    struct llmb_nvml *n = open_fake("clean", &dev);
    /* NVML's own 8-digit domain and the probe's 4-digit one name the same device */
    assert_int_equal(llmb_nvml_device(n, "00000000:17:00.0", 0, &dev2, why, sizeof why), 0);
    assert_ptr_equal(dev, dev2);
    assert_int_equal(llmb_nvml_device(n, NULL, 0, &dev2, why, sizeof why), 0);
    assert_ptr_equal(dev, dev2);
    assert_int_equal(llmb_nvml_device(n, "0000:18:00.0", 0, &dev2, why, sizeof why), -1);
    assert_non_null(strstr(why, "0000:18:00.0"));
    assert_int_equal(llmb_nvml_device(n, "", 3, &dev2, why, sizeof why), -1);
    struct llmb_gpu_info info;
    llmb_nvml_info(n, dev, &info);
    assert_string_equal(info.name, "NVIDIA H200");
    assert_string_equal(info.uuid, "GPU-5c0ffee0-1234-5678-9abc-def012345678");
    assert_string_equal(info.bus_id, "00000000:17:00.0");
    json_t *j = llmb_gpu_info_json(&info);
    assert_string_equal(json_string_value(json_object_get(j, "name")), "NVIDIA H200");
    json_decref(j);
    llmb_nvml_close(n);
}

static void test_clean(void **state)
{
    void *dev;
    struct llmb_nvml *n = open_fake("clean", &dev);
    struct llmb_gpu_sample s;
    llmb_nvml_sample(n, dev, &s);
    assert_int_equal(s.sm_mhz, 1980);
    assert_int_equal(s.sm_max_mhz, 1980);
    assert_int_equal(s.mem_mhz, 2619);
    assert_int_equal(s.mem_max_mhz, 2619);
    assert_true(fabs(s.power_w - 412.5) < 1e-9);
    assert_true(fabs(s.power_limit_w - 700) < 1e-9);
    assert_int_equal(s.temp_c, 48);
    assert_int_equal(s.reasons, 1); /* through ClocksEventReasons: the fake has no Throttle one */
    assert_int_equal(s.ecc_uncorrected_volatile, 0);
    assert_int_equal(s.remap_pending, 0);
    assert_int_equal(s.pcie_gen, 5);
    assert_int_equal(s.pcie_width_max, 16);
    assert_int_equal(s.nvlink_links, 18);
    assert_int_equal(s.nvlink_active, 18);
    json_t *j = llmb_gpu_sample_json(&s);
    json_t *r = json_object_get(j, "reasons");
    assert_int_equal(json_array_size(r), 1);
    assert_string_equal(json_string_value(json_array_get(r, 0)), "gpu_idle");
    assert_true(json_is_false(json_object_get(j, "remap_failed")));
    json_decref(j);
    llmb_nvml_close(n);
}

static void test_throttled(void **state)
{
    void *dev;
    struct llmb_nvml *n = open_fake("throttled", &dev);
    struct llmb_gpu_sample s;
    llmb_nvml_sample(n, dev, &s);
    assert_int_equal(s.sm_mhz, 1410);
    assert_int_equal(s.reasons, 0x44);
    assert_int_equal(s.temp_c, 91);
    json_t *j = llmb_gpu_sample_json(&s);
    char *txt = json_dumps(json_object_get(j, "reasons"), JSON_COMPACT);
    assert_string_equal(txt, "[\"sw_power_cap\",\"hw_thermal_slowdown\"]");
    free(txt);
    json_decref(j);
    llmb_nvml_close(n);
    /* every named bit, and one NVML has not named */
    json_t *a = llmb_gpu_reasons_json(0x1ffull | (1ull << 40));
    txt = json_dumps(a, JSON_COMPACT);
    assert_string_equal(txt, "[\"gpu_idle\",\"applications_clocks_setting\",\"sw_power_cap\","
                             "\"hw_slowdown\",\"sync_boost\",\"sw_thermal_slowdown\","
                             "\"hw_thermal_slowdown\",\"hw_power_brake_slowdown\","
                             "\"display_clock_setting\",\"0x10000000000\"]");
    free(txt);
    json_decref(a);
}

static void test_degraded_and_ecc(void **state)
{
    void *dev;
    struct llmb_nvml *n = open_fake("degraded", &dev);
    struct llmb_gpu_sample s;
    llmb_nvml_sample(n, dev, &s);
    assert_int_equal(s.pcie_gen, 3);
    assert_int_equal(s.pcie_gen_max, 5);
    assert_int_equal(s.pcie_width, 8);
    assert_int_equal(s.pcie_width_max, 16);
    assert_int_equal(s.nvlink_active, 16);
    llmb_nvml_close(n);
    n = open_fake("ecc", &dev);
    llmb_nvml_sample(n, dev, &s);
    assert_int_equal(s.ecc_uncorrected_volatile, 3);
    assert_int_equal(s.ecc_uncorrected_aggregate, 5);
    assert_int_equal(s.ecc_corrected_volatile, 17);
    assert_int_equal(s.remapped_uncorrectable, 2);
    assert_int_equal(s.remap_pending, 1);
    json_t *j = llmb_gpu_sample_json(&s);
    assert_true(json_is_true(json_object_get(j, "remap_pending")));
    assert_int_equal(json_integer_value(json_object_get(j, "ecc_uncorrected_aggregate")), 5);
    json_decref(j);
    llmb_nvml_close(n);
}

static void test_sampler(void **state)
{
    void *dev;
    struct llmb_nvml *n = open_fake("throttled", &dev);
    struct llmb_gpu_sampler *s = llmb_gpu_sampler_start(n, dev, 0.01);
    assert_non_null(s);
    struct timespec ts = {0, 80 * 1000 * 1000};
    nanosleep(&ts, NULL);
    json_t *a = llmb_gpu_sampler_stop(s);
    size_t k = json_array_size(a);
    assert_true(k >= 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "when")), "before");
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 1), "when")), "during");
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, k - 1), "when")), "after");
    double prev = -1;
    for (size_t i = 0; i < k; i++) {
        json_t *x = json_array_get(a, i);
        double t = json_real_value(json_object_get(x, "t_s"));
        assert_true(t >= prev);
        prev = t;
        assert_int_equal(json_integer_value(json_object_get(x, "sm_mhz")), 1410);
    }
    json_decref(a);
    /* a long phase: the buffer halves and the interval doubles, never more samples than the cap */
    s = llmb_gpu_sampler_start(n, dev, 0.0002);
    assert_non_null(s);
    ts.tv_nsec = 300 * 1000 * 1000;
    nanosleep(&ts, NULL);
    a = llmb_gpu_sampler_stop(s);
    assert_true(json_array_size(a) <= LLMB_GPU_SAMPLES_MAX);
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "when")), "before");
    json_decref(a);
    llmb_nvml_close(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_found), cmocka_unit_test(test_device),
        cmocka_unit_test(test_clean), cmocka_unit_test(test_throttled),
        cmocka_unit_test(test_degraded_and_ecc), cmocka_unit_test(test_sampler),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
