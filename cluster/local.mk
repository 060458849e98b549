# automake fragment (included by the top Makefile.am); use += only
# cluster/: what the hardware is (hwloc topology, CPU binding, /proc and /sys machine facts),
# a library of its own: no MPI and nothing from bench/ (its include path leaves bench/ out, and
# tests/topo/test_topo links it with the plain compiler), so that the reporter may use it too.
noinst_LIBRARIES += libllmb_cluster.a
libllmb_cluster_a_SOURCES = cluster/binding.c cluster/binding.h \
	cluster/topo.c cluster/topo.h cluster/hwloc_compat.h \
	cluster/machine.c cluster/machine.h \
	cluster/nvml.c cluster/nvml.h
libllmb_cluster_a_CPPFLAGS = -I$(top_srcdir) -I$(top_srcdir)/lib -I$(top_builddir) \
	$(HWLOC_CFLAGS) $(JANSSON_CFLAGS)

# CUDA facts (versions, CUDA ordinal -> PCI bus id): only with the CUDA backend, in a small
# library of its own so that only it sees the CUDA include path.
if HAVE_CUDA
noinst_LIBRARIES += libllmb_probe_cuda.a
libllmb_probe_cuda_a_SOURCES = cluster/cuda_info.c cluster/cuda_info.h
libllmb_probe_cuda_a_CPPFLAGS = $(libllmb_cluster_a_CPPFLAGS) $(CUDA_CPPFLAGS) $(NCCL_CPPFLAGS)
else
EXTRA_DIST += cluster/cuda_info.c cluster/cuda_info.h
endif

# nominal specs of devices and fabrics, with their sources (read by llmbench-report)
nobase_dist_pkgdata_DATA += cluster/specs/h100-sxm.json cluster/specs/a100-sxm.json \
	cluster/specs/mi300x.json cluster/specs/ib-ndr.json cluster/specs/ib-hdr.json \
	cluster/specs/roce-400g.json cluster/specs/efa-p5.json cluster/specs/efa-p4d.json \
	cluster/specs/cpu.json cluster/specs/h200.json cluster/specs/gh200.json \
	cluster/specs/b200.json cluster/specs/l40s.json cluster/specs/a100-pcie.json \
	cluster/specs/h100-pcie.json
EXTRA_DIST += cluster/specs/README.md

# NVML telemetry (cluster/nvml.c, dlopen()ed at run time: no build dependency) against a
# stand-in library with canned values (a shared object built for the test, loaded through
# LLMB_NVML_LIBRARY); cmocka, linked with the plain compiler like tests/topo/test_topo.
check_PROGRAMS += tests/nvml/libfake-nvml.so
tests_nvml_libfake_nvml_so_SOURCES = tests/nvml/fake_nvml.c
tests_nvml_libfake_nvml_so_CFLAGS = $(AM_CFLAGS) -fPIC
tests_nvml_libfake_nvml_so_LINK = $(PLAIN_CC) $(AM_CFLAGS) $(CFLAGS) -fPIC -shared $(LDFLAGS) -o $@
if HAVE_CMOCKA
check_PROGRAMS += tests/nvml/test_nvml
TESTS += tests/nvml/test_nvml
endif
tests_nvml_test_nvml_SOURCES = tests/nvml/test_nvml.c
tests_nvml_test_nvml_CPPFLAGS = $(libllmb_cluster_a_CPPFLAGS)
tests_nvml_test_nvml_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_nvml_test_nvml_LDADD = libllmb_cluster.a libllmb.a $(CMOCKA_LIBS) $(JANSSON_LIBS) -lm
tests_nvml_test_nvml_LINK = $(PLAIN_CC) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $@
