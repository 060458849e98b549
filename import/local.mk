# import/: llmbench-import, what other tools measured (nccl-tests, OSU, IMB-MPI1) as an
# llmbench/1 results file.  No MPI, no CUDA: linked with the plain compiler, like the reporter.
bin_PROGRAMS += llmbench-import
llmbench_import_SOURCES = import/main.c import/import.h import/text.c import/emit.c \
	import/nccl_tests.c import/osu.c import/imb.c
llmbench_import_LDADD = libllmb.a $(JANSSON_LIBS) -lm
llmbench_import_LINK = $(PLAIN_CC) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $@
dist_man1_MANS += doc/llmbench-import.1

# tests: samples written after each tool's documented format, the import -> report round trip
dist_check_SCRIPTS += tests/import/import.sh
TESTS += tests/import/import.sh
EXTRA_DIST += $(IMPORT_SAMPLES)
IMPORT_SAMPLES =
