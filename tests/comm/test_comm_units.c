/* The comm phase without MPI: bus-bandwidth factors and S definitions on worked numbers, the
 * round-robin pairing of the link matrix, and every collective's verification table on a
 * simulated operation (plain loops standing in for MPI, three ranks). */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "coll/coll.h"
#include "metrics.h"

static void test_busbw_factors(void **state)
{
    /* n = 8: allreduce 2*7/8, reduce-scatter/allgather/alltoall 7/8, broadcast/sendrecv 1. */
    assert_float_equal(llmb_busbw_factor(LLMB_COLL_ALLREDUCE, 8), 1.75, 1e-15);
    assert_float_equal(llmb_busbw_factor(LLMB_COLL_REDUCE_SCATTER, 8), 0.875, 1e-15);
    assert_float_equal(llmb_busbw_factor(LLMB_COLL_ALLGATHER, 8), 0.875, 1e-15);
    assert_float_equal(llmb_busbw_factor(LLMB_COLL_ALLTOALL, 8), 0.875, 1e-15);
    assert_float_equal(llmb_busbw_factor(LLMB_COLL_BROADCAST, 8), 1.0, 0);
    assert_float_equal(llmb_busbw_factor(LLMB_COLL_SENDRECV, 8), 1.0, 0);
    assert_float_equal(llmb_busbw_factor(LLMB_COLL_ALLREDUCE, 2), 1.0, 1e-15);
    assert_float_equal(llmb_busbw_factor(LLMB_COLL_ALLREDUCE, 1), 0.0, 0);
    assert_float_equal(llmb_busbw_factor(LLMB_COLL_ALLREDUCE, 0), 0.0, 0);
    /* 1 GiB allreduce over 4 ranks in 0.1 s: algbw 10.737418 GB/s, busbw x 1.5. */
    assert_float_equal(llmb_algbw_gbs(1073741824.0, 0.1), 10.73741824, 1e-9);
    assert_float_equal(llmb_busbw_gbs(LLMB_COLL_ALLREDUCE, 4, 1073741824.0, 0.1), 16.10612736, 1e-9);
    /* 64 MiB allgather over 16 ranks in 10 ms: 6.7108864 GB/s algbw, x 15/16. */
    assert_float_equal(llmb_busbw_gbs(LLMB_COLL_ALLGATHER, 16, 67108864.0, 0.01), 6.291456, 1e-9);
    assert_float_equal(llmb_algbw_gbs(8, 0), 0.0, 0);
    /* The import-only collectives, as nccl-tests' GetBw: reduce 1; gather, scatter, alltoallv
     * (n-1)/n; hypercube (n-1)/n on S / t (nccl-tests: 1 on S (n-1)/n / t). */
    assert_float_equal(llmb_busbw_factor(LLMB_COLL_REDUCE, 8), 1.0, 0);
    assert_float_equal(llmb_busbw_factor(LLMB_COLL_GATHER, 8), 0.875, 1e-15);
    assert_float_equal(llmb_busbw_factor(LLMB_COLL_SCATTER, 8), 0.875, 1e-15);
    assert_float_equal(llmb_busbw_factor(LLMB_COLL_HYPERCUBE, 8), 0.875, 1e-15);
    assert_float_equal(llmb_busbw_factor(LLMB_COLL_ALLTOALLV, 8), 0.875, 1e-15);
    /* The driver runs the first LLMB_COLL_RUN_COUNT; no backend has a line for the others. */
    assert_int_equal(LLMB_COLL_RUN_COUNT, 6);
    for (int c = 0; c < LLMB_COLL_COUNT; c++) {
        assert_int_equal(llmb_coll_runs((enum llmb_coll)c), c < LLMB_COLL_RUN_COUNT);
        if (c >= LLMB_COLL_RUN_COUNT)
            for (int i = 0; llmb_coll_registry[i]; i++)
                assert_true(llmb_coll_registry[i]->coll != c);
    }
    char names[256];
    llmb_coll_name_list(names, sizeof names, ",", LLMB_COLL_RUN_COUNT);
    assert_string_equal(names, "allreduce,reduce_scatter,allgather,alltoall,broadcast,sendrecv");
    llmb_coll_name_list(names, sizeof names, ",", LLMB_COLL_COUNT);
    assert_string_equal(names, "allreduce,reduce_scatter,allgather,alltoall,broadcast,sendrecv,"
                        "reduce,gather,scatter,hypercube,alltoallv");
}

static void test_sizes_per_rank(void **state)
{
    size_t s, r;
    /* allreduce 1 MiB of floats: 262144 elements in, 262144 out, S = 1 MiB. */
    assert_true(llmb_coll_counts(LLMB_COLL_ALLREDUCE, 1 << 20, 4, 8, &s, &r) == 1 << 20);
    assert_true(s == 262144 && r == 262144);
    /* allgather, S = 8 MiB = total receive over 8 ranks: send 1 MiB (262144 floats), recv 8 MiB. */
    assert_true(llmb_coll_counts(LLMB_COLL_ALLGATHER, 8 << 20, 4, 8, &s, &r) == 8 << 20);
    assert_true(s == 262144 && r == 2097152);
    /* reduce-scatter, S = total send: send 4096 B (1024 floats), each rank keeps 256 floats. */
    assert_true(llmb_coll_counts(LLMB_COLL_REDUCE_SCATTER, 4096, 4, 4, &s, &r) == 4096);
    assert_true(s == 1024 && r == 256);
    /* alltoall, S = total send = total receive; 256 floats to each of 4 peers. */
    assert_true(llmb_coll_counts(LLMB_COLL_ALLTOALL, 4096, 4, 4, &s, &r) == 4096);
    assert_true(s == 1024 && r == 1024);
    /* Rounding: 100 B allgather over 3 ranks = 25 floats -> 8 per rank, S = 96 B. */
    assert_true(llmb_coll_counts(LLMB_COLL_ALLGATHER, 100, 4, 3, &s, &r) == 96);
    assert_true(s == 8 && r == 24);
    /* Too small to split: one element per chunk, S = n elements. */
    assert_true(llmb_coll_counts(LLMB_COLL_ALLTOALL, 8, 4, 4, &s, &r) == 16);
    assert_true(s == 4 && r == 4);
    assert_true(llmb_coll_counts(LLMB_COLL_BROADCAST, 2, 4, 4, &s, &r) == 4);
    assert_true(s == 1 && r == 1);
    assert_true(llmb_coll_counts(LLMB_COLL_SENDRECV, 8, 4, 2, &s, &r) == 8 && s == 2 && r == 2);
    assert_true(llmb_coll_counts(LLMB_COLL_ALLREDUCE, 8, 4, 0, &s, &r) == 0);
    assert_true(llmb_coll_counts(LLMB_COLL_ALLREDUCE, 8, 0, 2, &s, &r) == 0);
    /* OSU / IMB sizes of the same operations. */
    assert_true(llmb_coll_osu_bytes(LLMB_COLL_ALLGATHER, 8 << 20, 8) == 1 << 20);
    assert_true(llmb_coll_osu_bytes(LLMB_COLL_ALLTOALL, 4096, 4) == 1024);
    assert_true(llmb_coll_osu_bytes(LLMB_COLL_ALLREDUCE, 4096, 4) == 4096);
}

static void test_round_robin(void **state)
{
    for (int m = 2; m <= 17; m++) {
        int rounds = llmb_round_robin_rounds(m);
        assert_int_equal(rounds, m % 2 ? m : m - 1);
        int *met = calloc((size_t)m * m, sizeof *met);
        for (int t = 0; t < rounds; t++) {
            int idle = 0;
            for (int i = 0; i < m; i++) {
                int p = llmb_round_robin_partner(t, i, m);
                if (p < 0) {
                    idle++;
                    continue;
                }
                assert_true(p != i && p < m);
                assert_int_equal(llmb_round_robin_partner(t, p, m), i); /* disjoint pairs */
                met[i * m + p]++;
            }
            assert_int_equal(idle, m % 2); /* one player sits out when m is odd */
        }
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
                assert_int_equal(met[i * m + j], i == j ? 0 : 1); /* every pair exactly once */
        free(met);
    }
    assert_int_equal(llmb_round_robin_rounds(1), 0);
    assert_int_equal(llmb_round_robin_partner(0, 0, 1), -1);
}

/* ---- simulated collectives: n ranks on the host, plain loops instead of MPI ---- */

#define NR 3
static float tab[LLMB_COLL_PERIOD], sum[LLMB_COLL_PERIOD];

static long long simulate(enum llmb_coll c, size_t bytes, int corrupt_rank)
{
    const struct llmb_coll_impl *im = llmb_coll_find(c, "mpi");
    assert_non_null(im);
    size_t ns, nr;
    llmb_coll_counts(c, bytes, sizeof(float), NR, &ns, &nr);
    float *send[NR], *recv[NR];
    struct llmb_coll_data d[NR];
    for (int r = 0; r < NR; r++) {
        send[r] = malloc(ns * sizeof(float));
        recv[r] = malloc(nr * sizeof(float));
        d[r] = (struct llmb_coll_data){.rank = r, .n = NR, .off = 17, .corrupt = r == corrupt_rank,
                                       .tab = tab, .sum = sum};
        im->init(send[r], ns, recv[r], nr, 0, &d[r]);
    }
    size_t chunk = c == LLMB_COLL_ALLGATHER ? ns : nr / NR;
    for (int q = 0; q < NR; q++)
        for (size_t i = 0; i < nr; i++) {
            double v = 0;
            switch (c) {
            case LLMB_COLL_ALLREDUCE:
                for (int r = 0; r < NR; r++)
                    v += send[r][i];
                break;
            case LLMB_COLL_REDUCE_SCATTER:
                for (int r = 0; r < NR; r++)
                    v += send[r][(size_t)q * nr + i];
                break;
            case LLMB_COLL_ALLGATHER:
                v = send[i / chunk][i % chunk];
                break;
            case LLMB_COLL_ALLTOALL:
                v = send[i / chunk][(size_t)q * chunk + i % chunk];
                break;
            case LLMB_COLL_BROADCAST:
                v = q == 0 ? recv[0][i] : NAN;
                break;
            case LLMB_COLL_SENDRECV:
                v = send[(q + NR - 1) % NR][i];
                break;
            default:
                break;
            }
            if (c != LLMB_COLL_BROADCAST || q != 0)
                recv[q][i] = (float)v;
        }
    if (c == LLMB_COLL_BROADCAST)
        for (int q = 1; q < NR; q++)
            memcpy(recv[q], recv[0], nr * sizeof(float));
    long long wrong = 0;
    for (int r = 0; r < NR; r++) {
        wrong += im->check(recv[r], nr, &d[r]);
        free(send[r]);
        free(recv[r]);
    }
    return wrong;
}

static void test_verification_tables(void **state)
{
    llmb_coll_table(42, tab);
    llmb_coll_sums(tab, NR, sum);
    for (int j = 0; j < LLMB_COLL_PERIOD; j++) {
        assert_true(tab[j] == floorf(tab[j]) && tab[j] >= -16 && tab[j] <= 16);
        assert_float_equal(sum[j], tab[j] + tab[(j + LLMB_COLL_STRIDE) % LLMB_COLL_PERIOD] +
                                       tab[(j + 2 * LLMB_COLL_STRIDE) % LLMB_COLL_PERIOD], 0);
    }
    const size_t sizes[] = {8, 4096, 100000};
    for (int c = 0; c < LLMB_COLL_RUN_COUNT; c++)
        for (int s = 0; s < 3; s++) {
            assert_int_equal(simulate((enum llmb_coll)c, sizes[s], -1), 0);
            /* A wrong contribution is counted (broadcast: only the root contributes). */
            long long w = simulate((enum llmb_coll)c, sizes[s], c == LLMB_COLL_BROADCAST ? 0 : 1);
            assert_true(w > 0);
        }
    /* Every element of a 4096-byte allreduce is wrong on every rank when one rank adds 1. */
    assert_int_equal(simulate(LLMB_COLL_ALLREDUCE, 4096, 2), 3 * 1024);
    /* A result that was never written (NaN) is wrong. */
    float x[4];
    struct llmb_coll_data d = {.rank = 0, .n = NR, .off = 0, .tab = tab, .sum = sum};
    llmb_coll_poison(x, 4);
    assert_int_equal(llmb_coll_check_sums(x, 4, 0, &d), 4);
    /* In place: the input goes into recv. */
    const struct llmb_coll_impl *ar = llmb_coll_find(LLMB_COLL_ALLREDUCE, "mpi");
    assert_true(ar->in_place);
    llmb_coll_poison(x, 4);
    ar->init(NULL, 4, x, 4, 1, &d);
    assert_int_equal(llmb_coll_check_values(x, 4, 0, 0, &d), 0);
    /* The NCCL lines (built with NCCL only) check exactly as the MPI ones: the same init and
     * check, the same in-place sweep and root. */
    for (int c = 0; c < LLMB_COLL_RUN_COUNT; c++) {
        const struct llmb_coll_impl *m = llmb_coll_find((enum llmb_coll)c, "mpi");
        const struct llmb_coll_impl *n = llmb_coll_find((enum llmb_coll)c, "nccl");
#ifdef LLMB_HAVE_NCCL
        assert_non_null(n);
        assert_ptr_equal(n->init, m->init);
        assert_ptr_equal(n->check, m->check);
        assert_int_equal(n->in_place, m->in_place);
        assert_string_equal(n->root, m->root);
        assert_non_null(n->run);
        assert_non_null(n->start);
#else
        assert_non_null(m);
        assert_null(n);
#endif
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_busbw_factors), cmocka_unit_test(test_sizes_per_rank),
        cmocka_unit_test(test_round_robin), cmocka_unit_test(test_verification_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
