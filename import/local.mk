# import/: llmbench-import, what other tools measured (nccl-tests, OSU, IMB-MPI1) as an
# llmbench/1 results file.  No MPI, no CUDA: linked with the plain compiler, like the reporter.
# Everything but main() is a library of its own, which the unit test links too.
noinst_LIBRARIES += libllmb_import.a
libllmb_import_a_SOURCES = import/import.h import/text.c import/emit.c import/nccl_tests.c \
	import/osu.c import/imb.c
bin_PROGRAMS += llmbench-import
llmbench_import_SOURCES = import/main.c
llmbench_import_LDADD = libllmb_import.a libllmb.a $(JANSSON_LIBS) -lm
llmbench_import_LINK = $(PLAIN_CC) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $@
dist_man1_MANS += doc/llmbench-import.1

# tests: samples written after each tool's documented format (tests/import/samples/README.md),
# the import -> report round trip and two offers compared; the text layer's unit test
dist_check_SCRIPTS += tests/import/import.sh
TESTS += tests/import/import.sh
EXTRA_DIST += tests/import/make_samples.py tests/import/samples/README.md tests/import/samples/nccl-8xh100-srun.log \
	tests/import/samples/nccl-old-tagged-cut.log tests/import/samples/nccl-8xh100.json \
	tests/import/samples/nccl-bad-row.log tests/import/samples/osu-collectives-8r2n.txt \
	tests/import/samples/osu-pt2pt-2n.txt tests/import/samples/imb-mpi1-4r2n.txt
if HAVE_CMOCKA
check_PROGRAMS += tests/import/test_import
TESTS += tests/import/test_import
endif
tests_import_test_import_SOURCES = tests/import/test_import.c
tests_import_test_import_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_import_test_import_LDADD = libllmb_import.a libllmb.a $(CMOCKA_LIBS) $(JANSSON_LIBS) -lm
tests_import_test_import_LINK = $(PLAIN_CC) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $@
