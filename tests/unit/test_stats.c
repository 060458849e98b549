/* Statistics and the size parser on worked numbers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "stats.h"
#include "util.h"

static void test_summary(void **state)
{
    const double x[] = {5, 1, 4, 2, 3, 10, 6, 7, 9, 8}; /* 1..10 shuffled */
    struct llmb_summary s;
    assert_int_equal(llmb_summarize(x, 10, &s), 0);
    assert_true(s.n == 10);
    assert_float_equal(s.median, 5.5, 1e-12);
    assert_float_equal(s.p10, 1.9, 1e-12);  /* 1 + 0.9 * (2 - 1) */
    assert_float_equal(s.p90, 9.1, 1e-12);
    assert_float_equal(s.min, 1, 0);
    assert_float_equal(s.max, 10, 0);
    assert_float_equal(s.mean, 5.5, 1e-12);
    assert_float_equal(s.cv, sqrt(82.5 / 9) / 5.5, 1e-12);
    assert_float_equal(s.mad, 2.5, 1e-12);
}

static void test_summary_edges(void **state)
{
    struct llmb_summary s;
    assert_int_equal(llmb_summarize(NULL, 0, &s), 0);
    assert_true(s.n == 0);
    const double one = 3.0;
    assert_int_equal(llmb_summarize(&one, 1, &s), 0);
    assert_float_equal(s.p10, 3.0, 0);
    assert_float_equal(s.cv, 0.0, 0);
    const double bad[] = {1, NAN};
    assert_int_equal(llmb_summarize(bad, 2, &s), -1);
    json_t *j = llmb_summary_json(&s, "s");
    assert_non_null(json_object_get(j, "median_s"));
    json_decref(j);
}

static void test_robust_z(void **state)
{
    assert_float_equal(llmb_robust_z(10, 5, 1), 5 / 1.4826, 1e-9);
    assert_float_equal(llmb_robust_z(5, 5, 0), 0, 0);
    assert_true(llmb_robust_z(6, 5, 0) > 1e6);
}

/* The link matrix's passes: the best of each pair and direction, a stalled pass ignored. */
static void test_best_of(void **state)
{
    (void)state;
    /* 3 passes of one 2-cell row, stride 2: cell 0 {1, 4, 2}, cell 1 {NAN, 3, NAN} */
    const double x[] = {1, NAN, 4, 3, 2, NAN};
    assert_float_equal(llmb_best_of(x, 3, 2, 1), 4, 0);
    assert_float_equal(llmb_best_of(x, 3, 2, 0), 1, 0);
    assert_float_equal(llmb_best_of(x + 1, 3, 2, 1), 3, 0);
    assert_float_equal(llmb_best_of(x + 1, 3, 2, 0), 3, 0);
    const double none[] = {NAN, NAN};
    assert_true(isnan(llmb_best_of(none, 2, 1, 1)));
    assert_true(isnan(llmb_best_of(x, 0, 2, 1)));
}

static void test_sizes(void **state)
{
    size_t b, lo, hi;
    unsigned f;
    const char *why;
    assert_int_equal(llmb_parse_size("8", &b), 0);
    assert_true(b == 8);
    assert_int_equal(llmb_parse_size("64K", &b), 0);
    assert_true(b == 65536);
    assert_int_equal(llmb_parse_size("1MiB", &b), 0);
    assert_true(b == 1048576);
    assert_int_equal(llmb_parse_size("2G", &b), 0);
    assert_true(b == 2147483648u);
    assert_int_equal(llmb_parse_size("1.5M", &b), -1);
    assert_int_equal(llmb_parse_size("M", &b), -1);
    assert_int_equal(llmb_parse_size("-8", &b), -1);
    assert_int_equal(llmb_parse_size("99999999999999999999999", &b), -1);
    assert_int_equal(llmb_parse_size_range("8:256M", &lo, &hi, &f, &why), 0);
    assert_true(lo == 8 && hi == 268435456 && f == 2);
    assert_int_equal(llmb_parse_size_range("0:8", &lo, &hi, &f, &why), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary), cmocka_unit_test(test_summary_edges),
        cmocka_unit_test(test_robust_z), cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_best_of),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
