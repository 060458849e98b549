# bench/: the llmbench MPI driver.
llmbench_SOURCES += \
	bench/main.c bench/llmbench.h \
	bench/options.c bench/options.h \
	bench/driver.c bench/phases.c \
	bench/phase_probe.c
nodist_llmbench_SOURCES = llmb_version.h
llmbench_LDADD += libllmb.a $(HWLOC_LIBS) $(JANSSON_LIBS) $(BLAS_LIBS) -lm

# The version: git describe when built from a git checkout, else the package version.
BUILT_SOURCES += llmb_version.h
CLEANFILES += llmb_version.h
llmb_version.h: FORCE
	$(AM_V_GEN)v=`if test -e $(top_srcdir)/.git; then git -C $(top_srcdir) describe --tags --always --dirty 2>/dev/null; fi`; \
	test -n "$$v" || v='$(PACKAGE_VERSION)'; \
	echo "#define LLMB_VERSION_STRING \"$$v\"" > $@.tmp; \
	if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
.PHONY: FORCE
FORCE:

dist_man1_MANS += doc/llmbench.1
dist_doc_DATA += doc/results-schema.md
