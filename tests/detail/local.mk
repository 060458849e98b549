# automake fragment (included by the top Makefile.am); use += only
# tests/detail/: the per-rank detail budget (bench/detail.c, --detail-ranks): its choice of
# ranks, llmbench's summarised file at -np 4, the reporter on both forms of a 600-rank file.
if HAVE_CMOCKA
check_PROGRAMS += tests/detail/test_detail
TESTS += tests/detail/test_detail
endif
tests_detail_test_detail_SOURCES = tests/detail/test_detail.c bench/detail.c bench/detail.h
tests_detail_test_detail_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_detail_test_detail_LDADD = libllmb.a $(CMOCKA_LIBS) $(JANSSON_LIBS) -lm
dist_check_SCRIPTS += tests/detail/report.sh tests/detail/mpi.sh
TESTS += tests/detail/report.sh tests/detail/mpi.sh
EXTRA_DIST += tests/detail/make_detail_fixtures.py
