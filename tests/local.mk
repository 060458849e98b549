# tests/: driver-level unit tests (cmocka) and MPI integration tests (TAP shell scripts).
EXTRA_DIST += tests/env.sh tests/tap.sh

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_options tests/unit/test_results tests/unit/test_stats
TESTS += tests/unit/test_options tests/unit/test_results tests/unit/test_stats
endif
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
UNIT_LDADD = libllmb.a $(CMOCKA_LIBS) $(JANSSON_LIBS) -lm
tests_unit_test_options_SOURCES = tests/unit/test_options.c bench/options.c
tests_unit_test_options_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_options_LDADD = $(UNIT_LDADD)
tests_unit_test_results_SOURCES = tests/unit/test_results.c
tests_unit_test_results_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_results_LDADD = $(UNIT_LDADD)
tests_unit_test_stats_SOURCES = tests/unit/test_stats.c
tests_unit_test_stats_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_stats_LDADD = $(UNIT_LDADD)

dist_check_SCRIPTS += tests/mpi/run_basic.sh tests/mpi/bad_options.sh
TESTS += tests/mpi/run_basic.sh tests/mpi/bad_options.sh
