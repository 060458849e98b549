# automake fragment (included by the top Makefile.am); use += only
# bench/: the llmbench MPI driver: options, the backend registry, the phases (one file each,
# bench/phase_<name>.c, registered in bench/phases.h), the common clock and the driver services.
llmbench_SOURCES += \
	bench/main.c bench/llmbench.h \
	bench/options.c bench/options.h \
	bench/driver.c bench/phases.c bench/phases.h \
	bench/backend.c bench/backend.h \
	bench/threads.c bench/threads.h \
	bench/interrupt.c bench/interrupt.h \
	bench/watchdog.c bench/watchdog.h \
	bench/clock.c bench/clock.h \
	bench/buckets.c bench/buckets.h \
	bench/phase_probe.c \
	bench/phase_compute.c \
	bench/detail.c bench/detail.h \
	bench/phase_comm.c bench/comm.h bench/comm_analyze.c bench/comm_links.c \
	bench/comm_pattern.c \
	bench/phase_train.c bench/train.h bench/train_comm.c bench/train_summary.c \
	bench/gpu_telemetry.c bench/gpu_telemetry.h
nodist_llmbench_SOURCES = llmb_version.h
# the libraries of the layers below, each after its users: bench -> coll, kernels, cluster -> lib
if HAVE_CUDA
llmbench_LDADD += libllmb_kernels_cuda.a
endif
if HAVE_CUDA
llmbench_LDADD += libllmb_probe_cuda.a $(CUDA_LDFLAGS) $(NCCL_LDFLAGS) $(NCCL_LIBS) $(CUDA_LIBS)
endif
llmbench_LDADD += $(LLMB_COLL_LIBS) libllmb_kernels.a libllmb_cluster.a libllmb.a $(HWLOC_LIBS) \
	$(JANSSON_LIBS) $(BLAS_LIBS) -lm

# The version: git describe when built from a git checkout, else the package version.
BUILT_SOURCES += llmb_version.h
CLEANFILES += llmb_version.h
llmb_version.h: FORCE
	$(AM_V_GEN)v=`if test -e $(top_srcdir)/.git; then git -C $(top_srcdir) describe --tags --always --dirty 2>/dev/null; fi`; \
	test -n "$$v" || v='$(PACKAGE_VERSION)'; \
	echo "#define LLMB_VERSION_STRING \"$$v\"" > $@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
.PHONY: FORCE
FORCE:

EXTRA_DIST += bench/scripts/bench_compute.sh bench/scripts/bench_comm.sh \
	bench/scripts/bare_allreduce.c bench/scripts/bench_train.sh \
	bench/scripts/bench_scale.sh bench/scripts/bytes_per_rank.py
