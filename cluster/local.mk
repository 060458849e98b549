# automake fragment (included by the top Makefile.am); use += only
# cluster/: what the hardware is (hwloc topology, CPU binding, /proc and /sys machine facts),
# a library of its own: no MPI and nothing from bench/ (its include path leaves bench/ out, and
# tests/topo/test_topo links it with the plain compiler), so that the reporter may use it too.
noinst_LIBRARIES += libllmb_cluster.a
libllmb_cluster_a_SOURCES = cluster/binding.c cluster/binding.h \
	cluster/topo.c cluster/topo.h cluster/hwloc_compat.h \
	cluster/machine.c cluster/machine.h
libllmb_cluster_a_CPPFLAGS = -I$(top_srcdir) -I$(top_srcdir)/lib -I$(top_builddir) \
	$(HWLOC_CFLAGS) $(JANSSON_CFLAGS)
llmbench_LDADD += libllmb_cluster.a libllmb.a $(HWLOC_LIBS) $(JANSSON_LIBS)

# Tests: hand-written topologies (tests/topo), real bindings under mpirun (tests/probe), and
# cluster/ kept free of MPI and bench/ (tests/topo/layering.sh).
dist_check_SCRIPTS += tests/topo/probe_xml.sh tests/probe/binding.sh tests/topo/layering.sh
TESTS += tests/topo/probe_xml.sh tests/probe/binding.sh tests/topo/layering.sh
EXTRA_DIST += tests/topo/make_xml.py tests/topo/subset.py \
	tests/topo/node8gpu.xml tests/topo/node8gpu.expect.json \
	tests/topo/node1pkg.xml tests/topo/node1pkg.expect.json

# CUDA facts (versions, CUDA ordinal -> PCI bus id): only with the CUDA backend, in a small
# library of its own so that only it sees the CUDA include path.
if HAVE_CUDA
noinst_LIBRARIES += libllmb_probe_cuda.a
libllmb_probe_cuda_a_SOURCES = cluster/cuda_info.c cluster/cuda_info.h
libllmb_probe_cuda_a_CPPFLAGS = $(libllmb_cluster_a_CPPFLAGS) $(CUDA_CPPFLAGS) $(NCCL_CPPFLAGS)
llmbench_LDADD += libllmb_probe_cuda.a $(CUDA_LDFLAGS) $(NCCL_LDFLAGS) $(NCCL_LIBS) $(CUDA_LIBS)
else
EXTRA_DIST += cluster/cuda_info.c cluster/cuda_info.h
endif

# Unit tests of the MPI-free cluster library (cmocka), linked with the plain compiler (no MPI
# library): an MPI call in cluster/ fails this link.
if HAVE_CMOCKA
check_PROGRAMS += tests/topo/test_topo
TESTS += tests/topo/test_topo
endif
tests_topo_test_topo_SOURCES = tests/topo/test_topo.c
tests_topo_test_topo_CPPFLAGS = $(libllmb_cluster_a_CPPFLAGS)
tests_topo_test_topo_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_topo_test_topo_LDADD = libllmb_cluster.a libllmb.a $(CMOCKA_LIBS) $(HWLOC_LIBS) $(JANSSON_LIBS)
tests_topo_test_topo_LINK = $(PLAIN_CC) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $@
