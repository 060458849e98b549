# report/: llmbench-report (no MPI, no CUDA).  CC is mpicc in this project, so the reporter is
# linked with the plain compiler configure found behind it (PLAIN_CC).
bin_PROGRAMS += llmbench-report
# the findings catalogue: its table and driver, and the evaluations by subject
rr_findings_sources = report/findings.h report/findings.c report/find_common.c \
	report/find_binding.c report/find_compute.c report/find_comm.c report/find_env.c
llmbench_report_SOURCES = report/main.c report/report.h report/load.c report/rank.c \
	report/format.c report/specs.c report/model.c $(rr_findings_sources) \
	report/output.c report/plots.c
llmbench_report_CPPFLAGS = $(AM_CPPFLAGS) \
	-DLLMB_SPECS_DIR='"$(pkgdatadir)/cluster/specs"' \
	-DLLMB_SRC_SPECS_DIR='"$(abs_top_srcdir)/cluster/specs"'
llmbench_report_LDADD = libllmb.a $(JANSSON_LIBS) -lm
llmbench_report_LINK = $(PLAIN_CC) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $@
nobase_dist_pkgdata_DATA += cluster/specs/h100-sxm.json cluster/specs/a100-sxm.json \
	cluster/specs/mi300x.json cluster/specs/ib-ndr.json cluster/specs/ib-hdr.json \
	cluster/specs/roce-400g.json cluster/specs/efa-p5.json cluster/specs/efa-p4d.json \
	cluster/specs/cpu.json
EXTRA_DIST += cluster/specs/README.md
dist_man1_MANS += doc/llmbench-report.1

# tests of the reporter (tests/report/)
dist_check_SCRIPTS += tests/report/report.sh tests/report/real_run.sh
TESTS += tests/report/report.sh tests/report/real_run.sh
EXTRA_DIST += tests/report/make_fixtures.py
if HAVE_CMOCKA
check_PROGRAMS += tests/report/test_model tests/report/test_findings
TESTS += tests/report/test_model tests/report/test_findings
endif
tests_report_test_model_SOURCES = tests/report/test_model.c report/model.c report/specs.c \
	report/rank.c report/format.c
tests_report_test_model_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_report_test_model_LDADD = libllmb.a $(CMOCKA_LIBS) $(JANSSON_LIBS) -lm
tests_report_test_model_LINK = $(PLAIN_CC) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $@
tests_report_test_findings_SOURCES = tests/report/test_findings.c $(rr_findings_sources) \
	report/rank.c report/format.c
tests_report_test_findings_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_report_test_findings_LDADD = libllmb.a $(CMOCKA_LIBS) $(JANSSON_LIBS) -lm
tests_report_test_findings_LINK = $(PLAIN_CC) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $@
