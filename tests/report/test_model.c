/* Unit tests of the reporter's model: exact Shapley values, the step-time model (overlap with
 * progress, waiting from the per-rank spread), counterfactuals (rr_model_step_with), the busbw
 * curve interpolation (report/model.c, report/compare.c, report/rank.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "report/report.h"

static double additive(unsigned mask, void *ctx)
{
    const double *w = ctx;
    double v = 0;
    for (int i = 0; i < 7; i++)
        if (mask & (1u << i))
            v += w[i];
    return v;
}

static void test_shapley_additive(void **state)
{
    (void)state;
    double w[7] = {1, -2, 3.5, 0, 10, 0.25, -0.5}, phi[7];
    rr_shapley(7, additive, w, phi);
    for (int i = 0; i < 7; i++)
        assert_true(fabs(phi[i] - w[i]) < 1e-12);
}

static double glove(unsigned mask, void *ctx)
{
    (void)ctx; /* v({})=0, v({0})=1, v({1})=1, v({0,1})=3 */
    static const double v[4] = {0, 1, 1, 3};
    return v[mask & 3];
}

static void test_shapley_interaction(void **state)
{
    (void)state;
    double phi[2];
    rr_shapley(2, glove, NULL, phi);
    assert_true(fabs(phi[0] - 1.5) < 1e-12 && fabs(phi[1] - 1.5) < 1e-12);
}

/* A non-linear 7-player game: compare with the subset-weight formula. */
static double nonlinear(unsigned mask, void *ctx)
{
    (void)ctx;
    double x[7];
    for (int i = 0; i < 7; i++)
        x[i] = mask & (1u << i) ? 2.0 + i : 1.0;
    return x[0] * x[1] / x[2] + fmax(x[3], x[4] * x[5]) + x[6] * x[0];
}

static double fact(int n) { return n <= 1 ? 1 : n * fact(n - 1); }

static void test_shapley_exact(void **state)
{
    (void)state;
    double phi[7], sum = 0;
    rr_shapley(7, nonlinear, NULL, phi);
    for (int i = 0; i < 7; i++) {
        double ref = 0;
        for (unsigned s = 0; s < 128; s++) {
            if (s & (1u << i))
                continue;
            int k = __builtin_popcount(s);
            ref += fact(k) * fact(7 - k - 1) / fact(7) * (nonlinear(s | (1u << i), NULL) -
                                                           nonlinear(s, NULL));
        }
        assert_true(fabs(phi[i] - ref) < 1e-9);
        sum += phi[i];
    }
    assert_true(fabs(sum - (nonlinear(127, NULL) - nonlinear(0, NULL))) < 1e-9);
}

static void test_model_time(void **state)
{
    (void)state;
    struct rr_params p = {.comp_norm = 0.9, .phi = 0.9, .opt = 0.1, .tier_s = {0.2, 0.6},
                          .wait = 0.05, .window = 0, .other = 0.01};
    double t[RR_NTERMS];
    /* Tc = 1.0; no overlap: 1 + 0.1 + 0.8 + 0.05 + 0.01 */
    assert_true(fabs(rr_model_time(&p, t) - 1.96) < 1e-12);
    assert_true(fabs(t[RR_T_INTRA] - 0.2) < 1e-12 && fabs(t[RR_T_INTER] - 0.6) < 1e-12);
    p.window = 0.4; /* hides 0.4 s of the 0.8 s, split 1:3 */
    assert_true(fabs(rr_model_time(&p, t) - 1.56) < 1e-12);
    assert_true(fabs(t[RR_T_INTRA] - 0.1) < 1e-12 && fabs(t[RR_T_INTER] - 0.3) < 1e-12);
    p.window = 5; /* cannot hide more than there is */
    assert_true(fabs(rr_model_time(&p, t) - 1.16) < 1e-12);
    p.phi = NAN; /* unknown clock: taken as 1 */
    p.window = 0;
    assert_true(fabs(rr_model_time(&p, NULL) - 1.86) < 1e-12);
}

/* Waiting from the per-rank spread: max - median of compute + optimizer + host. */
static void test_wait_from_spread(void **state)
{
    (void)state;
    double c[4] = {1.0, 1.2, 1.1, 1.6}, o[4] = {0.1, 0.1, 0.1, 0.2}, h[4] = {0, 0, 0.02, 0};
    struct rr_params p = {.comp_norm = 1.1, .phi = 1, .opt = 0.1, .tier_s = {0.5, 0},
                          .wait = 9, .other = 0.01, .nranks = 4, .rank_compute = c,
                          .rank_opt = o, .rank_host = h};
    /* x = 1.1, 1.3, 1.22, 1.8: median 1.26, max 1.8 -> wait 0.54 (the fixed 9 is not used) */
    assert_true(fabs(rr_model_wait(&p) - 0.54) < 1e-12);
    double t[RR_NTERMS];
    /* 1.1 + 0.1 + 0.5 (no overlap) + 0.54 + 0.01 */
    assert_true(fabs(rr_model_time(&p, t) - 2.25) < 1e-12);
    assert_true(fabs(t[RR_T_WAIT] - 0.54) < 1e-12 && fabs(t[RR_T_INTRA] - 0.5) < 1e-12);
    p.nranks = 0; /* no per-rank figures: the fixed wait */
    assert_true(fabs(rr_model_wait(&p) - 9) < 1e-12);
}

/* Overlap with progress: S (1 - min(1, window Tc / (progress S))), at least S / nbuckets. */
static void test_overlap_progress(void **state)
{
    (void)state;
    struct rr_params p = {.comp_norm = 1.5, .phi = 1, .tier_s = {0.6, 0.4}, .window = 2.0 / 3,
                          .progress = 1, .nbuckets = 10};
    double t[RR_NTERMS];
    /* window x Tc = 1.0 >= S = 1.0: all hidden but the last bucket, 0.1 s, split 3:2 */
    assert_true(fabs(rr_model_time(&p, t) - 1.6) < 1e-12);
    assert_true(fabs(t[RR_T_INTRA] - 0.06) < 1e-12 && fabs(t[RR_T_INTER] - 0.04) < 1e-12);
    p.progress = 4; /* progressed 4x slower while computing: 1.0 / 4.0 done, 0.75 s exposed */
    assert_true(fabs(rr_model_time(&p, t) - 2.25) < 1e-12);
    p.window = 0; /* no overlap: all exposed */
    assert_true(fabs(rr_model_time(&p, NULL) - 2.5) < 1e-12);
}

static void to_median(struct rr_params *p, const void *arg)
{
    int r = *(const int *)arg;
    p->rank_compute[r] = 1.1, p->rank_opt[r] = 0.1;
}

static void no_comm(struct rr_params *p, const void *arg)
{
    (void)arg;
    p->tier_s[RR_INTRA] = p->tier_s[RR_INTER] = 0;
}

/* rr_model_step_with: a counterfactual on a copy; the run's parameters stay as they were. */
static void test_step_with(void **state)
{
    (void)state;
    double c[4] = {1.0, 1.2, 1.1, 1.6}, o[4] = {0.1, 0.1, 0.1, 0.2}, h[4] = {0, 0, 0.02, 0};
    struct rr_run run;
    memset(&run, 0, sizeof run);
    run.params = (struct rr_params){.comp_norm = 1.1, .phi = 1, .opt = 0.1, .tier_s = {0.5, 0},
                                    .other = 0.01, .nranks = 4, .rank_compute = c,
                                    .rank_opt = o, .rank_host = h};
    assert_true(isnan(rr_model_step_with(&run, NULL, NULL))); /* no model yet */
    run.params_ok = 1;
    double now = rr_model_step_with(&run, NULL, NULL);
    assert_true(fabs(now - 2.25) < 1e-12);
    /* rank 3 at the median rank's compute and optimizer: x = 1.1, 1.3, 1.22, 1.2, median 1.21,
     * max 1.3: wait 0.09 instead of 0.54, the step 0.45 s shorter */
    int r = 3;
    assert_true(fabs(now - rr_model_step_with(&run, to_median, &r) - 0.45) < 1e-12);
    assert_true(c[3] == 1.6 && o[3] == 0.2); /* the run's own figures untouched */
    assert_true(fabs(now - rr_model_step_with(&run, no_comm, NULL) - 0.5) < 1e-12);
}

static void test_curve(void **state)
{
    (void)state;
    double b[3] = {1024, 4096, 16384}, bw[3] = {1, 4, 16};
    struct rr_sweep s;
    memset(&s, 0, sizeof s);
    s.npts = 3, s.bytes = b, s.busbw = bw;
    assert_true(fabs(rr_curve_busbw(&s, 2048) - 2) < 1e-12);   /* log-log midpoint */
    assert_true(fabs(rr_curve_busbw(&s, 4096) - 4) < 1e-12);
    assert_true(fabs(rr_curve_busbw(&s, 1e9) - 16) < 1e-12);   /* flat beyond the ends */
    assert_true(fabs(rr_curve_busbw(&s, 8) - 1) < 1e-12);
    double m[4] = {3, 1, 4, 2};
    assert_true(rr_median(m, 4) == 2.5 && rr_median(m, 3) == 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapley_additive), cmocka_unit_test(test_shapley_interaction),
        cmocka_unit_test(test_shapley_exact),    cmocka_unit_test(test_model_time),
        cmocka_unit_test(test_curve),            cmocka_unit_test(test_wait_from_spread),
        cmocka_unit_test(test_overlap_progress), cmocka_unit_test(test_step_with),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
