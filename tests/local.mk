# tests/: driver-level unit tests (cmocka) and MPI integration tests (TAP shell scripts).
EXTRA_DIST += tests/env.sh tests/tap.sh tests/with-cpu-lock.sh

if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_options tests/unit/test_results tests/unit/test_stats
TESTS += tests/unit/test_options tests/unit/test_results tests/unit/test_stats
endif
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
UNIT_LDADD = libllmb.a $(CMOCKA_LIBS) $(JANSSON_LIBS) -lm
tests_unit_test_options_SOURCES = tests/unit/test_options.c bench/options.c bench/backend.c
tests_unit_test_options_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_options_LDADD = $(LLMB_COLL_LIBS) libllmb_kernels.a libllmb_cluster.a $(UNIT_LDADD) \
	$(HWLOC_LIBS) $(BLAS_LIBS)
tests_unit_test_results_SOURCES = tests/unit/test_results.c
tests_unit_test_results_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_results_LDADD = $(UNIT_LDADD)
tests_unit_test_stats_SOURCES = tests/unit/test_stats.c
tests_unit_test_stats_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_stats_LDADD = $(UNIT_LDADD)

dist_check_SCRIPTS += tests/mpi/run_basic.sh tests/mpi/bad_options.sh tests/mpi/faults.sh \
	tests/mpi/interrupt.sh tests/mpi/hang.sh
EXTRA_DIST += tests/mpi/midrun.py
CLEANFILES += .test-cpu.lock
TESTS += tests/mpi/run_basic.sh tests/mpi/bad_options.sh tests/mpi/faults.sh \
	tests/mpi/interrupt.sh tests/mpi/hang.sh

# the comm phase: the collectives' verification tables without MPI traffic (cmocka), every
# registered collective verified under mpirun, injected stragglers and corruption
if HAVE_CMOCKA
check_PROGRAMS += tests/comm/test_comm_units
TESTS += tests/comm/test_comm_units
endif
tests_comm_test_comm_units_SOURCES = tests/comm/test_comm_units.c
tests_comm_test_comm_units_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_comm_test_comm_units_LDADD = $(LLMB_COLL_LIBS) libllmb.a $(CMOCKA_LIBS) $(JANSSON_LIBS) -lm
check_PROGRAMS += tests/comm/test_coll
tests_comm_test_coll_SOURCES = tests/comm/test_coll.c tests/comm/coll_cases.c tests/comm/coll_cases.h
tests_comm_test_coll_LDADD = $(LLMB_COLL_LIBS) libllmb.a $(JANSSON_LIBS) -lm
dist_check_SCRIPTS += tests/comm/coll.sh tests/comm/verify.sh tests/comm/inject.sh
TESTS += tests/comm/coll.sh tests/comm/verify.sh tests/comm/inject.sh

# the train phase: replicas, overlap, ZeRO, bad input, divergence
dist_check_SCRIPTS += tests/train/common.sh tests/train/replicas.sh tests/train/overlap.sh \
	tests/train/zero.sh tests/train/bad_input.sh tests/train/diverge.sh
TESTS += tests/train/replicas.sh tests/train/overlap.sh tests/train/zero.sh \
	tests/train/bad_input.sh tests/train/diverge.sh

# kernels/: every kernel against its reference, the model (finite differences, the plan), the
# FLOP and byte accounting; the compute phase under mpirun
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

# cluster/: hand-written topologies (tests/topo), real bindings under mpirun (tests/probe)
dist_check_SCRIPTS += tests/topo/probe_xml.sh tests/probe/binding.sh
TESTS += tests/topo/probe_xml.sh tests/probe/binding.sh

# every layer includes only downwards
dist_check_SCRIPTS += tests/layering.sh
TESTS += tests/layering.sh
EXTRA_DIST += tests/topo/make_xml.py tests/topo/subset.py \
	tests/topo/node8gpu.xml tests/topo/node8gpu.expect.json \
	tests/topo/node1pkg.xml tests/topo/node1pkg.expect.json

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

# report/: fixtures through the whole reporter, the step model, the findings table
dist_check_SCRIPTS += tests/report/report.sh tests/report/real_run.sh
TESTS += tests/report/report.sh tests/report/real_run.sh
EXTRA_DIST += tests/report/make_fixtures.py
# hostile results files: names, control characters, impossible values, bounds
dist_check_SCRIPTS += tests/report/hostile.sh
TESTS += tests/report/hostile.sh
EXTRA_DIST += tests/report/make_hostile.py
# the step model on the reduced demo run and on synthetic A/B pairs
dist_check_SCRIPTS += tests/report/model.sh
TESTS += tests/report/model.sh
EXTRA_DIST += tests/report/make_model_fixtures.py tests/report/demo-2rank-avx512.json
if HAVE_CMOCKA
check_PROGRAMS += tests/report/test_model tests/report/test_findings
TESTS += tests/report/test_model tests/report/test_findings
endif
tests_report_test_model_SOURCES = tests/report/test_model.c
tests_report_test_model_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_report_test_model_LDADD = libllmb_report.a libllmb.a $(CMOCKA_LIBS) $(JANSSON_LIBS) -lm
tests_report_test_model_LINK = $(PLAIN_CC) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $@
tests_report_test_findings_SOURCES = tests/report/test_findings.c
tests_report_test_findings_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_report_test_findings_LDADD = libllmb_report.a libllmb.a $(CMOCKA_LIBS) $(JANSSON_LIBS) -lm
tests_report_test_findings_LINK = $(PLAIN_CC) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $@

# fuzz/: every input the fuzzers crashed on (tests/fuzz/crashes), replayed through the harnesses
# (fuzz/replay_*, fuzz/local.mk); an unfixed one is a TAP TODO (tests/fuzz/known-bugs)
dist_check_SCRIPTS += tests/fuzz/crashes.sh
TESTS += tests/fuzz/crashes.sh

# the emulated cluster (cluster/emulate): A/B scenarios in which the reporter must name the
# injected cause.  They need root and netns/veth/bridge/tbf; without them they report SKIP
# (never PASS).  They serialize among themselves (a lock under /run/llmbench-emulate), so
# make -j check is safe.
EXTRA_DIST += tests/scenarios/common.sh \
	tests/scenarios/scenario.sh \
	tests/scenarios/check_report.py \
	tests/scenarios/emulate_probe.c

EMULATE_TESTS = \
	tests/scenarios/emulate_selftest.sh \
	tests/scenarios/scenario_slow_link.sh \
	tests/scenarios/scenario_cpu_quota.sh \
	tests/scenarios/scenario_shared_core.sh \
	tests/scenarios/scenario_all_links.sh \
	tests/scenarios/scenario_slow_link8.sh

dist_check_SCRIPTS += $(EMULATE_TESTS)
TESTS += $(EMULATE_TESTS)
