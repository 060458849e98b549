# tests/: driver-level unit tests (cmocka) and MPI integration tests (TAP shell scripts).
EXTRA_DIST += tests/env.sh tests/tap.sh

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_options tests/unit/test_results tests/unit/test_stats
TESTS += tests/unit/test_options tests/unit/test_results tests/unit/test_stats
endif
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
UNIT_LDADD = libllmb.a $(CMOCKA_LIBS) $(JANSSON_LIBS) -lm
tests_unit_test_options_SOURCES = tests/unit/test_options.c bench/options.c bench/backend.c
tests_unit_test_options_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_options_LDADD = libllmb_coll.a libllmb_kernels.a libllmb_cluster.a $(UNIT_LDADD) \
	$(HWLOC_LIBS) $(BLAS_LIBS)
tests_unit_test_results_SOURCES = tests/unit/test_results.c
tests_unit_test_results_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_results_LDADD = $(UNIT_LDADD)
tests_unit_test_stats_SOURCES = tests/unit/test_stats.c
tests_unit_test_stats_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_stats_LDADD = $(UNIT_LDADD)

dist_check_SCRIPTS += tests/mpi/run_basic.sh tests/mpi/bad_options.sh
TESTS += tests/mpi/run_basic.sh tests/mpi/bad_options.sh

# the comm phase: the collectives' verification tables without MPI traffic (cmocka), every
# registered collective verified under mpirun, injected stragglers and corruption
if HAVE_CMOCKA
check_PROGRAMS += tests/comm/test_comm_units
TESTS += tests/comm/test_comm_units
endif
tests_comm_test_comm_units_SOURCES = tests/comm/test_comm_units.c
tests_comm_test_comm_units_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_comm_test_comm_units_LDADD = libllmb_coll.a libllmb.a $(CMOCKA_LIBS) $(JANSSON_LIBS) -lm
dist_check_SCRIPTS += tests/comm/verify.sh tests/comm/inject.sh
TESTS += tests/comm/verify.sh tests/comm/inject.sh

# the train phase: replicas, overlap, ZeRO, bad input, divergence
dist_check_SCRIPTS += tests/train/common.sh tests/train/replicas.sh tests/train/overlap.sh \
	tests/train/zero.sh tests/train/bad_input.sh tests/train/diverge.sh
TESTS += tests/train/replicas.sh tests/train/overlap.sh tests/train/zero.sh \
	tests/train/bad_input.sh tests/train/diverge.sh
