#!/bin/sh
# Every NCCL collective of the registry on device memory, blocking and non-blocking, at 2 ranks
# (tests/coll/test_nccl; one GPU per rank, ranks beyond a node's GPUs sit out).  Without a CUDA
# device: skipped.
. "$top_srcdir/tests/tap.sh"
tap_mpirun 300 -np 2 "$top_builddir/tests/coll/test_nccl"
