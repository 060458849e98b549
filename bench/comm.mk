# automake fragment (included by the top Makefile.am); use += only
# The comm phase: collectives registry (one file per collective), common clock, sweeps.
COMM_COLL_SOURCES = bench/coll.c bench/coll.h \
	bench/coll_allreduce.c bench/coll_reduce_scatter.c bench/coll_allgather.c \
	bench/coll_alltoall.c bench/coll_broadcast.c bench/coll_sendrecv.c
llmbench_SOURCES += bench/comm.c bench/comm.h bench/clock.c bench/clock.h $(COMM_COLL_SOURCES)

if HAVE_CMOCKA
check_PROGRAMS += tests/comm/test_comm_units
TESTS += tests/comm/test_comm_units
endif
tests_comm_test_comm_units_SOURCES = tests/comm/test_comm_units.c $(COMM_COLL_SOURCES)
tests_comm_test_comm_units_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_comm_test_comm_units_LDADD = libllmb.a $(CMOCKA_LIBS) $(JANSSON_LIBS) -lm

dist_check_SCRIPTS += tests/comm/verify.sh tests/comm/inject.sh
TESTS += tests/comm/verify.sh tests/comm/inject.sh

EXTRA_DIST += bench/scripts/bench_comm.sh bench/scripts/bare_allreduce.c doc/methodology.md
