# report/: llmbench-report (no MPI, no CUDA).  CC is mpicc in this project, so the reporter is
# linked with the plain compiler configure found behind it (PLAIN_CC).
# Everything but main() is a library of its own, which the reporter's unit tests link too.
noinst_LIBRARIES += libllmb_report.a
libllmb_report_a_SOURCES = report/report.h report/load.h report/load.c report/load_comm.c report/load_train.c report/rank.c report/format.c \
	report/specs.c report/model.c report/model_comm.c report/compare.c \
	report/findings.h report/findings.c report/find_common.c report/find_binding.c \
	report/find_compute.c report/find_comm.c report/find_model.c report/find_env.c \
	report/find_cliff.c report/find_cores.c report/find_gpu.c report/pus.c \
	report/output.c report/output_csv.c report/plots.c
bin_PROGRAMS += llmbench-report
llmbench_report_SOURCES = report/main.c
llmbench_report_CPPFLAGS = $(AM_CPPFLAGS) \
	-DLLMB_SPECS_DIR='"$(pkgdatadir)/cluster/specs"' \
	-DLLMB_SRC_SPECS_DIR='"$(abs_top_srcdir)/cluster/specs"'
llmbench_report_LDADD = libllmb_report.a libllmb.a $(JANSSON_LIBS) -lm
llmbench_report_LINK = $(PLAIN_CC) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $@

# the GPU findings (NVML telemetry, device specs) on synthetic GPU runs
dist_check_SCRIPTS += tests/report/gpu.sh
TESTS += tests/report/gpu.sh
EXTRA_DIST += tests/report/make_gpu_fixtures.py
