/* tests/kernels/test_cuda_table.c - the CUDA backend without a device (built only with CUDA):
 * each of its four tables has every entry of kernels/kernels.h (the event timer included), its
 * precision and its
 * tolerances; without a device llmb_cuda_available() refuses with the documented line and the
 * nominal peak is unknown (0), never a made-up number.  With a device the availability tests
 * are skipped (the device is exercised by tests/kernels/cuda_backend.sh). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "kernels/cuda/cuda.h"

typedef void (*any_fn)(void);

/* every member from alloc to the end is a function pointer: none may be NULL (the optional
 * entries at the end, timers and pinned host memory, only when timers) */
static void complete(const struct llmb_kernels *k, int timers)
{
    size_t first = offsetof(struct llmb_kernels, alloc);
    size_t end = timers ? sizeof *k : offsetof(struct llmb_kernels, timer_start);
    for (size_t off = first; off + sizeof(any_fn) <= end; off += sizeof(any_fn)) {
        any_fn f;
        memcpy(&f, (const char *)k + off, sizeof f);
        if (!f)
            fail_msg("%s: entry %zu of the table is NULL", k->name, (off - first) / sizeof f);
    }
}

static void test_tables(void **state)
{
    (void)state;
    struct {
        const struct llmb_kernels *k;
        const char *name, *prec;
        double gemm_tol;
    } t[] = {
        {&llmb_kernels_cuda_bf16, "cuda-bf16", "bf16", 2e-2},
        {&llmb_kernels_cuda_fp16, "cuda-fp16", "fp16", 1e-2},
        {&llmb_kernels_cuda_tf32, "cuda-tf32", "tf32", 1e-3},
        {&llmb_kernels_cuda_fp32, "cuda-fp32", "fp32", 1e-5},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        complete(t[i].k, 1);
        assert_string_equal(t[i].k->name, t[i].name);
        assert_string_equal(t[i].k->precision, t[i].prec);
        assert_true(llmb_kernel_tol(t[i].k, LLMB_K_GELU) == 1e-5);
        assert_true(llmb_kernel_tol(t[i].k, LLMB_K_ADAMW) == 1e-5);
        assert_true(llmb_kernel_tol(t[i].k, LLMB_K_GEMM) == t[i].gemm_tol);
        assert_true(llmb_kernel_tol(t[i].k, LLMB_K_MATMUL) == t[i].gemm_tol);
        assert_true(llmb_kernel_tol(t[i].k, LLMB_K_ATTENTION) == t[i].gemm_tol);
    }
    /* the CPU and reference tables are complete too, at the default tolerance */
    complete(&llmb_kernels_cpu, 0);
    complete(&llmb_kernels_ref, 0);
    assert_true(llmb_kernel_tol(&llmb_kernels_cpu, LLMB_K_GEMM) == LLMB_KERNEL_TOL);
}

static void test_no_device(void **state)
{
    (void)state;
    char why[256] = "", deriv[256] = "";
    if (llmb_cuda_available(why, sizeof why) == 0)
        skip(); /* a device is present */
    assert_non_null(strstr(why, "no CUDA device (cudaGetDeviceCount: "));
    assert_int_equal(llmb_cuda_select_device(0, 1, why, sizeof why), -1);
    assert_non_null(strstr(why, "no CUDA device"));
    assert_true(llmb_cuda_nominal_peak_gflops("bf16", deriv, sizeof deriv) == 0);
    assert_non_null(strstr(deriv, "unknown"));
}

/* the nominal peaks from the device's facts against the vendors' dense figures: A100 SXM (108
 * SMs, 1410 MHz) 19.5 / 156 / 312 TFLOP/s; H100 SXM (132 SMs, peak clock 1980 MHz) 66.9 fp32,
 * 494.7 tf32, 989.4 bf16 and fp16 (tensor cores at 1830 MHz); H100 PCIe (114 SMs, 1755 MHz) 756
 * bf16 (tensor cores at 1620 MHz) */
static void test_peak(void **state)
{
    (void)state;
    struct {
        int major, minor, sms, khz;
        const char *prec;
        double tflops;
    } t[] = {
        {8, 0, 108, 1410000, "fp32", 19.5},  {8, 0, 108, 1410000, "tf32", 156},
        {8, 0, 108, 1410000, "bf16", 312},   {9, 0, 132, 1980000, "fp32", 66.9},
        {9, 0, 132, 1980000, "tf32", 494.7}, {9, 0, 132, 1980000, "bf16", 989.4},
        {9, 0, 132, 1980000, "fp16", 989.4}, {9, 0, 114, 1755000, "bf16", 756},
    };
    char deriv[256];
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        double g = llmb_cuda_peak_gflops(t[i].major, t[i].minor, t[i].sms, t[i].khz, t[i].prec,
                                         deriv, sizeof deriv);
        if (fabs(g / (t[i].tflops * 1e3) - 1) > 0.005)
            fail_msg("sm_%d%d %d SMs %d kHz %s: %.1f GFLOP/s, want %.0f (%s)", t[i].major,
                     t[i].minor, t[i].sms, t[i].khz, t[i].prec, g, t[i].tflops * 1e3, deriv);
    }
    assert_true(llmb_cuda_peak_gflops(10, 0, 148, 1965000, "bf16", deriv, sizeof deriv) == 0);
    assert_non_null(strstr(deriv, "unknown"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_peak),
        cmocka_unit_test(test_no_device),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
