/* Unit tests of the per-rank detail budget (bench/detail.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../bench/detail.h"

/* within the budget every rank keeps its detail */
static void test_within_budget(void **state)
{
    (void)state;
    double v[4] = {1, 2, 3, 4};
    char keep[4];
    assert_int_equal(llmb_detail_pick(v, 1, 4, 4, keep), 4);
    for (int r = 0; r < 4; r++)
        assert_int_equal(keep[r], 1);
}

/* 600 ranks, two keys; rank 437 slow in the first, rank 12 in the second, noise elsewhere:
 * both kept, the extremes kept, nothing else (within the band), at most the budget */
static void test_outliers(void **state)
{
    (void)state;
    enum { N = 600 };
    double *v = malloc(2 * N * sizeof *v);
    char keep[N];
    assert_non_null(v);
    for (int r = 0; r < N; r++) {
        v[r] = 80.0 + 0.01 * (r % 7);      /* GEMM rate */
        v[N + r] = 15.0 + 0.01 * (r % 5);  /* bandwidth */
    }
    v[437] = 40.0;
    v[N + 12] = 3.0;
    int kept = llmb_detail_pick(v, 2, N, 256, keep);
    assert_true(kept >= 2 && kept <= 4);
    assert_int_equal(keep[437], 1);
    assert_int_equal(keep[12], 1);
    int n = 0;
    for (int r = 0; r < N; r++)
        n += keep[r];
    assert_int_equal(n, kept);
    /* a budget of 1: the lowest of the first key only */
    assert_int_equal(llmb_detail_pick(v, 2, N, 1, keep), 1);
    assert_int_equal(keep[437], 1);
    free(v);
}

/* many outliers: the budget caps them, the farthest first; a rank that measured nothing
 * (NaN) counts as the farthest */
static void test_cap(void **state)
{
    (void)state;
    enum { N = 1000 };
    double v[N];
    char keep[N];
    for (int r = 0; r < N; r++)
        v[r] = r % 10 == 0 ? 10.0 + r / 100.0 : 100.0 + 0.1 * (r % 3); /* 100 slow ranks */
    v[500] = NAN;
    assert_int_equal(llmb_detail_pick(v, 1, N, 8, keep), 8);
    assert_int_equal(keep[500], 1);
    assert_int_equal(keep[0], 1);   /* the lowest */
    assert_int_equal(keep[10], 1);  /* the next farthest */
    assert_int_equal(keep[990], 0); /* an outlier beyond the budget */
}

static void test_spread(void **state)
{
    (void)state;
    double x[5] = {3, NAN, 1, 5, 2};
    int who[5] = {10, 11, 12, 13, 14};
    json_t *j = llmb_detail_spread(x, who, 5);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "min_rank")), 12);
    assert_int_equal(json_integer_value(json_object_get(j, "max_rank")), 13);
    assert_true(json_real_value(json_object_get(j, "median")) == 2.5);
    json_decref(j);
    double y[1] = {NAN};
    j = llmb_detail_spread(y, who, 1);
    assert_true(json_is_null(j));
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_within_budget),
        cmocka_unit_test(test_outliers),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_spread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
