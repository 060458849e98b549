# kernels/: transformer kernels (interface kernels/kernels.h), the CPU backend, the naive
# references, validation and FLOP/byte accounting, the GPT/Llama model; and the compute phase.
# automake fragment included by the top Makefile.am: += only.
noinst_LIBRARIES += libllmb_kernels.a
libllmb_kernels_a_SOURCES = \
	kernels/kernels.h \
	kernels/cpu/cpu.c \
	kernels/ref/ref.c \
	kernels/cost.c \
	kernels/validate.c \
	kernels/plan.c kernels/plan.h \
	kernels/describe.c \
	kernels/gpt.c kernels/gpt.h
# kernels are the hot path: -O3 (vectorized OpenMP simd loops); no errno from sqrtf and no
# floating-point traps, so that sqrt and the clamps of exp/tanh vectorize (IEEE results are
# unchanged: these only drop errno and trap-flag side effects); plain -O2 elsewhere
libllmb_kernels_a_CFLAGS = $(AM_CFLAGS) -O3 -fno-math-errno -fno-trapping-math

# the compute phase of the driver; libllmb.a again after the kernels, which use it
llmbench_SOURCES += bench/phase_compute.c bench/phase_compute.h
llmbench_LDADD += libllmb_kernels.a libllmb.a $(BLAS_LIBS) -lm

EXTRA_DIST += bench/scripts/bench_compute.sh

KERNEL_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
KERNEL_TEST_LDADD = libllmb_kernels.a libllmb.a $(CMOCKA_LIBS) $(BLAS_LIBS) $(JANSSON_LIBS) -lm
if HAVE_CMOCKA
check_PROGRAMS += tests/kernels/test_kernels tests/kernels/test_gpt tests/kernels/test_cost
TESTS += tests/kernels/test_kernels tests/kernels/test_gpt tests/kernels/test_cost
endif
dist_check_SCRIPTS += tests/kernels/compute_phase.sh
TESTS += tests/kernels/compute_phase.sh

tests_kernels_test_kernels_SOURCES = tests/kernels/test_kernels.c
tests_kernels_test_kernels_CFLAGS = $(KERNEL_TEST_CFLAGS)
tests_kernels_test_kernels_LDADD = $(KERNEL_TEST_LDADD)
tests_kernels_test_gpt_SOURCES = tests/kernels/test_gpt.c
tests_kernels_test_gpt_CFLAGS = $(KERNEL_TEST_CFLAGS)
tests_kernels_test_gpt_LDADD = $(KERNEL_TEST_LDADD)
tests_kernels_test_cost_SOURCES = tests/kernels/test_cost.c
tests_kernels_test_cost_CFLAGS = $(KERNEL_TEST_CFLAGS)
tests_kernels_test_cost_LDADD = $(KERNEL_TEST_LDADD)
