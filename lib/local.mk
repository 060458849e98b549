# automake fragment (included by the top Makefile.am); use += only
# lib/: the internal library shared by the driver and the reporter (no MPI calls in here).
libllmb_a_SOURCES = \
	lib/error.c lib/error.h \
	lib/util.c lib/util.h \
	lib/stats.c lib/stats.h \
	lib/metrics.c lib/metrics.h \
	lib/results.c lib/results.h \
	lib/model.c lib/model.h \
	lib/probe_warnings.h
