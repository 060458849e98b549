# automake fragment (included by the top Makefile.am); use += only
# The train phase: data-parallel / sharded training steps (bench/train.c), its tests and
# benchmark script.
llmbench_SOURCES += bench/train.c bench/train.h

dist_check_SCRIPTS += tests/train/common.sh tests/train/replicas.sh tests/train/overlap.sh \
	tests/train/zero.sh tests/train/bad_input.sh tests/train/diverge.sh
TESTS += tests/train/replicas.sh tests/train/overlap.sh tests/train/zero.sh \
	tests/train/bad_input.sh tests/train/diverge.sh
EXTRA_DIST += bench/scripts/bench_train.sh
