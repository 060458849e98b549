# automake fragment (included by the top Makefile.am, last: it extends the link lines of
# tests/ and fuzz/); use += only (SUFFIXES excepted: set here)
# kernels/cuda/: the CUDA backend's kernel tables (kernels/cuda/cuda.h), built by nvcc for the
# architectures of configure's --with-cuda-arch (default sm_80 and sm_90, PTX for the last),
# warnings as errors; a library of its own so that only it sees nvcc.  Its tests: the shared
# per-element math (tests/kernels/test_math.c, built with or without CUDA) and the backend's
# run-time behaviour (tests/kernels/cuda_backend.sh: skipped, not passed, without a device).
NVCC_WFLAGS = -std=c++20 -O3 -Werror all-warnings -Xcompiler -Wall,-Wextra
SUFFIXES = .cu
.cu.$(OBJEXT):
	@$(MKDIR_P) $(@D)
	$(AM_V_GEN)$(NVCC) $(NVCC_WFLAGS) $(CUDA_ARCH_FLAGS) $(NVCCFLAGS) -I$(top_srcdir) \
	  -I$(top_srcdir)/lib -I$(top_builddir) $(CUDA_CPPFLAGS) -c -o $@ $<

if HAVE_CUDA
noinst_LIBRARIES += libllmb_kernels_cuda.a
libllmb_kernels_cuda_a_SOURCES = kernels/cuda/cuda.cu kernels/cuda/cuda.h
# nvcc has no dependency tracking here: the headers it reads, by hand
kernels/cuda/cuda.$(OBJEXT): $(srcdir)/kernels/cuda/cuda.h $(srcdir)/kernels/math.h \
	$(srcdir)/kernels/kernels.h $(srcdir)/lib/error.h
# what links bench/backend.c (whose registry names the CUDA tables) needs them too
CUDA_KERNELS_LIBS = libllmb_kernels_cuda.a libllmb.a $(CUDA_LDFLAGS) $(CUDA_LIBS)
tests_unit_test_options_LDADD += $(CUDA_KERNELS_LIBS)
fuzz_replay_options_LDADD += $(CUDA_KERNELS_LIBS)
# the fuzz harness compiles bench/backend.c from source: the CUDA tables and, with NCCL, the
# NCCL collectives its registry lines name come as libraries
if HAVE_NCCL
FUZZ_NCCL_LIBS = $(abs_top_builddir)/libllmb_coll_nccl.a $(NCCL_LDFLAGS) $(NCCL_LIBS)
FUZZ_CUDA_DEPS = libllmb_kernels_cuda.a libllmb_coll_nccl.a
else
FUZZ_NCCL_LIBS =
FUZZ_CUDA_DEPS = libllmb_kernels_cuda.a
endif
FUZZ_CUDA_LIBS = $(abs_top_builddir)/libllmb_kernels_cuda.a $(FUZZ_NCCL_LIBS) $(CUDA_LDFLAGS) \
	$(CUDA_LIBS)
else
EXTRA_DIST += kernels/cuda/cuda.cu kernels/cuda/cuda.h
FUZZ_CUDA_DEPS =
FUZZ_CUDA_LIBS =
endif

if HAVE_CMOCKA
check_PROGRAMS += tests/kernels/test_math
TESTS += tests/kernels/test_math
if HAVE_CUDA
check_PROGRAMS += tests/kernels/test_cuda_table
TESTS += tests/kernels/test_cuda_table
endif
endif
tests_kernels_test_cuda_table_SOURCES = tests/kernels/test_cuda_table.c
tests_kernels_test_cuda_table_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_kernels_test_cuda_table_LDADD = libllmb_kernels_cuda.a libllmb_kernels.a libllmb.a \
	$(CUDA_LDFLAGS) $(CUDA_LIBS) $(CMOCKA_LIBS) $(BLAS_LIBS) $(JANSSON_LIBS) -lm
tests_kernels_test_math_SOURCES = tests/kernels/test_math.c kernels/math.h
tests_kernels_test_math_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) -fno-math-errno
tests_kernels_test_math_LDADD = $(CMOCKA_LIBS) -lm

dist_check_SCRIPTS += tests/kernels/cuda_backend.sh
TESTS += tests/kernels/cuda_backend.sh

# the device check (run on a GPU machine) and its dependency folder's maker (run here)
EXTRA_DIST += bench/scripts/gpu-check.sh tools/gpu-deps.sh
