#!/bin/sh
# Every collective of the registry, blocking and non-blocking, at 3 ranks (tests/comm/test_coll).
. "$top_srcdir/tests/tap.sh"
tap_mpirun 120 -np 3 "$top_builddir/tests/comm/test_coll"
