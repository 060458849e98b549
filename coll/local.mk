# automake fragment (included by the top Makefile.am); use += only
# coll/: the collectives registry (coll/coll.h): one file per collective per communication
# backend (coll/<backend>_<name>.c), the backend's progress calls (coll/<backend>.c), and the
# verification data they share.  MPI; nothing from bench/.
noinst_LIBRARIES += libllmb_coll.a
libllmb_coll_a_SOURCES = coll/coll.c coll/coll.h coll/mpi.c \
	coll/mpi_allreduce.c coll/mpi_reduce_scatter.c coll/mpi_allgather.c \
	coll/mpi_alltoall.c coll/mpi_broadcast.c coll/mpi_sendrecv.c
libllmb_coll_a_CPPFLAGS = -I$(top_srcdir) -I$(top_srcdir)/lib -I$(top_builddir)

# The NCCL backend (configure found NCCL): C against the NCCL and CUDA runtime APIs, in a
# library of its own so that only it sees the CUDA include path; coll/coll.c lists its tables
# in the registry when compiled with -DLLMB_COLL_NCCL.  Every program that links the registry
# links $(LLMB_COLL_LIBS), which brings it and NCCL / cudart after it.
NCCL_COLL_SOURCES = coll/nccl.c coll/nccl_backend.h coll/nccl_allreduce.c \
	coll/nccl_reduce_scatter.c coll/nccl_allgather.c coll/nccl_alltoall.c \
	coll/nccl_broadcast.c coll/nccl_sendrecv.c
LLMB_COLL_LIBS = libllmb_coll.a
if HAVE_NCCL
noinst_LIBRARIES += libllmb_coll_nccl.a
libllmb_coll_nccl_a_SOURCES = $(NCCL_COLL_SOURCES)
libllmb_coll_nccl_a_CPPFLAGS = $(libllmb_coll_a_CPPFLAGS) $(CUDA_CPPFLAGS) $(NCCL_CPPFLAGS)
libllmb_coll_a_CPPFLAGS += -DLLMB_COLL_NCCL
LLMB_COLL_LIBS += libllmb_coll_nccl.a $(NCCL_LDFLAGS) $(CUDA_LDFLAGS) $(NCCL_LIBS) $(CUDA_LIBS)
else
EXTRA_DIST += $(NCCL_COLL_SOURCES)
endif

# tests: the NCCL lines on device memory under mpirun (skipped without a CUDA device)
if HAVE_NCCL
check_PROGRAMS += tests/coll/test_nccl
tests_coll_test_nccl_SOURCES = tests/coll/test_nccl.c tests/comm/coll_cases.c tests/comm/coll_cases.h
tests_coll_test_nccl_CPPFLAGS = $(AM_CPPFLAGS) $(CUDA_CPPFLAGS)
tests_coll_test_nccl_LDADD = $(LLMB_COLL_LIBS) libllmb.a $(JANSSON_LIBS) -lm
dist_check_SCRIPTS += tests/coll/nccl.sh
TESTS += tests/coll/nccl.sh
else
EXTRA_DIST += tests/coll/test_nccl.c tests/coll/nccl.sh
endif
