/* Option parsing: defaults, every option's good and bad values, the one-line error. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"
#include "bench/options.h"

static struct llmb_options opt;
static char err[1024];

static int parse(const char *first, ...)
{
    char *argv[64] = {"llmbench"};
    int argc = 1;
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *)) {
        assert_true(argc < 63); /* room for the arguments and the NULL after them */
        argv[argc++] = (char *)a;
    }
    va_end(ap);
    return llmb_options_parse(&opt, argc, argv, err, sizeof err);
}

static void test_defaults(void **state)
{
    assert_int_equal(parse(NULL), 0);
    assert_int_equal(opt.phases, LLMB_PHASE_ALL);
    assert_string_equal(opt.model, "gpt2-124m");
    assert_string_equal(opt.output, "results");
    assert_int_equal(opt.size_min, 8);
    assert_int_equal(opt.size_max, 256u << 20);
    assert_int_equal(opt.size_factor, 2);
    assert_int_equal(opt.overlap, 1);
    assert_int_equal(opt.link_passes, 2);
    assert_int_equal(opt.collectives, (1u << LLMB_COLL_RUN_COUNT) - 1);
}

static void test_good_values(void **state)
{
    assert_int_equal(parse("--phases", "probe,comm", "--sizes", "1K:64M:4", "--tag", "a-1.b",
                           "--seed", "7", "--warmup", "0", "--min-iters", "3",
                           "--time-per-point", "0.5", "--backend", "cpu", "--model", "tiny",
                           "--layers", "1", "--batch", "2", "--seq", "8", "--bucket-size", "1M",
                           "--no-overlap", "--zero", "--collectives", "allreduce,sendrecv",
                           "--groups", "intra", "--quiet", "--link-passes", "3", NULL), 0);
    assert_int_equal(opt.phases, LLMB_PHASE_PROBE | LLMB_PHASE_COMM);
    assert_int_equal(opt.size_min, 1024);
    assert_int_equal(opt.size_max, 64u << 20);
    assert_int_equal(opt.size_factor, 4);
    assert_string_equal(opt.tag, "a-1.b");
    assert_int_equal(opt.seed, 7);
    assert_int_equal(opt.warmup, 0);
    assert_int_equal(opt.min_iters, 3);
    assert_true(opt.time_per_point_s == 0.5);
    assert_string_equal(opt.backend, "cpu");
    assert_int_equal(opt.layers, 1);
    assert_int_equal(opt.bucket_bytes, 1u << 20);
    assert_int_equal(opt.overlap, 0);
    assert_int_equal(opt.zero, 1);
    assert_int_equal(opt.collectives, (1u << LLMB_COLL_ALLREDUCE) | (1u << LLMB_COLL_SENDRECV));
    assert_int_equal(opt.groups, LLMB_GROUP_INTRA);
    assert_int_equal(opt.quiet, 1);
    assert_int_equal(opt.link_passes, 3);
}

static void test_quick(void **state)
{
    assert_int_equal(parse("--quick", NULL), 0);
    assert_int_equal(opt.size_max, 32u << 20);
    assert_int_equal(opt.steps, 3);
    assert_int_equal(opt.warmup, 1);
    assert_int_equal(opt.layers, 2);
    /* explicit values win over --quick */
    assert_int_equal(parse("--quick", "--sizes", "8:64", "--steps", "5", NULL), 0);
    assert_int_equal(opt.size_max, 64);
    assert_int_equal(opt.steps, 5);
}

/* Each bad value: status 2, and the message names the option and the value. */
static void expect_bad(const char *option, const char *value, const char *words)
{
    int rc = value ? parse(option, value, NULL) : parse(option, NULL);
    assert_int_equal(rc, 2);
    assert_non_null(strstr(err, option));
    if (value)
        assert_non_null(strstr(err, value));
    if (words)
        assert_non_null(strstr(err, words));
    assert_null(strchr(err, '\n'));
}

static void test_bad_values(void **state)
{
    expect_bad("--sizes", "1X:2", "not a size");
    expect_bad("--sizes", "64:8", "MIN is larger");
    expect_bad("--sizes", "8:64:1", "FACTOR");
    expect_bad("--sizes", "8", "MIN:MAX");
    expect_bad("--phases", "probe,bogus", "bogus");
#ifdef LLMB_HAVE_CUDA /* cuda is a backend of this build; whether a device is there is known
                        only at run time (tests/kernels/cuda_backend.sh) */
    expect_bad("--backend", "tpu", "not a backend of this build (it has: auto, cuda, cpu, "
                                   "cuda-fp16, cuda-tf32, cuda-fp32)");
#else
    expect_bad("--backend", "tpu", "not a backend of this build (it has: auto, cpu)");
    expect_bad("--backend", "cuda", "not a backend of this build");
#endif
    expect_bad("--warmup", "-1", "integer");
    expect_bad("--min-iters", "0", NULL);
    expect_bad("--link-passes", "0", "--link-passes");
    expect_bad("--link-passes", "9", "--link-passes");
    expect_bad("--time-per-point", "abc", "seconds");
    expect_bad("--tag", "a/b", NULL);
    expect_bad("--model", "gpt5", "known:");
    expect_bad("--collectives", "allreduce,bcast", "bcast");
    /* the names in messages come from the registries */
    expect_bad("--phases", "bogus", "(known: probe, compute, comm, train, all)");
    expect_bad("--collectives", "bogus", "(known: allreduce, reduce_scatter, allgather, alltoall, "
                                         "broadcast, sendrecv, all)");
    expect_bad("--groups", "bogus", "(known: world, intra, inter, all)");
    /* the results schema's import-only collectives (lib/metrics.h, run 0): refused by name */
    expect_bad("--collectives", "allreduce,gather", "'gather' is import-only");
    expect_bad("--collectives", "hypercube", "it runs: allreduce, reduce_scatter, allgather, "
                                             "alltoall, broadcast, sendrecv, all)");
    expect_bad("--groups", "rack", "rack");
    expect_bad("--bucket-size", "2", NULL);
    expect_bad("--seed", "x1", NULL);
    expect_bad("--layers", "0", NULL);
    expect_bad("--no-such-option", NULL, "unknown option");
    expect_bad("--sizes", NULL, "missing value");
}

static void test_model_limits(void **state)
{
    assert_int_equal(parse("--model", "tiny", "--layers", "1000", NULL), 2);
    assert_non_null(strstr(err, "1000"));
    /* batch x seq beyond an int: refused, not overflowed */
    assert_int_equal(parse("--model", "llama-7b", "--batch", "65536", "--seq", "1048576", NULL), 2);
    assert_non_null(strstr(err, "tokens per micro-batch"));
    assert_int_equal(parse("stray", NULL), 2);
    assert_non_null(strstr(err, "stray"));
}

static void test_modes(void **state)
{
    assert_int_equal(parse("--help", NULL), 0);
    assert_int_equal(opt.help, 1);
    assert_int_equal(parse("--version", NULL), 0);
    assert_int_equal(opt.version, 1);
    assert_int_equal(parse("--describe-model", "tiny", NULL), 0);
    assert_string_equal(opt.describe_model, "tiny");
    /* the preset's batch and native context unless given (0 = preset default) */
    assert_int_equal(opt.batch, 0);
    assert_int_equal(opt.seq, 0);
    assert_int_equal(parse("--describe-model", "tiny", "--seq", "32", NULL), 0);
    assert_int_equal(opt.batch, 0);
    assert_int_equal(opt.seq, 32);
    /* a mixture-of-experts preset: described, never run by the compute and train phases */
    assert_int_equal(parse("--describe-model", "mixtral-8x7b", NULL), 0);
    assert_int_equal(parse("--model", "mixtral-8x7b", "--phases", "probe,comm", NULL), 0);
    assert_int_equal(parse("--model", "mixtral-8x7b", NULL), 2);
    assert_non_null(strstr(err, "mixture-of-experts"));
    assert_null(strchr(err, '\n'));
    assert_int_equal(parse("--model", "llama2-7b", "--phases", "compute", NULL), 0);
    assert_string_equal(opt.model, "llama2-7b");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),   cmocka_unit_test(test_good_values),
        cmocka_unit_test(test_quick),      cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_model_limits), cmocka_unit_test(test_modes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
