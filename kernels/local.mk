# automake fragment (included by the top Makefile.am); use += only
# kernels/: transformer kernels (interface kernels/kernels.h), the CPU backend, the naive
# references, validation and FLOP/byte accounting, the plan of a training step and the
# GPT/Llama model that executes it.  No MPI.
noinst_LIBRARIES += libllmb_kernels.a
libllmb_kernels_a_SOURCES = \
	kernels/kernels.h kernels/math.h \
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
