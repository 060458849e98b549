# automake fragment (included by the top Makefile.am); use += only
# fuzz/: libFuzzer harnesses (doc/fuzzing.md), built with clang (configure: FUZZ_CC) by
# `make fuzz`, never by `make` or `make check`:
#   fuzz_report   bytes as a results file through the whole reporter (lib/ + report/ sources)
#   fuzz_options  bytes as an llmbench command line through llmb_options_parse (bench/options.c,
#                 bench/backend.c and the real kernel, collective and cluster libraries)
# Each harness is one clang command over the sources of the libraries it needs, taken from
# their local.mk lists, so a source added there is fuzzed too.
#   make fuzz [FUZZ_SECONDS=60]   build both, run each for FUZZ_SECONDS side by side
#   make fuzz-build               build only
EXTRA_DIST += fuzz/fuzz_report.c fuzz/fuzz_options.c fuzz/run.sh fuzz/options.dict \
	fuzz/seeds/options/empty fuzz/seeds/options/quick fuzz/seeds/options/quick-quiet-phases \
	fuzz/seeds/options/sizes fuzz/seeds/options/train fuzz/seeds/options/describe \
	fuzz/seeds/options/backend fuzz/seeds/options/bad
CLEANFILES += fuzz/fuzz_report fuzz/fuzz_options fuzz/fuzz_report.tmp fuzz/fuzz_options.tmp
dist_doc_DATA += doc/fuzzing.md

# The harnesses again, with a plain main() (fuzz/replay.c) instead of libFuzzer and built like
# the rest of the tree (with the sanitizers of --enable-sanitizers, if given): make check
# replays every input kept in tests/fuzz/crashes through them (tests/fuzz/crashes.sh).
check_PROGRAMS += fuzz/replay_report fuzz/replay_options
fuzz_replay_report_SOURCES = fuzz/fuzz_report.c fuzz/replay.c
fuzz_replay_report_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_SPECS_DIR='"$(abs_top_srcdir)/cluster/specs"'
fuzz_replay_report_LDADD = libllmb_report.a libllmb.a $(JANSSON_LIBS) -lm
fuzz_replay_report_LINK = $(PLAIN_CC) $(AM_CFLAGS) $(CFLAGS) $(AM_LDFLAGS) $(LDFLAGS) -o $@
fuzz_replay_options_SOURCES = fuzz/fuzz_options.c fuzz/replay.c bench/options.c bench/backend.c
fuzz_replay_options_LDADD = $(LLMB_COLL_LIBS) libllmb_kernels.a libllmb_cluster.a libllmb.a \
	$(HWLOC_LIBS) $(JANSSON_LIBS) $(BLAS_LIBS) -lm
EXTRA_DIST += tests/fuzz/crashes tests/fuzz/known-bugs

FUZZ_SECONDS = 60
# clang flags of the harnesses (any compile flags of this build, sanitizers included, are not
# used: libFuzzer brings its own ASan + UBSan)
FUZZ_FLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -Wno-pass-failed
FUZZ_CPPFLAGS = -I$(top_srcdir) -I$(top_srcdir)/lib -I$(top_builddir) \
	$(HWLOC_CFLAGS) $(JANSSON_CFLAGS) $(BLAS_CPPFLAGS)
# the .c files among the sources of the named libraries, with their path in the source tree
FUZZ_C_OF = for f in $$srcs; do case $$f in *.c) echo "$(top_srcdir)/$$f";; esac; done
FUZZ_NEED_CC = if test "x$(FUZZ_CC)" = xno || test -z "$(FUZZ_CC)"; then \
	echo "make fuzz: needs clang (libFuzzer), and configure found none: install clang" \
	     "(apt-get install clang) and re-run configure, or give FUZZ_CC=/path/to/clang" >&2; \
	exit 1; fi

fuzz/fuzz_report: $(top_srcdir)/fuzz/fuzz_report.c $(libllmb_a_SOURCES) $(libllmb_report_a_SOURCES) config.h
	@$(FUZZ_NEED_CC)
	@$(MKDIR_P) fuzz
	$(AM_V_GEN)srcs='$(libllmb_a_SOURCES) $(libllmb_report_a_SOURCES)'; \
	$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_CPPFLAGS) \
	  -DFUZZ_SPECS_DIR='"$(abs_top_srcdir)/cluster/specs"' \
	  -o $@.tmp $(top_srcdir)/fuzz/fuzz_report.c `$(FUZZ_C_OF)` $(JANSSON_LIBS) -lm && \
	mv -f $@.tmp $@

fuzz/fuzz_options: $(top_srcdir)/fuzz/fuzz_options.c $(top_srcdir)/bench/options.c \
		$(top_srcdir)/bench/backend.c $(libllmb_a_SOURCES) $(libllmb_coll_a_SOURCES) \
		$(libllmb_kernels_a_SOURCES) $(libllmb_cluster_a_SOURCES) config.h $(FUZZ_CUDA_DEPS)
	@$(FUZZ_NEED_CC)
	@$(MKDIR_P) fuzz
	$(AM_V_GEN)srcs='bench/options.c bench/backend.c $(libllmb_a_SOURCES) $(libllmb_coll_a_SOURCES) $(libllmb_kernels_a_SOURCES) $(libllmb_cluster_a_SOURCES)'; \
	$(FUZZ_CC) $(FUZZ_FLAGS) $(FUZZ_CPPFLAGS) $(FUZZ_MPI_CPPFLAGS) -fopenmp \
	  -o $@.tmp $(top_srcdir)/fuzz/fuzz_options.c `$(FUZZ_C_OF)` \
	  $(FUZZ_MPI_LIBS) $(HWLOC_LIBS) $(JANSSON_LIBS) $(BLAS_LIBS) $(FUZZ_CUDA_LIBS) -lm && \
	mv -f $@.tmp $@

fuzz-build: fuzz/fuzz_report fuzz/fuzz_options
fuzz: fuzz-build
	@$(SHELL) $(top_srcdir)/fuzz/run.sh '$(FUZZ_SECONDS)' '$(abs_top_srcdir)' \
	  '$(abs_top_builddir)' '$(PYTHON3)'
.PHONY: fuzz fuzz-build

# The unit tests that tools/check.sh runs once more in a sanitizer build (configure
# --enable-sanitizers): every test program of `make check` (the cmocka tests), the reporter's
# scripts (tests/report/*.sh) and the fuzzers' regression tests (tests/fuzz/*.sh); not the MPI
# integration or scenario scripts.  Prints the list for make check TESTS='...'.
print-sanitizer-tests:
	@for t in $(TESTS); do \
	  case " $(check_PROGRAMS) " in *" $$t "*|*" $$t$(EXEEXT) "*) echo "$$t"; continue;; esac; \
	  case $$t in tests/report/*.sh|tests/size/*.sh|tests/fuzz/*.sh|tests/import/*.sh|tests/detail/report.sh) echo "$$t";; esac; \
	done
.PHONY: print-sanitizer-tests
