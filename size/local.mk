# size/: llmbench-size, the projection and cost of a training job from measured runs (no MPI,
# linked with the plain compiler like the reporter).  Everything but main() is a library the
# unit tests link too.
noinst_LIBRARIES += libllmb_size.a
libllmb_size_a_SOURCES = size/size.h size/fit.c size/measure.c size/project.c \
	size/output.c size/plots.c
bin_PROGRAMS += llmbench-size
llmbench_size_SOURCES = size/main.c
llmbench_size_LDADD = libllmb_size.a libllmb_report.a libllmb_kernels.a libllmb.a \
	$(JANSSON_LIBS) -lm
llmbench_size_LINK = $(PLAIN_CC) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $@
dist_man1_MANS += doc/llmbench-size.1
dist_doc_DATA += doc/sizing.md
EXTRA_DIST += size/validate.sh

# tests: the formulas against worked examples (cmocka), the program on the demo run (TAP)
if HAVE_CMOCKA
check_PROGRAMS += tests/size/test_size
TESTS += tests/size/test_size
endif
tests_size_test_size_SOURCES = tests/size/test_size.c
tests_size_test_size_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_size_test_size_LDADD = libllmb_size.a libllmb_report.a libllmb_kernels.a libllmb.a \
	$(CMOCKA_LIBS) $(JANSSON_LIBS) -lm
tests_size_test_size_LINK = $(PLAIN_CC) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $@
dist_check_SCRIPTS += tests/size/size.sh
TESTS += tests/size/size.sh
